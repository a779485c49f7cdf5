"""A browser trial of the chat page and the partner widget, as a person uses them: each question typed into the
real page in headless Chromium (Debian's, through Playwright), the answer read once it stops changing, a screenshot
of it and of its citations, every host the pages contacted and every console error.

    python scripts/browser_trial.py QUESTIONS.json OUT_DIR [PREFIX ...]

QUESTIONS.json: {"chat": [[prefix, study or null, [[slug, question], ...]], ...], "widget": [[slug, question], ...]}.
Needs the chat served at --base (``trialchat demo``) and a partner page with the widget at --partner. Writes
OUT_DIR/shots/*.png and OUT_DIR/results-<prefixes>.json (hosts, console, answers).
"""
import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import sync_playwright

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("questions")
ap.add_argument("out")
ap.add_argument("only", nargs="*", help="run only these chat prefixes (and widget slugs by their first part)")
ap.add_argument("--base", default="http://127.0.0.1:7891")
ap.add_argument("--partner", default="http://127.0.0.1:7892/")
ap.add_argument("--chromium", default="/usr/bin/chromium")
args = ap.parse_args()
spec = json.loads(Path(args.questions).read_text())
CHAT = [(p, s, [tuple(t) for t in turns]) for p, s, turns in spec.get("chat", [])]
WIDGET = [tuple(w) for w in spec.get("widget", [])]
OUT = str(Path(args.out) / "shots")
Path(OUT).mkdir(parents=True, exist_ok=True)
BASE, PARTNER = args.base, args.partner

only = set(args.only)
hosts, console, results = {}, [], []

def watch(page):
    page.on("request", lambda r: hosts.__setitem__(urlparse(r.url).hostname or r.url[:30], hosts.get(urlparse(r.url).hostname or r.url[:30], 0) + 1))
    page.on("console", lambda m: console.append(f"{m.type}: {m.text} @ {page.url}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: console.append(f"pageerror: {e} @ {page.url}"))

LAST_CHANGE = [0.0]
def stable(get, quiet=2.0, limit=180):
    last, since, t0 = get(), time.time(), time.time()
    LAST_CHANGE[0] = since
    while time.time() - t0 < limit:
        time.sleep(0.1)
        now = get()
        if now != last:
            last, since = now, time.time()
            LAST_CHANGE[0] = since
        elif time.time() - since >= quiet:
            return last
    return last

def chat_shot(page, name, el_js):
    # scroll the chat so the element is at the top of its scroller, then clip the chat column
    page.evaluate("(() => { const el = " + el_js + "; el.scrollIntoView({block:'start'}); "
                  "let p = el.parentElement; while (p && !(p.scrollHeight > p.clientHeight + 2 && "
                  "/(auto|scroll)/.test(getComputedStyle(p).overflowY))) p = p.parentElement; "
                  "if (p) p.scrollTop -= 110; })()")
    time.sleep(0.4)
    box = page.locator("#tc-chat").bounding_box()
    page.screenshot(path=f"{OUT}/{name}.png", clip={"x": box["x"], "y": box["y"], "width": box["width"], "height": box["height"]})

def run_chat(ctx, prefix, study, turns):
    page = ctx.new_page()
    watch(page)
    url = BASE + "/" + (f"?study={study}" if study else "")
    page.goto(url, wait_until="domcontentloaded")
    page.locator("#tc-question textarea").wait_for(timeout=120_000)
    if study:
        page.locator("#tc-card .tc-card-id", has_text=study).wait_for(timeout=60_000)
    page.wait_for_function("() => !document.querySelector('.pending, .generating')")
    time.sleep(0.5)
    for i, (slug, q) in enumerate(turns, 1):
        box = page.locator("#tc-question textarea")
        box.fill(q)
        t0 = time.time()
        box.press("Enter")
        page.locator("#tc-chat .tc-answer").nth(i - 1).wait_for(timeout=180_000)
        page.wait_for_function("() => !document.querySelector('#tc-chat .tc-thinking, #tc-chat .tc-stream')", timeout=180_000)
        secs = time.time() - t0
        msg_js = f"[...document.querySelectorAll('#tc-chat .tc-answer')][{i-1}]"
        text = stable(lambda js=msg_js: page.evaluate(js + ".innerText"))
        settled = round(LAST_CHANGE[0] - t0, 1)
        cites = page.evaluate(msg_js + ".parentElement.querySelectorAll('.tc-cite summary').length ? "
                              f"[...{msg_js}.parentElement.querySelectorAll('.tc-cite summary')].map(s => s.innerText.trim()) : []")
        name = f"{prefix}-{slug}"
        chat_shot(page, name, msg_js)
        shots = [name]
        if cites:
            page.evaluate(msg_js + ".parentElement.querySelector('.tc-cite summary').click()")
            time.sleep(0.3)
            chat_shot(page, name + "-citations", msg_js + ".parentElement.querySelector('.tc-cite')")
            page.evaluate(msg_js + ".parentElement.querySelector('.tc-cite').open = false")
            shots.append(name + "-citations")
        r = dict(kind="chat", page=("/?study=" + study) if study else "/", q=q, secs=round(secs, 1), settled=settled, text=text,
                 cites=cites, shots=shots)
        print(json.dumps(r, ensure_ascii=False)[:400], flush=True)
        results.append(r)
    page.close()

ROOT = "document.querySelector('[data-trialchat]').shadowRoot"

def run_widget(ctx, slug, q, first):
    page = ctx.new_page()
    watch(page)
    page.goto(PARTNER, wait_until="load")
    page.locator("[data-trialchat] .btn").wait_for(timeout=60_000)
    if first:
        page.screenshot(path=f"{OUT}/w-partner-closed.png")
    page.locator("[data-trialchat] .btn").click()
    panel = page.locator("[data-trialchat] .panel")
    panel.wait_for(state="visible")
    time.sleep(0.5)
    if first:
        page.screenshot(path=f"{OUT}/w-partner-open.png")
    panel.locator("textarea").fill(q)
    t0 = time.time()
    panel.locator("textarea").press("Enter")
    panel.locator('.msg.bot[aria-busy="false"]').first.wait_for(timeout=180_000)
    secs = time.time() - t0
    bot = panel.locator(".msg.bot").first
    final = bot.locator("[data-final], .text").first
    text = stable(lambda: final.inner_text())
    settled = round(LAST_CHANGE[0] - t0, 1)
    cites = [s.inner_text().strip() for s in bot.locator("summary").all()]
    pb = panel.bounding_box()
    page.evaluate(ROOT + ".querySelector('.msg.me').scrollIntoView({block:'start'})")
    time.sleep(0.3)
    page.screenshot(path=f"{OUT}/{slug}.png", clip=pb)
    shots = [slug]
    if cites:
        bot.locator("summary").first.click()
        time.sleep(0.3)
        page.evaluate(ROOT + ".querySelector('.msg.bot details').scrollIntoView({block:'center'})")
        time.sleep(0.3)
        page.screenshot(path=f"{OUT}/{slug}-citations.png", clip=pb)
        shots.append(slug + "-citations")
    r = dict(kind="widget", page="partner page /", q=q, secs=round(secs, 1), settled=settled, text=text, cites=cites, shots=shots)
    print(json.dumps(r, ensure_ascii=False)[:400], flush=True)
    results.append(r)
    page.close()

udd = tempfile.mkdtemp(prefix="trial-udd-", dir=args.out)
with sync_playwright() as p:
    ctx = p.chromium.launch_persistent_context(
        udd, executable_path=args.chromium, headless=True,
        viewport={"width": 1280, "height": 900},
        args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync"])
    for page in ctx.pages:
        watch(page)
    for prefix, study, turns in CHAT:
        if only and prefix not in only:
            continue
        run_chat(ctx, prefix, study, turns)
    for i, (slug, q) in enumerate(WIDGET):
        if only and slug.split("-")[0] not in only and "w" not in only:
            continue
        run_widget(ctx, slug, q, i == 0)
    ctx.close()
shutil.rmtree(udd, ignore_errors=True)
tag = "-".join(sorted(only)) or "all"
json.dump(dict(hosts=hosts, console=console, results=results), open(f"{args.out}/results-{tag}.json", "w"), ensure_ascii=False, indent=1)
print("HOSTS", hosts)
print("CONSOLE", console)
