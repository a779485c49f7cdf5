"""The model's one job with a scripted chat model (a real LangChain ``BaseChatModel``): saying the record's
quoted sentence in plain words, shown only when the rewrite keeps its facts.

Retrieval, the store and the quote are real (the ingested sample, the bundled embedder); only the model's
words are fixed, so the checks are tested exactly and in seconds. The same path runs against the real
local model in test_answering.py.
"""
from __future__ import annotations

from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from pydantic import Field

from assistant.plain_rewrite import rewrite_problem
from assistant.prompting import render_prompt
from assistant.service import build_answer_service
from assistant.types import FinalEvent, TokenEvent

MISLE = "NCT02633163"
WHY = "Why is this study being done?"  # routed to no composed intent: the model answers it


class ScriptedChatModel(GenericFakeChatModel):
    """Replies with the scripted messages, in order, and records what it was asked."""

    received: list[list[BaseMessage]] = Field(default_factory=list)

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any):
        self.received.append(messages)
        return super()._generate(messages, *args, **kwargs)


@pytest.fixture(scope="module")
def no_model(sample_settings, sample_store):
    return build_answer_service(sample_settings, store=sample_store, llm_from_settings=False)


def scripted(sample_settings, sample_store, *replies: str):
    llm = ScriptedChatModel(messages=iter([AIMessage(content=r) for r in replies]))
    return build_answer_service(sample_settings, store=sample_store, llm=llm), llm


def run(service, question: str, study_id: str):
    events = list(service.stream(question, study_id))
    assert isinstance(events[-1], FinalEvent)
    return [e.text for e in events if isinstance(e, TokenEvent)], events[-1].answer


def assert_verbatim(answer, sources):
    by_id = {s.chunk_id: s.text for s in sources}
    for c in answer.citations:
        assert c.quote and c.quote in by_id[c.chunk_id], c


def quoted_answer(no_model, question: str = WHY, study_id: str = MISLE):
    _, answer = run(no_model, question, study_id)
    assert answer.status == "answered" and answer.citations and answer.text.startswith("The record says: “")
    return answer


def test_a_rewrite_that_keeps_the_facts_follows_the_quote_with_its_citation(sample_settings, sample_store, no_model):
    quote = quoted_answer(no_model).citations[0].quote
    plain = "This study checks if stem cells (MSCs) from umbilical cords are safe and help adults with lupus (SLE)"
    service, llm = scripted(sample_settings, sample_store, plain)
    if rewrite_problem(quote, plain):
        pytest.skip(f"the sample's quote has facts this rewrite lacks: {quote!r}")
    tokens, answer = run(service, WHY, MISLE)
    assert tokens[0].startswith("The record says: “")  # the record's words first, before the model runs
    assert answer.text.endswith(f"In plain words: {plain} [{answer.citations[0].n}].")
    assert answer.text == "".join(tokens)
    [[message]] = llm.received
    assert isinstance(message, HumanMessage) and message.content == render_prompt("rewrite.txt", quote=quote)
    assert_verbatim(answer, answer.sources)


@pytest.mark.parametrize("reply", ["Yes, stem cells work for lupus.", "Stem cells do not help 500 people.",
                                   "The study gives free pizza to everyone every 3 weeks."])
def test_a_rewrite_that_changes_a_fact_is_dropped_and_the_quote_stands(sample_settings, sample_store, no_model, reply):
    expected = quoted_answer(no_model)
    service, _ = scripted(sample_settings, sample_store, reply)
    _, answer = run(service, WHY, MISLE)
    assert answer.text == expected.text and "In plain words" not in answer.text


def test_a_model_error_costs_only_the_plain_version(sample_settings, sample_store, no_model):
    class Broken(ScriptedChatModel):
        def _stream(self, *args: Any, **kwargs: Any):
            raise RuntimeError("endpoint down")

        def _generate(self, *args: Any, **kwargs: Any):
            raise RuntimeError("endpoint down")

    service = build_answer_service(sample_settings, store=sample_store, llm=Broken(messages=iter([])))
    _, answer = run(service, WHY, MISLE)
    assert answer.text == quoted_answer(no_model).text


@pytest.mark.parametrize("quote, rewrite, problem", [
    ("Participants will receive 400 mg at Weeks 0, 2 and 4.", "People get 400 mg at weeks 0, 2 and 4.", None),
    ("Participants will receive 400 mg at Weeks 0, 2 and 4.", "People get 200 mg at weeks 0, 2 and 4.", "numbers"),
    ("Patients must not be pregnant.", "Patients can be pregnant.", "negation"),
    ("Patients are 18 years or older.", "Patients are not 18 years or older.", "negation"),
    ("Subjects receive Certolizumab Pegol every 2 weeks.", "People get the drug every 2 weeks.", "names"),
    ("Subjects receive the study drug every 2 weeks.", "Yes, people get the drug every 2 weeks.", "yes/no"),
])
def test_rewrite_checks(quote, rewrite, problem):
    found = rewrite_problem(quote, rewrite)
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_no_model_answers_with_the_record_s_words_or_abstains(no_model):
    _, answer = run(no_model, "What were the side effects?", MISLE)
    # MiSLE has posted no results: said so, with the study's contact and the e-mail the record gives
    assert answer.status == "abstained" and answer.text.startswith("The study record has no posted results yet")
    assert "protocolSection.contactsLocationsModule.centralContacts[0]" in [c.field_path for c in answer.citations]
    assert "gilkeson@musc.edu" in answer.text
