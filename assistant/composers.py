"""The composers of answers from a fact sheet, one per intent, registered under the intent's name.

``assistant.compose.Composer`` dispatches through this table; each composer is a function
``(composer, writer, question, sheet) -> None`` that adds cited sentences to the writer (or none, when
the sheet lacks the facts). A name must be an intent of ``assistant/intent_registry.py``.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assistant.intent_registry import BY_NAME

ComposeFn = Callable[[Any, Any, str, Any], None]  # (Composer, AnswerWriter, question, FactSheet)
COMPOSERS: dict[str, ComposeFn] = {}


def composes(intent: str) -> Callable[[ComposeFn], ComposeFn]:
    """Register the decorated function as the composer of ``intent``."""
    if intent not in BY_NAME:
        raise ValueError(f"{intent!r} is not an intent of assistant/intent_registry.py")

    def register(fn: ComposeFn) -> ComposeFn:
        COMPOSERS[intent] = fn
        return fn
    return register
