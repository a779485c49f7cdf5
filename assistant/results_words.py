"""Words shared by the results answers: citations of typed facts, our labelled percentages, group names."""
from __future__ import annotations

import re

from trialchat.results import Cited, EventGroup, ResultGroup

PLACEBO = re.compile(r"\b(placebo|sham|vehicle|dummy)\b", re.IGNORECASE)
SWITCHED = re.compile(r"->|→|\bthen\b|\bfollowed by\b|\bswitch", re.IGNORECASE)  # "Placebo->OL CZP" got the drug


def c(x: Cited | None) -> list[tuple[str, str]]:
    """A fact as AnswerWriter citations (none when it has no citable quote)."""
    return [(x.path, x.quote)] if x is not None and x.quote else []


def about(a: int | None, n: int | None) -> str:
    """Our own percentage, labelled: 'about 37%' (rounded once); '' when it cannot be computed."""
    if not a or not n:  # none of them: "0 of 9" says it
        return ""
    pct = 100 * a / n
    return "less than 1%" if 0 < pct < 1 else f"about {round(pct)}%"


def pct(a: int | None, n: int | None) -> str:
    return f" ({about(a, n)})" if about(a, n) else ""


def numeric(v: str) -> float | None:
    try:
        return float(v)
    except ValueError:
        return None


def term_words(term: str) -> str:
    """'Upper respiratory tract infection', 'Angina Pectoris' → lower case; 'COVID-19', 'hMSCs' stay as written."""
    return " ".join(w.lower() if w[:1].isupper() and (w[1:].islower() or len(w) == 1) else w
                    for w in term.split(" "))


def share(a: int | None, n: int | None) -> str:
    """'75 of 159 people (about 47%)': the record's two numbers, then ours, labelled."""
    return f"{a} of {n} people" + (f" ({about(a, n)})" if about(a, n) else "")


def is_placebo(g: ResultGroup | EventGroup) -> bool:
    return bool(PLACEBO.search(g.title)) and not SWITCHED.search(g.title)


def named(title: str) -> str:
    return f"“{title}”"
