"""The model path of the answer chain with a scripted chat model (a real LangChain ``BaseChatModel``).

Retrieval, verification and the store are real (the ingested sample, the bundled embedder); only the
model's words are fixed, so NOT STATED handling, citation parsing and the fallbacks are tested exactly
and in seconds. The same paths run against the real local model in test_answering.py.
"""
from __future__ import annotations

from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import Field

from assistant.prompting import render_prompt
from assistant.service import build_answer_service
from assistant.types import FinalEvent, SourcesEvent, TokenEvent

MISLE = "NCT02633163"
WHY = "Why is this study being done?"  # routed to no composed intent: the model answers it
SUMMARY = "protocolSection.descriptionModule.briefSummary"


class ScriptedChatModel(GenericFakeChatModel):
    """Replies with the scripted messages, in order, and records what it was asked."""

    received: list[list[BaseMessage]] = Field(default_factory=list)

    def _stream(self, messages: list[BaseMessage], *args: Any, **kwargs: Any):
        self.received.append(messages)
        yield from super()._stream(messages, *args, **kwargs)


@pytest.fixture(scope="module")
def no_model(sample_settings, sample_store):
    return build_answer_service(sample_settings, store=sample_store, llm_from_settings=False)


def scripted(sample_settings, sample_store, *replies: str):
    llm = ScriptedChatModel(messages=iter([AIMessage(content=r) for r in replies]))
    return build_answer_service(sample_settings, store=sample_store, llm=llm), llm


def sources_for(service, question: str, study_id: str):
    """The sources the chain will give the model (retrieval is deterministic; the model is not called yet)."""
    events = service.stream(question, study_id)
    first = next(iter(events))
    events.close()
    assert isinstance(first, SourcesEvent)
    return first.sources


def number_of(sources, path: str) -> int:
    return next(n for n, s in enumerate(sources, start=1) if s.field_path == path)


def run(service, question: str, study_id: str):
    events = list(service.stream(question, study_id))
    assert isinstance(events[-1], FinalEvent)
    return [e.text for e in events if isinstance(e, TokenEvent)], events[-1].answer


def assert_verbatim(answer, sources):
    by_id = {s.chunk_id: s.text for s in sources}
    for c in answer.citations:
        assert c.quote and c.quote in by_id[c.chunk_id], c


def test_supported_sentences_are_kept_and_unsupported_or_miscited_ones_dropped(sample_settings, sample_store, no_model):
    n = number_of(sources_for(no_model, WHY, MISLE), SUMMARY)
    reply = (f"The study checks whether mesenchymal stem cells are safe and work for lupus [{n}]. "
             f"Each participant is paid 500 dollars [{n}]. The moon is made of cheese [9].")
    service, llm = scripted(sample_settings, sample_store, reply)
    tokens, answer = run(service, WHY, MISLE)
    assert answer.status == "answered"
    assert "stem cells" in answer.text and "500" not in answer.text and "cheese" not in answer.text
    assert [c.field_path for c in answer.citations] == [SUMMARY]
    assert_verbatim(answer, answer.sources)
    assert "".join(tokens).strip() == answer.text  # only verified sentences were ever streamed


def test_the_model_reads_the_constant_system_prompt_and_numbered_sources(sample_settings, sample_store):
    service, llm = scripted(sample_settings, sample_store, "NOT STATED")
    _, answer = run(service, WHY, MISLE)
    system, human = llm.received[0]
    assert isinstance(system, SystemMessage) and system.content == render_prompt("system.txt")
    assert isinstance(human, HumanMessage) and f'Question: "{WHY}"' in str(human.content)
    for n, src in enumerate(answer.sources, start=1):
        assert f"[{n}] {src.field_label}: " in str(human.content)


def test_not_stated_with_sources_on_the_question_falls_back_to_a_quote(sample_settings, sample_store):
    service, _ = scripted(sample_settings, sample_store, "NOT STATED")
    tokens, answer = run(service, WHY, MISLE)
    assert not any("NOT" in t for t in tokens)  # held back while it could still become NOT STATED
    assert answer.status == "answered" and answer.citations
    assert SUMMARY in {c.field_path for c in answer.citations}
    assert_verbatim(answer, answer.sources)


def test_not_stated_without_sources_on_the_question_abstains_with_the_study_contact(sample_settings, sample_store):
    service, _ = scripted(sample_settings, sample_store, "NOT STATED")
    _, answer = run(service, "What were the side effects?", MISLE)
    # nothing from the model is kept: the only citation is the record's contact, listed with the e-mail it gives
    assert answer.status == "abstained"
    assert [c.field_path for c in answer.citations] == ["protocolSection.contactsLocationsModule.centralContacts[0]"]
    assert "gilkeson@musc.edu" in answer.text


def test_an_answer_with_nothing_verifiable_becomes_the_records_own_words(sample_settings, sample_store):
    service, _ = scripted(sample_settings, sample_store,
                          "Participants get free pizza every week [1]. It is fun [2].")
    _, answer = run(service, WHY, MISLE)
    assert answer.status == "answered" and "pizza" not in answer.text and "fun" not in answer.text
    assert answer.citations
    assert_verbatim(answer, answer.sources)


def test_a_sentence_after_the_last_citation_is_not_shown(sample_settings, sample_store, no_model):
    n = number_of(sources_for(no_model, WHY, MISLE), SUMMARY)
    reply = f"The study tests mesenchymal stem cells in lupus [{n}]. Stem cells cure lupus for everyone."
    service, _ = scripted(sample_settings, sample_store, reply)
    _, answer = run(service, WHY, MISLE)
    assert "cure" not in answer.text and "[" in answer.text
