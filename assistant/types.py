"""Typed results of the answering service (what the UI, API and eval consume)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, Field, computed_field

from trialchat.schema import GLOSSARY_ID, split_chunk_text

Status = Literal["answered", "abstained", "declined"]
CheckVerdict = Literal["met", "not_met", "not_stated"]


class Source(BaseModel):
    """A retrieved chunk with its fused score (and the canonical source metadata)."""

    chunk_id: str
    text: str
    study_id: str
    study_title: str
    field_path: str
    field_label: str
    source_url: str
    source_file: str = ""
    chunk_index: int = 0
    section: str = ""  # "inclusion" / "exclusion" for eligibility criteria, "summary" for a list summary
    score: float = 0.0  # fused (RRF) score: the ranking
    dense_score: float | None = None  # cosine similarity, when the dense list found it
    bm25_score: float | None = None  # BM25 score, when the lexical list found it

    @property
    def label(self) -> str:
        """The field label on the chunk's first line."""
        return split_chunk_text(self.text)[0]

    @property
    def body(self) -> str:
        """The field text below the label (the whole text for a one-line chunk)."""
        return split_chunk_text(self.text)[1]

    @classmethod
    def from_chunk(cls, chunk_id: str, text: str, meta: dict, **scores: float | None) -> Source:
        """A stored chunk (Chroma id, document, metadata) as a Source."""
        return cls(chunk_id=chunk_id, text=text, study_id=meta["study_id"], study_title=meta.get("study_title", ""),
                   field_path=meta.get("field_path", ""), field_label=meta.get("field_label", ""),
                   source_url=meta.get("source_url", ""), source_file=meta.get("source_file", ""),
                   chunk_index=int(meta.get("chunk_index", 0)), section=meta.get("section", "") or "",
                   **scores)  # type: ignore[arg-type]


class Citation(BaseModel):
    n: int  # 1-based number as shown in the answer text: "[1]"
    study_id: str
    field_path: str
    field_label: str
    quote: str  # exact words from the chunk that support the sentence (verbatim substring)
    source_url: str
    chunk_id: str = ""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def display_label(self) -> str:
        """What people see: "NCT02633163 · Design › Masking", or "Glossary › Double-blind" (never a field path)."""
        if self.study_id == GLOSSARY_ID:
            return self.field_label
        return f"{self.study_id} · {self.field_label}" if self.field_label else self.study_id

    @classmethod
    def from_source(cls, n: int, src: Source, quote: str) -> Citation:
        return cls(n=n, study_id=src.study_id, field_path=src.field_path, field_label=src.field_label,
                   quote=quote, source_url=src.source_url, chunk_id=src.chunk_id)


class Contact(BaseModel):
    """Someone the study record names to ask (a central contact, else an official), with how to reach them."""

    name: str
    role: str = ""
    phone: str = ""
    email: str = ""
    affiliation: str = ""
    study_id: str = ""
    field_path: str = ""


class EligibilityCheck(BaseModel):
    """One rule of the study checked against what the person said (assistant/eligibility_check.py)."""

    item: str  # the rule in the record's words (a sub-item with its parent: "Three or more of … › Diabetes mellitus")
    section: Literal["inclusion", "exclusion"]
    verdict: CheckVerdict  # whether the rule holds for the person, as far as they said
    quote: str  # verbatim words of the field
    field_path: str
    fact: str = ""  # what the person said that the rule was checked with ("age 52", "diabetes")


class Eligibility(BaseModel):
    """Never a yes: "excluded" when a rule rules the person out, else "not_excluded_so_far" when something
    they said was checked, else "unknown"."""

    verdict: Literal["excluded", "not_excluded_so_far", "unknown"]
    checks: list[EligibilityCheck] = Field(default_factory=list)


class Answer(BaseModel):
    text: str
    status: Status
    citations: list[Citation] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)  # who to ask, when the answer stops short
    sources: list[Source] = Field(default_factory=list)
    study_id: str | None = None  # the study the question was scoped to, if any
    intent: str | None = None  # what the question asked (assistant.router.INTENTS), when it was routed
    standalone_question: str | None = None  # the follow-up rewritten from history, if it was
    # which step of the chain answered: "declined", "unknown_study", "overview", "composed", "across_studies",
    # "which_study", "record_sentences" (the record's own sentences; "abstained" when none answered)
    step: str | None = None
    eligibility: Eligibility | None = None  # "can I join?": every rule checked against what the person said


class HistoryTurn(BaseModel):
    role: Literal["user", "assistant"]
    content: str


# --- streaming: sources first (before any LLM work), then tokens, then the verified Answer ---
class SourcesEvent(BaseModel):
    type: Literal["sources"] = "sources"
    sources: list[Source]
    study_id: str | None = None


class TokenEvent(BaseModel):
    type: Literal["token"] = "token"
    text: str


class FinalEvent(BaseModel):
    type: Literal["answer"] = "answer"
    answer: Answer


AnswerEvent = SourcesEvent | TokenEvent | FinalEvent


def final_answer(events: Iterator[AnswerEvent]) -> Answer:
    """Drain a stream and return its final, verified Answer."""
    final = None
    for event in events:
        if isinstance(event, FinalEvent):
            final = event.answer
    if final is None:
        raise RuntimeError("answer stream ended without a final answer")
    return final
