"""The chat's handlers called directly (no browser, no server): ``web.chat_handlers.ChatHandlers`` over
the ``FakeAnswerService`` double, a real rate limiter and a real feedback file; and the HTML they render.
The same behaviour in a real browser against the real service: tests/test_web_ui.py."""
from __future__ import annotations

import copy
import html as html_lib
import re

import gradio as gr
import pytest
from web_doubles import FakeAnswerService

from assistant.protocols import StudySummary
from assistant.types import Answer, Citation, Source
from web import render
from web.chat_handlers import THINKING, ChatHandlers
from web.feedback import FeedbackStore
from web.security import RateLimiter

STUDY = "NCT02633163"
PATH_RE = re.compile(r"protocolSection\.|glossary\.[a-z_]+|page\.[a-z_]+")


@pytest.fixture()
def handlers(tmp_path):
    return ChatHandlers(FakeAnswerService(), limiter=RateLimiter(3), feedback=FeedbackStore(tmp_path / "f.sqlite3"),
                        max_question_chars=100)


def visible_text(html: str) -> str:
    """What a person reads: the HTML without its tags and attributes."""
    return html_lib.unescape(" ".join(re.sub(r"<[^>]+>", " ", html).split()))


def test_respond_shows_thinking_then_sources_then_the_cited_answer(handlers):
    steps = [copy.deepcopy(step) for step in handlers.respond("Who can join?", [], [], {}, STUDY)]  # as shown
    messages, box, _, _, panel = steps[0]
    assert messages[-1]["content"] == THINKING and box == "" and "Searching" in panel
    assert any("tc-source" in str(step[4]) for step in steps[1:-1])  # the panel filled before the answer
    messages, _, turns, asked, panel = steps[-1]
    assert messages[0] == {"role": "user", "content": "Who can join?"}
    assert 'class="tc-answer tc-answered"' in messages[-1]["content"]
    assert turns[-1]["role"] == "assistant" and turns[-1]["content"].startswith(f"According to {STUDY}")
    assert asked["1"]["question"] == "Who can join?" and asked["1"]["study_id"] == STUDY
    assert "tc-cited" in panel
    assert handlers.service.calls[-1]["study_id"] == STUDY


def test_respond_refuses_long_questions_and_too_many_without_asking(handlers):
    (messages, *_), = handlers.respond("x" * 101, [], [], {}, STUDY)
    assert "101 characters long" in messages[-1]["content"]
    for _ in range(3):
        list(handlers.respond("Who can join?", [], [], {}, STUDY))
    (messages, *_), = handlers.respond("Who can join?", [], [], {}, STUDY)
    assert "too many questions" in messages[-1]["content"].lower() or "wait" in messages[-1]["content"].lower()
    assert len(handlers.service.calls) == 3
    assert list(handlers.respond("   ", [], [], {}, STUDY)) == [(gr.skip(),) * 5]


def test_study_pick_load_and_new_chat(handlers):
    card, examples, chat, history, asked, panel, *_ = handlers.on_study(STUDY)
    assert STUDY in card and examples.visible is True and (chat, history, asked) == ([], [], {})
    assert handlers.on_study(None, STUDY)[1].visible is False  # the pin cleared: a fresh, unpinned chat
    assert handlers.on_study(None, None) == (gr.skip(),) * 11  # the picker's empty change on load: nothing to reset
    dropdown = handlers.on_load(None)
    assert ("NCT02633163 · DEXSLEEP · Dexmedetomidine for sleep after surgery", STUDY) in dropdown.choices
    assert handlers.on_new_chat()[:3] == ([], [], {})


def test_feedback_is_stored_with_what_was_asked(handlers):
    *_, asked, _ = list(handlers.respond("Who can join?", [], [], {}, STUDY))[-1]
    fid, box, note = handlers.on_like(asked, gr.LikeData(None, {"index": 1, "value": "", "liked": False}))
    assert fid and box.visible and note.startswith("Thanks")
    assert handlers.on_comment(fid, "More sites please", None)[2] == "Comment saved. Thank you!"


# ---------------------------------------------------------------- what people see
def cite(n: int, study: str, path: str, label: str, quote: str) -> Citation:
    return Citation(n=n, study_id=study, field_path=path, field_label=label, quote=quote,
                    source_url="" if study == "glossary" else f"https://clinicaltrials.gov/study/{study}",
                    chunk_id=f"{study}::{path}::0")


def source(study: str, path: str, label: str, text: str) -> Source:
    return Source(chunk_id=f"{study}::{path}::0", text=f"{label}\n{text}", study_id=study, study_title="t",
                  field_path=path, field_label=label, source_url="")


def test_opened_citations_show_labels_never_field_paths():
    """The issue: an opened citation showed `glossary.double_blind` and `page.what_this_research_studies`."""
    srcs = [source("glossary", "glossary.double_blind", "Glossary › Double-blind",
                   "Double-blind: two groups do not know."),
            source("NIH-11159694", "page.what_this_research_studies", "What this research studies",
                   "The trial is double-blind.")]
    answer = Answer(text="Double-blind means … [1]. The trial is double-blind [2].", status="answered", sources=srcs,
                    citations=[cite(1, "glossary", "glossary.double_blind", "Glossary › Double-blind",
                                    "two groups do not know"),
                               cite(2, "NIH-11159694", "page.what_this_research_studies",
                                    "What this research studies", "The trial is double-blind.")])
    html = render.answer_html(answer)
    shown = visible_text(html)
    assert not PATH_RE.search(shown), shown
    assert "[1] Glossary › Double-blind" in shown and "[2] NIH-11159694 · What this research studies" in shown
    assert 'data-path="glossary.double_blind"' in html  # for machines, in an attribute
    assert not PATH_RE.search(visible_text(render.sources_html(srcs)))


def test_a_source_cited_by_several_sentences_is_listed_once_with_each_quote_marked():
    text = "Sex: All\nMinimum age: 18 Years\nMaximum age: 65 Years"
    srcs = [source(STUDY, "protocolSection.eligibilityModule", "Eligibility › Summary", text)]
    c = [cite(1, STUDY, "protocolSection.eligibilityModule", "Eligibility › Summary", q)
         for q in ("Minimum age: 18 Years", "Maximum age: 65 Years", "Sex: All")]
    html = render.answer_html(Answer(text="Aged 18 to 65 [1]. Any sex [1].", status="answered", citations=c,
                                     sources=srcs))
    assert html.count("<details") == 1 and html.count("<mark>") == 3
    assert "<mark>Sex: All</mark><br><mark>Minimum age: 18 Years</mark><br><mark>Maximum age: 65 Years</mark>" in html


def test_sources_panel_keeps_the_field_s_line_breaks():
    html = render.sources_html([source(STUDY, "protocolSection.contactsLocationsModule.locations[0]",
                                       "Locations › Cedars-Sinai", "Cedars-Sinai Medical Center\nLos Angeles, "
                                       "California 90048, United States\nStatus: Recruiting")])
    assert "Cedars-Sinai Medical Center<br>Los Angeles, California 90048, United States<br>Status: Recruiting" in html


def test_picker_label_keeps_acronyms_however_long_the_title():
    long_title = "A very long official title " * 8 + "(LONGACR)"
    s = StudySummary(study_id="NCT01234567", title=long_title, acronym=None, names=["LONGACR"])
    label = render.study_choice_label(s)
    assert label.startswith("NCT01234567 · LONGACR · A very long") and label.endswith("(LONGACR)")  # whole title
    page = StudySummary(study_id="NIH-11159694", title="Using stem cells to treat severe lupus", acronym="MiSLE",
                        names=["MiSLE"])
    assert render.study_choice_label(page) == "NIH-11159694 · MiSLE · Using stem cells to treat severe lupus"
