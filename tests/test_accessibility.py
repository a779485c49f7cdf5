"""Accessibility of the web chat and the partner widget, in Debian chromium against the real app over the
ingested sample: axe-core (``axe-playwright-python``, its ``axe.min.js`` shipped in the package, no CDN) in
every state, a keyboard-only walk through the widget, what a screen reader is told, target sizes, reduced
motion and 200% zoom. The axe numbers and the walk's screenshots are written to ``docs/accessibility/``."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest_web import (  # noqa: F401
    REPO,
    LiveServer,
    browser,
    live_app,
    other_site,
    page,
    partner_html,
    partner_page_dir,
    partner_site,
    real_corpus,
    real_service,
)

pytestmark = pytest.mark.browser

STUDY = "NCT02552212"  # C-AXSPAND
OUT = Path(os.environ.get("TRIALCHAT_A11Y_OUT", REPO / "docs" / "accessibility"))
BLOCKING = ("serious", "critical")
_AXE: dict[str, dict] = {}  # state -> {"violations": [...]}, written to OUT at the end of the module


@pytest.fixture(scope="module", autouse=True)
def axe_report():
    yield
    if not _AXE:
        return
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for state, violations in sorted(_AXE.items()):
        by = {i: sum(1 for v in violations if v["impact"] == i) for i in ("critical", "serious", "moderate", "minor")}
        ids = ", ".join(f"{v['id']} ({v['impact']}, {len(v['nodes'])})" for v in violations) or "none"
        rows.append(f"| {state} | {by['critical']} | {by['serious']} | {by['moderate']} | {by['minor']} | {ids} |")
    (OUT / "axe-report.json").write_text(json.dumps(
        {s: [{k: v[k] for k in ("id", "impact", "help", "helpUrl")} | {"targets": [n["target"] for n in v["nodes"]]}
             for v in vs] for s, vs in sorted(_AXE.items())}, indent=1), encoding="utf-8")
    (OUT / "axe-report.md").write_text(
        "# axe-core results (written by tests/test_accessibility.py)\n\n"
        "| state | critical | serious | moderate | minor | rules (impact, nodes) |\n|---|---|---|---|---|---|\n"
        + "\n".join(rows) + "\n", encoding="utf-8")


def audit(page, state: str) -> list[str]:
    """Run axe on the page as it is now (open shadow roots included); the serious and critical findings."""
    from axe_playwright_python.sync_playwright import Axe

    # a panel fading in is half transparent: let finite animations (in the page and the widget) end first
    page.evaluate("""() => Promise.all([document, ...[...document.querySelectorAll('[data-trialchat]')]
        .map(h => h.shadowRoot)].flatMap(r => r.getAnimations())
        .filter(a => a.effect.getComputedTiming().iterations !== Infinity).map(a => a.finished.catch(() => null)))""")
    violations = Axe().run(page).response["violations"]
    _AXE[state] = violations
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:4]}"
            for v in violations if v["impact"] in BLOCKING]


def shot(page, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / f"{name}.png"))


# ------------------------------------------------------------------ the widget
def widget_page(url: str, dir_: Path, name: str, studies: str = STUDY, **kw) -> None:
    (dir_ / f"{name}.html").write_text(partner_html(url, studies, **kw), encoding="utf-8")


def root_js(expr: str) -> str:
    """A function body run with `r` = the widget's shadow root."""
    return f"() => {{ const r = document.querySelector('[data-trialchat]').shadowRoot; {expr} }}"


def open_widget(page, url: str):
    page.goto(url)
    page.locator("[data-trialchat] .btn").click()
    panel = page.locator("[data-trialchat] .panel")
    panel.wait_for(state="visible")
    return panel


def ask(panel, question: str, n: int):
    panel.locator("textarea").fill(question)
    panel.locator("textarea").press("Enter")
    panel.locator('.msg.bot[aria-busy="false"]').nth(n - 1).wait_for(timeout=60_000)
    return panel.locator(".msg.bot").nth(n - 1)


def test_widget_axe_in_every_state(page, live_app, partner_site, other_site, partner_page_dir, tmp_path):
    from web_doubles import FakeAnswerService

    from app import create_app
    from trialchat.settings import Settings

    widget_page(live_app.url, partner_page_dir, "a11y-widget")
    panel = open_widget(page, f"{partner_site.origin}/a11y-widget.html")
    found = {"widget: empty": audit(page, "widget: empty")}
    bot = ask(panel, "Who can join?", 1)
    for summary in bot.locator("summary").all():
        summary.click()
    found["widget: answered, citations open"] = audit(page, "widget: answered, citations open")
    panel.locator("textarea").fill("why " * 600)  # over the limit: said, not cut, not sent
    panel.locator("textarea").press("Enter")
    assert panel.locator(".hint").inner_text() == "Your question is 2,399 characters long; the limit is 2,000. Please shorten it."
    assert len(panel.locator("textarea").input_value()) == 2400 and panel.locator(".msg.me").count() == 1
    assert panel.locator("textarea").get_attribute("aria-invalid") == "true"
    found["widget: question too long"] = audit(page, "widget: question too long")

    widget_page(live_app.url, partner_page_dir, "a11y-widget-light", color="#ffd400")  # a pale partner colour
    panel = open_widget(page, f"{partner_site.origin}/a11y-widget-light.html")
    ask(panel, "Where is it happening?", 1)
    found["widget: pale partner colour, answered"] = audit(page, "widget: pale partner colour, answered")

    widget_page(live_app.url, partner_page_dir, "a11y-widget-refused")
    open_widget(page, f"{other_site.origin}/a11y-widget-refused.html")
    page.locator("[data-trialchat] .msg.err").wait_for()
    found["widget: refused origin"] = audit(page, "widget: refused origin")

    server = LiveServer(create_app(Settings(data_dir=tmp_path, allowed_origins=[partner_site.origin]),
                                   service=FakeAnswerService(fail_on="explode"))).start()
    try:
        widget_page(server.url, partner_page_dir, "a11y-widget-error", studies="NCT02633163")
        panel = open_widget(page, f"{partner_site.origin}/a11y-widget-error.html")
        ask(panel, "please explode", 1)
        found["widget: answering failed"] = audit(page, "widget: answering failed")
    finally:
        server.stop()
    assert not any(found.values()), json.dumps(found, indent=1)


def focused(page) -> dict:
    """What has the keyboard focus inside the widget, and whether it is visibly marked."""
    return page.evaluate(root_js("""
      const a = r.activeElement; if (!a) return {tag: null};
      const s = getComputedStyle(a);
      return {tag: a.tagName.toLowerCase(), cls: a.className, text: (a.innerText || a.value || '').slice(0, 60),
              ring: s.boxShadow.includes('rgb(27, 27, 27)'),  // the widget's focus ring, not a control's own shadow
              open: a.tagName === 'SUMMARY' ? a.parentElement.open : null};"""))


def test_widget_keyboard_only_walk(page, live_app, partner_site, partner_page_dir):
    """Tab to the launcher, open it, ask, reach and open each citation, close: focus is back on the launcher.
    Every stop has a visible focus ring. Screenshots of the walk go to docs/accessibility/."""
    widget_page(live_app.url, partner_page_dir, "a11y-keys")
    page.goto(f"{partner_site.origin}/a11y-keys.html")
    page.locator("[data-trialchat] .btn").wait_for()
    page.keyboard.press("Tab")
    f = focused(page)
    assert f["cls"] == "btn" and f["ring"], f
    shot(page, "keyboard-1-launcher-focused")
    page.keyboard.press("Enter")
    f = focused(page)
    assert f["tag"] == "textarea" and f["ring"], f  # the dialog opens on the question box
    page.keyboard.type("Who can join?")
    shot(page, "keyboard-2-question-typed")
    page.keyboard.press("Enter")
    panel = page.locator("[data-trialchat] .panel")
    panel.locator('.msg.bot[aria-busy="false"]').first.wait_for(timeout=60_000)
    n_cites = panel.locator(".msg.bot ol > li").count()
    assert n_cites >= 2

    # back to the top of the dialog, then forward through every stop
    for _ in range(n_cites * 2 + 6):
        page.keyboard.press("Shift+Tab")
        if focused(page)["cls"] == "x":
            break
    assert focused(page)["cls"] == "x"
    opened, stops = 0, []
    for _ in range(n_cites * 3 + 4):
        page.keyboard.press("Tab")
        f = focused(page)
        stops.append(f)
        assert f["ring"], f
        if f["tag"] == "summary":
            page.keyboard.press("Enter")
            assert focused(page)["open"] is True
            opened += 1
            if opened == 1:
                shot(page, "keyboard-3-first-citation-open")
        if f["tag"] == "textarea":
            break
    assert opened == n_cites, stops
    assert any(s["tag"] == "a" for s in stops)  # each opened citation's link to the record is reachable too
    shot(page, "keyboard-4-all-citations-open")
    page.keyboard.press("Escape")
    assert panel.is_hidden()
    f = focused(page)
    assert f["cls"] == "btn" and f["ring"], f
    assert page.evaluate(root_js("return r.querySelector('.btn').getAttribute('aria-expanded')")) == "false"
    shot(page, "keyboard-5-closed-focus-on-launcher")


def test_widget_tells_a_screen_reader_once(page, live_app, partner_site, partner_page_dir):
    """The transcript is a log; streamed words are hidden from it while they arrive; the finished answer is
    added once; the busy state is said (a status line and aria-busy) and cleared."""
    widget_page(live_app.url, partner_page_dir, "a11y-live")
    panel = open_widget(page, f"{partner_site.origin}/a11y-live.html")
    assert page.evaluate(root_js("return r.querySelector('.log').getAttribute('role')")) == "log"
    page.evaluate(root_js("""
      window.__said = []; window.__busy = [];
      const log = r.querySelector('.log'), busy = r.querySelector('[role=status].sr');
      const hidden = n => (n.nodeType === 1 ? n : n.parentElement).closest('[aria-hidden=true]');
      new MutationObserver(ms => ms.forEach(m => {
        if (m.type === 'attributes') { window.__busy.push(m.target.getAttribute('aria-busy')); return; }
        m.addedNodes.forEach(n => {
          if (n.nodeType === 1 && n.hasAttribute('aria-busy')) window.__busy.push(n.getAttribute('aria-busy'));
          if (!hidden(n) && n.textContent.trim()) window.__said.push(n.textContent); });
        if (m.type === 'characterData' && !hidden(m.target)) window.__said.push('(changed) ' + m.target.textContent);
      })).observe(log, {childList: true, subtree: true, characterData: true, attributes: true,
                        attributeFilter: ['aria-busy']});
      window.__status = [];
      new MutationObserver(() => window.__status.push(busy.textContent)).observe(busy, {childList: true,
        characterData: true, subtree: true});"""))
    bot = ask(panel, "Who can join?", 1)
    answer = bot.locator("[data-final]").inner_text()
    said = page.evaluate("() => window.__said")
    assert sum(1 for s in said if answer in s) == 1, said  # the answer, once
    assert not any(s.startswith("(changed)") for s in said), said  # no token-by-token changes read out
    assert page.evaluate("() => window.__busy") == ["true", "false"]  # the answer's bubble: busy, then done
    assert page.evaluate("() => window.__status") == ["The assistant is answering…", ""]


def small_targets(page, js_root: str) -> list[str]:
    return page.evaluate(f"""() => {{ const r = {js_root};
      return [...r.querySelectorAll('button, a[href], summary, select, textarea, input, [role=option]')]
        .filter(e => e.getClientRects().length && !e.closest('[hidden]'))
        .map(e => [e, e.getBoundingClientRect()])
        .filter(([e, b]) => b.width < 44 || b.height < 44)
        .map(([e, b]) => `${{e.tagName}}.${{e.className}} "${{(e.innerText || e.ariaLabel || '').slice(0, 30)}}" ` +
                         `${{Math.round(b.width)}}x${{Math.round(b.height)}}`); }}""")


def test_widget_targets_motion_and_zoom(browser, live_app, partner_site, partner_page_dir):
    """Every control at least 44×44 px; no animation for people who ask for less motion; at 200% zoom
    (a 640×450 CSS-pixel viewport) the panel fits, nothing scrolls sideways, and a question can be asked."""
    widget_page(live_app.url, partner_page_dir, "a11y-zoom")
    context = browser.new_context(viewport={"width": 640, "height": 450}, device_scale_factor=2,
                                  reduced_motion="reduce")
    pg = context.new_page()
    try:
        panel = open_widget(pg, f"{partner_site.origin}/a11y-zoom.html")
        motion = pg.evaluate(root_js("return getComputedStyle(r.querySelector('.panel')).animationName"))
        assert motion == "none"
        bot = ask(panel, "Who can join?", 1)
        for summary in bot.locator("summary").all():
            summary.click()
        assert small_targets(pg, "document.querySelector('[data-trialchat]').shadowRoot") == []
        box = pg.evaluate(root_js("const b = r.querySelector('.panel').getBoundingClientRect(); "
                                  "return [b.left, b.top, b.right, b.bottom, innerWidth, innerHeight, "
                                  "document.documentElement.scrollWidth]"))
        left, top, right, bottom, width, height, scroll_width = box
        assert left >= 0 and top >= 0 and right <= width and bottom <= height and scroll_width <= width, box
        assert panel.locator("textarea").is_visible() and panel.locator("form button").is_visible()
        shot(pg, "zoom-200-widget")
    finally:
        context.close()


# ------------------------------------------------------------------ the web chat
def chat_ask(page, question: str, n: int):
    page.locator("#tc-question textarea").fill(question)
    page.locator("#tc-question textarea").press("Enter")
    page.locator("#tc-chat .tc-answer").nth(n - 1).wait_for(timeout=60_000)
    page.wait_for_function("() => !document.querySelector('#tc-chat .tc-thinking')")


def chat_idle(page) -> None:
    """The page's load events are done (Gradio marks components pending while they run)."""
    page.locator("#tc-question textarea").wait_for()
    page.wait_for_function("() => !document.querySelector('.pending, .generating')")


def test_chat_axe_in_every_state(page, live_app):
    page.goto(live_app.url + "/")
    chat_idle(page)
    found = {"chat: empty": audit(page, "chat: empty")}

    page.goto(f"{live_app.url}/?study={STUDY}")
    page.locator("#tc-card .tc-card-id", has_text=STUDY).wait_for()
    chat_ask(page, "Who can join?", 1)
    for summary in page.locator("#tc-chat .tc-cite summary").all():
        summary.click()
    found["chat: answered, citations open"] = audit(page, "chat: answered, citations open")
    shot(page, "chat-answered-citations-open")

    page.goto(f"{live_app.url}/?study=NCT99999999")  # a deep link to a study this collection does not have
    page.locator("#tc-notice", has_text="There is no study NCT99999999").wait_for()
    page.locator("#tc-question textarea").fill("why " * 600)
    page.locator("#tc-question textarea").press("Enter")
    page.locator("#tc-chat", has_text="the limit is 2000").wait_for()
    found["chat: unknown study, question too long"] = audit(page, "chat: unknown study, question too long")
    shot(page, "chat-unknown-study-too-long")
    assert not any(found.values()), json.dumps(found, indent=1)


def test_chat_tells_a_screen_reader_once_and_works_by_keyboard(page, live_app):
    """The conversation is a log that is not read word by word: busy while answering, the finished answer
    said once in a status line. The citations are reached and opened with the keyboard alone."""
    page.goto(f"{live_app.url}/?study={STUDY}")
    page.locator("#tc-card .tc-card-id", has_text=STUDY).wait_for()
    page.evaluate("""() => { window.__live = []; window.__busy = [];
      const live = document.getElementById('tc-live');
      new MutationObserver(() => window.__live.push(live.textContent)).observe(live, {childList: true,
        characterData: true, subtree: true});
      const log = document.querySelector('#tc-chat [role=log]');
      new MutationObserver(() => window.__busy.push(log.getAttribute('aria-busy'))).observe(log,
        {attributes: true, attributeFilter: ['aria-busy']}); }""")
    page.locator("#tc-question textarea").focus()
    page.keyboard.type("Who can join?")
    page.keyboard.press("Enter")
    page.locator("#tc-chat .tc-answer").first.wait_for(timeout=60_000)
    page.wait_for_function("() => !document.querySelector('#tc-chat .tc-thinking, #tc-chat .tc-stream')")
    answer = page.locator("#tc-chat .tc-answer").first.inner_text()
    log = page.locator("#tc-chat [role=log]")
    assert log.get_attribute("aria-live") == "off" and log.get_attribute("aria-busy") == "false"
    said = page.evaluate("() => window.__live")
    assert said[0] == "The assistant is answering…" and said.count(answer) == 1 and said[-1] == answer, said
    assert page.evaluate("() => window.__busy")[:2] == ["true", "false"]

    summaries = page.locator("#tc-chat .tc-cite summary")
    n = summaries.count()
    opened = 0
    for _ in range(60):  # forward from the question box's neighbourhood through the page
        page.keyboard.press("Tab")
        tag = page.evaluate("() => document.activeElement.tagName")
        if tag == "SUMMARY":
            page.keyboard.press("Enter")
            opened += 1
            if opened == n:
                break
    assert opened == n and page.locator("#tc-chat .tc-cite[open]").count() == n
    ring = page.evaluate("() => { const s = getComputedStyle(document.activeElement); "
                         "return [s.outlineStyle, s.outlineWidth, s.outlineColor]; }")
    assert ring == ["solid", "3px", "rgb(27, 27, 27)"], ring  # the page's own focus ring (chat.css)
    shot(page, "keyboard-chat-citations-open")


def test_chat_targets_motion_zoom_and_small_things(browser, live_app):
    """44×44 px controls, no motion on request, 200% zoom without sideways scrolling; and what a newcomer
    hit: "lupus" finds SELECT-SLE in the picker (the word is at the end of its long title)."""
    context = browser.new_context(viewport={"width": 640, "height": 450}, device_scale_factor=2,
                                  reduced_motion="reduce")
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    try:
        pg.goto(f"{live_app.url}/?study={STUDY}")
        pg.locator("#tc-card .tc-card-id", has_text=STUDY).wait_for()
        chat_ask(pg, "Who can join?", 1)
        small = small_targets(pg, "document")
        assert small == [], small
        assert pg.evaluate("() => document.documentElement.scrollWidth <= innerWidth + 1")
        assert pg.locator("#tc-question textarea").is_visible() and pg.locator("#tc-send").is_visible()
        duration = pg.evaluate("() => getComputedStyle(document.querySelector('#tc-send')).transitionDuration")
        assert all(float(d.rstrip("ms") or 0) < 0.02 for d in duration.split(",")), duration
        shot(pg, "zoom-200-chat")

        box = pg.locator("#tc-study input")
        box.click()
        box.fill("")
        box.press_sequentially("lupus")
        pg.get_by_role("option", name="NCT05843643").wait_for()
    finally:
        context.close()
