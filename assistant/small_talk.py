"""Greetings and thanks ("hi", "thanks so much!", "who are you?"): a friendly line on what the assistant does,
not "the study records don't say"."""
from __future__ import annotations

import re

from assistant.textutil import content_terms

# stems as content_terms gives them ("thanks" → "thank", "morning" → "morn")
SOCIAL_STEMS = frozenset("hi hello hey hiya yo thank thx ty cheer ok okay k lol cool great nice bye goodbye cya "
                         "morn afternoon even night good awesome perfect yes yeah yep no nope sure welcom got "
                         "appreci much lot help".split())
THANKS_RE = re.compile(r"\b(thanks?|thank you|thx|ty|cheers|appreciate)\b", re.IGNORECASE)
ABOUT_YOU_RE = re.compile(r"^\W*(who|what) are you\b|\bare you (a )?(real|human|bot|robot|person|ai)\b|"
                          r"\bwhat can you (do|help)\b|\bhow does this (chat ?bot|chat|assistant|thing) work\b",
                          re.IGNORECASE)
ASKS_RE = re.compile(r"\b(where|when|why|how|which|what|who|can|could|does|do|is|are|will|would|any)\b", re.IGNORECASE)
MAX_WORDS = 8


def small_talk(question: str) -> str | None:
    """"thanks" for a thank-you, "hello" for any other greeting or question about the assistant itself; None for
    a question that asks about anything else."""
    if len(question.split()) > MAX_WORDS:
        return None
    if not ABOUT_YOU_RE.search(question) and (ASKS_RE.search(question) or content_terms(question) - SOCIAL_STEMS):
        return None
    return "thanks" if THANKS_RE.search(question) else "hello"
