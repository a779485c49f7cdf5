"""The seam between the answering core and its users (web app, eval harness, CLI)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from pydantic import BaseModel, Field

from assistant.types import Answer, AnswerEvent, HistoryTurn


class StudySummary(BaseModel):
    study_id: str
    title: str
    acronym: str | None = None
    names: list[str] = Field(default_factory=list, description="short names people use: the acronym, "
                             "or one a title ends with, e.g. MiSLE")
    source_url: str = ""


class AnswerService(Protocol):
    def ask(self, question: str, study_id: str | None = None,
            history: list[HistoryTurn] | None = None) -> Answer: ...

    def stream(self, question: str, study_id: str | None = None,
               history: list[HistoryTurn] | None = None) -> Iterator[AnswerEvent]: ...

    def list_studies(self, query: str = "", limit: int = 20) -> list[StudySummary]: ...

    def get_study(self, study_id: str) -> StudySummary | None: ...
