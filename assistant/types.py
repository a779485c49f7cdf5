"""Typed results of the answering service (what the UI, API and eval consume)."""
from __future__ import annotations

from typing import Literal, Union

from pydantic import BaseModel, Field

Status = Literal["answered", "abstained", "declined"]


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
    score: float = 0.0  # fused (RRF) score: the ranking
    dense_score: float | None = None  # cosine similarity, when the dense list found it
    bm25_score: float | None = None  # BM25 score, when the lexical list found it


class Citation(BaseModel):
    n: int  # 1-based number as shown in the answer text: "[1]"
    study_id: str
    field_path: str
    field_label: str
    quote: str  # exact words from the chunk that support the sentence (verbatim substring)
    source_url: str
    chunk_id: str = ""

    @classmethod
    def from_source(cls, n: int, src: Source, quote: str) -> "Citation":
        return cls(n=n, study_id=src.study_id, field_path=src.field_path, field_label=src.field_label,
                   quote=quote, source_url=src.source_url, chunk_id=src.chunk_id)


class Answer(BaseModel):
    text: str
    status: Status
    citations: list[Citation] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    study_id: str | None = None  # the study the question was scoped to, if any
    standalone_question: str | None = None  # the follow-up rewritten from history, if it was


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


AnswerEvent = Union[SourcesEvent, TokenEvent, FinalEvent]
