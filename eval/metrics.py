"""Metric functions: pure, small, and unit-tested on hand-made cases.

Per question we score retrieval (study/field recall at k, reciprocal rank of the first field hit),
the answer (expected strings, expected status), its citations (verbatim quote in a retrieved chunk,
share of sentences carrying a citation) and readability. `aggregate` turns per-question records
into the figures of one configuration (overall or for one `kind`).
"""
from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from trialchat.schema import bare_path

_WS = re.compile(r"\s+")


# ---------------------------------------------------------------- retrieval
@dataclass(frozen=True)
class Retrieved:
    """One retrieved chunk as the metrics see it. A vanilla chunk may cover several fields."""

    study_id: str
    field_paths: tuple[str, ...]
    score: float = 0.0


def strip_indices(path: str) -> str:
    """`...locations[3].city` → `...locations.city`: list positions never decide a hit."""
    return bare_path(path)


def hits_expected_field(field_path: str, expected: str) -> bool:
    """The prefix rule, on whole dot-separated segments and with list indices removed.

    A chunk hits when its path starts with the expected path (the expected path names a module or
    field, the chunk is inside it), or when the expected path starts with the chunk's path and that
    path is specific enough (>= 3 segments: `protocolSection.designModule.designInfo` may answer a
    question about `...designInfo.maskingInfo`, but `protocolSection.designModule` is too broad).
    """
    fp, ep = strip_indices(field_path).strip("."), strip_indices(expected).strip(".")
    if not fp or not ep:
        return False
    if fp == ep or fp.startswith(ep + "."):
        return True
    return len(fp.split(".")) >= 3 and ep.startswith(fp + ".")


def target_studies(study_id: str | None, expected_studies: Sequence[str] | None) -> set[str]:
    """The studies a hit must belong to: the pinned one plus any listed; empty = any study."""
    out = set(expected_studies or ())
    if study_id:
        out.add(study_id)
    return out


def is_field_hit(item: Retrieved, targets: set[str], expected_fields: Sequence[str]) -> bool:
    if targets and item.study_id not in targets:
        return False
    return any(hits_expected_field(fp, e) for fp in item.field_paths for e in expected_fields)


def hit_rank(retrieved: Sequence[Retrieved], targets: set[str], expected_fields: Sequence[str],
             k: int) -> int | None:
    """1-based rank of the first field hit in the top k, or None."""
    for rank, item in enumerate(retrieved[:k], start=1):
        if is_field_hit(item, targets, expected_fields):
            return rank
    return None


def field_recall(retrieved: Sequence[Retrieved], targets: set[str], expected_fields: Sequence[str],
                 k: int) -> float | None:
    """Share of expected field paths covered by at least one top-k chunk of a target study."""
    if not expected_fields:
        return None
    top = [r for r in retrieved[:k] if not targets or r.study_id in targets]
    covered = sum(1 for e in expected_fields if any(hits_expected_field(fp, e) for r in top for fp in r.field_paths))
    return covered / len(expected_fields)


def study_recall(retrieved: Sequence[Retrieved], targets: set[str], k: int) -> float | None:
    """Share of target studies that appear among the top-k chunks."""
    if not targets:
        return None
    seen = {r.study_id for r in retrieved[:k]}
    return len(targets & seen) / len(targets)


# ---------------------------------------------------------------- answers
def normalize_text(text: str) -> str:
    """Case-insensitive, whitespace-normalized (NFKC folds non-breaking spaces, ligatures, …)."""
    return _WS.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def answer_correct(answer: str | None, expected: Sequence[str]) -> bool | None:
    """Every expected string must appear; `a|b` inside one string means either is enough."""
    if not expected or answer is None:
        return None
    hay = normalize_text(answer)
    return all(any(normalize_text(alt) in hay for alt in exp.split("|") if alt.strip()) for exp in expected)


OPENING = re.compile(r"^(?:About [^:]{1,200}:\s*)?(yes|no)\b", re.IGNORECASE)


def opening_contradicts(answer: str | None, opening: str | None) -> bool | None:
    """Whether an answer opens with "Yes"/"No" against the record's honest opening (None: not a yes/no question)."""
    if opening not in ("yes", "no") or answer is None:
        return None
    m = OPENING.match(answer.strip())
    return bool(m) and m.group(1).lower() != opening


EXPECT_TO_STATUS = {"answered": "answered", "abstain": "abstained", "abstained": "abstained",
                    "decline": "declined", "declined": "declined"}


def expect_ok(expect: str | None, status: str | None) -> bool | None:
    if expect is None or status is None:
        return None
    return EXPECT_TO_STATUS.get(expect, expect) == status


# ---------------------------------------------------------------- citations
@dataclass(frozen=True)
class CitedQuote:
    chunk_id: str
    study_id: str
    field_path: str
    quote: str


def _squash(text: str) -> str:
    return _WS.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def citation_checks(citations: Iterable[CitedQuote], sources: dict[str, str],
                    source_keys: dict[tuple[str, str], list[str]] | None = None) -> list[bool]:
    """One bool per citation: its quote is verbatim (whitespace-normalized, case kept) in the cited
    chunk, and that chunk was among the retrieved sources.

    `sources` maps chunk_id → chunk text of what was retrieved; a citation without chunk_id is
    matched on (study_id, field_path) through `source_keys`.
    """
    out = []
    for c in citations:
        ids = [c.chunk_id] if c.chunk_id else (source_keys or {}).get((c.study_id, c.field_path), [])
        quote = _squash(c.quote)
        out.append(bool(quote) and any(cid in sources and quote in _squash(sources[cid]) for cid in ids))
    return out


_MARKER = r"\[\d+(?:\s*[,;–-]\s*\d+)*\]"
# a sentence ends at . ! ? (plus any citation markers right after it) followed by space or the end
_SENTENCE = re.compile(rf"\S.*?(?:[.!?]['\")\]]*(?:\s*{_MARKER})*(?=\s|$)|$)", re.S)
_HAS_MARKER = re.compile(_MARKER)
_ABBREV = re.compile(r"(?:\b(?:e\.g|i\.e|vs|etc|dr|mr|mrs|ms|prof|approx|no|fig|st)|\b[A-Za-z])\.$", re.I)


_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")
_HIDE = str.maketrans({".": "\ue000", "!": "\ue001", "?": "\ue002", "\n": "\ue003"})
_SHOW = {v: k for k, v in zip(".!?\n", "\ue000\ue001\ue002\ue003")}


def split_lines_and_sentences(text: str) -> list[str]:
    """Sentences and list items of an answer; bare citation markers are not sentences.

    A quotation (“…”) is one unit however many sentences or lines it holds: extractive answers
    quote a whole field and cite it once, after the closing mark.
    """
    masked = _QUOTED.sub(lambda m: m.group(0).translate(_HIDE), text)
    return ["".join(_SHOW.get(ch, ch) for ch in s) for s in _split_plain(masked)]


def _split_plain(text: str) -> list[str]:
    out: list[str] = []
    for line in text.splitlines():
        line = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", line)  # list bullets
        pending = ""
        for m in _SENTENCE.finditer(line):
            s = (pending + " " + m.group(0).strip()).strip()
            pending = ""
            if _ABBREV.search(s):  # "e.g." or "Dr." does not end a sentence
                pending = s
            elif s and re.sub(_MARKER, "", s).strip(" .!?"):
                out.append(s)
        if pending:
            out.append(pending)
    return out


def sentence_citation_counts(text: str, valid_numbers: set[int]) -> tuple[int, int]:
    """(sentences carrying a marker [n] of an existing citation, sentences)."""
    sentences = split_lines_and_sentences(text)
    cited = 0
    for s in sentences:
        nums = {int(n) for m in _HAS_MARKER.findall(s) for n in re.findall(r"\d+", m)}
        if nums & valid_numbers:
            cited += 1
    return cited, len(sentences)


# ---------------------------------------------------------------- readability
@lru_cache(maxsize=1)
def _hyphenator():
    import pyphen  # textstat's own syllable backend

    return pyphen.Pyphen(lang="en_US")


_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def reading_grade(text: str | None) -> float | None:
    """Flesch–Kincaid grade level of an answer (citation markers removed).

    Same formula as ``textstat.flesch_kincaid_grade``; syllables come from pyphen (textstat's
    fallback) because textstat >= 0.7.5 first looks for NLTK's cmudict and tries to *download* it,
    which must never happen at run time here. pyphen alone is deterministic on every machine.
    """
    if not text:
        return None
    clean = _HAS_MARKER.sub("", text)
    words = _WORD.findall(clean)
    if not words:
        return None
    sentences = max(1, len(split_lines_and_sentences(clean)))
    hy = _hyphenator()
    syllables = sum(max(1, len(hy.positions(w.lower())) + 1) for w in words)
    return round(0.39 * len(words) / sentences + 11.8 * syllables / len(words) - 15.59, 2)


# ---------------------------------------------------------------- aggregation
def percentile(values: Sequence[float], p: float) -> float | None:
    """Linear-interpolated percentile (p in 0..100); None for no values."""
    vals = sorted(v for v in values if v is not None)
    if not vals:
        return None
    if len(vals) == 1:
        return float(vals[0])
    pos = (len(vals) - 1) * p / 100
    lo = int(pos)
    hi = min(lo + 1, len(vals) - 1)
    return float(vals[lo] + (vals[hi] - vals[lo]) * (pos - lo))


def _mean(values: Iterable[float | bool | None]) -> float | None:
    vals = [float(v) for v in values if v is not None]
    return round(statistics.fmean(vals), 4) if vals else None


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


@dataclass
class QuestionScore:
    """What aggregation needs from one question's record."""

    kind: str = "general"
    intent: str = "none"  # what the router chose ("none": not routed, or a configuration without a router)
    error: bool = False
    study_recall: float | None = None
    field_recall: float | None = None
    hit_rank: int | None = None
    scored_retrieval: bool = False  # had expected_fields (counts in MRR even when missed)
    correct: bool | None = None
    expect_ok: bool | None = None
    opening_contradicts: bool | None = None
    citations_ok: list[bool] = field(default_factory=list)
    cited_sentences: int = 0
    sentences: int = 0
    reading_grade: float | None = None
    context_chars: int | None = None
    ms: dict[str, float | None] = field(default_factory=dict)


METRIC_KEYS = ("n", "study_recall_at_k", "field_recall_at_k", "mrr", "answer_correct", "expect_accuracy",
               "citation_precision", "sentence_citation_coverage", "reading_grade", "context_chars",
               "sources_ms_p50", "sources_ms_p95", "first_token_ms_p50", "first_token_ms_p95",
               "answer_ms_p50", "answer_ms_p95", "opening_contradictions", "errors")


def aggregate(scores: Sequence[QuestionScore]) -> dict[str, float | int | None]:
    """Figures of one configuration. A metric is None when no question could be scored on it."""
    ok = [s for s in scores if not s.error]
    rr = [(1.0 / s.hit_rank if s.hit_rank else 0.0) for s in ok if s.scored_retrieval]
    checks = [c for s in ok for c in s.citations_ok]
    out: dict[str, float | int | None] = {
        "n": len(scores),
        "study_recall_at_k": _mean(s.study_recall for s in ok),
        "field_recall_at_k": _mean(s.field_recall for s in ok),
        "mrr": _mean(rr),
        "answer_correct": _mean(s.correct for s in ok),
        "expect_accuracy": _mean(s.expect_ok for s in ok),
        "citation_precision": _ratio(sum(checks), len(checks)),
        "sentence_citation_coverage": _ratio(sum(s.cited_sentences for s in ok), sum(s.sentences for s in ok)),
        "reading_grade": _mean(s.reading_grade for s in ok),
        "context_chars": _mean(s.context_chars for s in ok),
    }
    for key in ("sources", "first_token", "answer"):
        vals = [s.ms.get(key) for s in ok if s.ms.get(key) is not None]
        for p in (50, 95):
            v = percentile(vals, p)
            out[f"{key}_ms_p{p}"] = round(v, 1) if v is not None else None
    out["opening_contradictions"] = sum(1 for s in ok if s.opening_contradicts)
    out["errors"] = sum(1 for s in scores if s.error)
    return out


def aggregate_by(scores: Sequence[QuestionScore], attribute: str) -> dict[str, dict[str, float | int | None]]:
    """Figures per value of a question attribute ("kind", "intent")."""
    groups = sorted({getattr(s, attribute) for s in scores})
    return {g: aggregate([s for s in scores if getattr(s, attribute) == g]) for g in groups}


def aggregate_by_kind(scores: Sequence[QuestionScore]) -> dict[str, dict[str, float | int | None]]:
    return aggregate_by(scores, "kind")
