"""Load and validate a question file (JSONL, one question per line).

Line format::

    {"id": "masking-1", "question": "Is this study blinded?", "study_id": "NCT02552212",
     "history": [{"role": "user", "content": "..."}], "expected_studies": ["NCT..."],
     "expected_fields": ["protocolSection.designModule.designInfo.maskingInfo"],
     "expected_answer": ["double|quadruple"], "expect": "answered", "kind": "design"}

`expect` is answered | abstain | decline, or null for a retrieval-only question (no generation).
A bad line is reported with its line number; nothing is silently dropped.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.types import HistoryTurn

Expect = Literal["answered", "abstain", "decline"]
_ALIASES = {"abstained": "abstain", "declined": "decline", "answer": "answered"}


class QuestionFileError(ValueError):
    """A question file that cannot be used; the message names the file and line."""


class Question(BaseModel):
    # extra keys (notes, provenance, ...) are kept but unused: question writers annotate freely
    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    study_id: str | None = None
    history: list[HistoryTurn] = Field(default_factory=list)
    expected_studies: list[str] = Field(default_factory=list)
    expected_fields: list[str] = Field(default_factory=list)
    expected_answer: list[str] = Field(default_factory=list)
    expect: Expect | None = None
    kind: str = "general"
    opening: Literal["yes", "no"] | None = None  # a yes/no question's honest opening per the record

    @field_validator("expect", mode="before")
    @classmethod
    def _alias_expect(cls, v: object) -> object:
        return _ALIASES.get(v, v) if isinstance(v, str) else v

    @field_validator("expected_answer", "expected_fields", "expected_studies", mode="before")
    @classmethod
    def _one_or_many(cls, v: object) -> object:
        return [v] if isinstance(v, str) else ([] if v is None else v)

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, v: object) -> object:
        return v or "general"

    @property
    def generates(self) -> bool:
        """Retrieval-only questions (no `expect`, no expected strings) skip the LLM."""
        return self.expect is not None or bool(self.expected_answer)


def _describe(e: ValidationError) -> str:
    parts = []
    for err in e.errors():
        loc = ".".join(str(x) for x in err["loc"]) or "line"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


def parse_questions(lines: list[str], source: str = "<questions>") -> list[Question]:
    out: list[Question] = []
    seen: dict[str, int] = {}
    for lineno, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as e:
            raise QuestionFileError(f"{source}:{lineno}: not valid JSON ({e.msg} at column {e.colno})") from e
        if not isinstance(data, dict):
            raise QuestionFileError(f"{source}:{lineno}: expected a JSON object, got {type(data).__name__}")
        try:
            q = Question.model_validate(data)
        except ValidationError as e:
            qid = data.get("id", "?")
            raise QuestionFileError(f"{source}:{lineno} (id {qid!r}): {_describe(e)}") from e
        if q.id in seen:
            raise QuestionFileError(f"{source}:{lineno}: duplicate id {q.id!r} (first on line {seen[q.id]})")
        seen[q.id] = lineno
        out.append(q)
    if not out:
        raise QuestionFileError(f"{source}: no questions")
    return out


def load_questions(path: str | Path) -> list[Question]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise QuestionFileError(f"cannot read question file {path}: {e.strerror or e}") from e
    return parse_questions(text.splitlines(), str(path))
