"""The model's one job on an answer it did not compose: say a quoted record sentence in plain words.

The rewrite is shown only when it keeps what makes the quote true: every number, every negation, every
named thing (capitalised words, drug and place names, words with digits), and when it opens with no
yes/no of its own. Anything else is dropped and the quote stands alone.
"""
from __future__ import annotations

import logging
import re

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

from assistant.prompting import render_prompt
from assistant.textutil import content_terms, numbers, words

log = logging.getLogger(__name__)
NEGATION = frozenset({"not", "no", "never", "without", "none", "cannot", "can't", "won't", "isn't", "aren't",
                      "don't", "doesn't", "nor", "neither", "exclude", "excluded", "excluding"})
YES_NO = re.compile(r"^\s*(yes|no)\b", re.IGNORECASE)
NAMED = re.compile(r"\b[A-Z][A-Za-z0-9-]*\d[A-Za-z0-9-]*\b|\b[A-Z]{2,}[A-Za-z0-9-]*\b|(?<=[a-z,;] )[A-Z][a-z]+\b")
MAX_REWRITE_CHARS = 400


def rewrite_problem(quote: str, rewrite: str) -> str | None:
    """Why the rewrite may not be shown (None: it keeps the quote's facts)."""
    if not rewrite or len(rewrite) > MAX_REWRITE_CHARS:
        return "empty or too long"
    if YES_NO.match(rewrite) and not YES_NO.match(quote):
        return "decides a yes/no"
    if numbers(quote) != numbers(rewrite):
        return f"numbers differ: {sorted(numbers(quote))} vs {sorted(numbers(rewrite))}"
    negated = bool(NEGATION & set(words(quote)))
    if negated != bool(NEGATION & set(words(rewrite))):
        return "negation added or lost"
    kept = {w.lower() for w in words(rewrite)}
    lost = [n for n in NAMED.findall(quote) if not all(p.lower() in kept for p in words(n))]
    if lost:
        return f"names lost: {lost}"
    if content_terms(rewrite) <= content_terms(quote):
        return "says nothing plainer than the quote"
    return None


def plain_rewrite(llm: BaseChatModel, quote: str) -> str | None:
    """The model's plain version of ``quote``, or None when it fails the checks (or the model fails)."""
    try:
        out = llm.invoke([HumanMessage(content=render_prompt("rewrite.txt", quote=quote))])
    except Exception as e:  # a model error costs the plain version only; the quote is already shown
        log.warning("plain rewrite failed: %s", e)
        return None
    text = re.sub(r"\s+", " ", str(out.content)).strip().strip('"“”')
    text = re.split(r"\n|Record:", text)[0].strip()
    problem = rewrite_problem(quote, text)
    if problem:
        log.info("plain rewrite dropped (%s): %r", problem, text)
        return None
    return text
