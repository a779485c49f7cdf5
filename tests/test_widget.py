"""The partner widget in a real browser (Debian chromium), on a partner page served from another
port, against the real app and service over the ingested sample corpus."""
from __future__ import annotations

import pytest
from conftest_web import (  # noqa: F401
    SCREENSHOTS,
    XSS_STUDY_ID,
    XSS_TITLE,
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
    real_settings,
)

pytestmark = pytest.mark.browser

STUDY = "NCT02552212"  # C-AXSPAND, in the bundled sample


def open_widget(page, url: str):
    page.goto(url)
    launcher = page.locator("[data-trialchat] .btn")
    launcher.click()
    panel = page.locator("[data-trialchat] .panel")
    panel.wait_for(state="visible")
    return panel


def ask(panel, question: str, n_answers: int):
    panel.locator("textarea").fill(question)
    panel.locator("textarea").press("Enter")
    bot = panel.locator(".msg.bot").nth(n_answers - 1)
    panel.locator('.msg.bot[aria-busy="false"]').nth(n_answers - 1).wait_for(timeout=60_000)
    return bot


def test_widget_on_a_partner_page_answers_with_citations(page, live_app, partner_site, partner_page_dir):
    (partner_page_dir / "partner.html").write_text(partner_html(
        live_app.url, STUDY, title="Questions about C-AXSPAND?", color="#6a1b9a"), encoding="utf-8")
    panel = open_widget(page, f"{partner_site.origin}/partner.html")
    assert panel.locator("h2").inner_text().startswith("Questions about C-AXSPAND?")
    assert STUDY in panel.locator("h2 small").inner_text()
    assert "not medical advice" in panel.locator(".note").inner_text()

    with page.expect_response(f"{live_app.url}/api/ask/stream") as resp:
        bot = ask(panel, "Who can join?", 1)
    assert resp.value.status == 200 and resp.value.headers["content-type"].startswith("text/event-stream")
    assert "err" not in (bot.get_attribute("class") or "")
    cites = bot.locator("ol li")
    assert cites.count() >= 1
    first = cites.first
    # the study is completed: the answer says so first, then the rules for who could join
    assert first.locator(".src").inner_text().startswith(f"{STUDY} · Status › Overall status")
    assert any(t.startswith(f"{STUDY} · Eligibility › Inclusion criteria") for t in cites.locator(".src").all_inner_texts())
    first.locator("summary").click()  # a citation opens (a disclosure) on its quoted words and the record link
    assert first.locator("q").inner_text().strip()
    assert first.locator("a").get_attribute("href") == f"https://clinicaltrials.gov/study/{STUDY}"
    assert first.locator("a").get_attribute("rel") == "noopener noreferrer"

    # follow-up in the same conversation
    bot2 = ask(panel, "Where is it happening?", 2)
    assert "Locations" in bot2.locator("ol li .src").first.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "widget.png"))
    assert page.dialogs == []


def console_log(page) -> list[str]:
    messages: list[str] = []
    page.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
    return messages


def problem_shown(panel) -> str:
    """The panel shows one error note and nothing can be asked."""
    note = panel.locator(".msg.err[role=alert]")
    note.wait_for()
    assert panel.locator("textarea").is_disabled() and panel.locator("form button").is_disabled()
    return note.inner_text()


def test_widget_on_a_site_that_is_not_allowed_says_so(page, live_app, other_site, partner_page_dir):
    (partner_page_dir / "partner-other.html").write_text(partner_html(live_app.url, STUDY), encoding="utf-8")
    console = console_log(page)
    with page.expect_console_message(lambda m: "[trialchat] widget cannot start" in m.text, timeout=20_000) as msg:
        page.goto(f"{other_site.origin}/partner-other.html")
    # the partner's developer sees why, and what to do about it
    assert msg.value.type == "error" and f"this site ({other_site.origin}) is not allowed" in msg.value.text
    assert "TRIALCHAT_ALLOWED_ORIGINS" in msg.value.text
    # the visitor sees a short sentence, not a silent page
    panel = open_widget(page, f"{other_site.origin}/partner-other.html")
    assert problem_shown(panel) == "This assistant isn't available on this website."
    assert not any("Failed to fetch" in m and "[trialchat]" not in m for m in console)
    # and asking directly from that page is refused: the preflight fails, nothing is answered
    outcome = page.evaluate("""async (url) => {
        try {
            const r = await fetch(url + '/api/ask', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                                    body: JSON.stringify({question: 'Who can join?'})});
            return 'answered ' + r.status;
        } catch (e) { return 'refused'; }
    }""", live_app.url)
    assert outcome == "refused"
    assert page.dialogs == []


def test_widget_for_a_study_the_server_does_not_have(page, live_app, partner_site, partner_page_dir):
    (partner_page_dir / "partner-unknown.html").write_text(partner_html(live_app.url, "NCT00000000"), encoding="utf-8")
    with page.expect_console_message(lambda m: "unknown studies: NCT00000000" in m.text, timeout=20_000):
        panel = open_widget(page, f"{partner_site.origin}/partner-unknown.html")
    assert problem_shown(panel) == "This study isn't available in the assistant."


def test_widget_when_the_server_goes_down(page, real_service, real_corpus, partner_site, partner_page_dir):
    from app import create_app

    settings = real_settings(real_corpus, allowed_origins=[partner_site.origin], rate_limit_per_minute=600)
    server = LiveServer(create_app(settings, service=real_service)).start()
    (partner_page_dir / "partner-down.html").write_text(partner_html(server.url, STUDY), encoding="utf-8")
    console = console_log(page)
    panel = open_widget(page, f"{partner_site.origin}/partner-down.html")
    assert ask(panel, "Who can join?", 1).locator("ol li").count() >= 1
    server.stop()  # the server goes away while the page is open
    err = ask(panel, "Where is it happening?", 2)
    assert "err" in err.get_attribute("class")
    assert err.inner_text() == "The assistant can't be reached right now. Please try again later."
    assert any(m.startswith("error: [trialchat] question not answered: could not reach the trialchat server at "
                            + server.url) for m in console), console
    assert not panel.locator("textarea").is_disabled()  # the visitor may try again later

    # the next page view: widget.js comes from the browser's cache, the server is still down
    with page.expect_console_message(lambda m: "widget cannot start: could not reach" in m.text, timeout=20_000):
        page.goto(f"{partner_site.origin}/partner-down.html")
    panel = open_widget(page, f"{partner_site.origin}/partner-down.html")
    assert problem_shown(panel) == "The assistant can't be reached right now. Please try again later."


def test_widget_when_answering_fails_on_the_server(page, tmp_path, partner_site, partner_page_dir):
    from web_doubles import FakeAnswerService

    from app import create_app
    from trialchat.settings import Settings

    settings = Settings(data_dir=tmp_path, allowed_origins=[partner_site.origin])
    server = LiveServer(create_app(settings, service=FakeAnswerService(fail_on="explode"))).start()
    try:
        (partner_page_dir / "partner-fail.html").write_text(partner_html(server.url, "NCT02633163"), encoding="utf-8")
        console = console_log(page)
        panel = open_widget(page, f"{partner_site.origin}/partner-fail.html")
        err = ask(panel, "please explode", 1)
        assert err.inner_text() == "Something went wrong while answering. Please try again."
        assert "boom" not in err.inner_text() and any("question not answered" in m for m in console)
        assert ask(panel, "Who can join?", 2).locator("ol li").count() == 1  # the next question works
    finally:
        server.stop()


def test_hostile_study_title_is_shown_as_text(page, live_app, partner_site, partner_page_dir):
    (partner_page_dir / "partner-xss.html").write_text(
        partner_html(live_app.url, f"{XSS_STUDY_ID},{STUDY}"), encoding="utf-8")
    panel = open_widget(page, f"{partner_site.origin}/partner-xss.html")
    assert XSS_TITLE in panel.locator("h2 small").inner_text()  # the literal characters, as text
    options = panel.locator("select option")
    assert options.count() == 2 and XSS_TITLE in options.first.inner_text()
    bot = ask(panel, "Who can join?", 1)
    assert bot.inner_text().strip()
    assert page.locator("[data-trialchat] img").count() == 0 and page.locator("img").count() == 0
    # switch to the other study: a fresh conversation about it
    panel.locator("select").select_option(STUDY)
    assert panel.locator(".msg").count() == 0 and STUDY in panel.locator("h2 small").inner_text()
    bot = ask(panel, "Where is it happening?", 1)
    assert bot.locator("ol li .src").first.inner_text().startswith(STUDY)
    assert page.dialogs == []


def test_rate_limited_visitors_see_a_clear_message(page, real_service, real_corpus, partner_site, partner_page_dir):
    from app import create_app

    settings = real_settings(real_corpus, allowed_origins=[partner_site.origin], rate_limit_per_minute=1)
    server = LiveServer(create_app(settings, service=real_service)).start()
    try:
        (partner_page_dir / "partner-limited.html").write_text(partner_html(server.url, STUDY), encoding="utf-8")
        panel = open_widget(page, f"{partner_site.origin}/partner-limited.html")
        assert ask(panel, "Who can join?", 1).locator("ol li").count() >= 1
        console = console_log(page)
        err = ask(panel, "Where is it happening?", 2)
        assert "err" in err.get_attribute("class") and "Too many questions" in err.inner_text() and "1 per minute" in err.inner_text()
        assert any(m.startswith("warning: [trialchat] question not answered: rate limited (429): retry after")
                   for m in console), console
        assert panel.locator("form button").is_disabled()  # Send waits for Retry-After
    finally:
        server.stop()


def test_widget_lists_each_source_once_with_labels_and_shows_the_newest_question(page, live_app, partner_site,
                                                                                 partner_page_dir):
    """Seen last session: sources numbered "1. 1. 1." (one item per quote) and the panel scrolled to the
    last source of a long answer instead of the question just asked."""
    misle = "NCT02633163"
    (partner_page_dir / "numbering.html").write_text(partner_html(live_app.url, misle), encoding="utf-8")
    panel = open_widget(page, f"{partner_site.origin}/numbering.html")
    bot = ask(panel, "Who can join?", 1)
    numbers = [int(v) for v in bot.locator("ol li").evaluate_all("items => items.map(li => li.value)")]
    assert numbers == sorted(set(numbers)) and len(numbers) >= 3, numbers  # 1, 2, 3, … each once
    summary = bot.locator("ol li", has=page.locator(".src", has_text="Eligibility › Summary"))
    assert summary.count() == 1 and summary.locator("q").count() >= 2  # one source, each quote it gave

    term = ask(panel, "What does double-blind mean here?", 2)
    labels = term.locator("ol li .src").all_inner_texts()
    assert "Glossary › Double-blind" in labels and f"{misle} · Design › Masking" in labels
    assert "glossary." not in term.inner_text() and "protocolSection." not in term.inner_text()

    ask(panel, "Who can join?", 3)  # a long answer: the question stays in view, at the top of the log
    in_view = page.evaluate("""() => {
      const root = document.querySelector('[data-trialchat]').shadowRoot;
      const log = root.querySelector('.log'), mine = [...root.querySelectorAll('.msg.me')].pop();
      const a = log.getBoundingClientRect(), m = mine.getBoundingClientRect();
      return m.top >= a.top - 1 && m.bottom <= a.bottom + 1;
    }""")
    assert in_view
    assert page.dialogs == []
