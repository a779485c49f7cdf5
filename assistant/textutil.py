"""Small text helpers shared by retrieval, verification and the extractive answerer."""
from __future__ import annotations

import re

from trialchat.lexical import english_stemmer

_WORD = re.compile(r"[A-Za-z0-9]+(?:[.'][A-Za-z0-9]+)*")
_NUMBER = re.compile(r"(?<![A-Za-z])\d+(?:[.,]\d+)?")
# a full stop after a short title or abbreviation ("St. Marianna", "Dr. Lee", "e.g. aspirin") ends nothing
ABBREVIATIONS = ("St", "Dr", "Mr", "Mrs", "Ms", "Prof", "No", "vs", "Inc", "Ltd", "Co", "Jr", "Sr", "Mt", "Ft", "Univ",
                 "Dept", "approx", "e.g", "i.e", "etc", "Fig", "Vol")
NOT_AFTER_ABBREVIATION = "".join(rf"(?<!\b{re.escape(a)}\.)" for a in ABBREVIATIONS)
_SENTENCE_END = re.compile(NOT_AFTER_ABBREVIATION + r"(?<=[.!?])[\"”')\]]*\s+(?=[A-Z0-9\"“(\[])")

STOPWORDS = frozenset("""
a an the and or but if then than of to in on at by for with from as is are was were be been being
it its this that these those there here they them their he she his her we you your our i me my
do does did done can could should would will shall may might must have has had not no nor so such
what which who whom whose when where why how about into over under also any all each some more most
other only own same very just too up down out off again further once study trial studies trials
""".split())


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


_PLURAL_SHORT = re.compile(r"\b([A-Z]{2,})s\b")  # "MSCs", "NSAIDs": an abbreviation's plural, the same term


def content_terms(text: str) -> set[str]:
    """Stemmed content words: what a claim and its source must share."""
    toks = [w for w in words(_PLURAL_SHORT.sub(r"\1", text)) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    return set(english_stemmer().stemWords(toks))


def numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def split_sentences(text: str) -> list[str]:
    """Sentence split that also treats line breaks (bullets, label lines) as boundaries."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip().lstrip("-•*· ").strip()
        if not line:
            continue
        out.extend(s.strip() for s in _SENTENCE_END.split(line) if s.strip())
    return out


def overlap(claim_terms: set[str], source_terms: set[str]) -> float:
    return len(claim_terms & source_terms) / len(claim_terms) if claim_terms else 0.0


def normalize_ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
