"""The hand list of medical words patients and criteria use for the same thing (``terms.toml``), and a
matcher that finds them as whole phrases, longest first, so a word inside a longer term (the "tumor" of
"tumor necrosis factor") is never read as a term of its own."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Concept:
    key: str
    kind: str  # condition | treatment | measure
    says: str
    terms: tuple[str, ...]
    short: tuple[str, ...] = ()
    broader: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    phrase: str  # as written in the text
    start: int
    end: int
    concepts: frozenset[str]  # concepts the phrase names directly
    within: frozenset[str] = field(default=frozenset())  # concepts it names as a wider group


@dataclass(frozen=True)
class Vocabulary:
    concepts: dict[str, Concept]
    _pattern: re.Pattern[str]
    _short: re.Pattern[str]
    _direct: dict[str, frozenset[str]]
    _within: dict[str, frozenset[str]]

    def find(self, text: str) -> list[Hit]:
        """Every term in ``text``, longest first, spans not overlapping."""
        hits: list[Hit] = []
        taken: list[tuple[int, int]] = []
        found = [(m.start(), m.end(), m.group(0), m.group(0).lower()) for m in self._pattern.finditer(text)]
        found += [(m.start(), m.end(), m.group(0), m.group(0)) for m in self._short.finditer(text)]
        for start, end, written, key in sorted(found, key=lambda t: (-(t[1] - t[0]), t[0])):
            if any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            hits.append(Hit(written, start, end, self._direct.get(key, frozenset()), self._within.get(key, frozenset())))
        return sorted(hits, key=lambda h: h.start)


def spelled_out(name: str) -> str:
    """A condition named only by its abbreviation, in words first: "NSCLC" → "lung cancer (NSCLC)"; anything
    else as it is."""
    vocab = vocabulary()
    hits = vocab.find(name.strip())
    if len(hits) == 1 and hits[0].phrase == name.strip() and name.strip().isupper() and len(hits[0].concepts) == 1:
        return f"{vocab.concepts[next(iter(hits[0].concepts))].says} ({name.strip()})"
    return name


LOWER_SHORT_CHARS = 4
SHORT_WORDS = frozenset({"aids"})  # short forms that are also everyday words in lower case


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    raw = tomllib.loads(resources.files("assistant").joinpath("vocab", "terms.toml").read_text("utf-8"))
    concepts = {k: Concept(k, v["kind"], v["says"], tuple(v["terms"]), tuple(v.get("short", ())),
                           tuple(v.get("broader", ()))) for k, v in raw.items()}
    direct: dict[str, set[str]] = {}
    within: dict[str, set[str]] = {}
    for c in concepts.values():
        for t in c.terms:
            direct.setdefault(t.lower(), set()).add(c.key)
        for t in c.short:
            direct.setdefault(t, set()).add(c.key)
        for t in c.broader:
            within.setdefault(t.lower(), set()).add(c.key)
    # a long short form typed in lower case ("squamous nsclc"): the same term, unless it is a word ("AIDS") or two
    # short forms share it ("eGFR" and "EGFR")
    lowered: dict[str, set[str]] = {}
    for c in concepts.values():
        for t in c.short:
            if len(t) >= LOWER_SHORT_CHARS and t.lower() not in SHORT_WORDS:
                lowered.setdefault(t.lower(), set()).add(t)
    for low, forms in lowered.items():
        if len({direct[f] and frozenset(direct[f]) for f in forms}) == 1 and low not in direct:  # one meaning
            direct[low] = direct[next(iter(forms))]
    phrases = sorted({p for p in (*direct, *within) if not _is_short(p, concepts)}, key=len, reverse=True)
    shorts = sorted({t for c in concepts.values() for t in c.short}, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(p) for p in phrases) + r")(?![\w-])", re.IGNORECASE)
    short = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(s) for s in shorts) + r")(?![\w-])")
    return Vocabulary(concepts, pattern, short, {k: frozenset(v) for k, v in direct.items()},
                      {k: frozenset(v) for k, v in within.items()})


def _is_short(phrase: str, concepts: dict[str, Concept]) -> bool:
    return any(phrase in c.short for c in concepts.values())
