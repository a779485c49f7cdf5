"""The Gradio web chat in a real browser (Debian chromium) against the real app and service over
the ingested sample corpus (extractive answers: real retrieval, real citations)."""
from __future__ import annotations

import sqlite3

import pytest
from conftest_web import (  # noqa: F401
    SCREENSHOTS,
    XSS_STUDY_ID,
    XSS_TITLE,
    browser,
    live_app,
    page,
    partner_page_dir,
    partner_site,
    real_corpus,
    real_service,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeout

pytestmark = pytest.mark.browser

STUDY = "NCT02552212"  # C-AXSPAND

# records when the sources panel and the first citation appear, to check their order
TIMING_JS = """() => {
  window.__tc = {};
  const obs = new MutationObserver(() => {
    const now = performance.now();
    if (!window.__tc.sources && document.querySelector('#tc-sources .tc-source')) window.__tc.sources = now;
    if (!window.__tc.cite && document.querySelector('#tc-chat .tc-cite')) window.__tc.cite = now;
  });
  obs.observe(document.body, {childList: true, subtree: true, characterData: true});
}"""


def pick_study(page, typed: str, study_id: str) -> None:
    box = page.locator("#tc-study input")
    box.click()
    box.press_sequentially(typed)
    option = page.get_by_role("option", name=study_id)
    option.wait_for()
    assert page.get_by_role("option").count() < 5  # the search narrowed the list
    option.click()
    page.locator("#tc-card .tc-card-id", has_text=study_id).wait_for()


def ask(page, question: str, n: int):
    """Ask and wait until the n-th answer (1-based) is final: it carries its citations or its status."""
    page.locator("#tc-question textarea").fill(question)
    page.locator("#tc-question textarea").press("Enter")
    answer = page.locator("#tc-chat .tc-answer").nth(n - 1)
    answer.wait_for(timeout=60_000)
    return answer


def cites_of_answer(page, n: int) -> str:
    """The first citation label of the n-th answer; fails saying what the chat showed when it has none."""
    summary = page.locator("#tc-chat .tc-cites").nth(n - 1).locator("summary").first
    try:
        summary.wait_for(state="attached", timeout=15_000)
    except PlaywrightTimeout:
        pytest.fail(f"answer {n} shows no citations; the chat reads:\n{page.locator('#tc-chat').inner_text()[-3000:]}")
    return summary.inner_text()


def wait_idle(page):
    page.locator("#tc-question textarea").wait_for()
    page.wait_for_function("() => !document.querySelector('#tc-chat .tc-thinking')")


def test_chat_pick_ask_cite_follow_up_feedback(page, live_app, real_corpus):
    page.goto(live_app.url + "/")
    assert "not medical advice" in page.locator("#tc-disclaimer").inner_text()
    pick_study(page, "C-AXSPAND", STUDY)  # by acronym
    examples = page.locator("#tc-examples button")
    assert examples.all_inner_texts() == ["What does double-blind mean here?", "Who can join?", "Where is it happening?"]

    page.evaluate(TIMING_JS)
    examples.nth(1).click()  # "Who can join?"
    page.locator("#tc-chat .tc-answer").first.wait_for(timeout=60_000)
    page.locator("#tc-chat .tc-cite").first.wait_for()
    timing = page.evaluate("() => window.__tc")
    assert timing["sources"] <= timing["cite"]  # the sources panel filled before the answer was done
    assert page.locator("#tc-sources .tc-source").count() >= 1
    assert STUDY in page.locator("#tc-sources .tc-src-head").first.inner_text()

    # a citation: study ID, field label, the quote highlighted in the field's text, a link to the public page
    # the study is completed: the answer says so first, then the rules for who could join
    summaries = page.locator("#tc-chat .tc-cite summary").all_inner_texts()
    assert summaries[0].startswith(f"[1] {STUDY} · Status › Overall status")
    assert any(f"{STUDY} · Eligibility › Inclusion criteria" in s for s in summaries)
    cite = page.locator("#tc-chat .tc-cite").first
    cite.locator("summary").click()
    mark = cite.locator(".tc-field mark")
    mark.wait_for(state="visible")
    assert mark.inner_text().strip()
    assert cite.locator("a").get_attribute("href") == f"https://clinicaltrials.gov/study/{STUDY}"
    assert cite.locator("a").get_attribute("target") == "_blank"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "chat.png"), full_page=True)

    # follow-up in the same conversation
    ask(page, "Where is it happening?", 2)
    wait_idle(page)
    assert f"{STUDY} · Locations" in cites_of_answer(page, 2)

    # thumbs down on the last answer, with a comment, stored server-side
    page.locator("#tc-chat button[aria-label='Dislike']").last.click()
    page.locator("#tc-feedback-comment textarea").wait_for(state="visible")
    page.locator("#tc-feedback-comment textarea").fill("I wanted the sites near me.")
    page.locator("#tc-feedback-send").click()
    page.get_by_text("Comment saved").wait_for()
    rows = sqlite3.connect(real_corpus / "feedback.sqlite3").execute(
        "select rating, comment, study_id, question from feedback order by id desc limit 1").fetchall()
    assert rows == [(-1, "I wanted the sites near me.", STUDY, "Where is it happening?")]

    # new chat: an empty conversation, the study stays pinned
    page.locator("#tc-new-chat").click()
    page.wait_for_function("() => document.querySelectorAll('#tc-chat .tc-answer').length === 0")
    assert page.locator("#tc-sources .tc-source").count() == 0
    assert STUDY in page.locator("#tc-card").inner_text()
    assert page.dialogs == []


def test_acronym_picker_labels_not_paths_and_the_study_team_as_a_list(page, live_app):
    """Seen by a user: "MiSLE" did not find the MiSLE study page, opened citations showed
    `glossary.double_blind`, and an answer that stops short named the team without phone or e-mail."""
    page.goto(live_app.url + "/")
    box = page.locator("#tc-study input")
    box.click()
    box.press_sequentially("MiSLE")
    page.get_by_role("option", name="NIH-11159694").wait_for()
    assert sorted(t.split(" · ")[0] for t in page.get_by_role("option").all_inner_texts()) == [
        "NCT02633163", "NIH-11159694"]  # the trial and its plain-language page
    page.get_by_role("option", name="NCT02633163").click()
    page.locator("#tc-card .tc-card-id", has_text="NCT02633163 (MiSLE)").wait_for()

    ask(page, "What does double-blind mean here?", 1)
    wait_idle(page)
    for summary in page.locator("#tc-chat .tc-cite summary").all():
        summary.click()
    chat = page.locator("#tc-chat").inner_text()
    assert "Glossary › Double-blind" in chat and "NCT02633163 · Design › Masking" in chat
    assert "glossary." not in chat and "protocolSection." not in chat and "page." not in chat, chat

    answer = ask(page, "Is there free parking for visitors?", 2)
    wait_idle(page)
    lines = answer.inner_text().splitlines()
    assert lines[0] == "The study records don't say. The study team can tell you:"
    assert lines[1] == "• Gary Gilkeson (study contact) · phone: (843) 792 - 6043 · e-mail: gilkeson@musc.edu [1]"
    assert "Contacts › Gary Gilkeson" in page.locator("#tc-chat .tc-cites").last.inner_text()
    assert page.dialogs == []


def test_follow_up_without_a_pin_uses_the_conversation(page, live_app):
    page.goto(live_app.url + "/")
    page.locator("#tc-question textarea").wait_for()
    ask(page, "Who can join the C-AXSPAND study?", 1)
    wait_idle(page)
    ask(page, "Where is it happening?", 2)
    wait_idle(page)
    assert f"{STUDY} · Locations" in cites_of_answer(page, 2)


def test_hostile_study_title_is_shown_as_text(page, live_app):
    page.goto(f"{live_app.url}/?study={XSS_STUDY_ID}")  # deep link pins the study
    card = page.locator("#tc-card .tc-card-title")
    card.wait_for()
    assert card.inner_text() == XSS_TITLE
    box = page.locator("#tc-study input")
    box.click()
    box.fill("")
    box.press_sequentially("onerror")
    option = page.get_by_role("option", name=XSS_STUDY_ID)
    option.wait_for()
    assert XSS_TITLE in option.inner_text()
    page.keyboard.press("Escape")
    ask(page, "Who can join?", 1)
    wait_idle(page)
    assert page.locator("img[src='x']").count() == 0 and page.locator("#tc-chat script, #tc-sources script").count() == 0
    assert page.dialogs == []


def test_each_browser_session_has_its_own_conversation(browser, live_app):
    """Two people at once, each pinned to a different study: each sees only their own chat."""
    pages = []
    for study in (STUDY, "NCT02633163"):
        context = browser.new_context()
        pg = context.new_page()
        pg.set_default_timeout(60_000)
        pg.goto(f"{live_app.url}/?study={study}")
        pg.locator("#tc-card .tc-card-id", has_text=study).wait_for()
        pages.append((pg, study))
    for pg, _ in pages:  # both questions in flight together
        pg.locator("#tc-question textarea").fill("Who can join?")
        pg.locator("#tc-question textarea").press("Enter")
    for pg, study in pages:
        pg.locator("#tc-chat .tc-cite").first.wait_for()
        summaries = pg.locator("#tc-chat .tc-cite summary").all_inner_texts()
        assert summaries and all(study in s or "glossary" in s.lower() for s in summaries), summaries
        assert pg.locator("#tc-chat .tc-answer").count() == 1
    for pg, _ in pages:
        pg.context.close()


@pytest.mark.llm
def test_chat_streams_a_generated_answer_from_the_local_model(page, real_corpus, real_service):
    """The one end-to-end chat with the real local model (Qwen2.5-Coder-1.5B GGUF): the sources panel
    fills first, the bubble says it is reading them, then the verified answer (streamed sentence by
    sentence by the chain) ends with its citations."""
    import importlib.util

    from conftest_web import LiveServer, real_settings

    from app import create_app
    from assistant.service import build_answer_service

    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python is not installed")
    settings = real_settings(real_corpus).model_copy(update={"llm": "local"})
    if not (settings.resolved_model_cache() / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf").exists():
        pytest.skip("the local model is not assembled (trialchat setup-model)")
    server = LiveServer(create_app(settings, service=build_answer_service(settings))).start()
    try:
        page.set_default_timeout(180_000)
        page.goto(f"{server.url}/?study={STUDY}")
        page.locator("#tc-card .tc-card-id", has_text=STUDY).wait_for()
        page.evaluate("""() => {
          window.__texts = [];
          new MutationObserver(() => {
            const bots = document.querySelectorAll('#tc-chat .bot, #tc-chat [data-testid="bot"]');
            const last = bots[bots.length - 1];
            const t = last ? last.innerText.trim() : '';
            if (t && window.__texts[window.__texts.length - 1] !== t) window.__texts.push(t);
          }).observe(document.body, {childList: true, subtree: true, characterData: true});
        }""")
        page.evaluate(TIMING_JS)
        page.locator("#tc-examples button").nth(1).click()  # "Who can join?"
        page.locator("#tc-chat .tc-answer").first.wait_for()
        texts = page.evaluate("() => window.__texts")
        assert any("Reading" in t for t in texts) and len(texts) >= 3, texts  # searching → reading → answer
        final = page.locator("#tc-chat .tc-answer").first
        if "tc-answered" in (final.get_attribute("class") or ""):
            assert page.locator("#tc-chat .tc-cite").count() >= 1
        assert page.dialogs == []
    finally:
        page.goto("about:blank")
        server.stop()
