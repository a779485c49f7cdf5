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
    if 0 < pct < 1:
        return "less than 1%"
    # under 10%, a rounded whole number moves the share a lot (4 of 158 is 2.5%, not "about 3%")
    return f"about {round(pct, 1):g}%" if pct < 10 else f"about {round(pct)}%"


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


# codes in group titles, said in plain words: "CZP 200 mg Q2W (FAS)" → "CZP 200 mg every 2 weeks"
ANALYSIS_SET = re.compile(r"\s*\((FAS|SS|SAF|SAS|PPS|PP|ITT|mITT|FAS/SS|ES)\)\s*$", re.IGNORECASE)
DOSING = [(re.compile(r"\bQ(\d+)W\b"), lambda m: f"every {m.group(1)} weeks" if m.group(1) != "1" else "every week"),
          (re.compile(r"\bQW\b"), lambda m: "every week"), (re.compile(r"\bQD\b"), lambda m: "once a day"),
          (re.compile(r"\bBID\b"), lambda m: "twice a day"), (re.compile(r"\bTID\b"), lambda m: "three times a day"),
          (re.compile(r"\bQID\b"), lambda m: "four times a day"), (re.compile(r"\bOL\b"), lambda m: "open-label"),
          (re.compile(r"\s*(->|→)\s*"), lambda m: " then ")]


def plain_title(title: str) -> str:
    """A group's title with its codes in plain words and the analysis-set tag ("(FAS)", "(SS)") left out."""
    t = ANALYSIS_SET.sub("", title.strip())
    for pattern, words in DOSING:
        t = pattern.sub(words, t)
    return t.strip() or title


def named(title: str) -> str:
    """A group as said in a sentence: 'the {named} group' → 'the CZP 200 mg every 2 weeks group'."""
    return plain_title(title)


def the_group(title: str) -> str:
    """'the Placebo group'; a title that already says group ('Group A', 'Placebo Group') as it is."""
    t = plain_title(title)
    return t if re.search(r"\bgroup\b", t, re.IGNORECASE) else f"the {t} group"
