"""The one ask policy every surface applies before the chain (chat, widget and JSON API, the Gradio API, the
OpenAI-compatible API, MCP): how much of the conversation is read, and how long a turn may be.

The question's own size is ``assistant.guard.question_problem``; the study a surface pins is looked up by the
service. What a surface does with a turn that is too long is its own (a 422 for the JSON API, a cut for an
OpenAI client that resends another model's long turns), but the numbers are these.
"""
from __future__ import annotations

from collections.abc import Iterable

from assistant.types import HistoryTurn

MAX_HISTORY_TURNS = 20  # older turns do not help a follow-up find its study
MAX_HISTORY_TURN_CHARS = 8000


def recent_history(turns: Iterable[HistoryTurn] | None) -> list[HistoryTurn]:
    """The turns the chain reads: the last ``MAX_HISTORY_TURNS``, in order."""
    return list(turns or [])[-MAX_HISTORY_TURNS:]


def long_turn(turns: list[HistoryTurn]) -> int | None:
    """The index of the first turn longer than ``MAX_HISTORY_TURN_CHARS`` (None when all fit)."""
    return next((i for i, t in enumerate(turns) if len(t.content) > MAX_HISTORY_TURN_CHARS), None)


def cut_turn(text: str) -> str:
    return text[:MAX_HISTORY_TURN_CHARS]
