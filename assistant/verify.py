"""Verification: every sentence of an answer must cite a source that supports it.

For each sentence we find its citation markers ([1], [1][2], [1, 2], or [1: "quoted words"]), pick
for every cited source the verbatim span of the chunk that best supports the sentence (that span is
the citation's `quote`), and check support: the numbers in the sentence must appear in the cited
text, and its content words must overlap the cited text (lexically, or lexically + semantically when
an embedder is given). A citation that doesn't support its sentence is dropped; a sentence left
with no supporting citation is removed. An explicit quote that isn't verbatim in its chunk is a
fabrication: the citation is dropped.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.textutil import NOT_AFTER_ABBREVIATION, content_terms, normalize_ws, numbers, overlap, split_sentences
from assistant.types import Citation, Source
from trialchat.schema import split_chunk_text

Similarity = Callable[[str, str], float]

CITE_RE = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*(?::\s*[\"“]([^\"”\]]+)[\"”])?\s*\]")
_ANSWER_SENTENCE_END = re.compile(NOT_AFTER_ABBREVIATION + r"(?<=[.!?])\s+|(?<=\])\s+(?=[A-Z])")

FULL_SUPPORT = 0.5  # share of the sentence's content words found in the cited text
PARTIAL_SUPPORT = 0.25  # what each cited source must contribute at least
SEMANTIC_SUPPORT = 0.5  # cosine(sentence, quote) that lets a paraphrase pass with partial overlap


@dataclass
class SentenceCheck:
    sentence: str  # the sentence as written, markers removed
    cited: list[int]
    original: str = ""  # the sentence with its markers where the model put them
    citations: list[Citation] = field(default_factory=list)
    supported: bool = False
    reason: str = ""


@dataclass
class Verified:
    text: str  # only supported sentences, each ending with its kept citation markers
    citations: list[Citation]
    checks: list[SentenceCheck]

    @property
    def dropped(self) -> list[SentenceCheck]:
        return [c for c in self.checks if not c.supported]


def split_answer_sentences(text: str) -> list[str]:
    """Sentences of a model answer; a citation marker right after the period stays with its sentence."""
    text = re.sub(r"([.!?])\s*((?:\[[^\]]*\]\s*)+)", lambda m: f" {m.group(2).strip()}{m.group(1)} ", text)
    return [s.strip() for s in _ANSWER_SENTENCE_END.split(normalize_ws(text)) if s.strip()]


def best_quote(claim: str, chunk_text: str) -> tuple[str, float]:
    """The chunk sentence (verbatim) sharing most content words with the claim, and that overlap."""
    terms = content_terms(claim)
    body = split_chunk_text(chunk_text)[1]
    best, best_score = "", -1.0
    for sent in split_sentences(body):
        score = overlap(terms, content_terms(sent))
        if score > best_score:
            best, best_score = sent, score
    if not best or best not in chunk_text:
        best = body.strip()
    return best, max(best_score, 0.0)


def _strip_markers(sentence: str) -> str:
    return normalize_ws(CITE_RE.sub("", sentence)).replace(" .", ".").strip()


def check_sentence(sentence: str, sources: list[Source], similarity: Similarity | None = None) -> SentenceCheck:
    claim = _strip_markers(sentence)
    cited: list[tuple[int, str | None]] = []
    for m in CITE_RE.finditer(sentence):
        for n in re.split(r"\s*[,;]\s*", m.group(1)):
            cited.append((int(n), m.group(2)))
    check = SentenceCheck(claim, [n for n, _ in cited], original=sentence)
    if not cited:
        check.reason = "no citation"
        return check
    claim_terms, claim_numbers = content_terms(claim), numbers(claim)
    kept: list[tuple[Citation, Source]] = []
    for n, explicit in cited:
        if not 1 <= n <= len(sources):
            check.reason = f"cites [{n}], which is not a source"
            continue
        src = sources[n - 1]
        if explicit is not None:
            flat, wanted = normalize_ws(src.text), normalize_ws(explicit)
            start = flat.lower().find(wanted.lower())
            if start < 0:
                check.reason = f"quote for [{n}] is not in the source"
                continue
            quote = flat[start:start + len(wanted)]
            quote = quote if quote in src.text else best_quote(claim, src.text)[0]
        else:
            quote, _ = best_quote(claim, src.text)
        contribution = overlap(claim_terms, content_terms(src.text))
        if contribution < PARTIAL_SUPPORT and not (claim_numbers and claim_numbers <= numbers(src.text)):
            check.reason = f"[{n}] does not support the sentence"
            continue
        if any(c.n == n for c, _ in kept):
            continue
        kept.append((Citation.from_source(n, src, quote), src))
    if not kept:
        check.reason = check.reason or "no supporting citation"
        return check
    union_text = "\n".join(s.text for _, s in kept)
    if not claim_numbers <= numbers(union_text):
        check.reason = f"numbers {sorted(claim_numbers - numbers(union_text))} are not in the cited sources"
        return check
    lexical = overlap(claim_terms, content_terms(union_text))
    supported = lexical >= FULL_SUPPORT or not claim_terms
    if not supported and similarity is not None and lexical >= PARTIAL_SUPPORT:
        supported = max(similarity(claim, c.quote) for c, _ in kept) >= SEMANTIC_SUPPORT
    if not supported:
        check.reason = f"weak support (overlap {lexical:.2f})"
        return check
    check.citations = [c for c, _ in kept]
    check.supported = True
    return check


def render_sentence(check: SentenceCheck) -> str:
    """Markers stay where the model put them ("trials [1] and [2] test ..."), minus dropped citations;
    a sentence whose markers were all at its end gets the kept ones there."""
    kept = {c.n for c in check.citations}
    if check.original and CITE_RE.search(check.original) and not _markers_only_at_end(check.original):
        def keep(m: re.Match) -> str:
            ns = [n for n in re.split(r"\s*[,;]\s*", m.group(1)) if int(n) in kept]
            return "".join(f"[{n}]" for n in ns)
        text = normalize_ws(CITE_RE.sub(keep, check.original)).replace(" .", ".").replace(" ,", ",")
        return text if text[-1:] in ".!?" else text + "."
    body = check.sentence.rstrip()
    end = body[-1] if body and body[-1] in ".!?" else "."
    body = body[:-1] if body and body[-1] in ".!?" else body
    return f"{body} {''.join(f'[{c.n}]' for c in check.citations)}{end}"


def inherit_trailing_citations(sentences: list[str]) -> list[str]:
    """Models often cite once at the end of a run of sentences ("A. B [2]."): each uncited sentence
    takes the markers of the next cited one, and is then verified against them on its own."""
    out = list(sentences)
    pending: list[int] = []
    for i, sent in enumerate(out):
        markers = "".join(m.group(0) for m in CITE_RE.finditer(sent))
        if not markers:
            pending.append(i)
            continue
        for j in pending:
            body = out[j].rstrip()
            end = body[-1] if body and body[-1] in ".!?" else "."
            out[j] = f"{body.rstrip('.!?')} {markers}{end}"
        pending = []
    return out


def _markers_only_at_end(sentence: str) -> bool:
    stripped = re.sub(r"(\s*\[[^\]]*\])+\s*[.!?]?\s*$", "", sentence.strip())
    return not CITE_RE.search(stripped)


def verify_answer(draft: str, sources: list[Source], similarity: Similarity | None = None) -> Verified:
    sentences = inherit_trailing_citations(split_answer_sentences(draft))
    checks = [check_sentence(s, sources, similarity) for s in sentences]
    good = [c for c in checks if c.supported]
    return Verified(" ".join(render_sentence(c) for c in good), [cit for c in good for cit in c.citations], checks)


def citation_is_verbatim(citation: Citation, chunk_text: str) -> bool:
    return bool(citation.quote) and citation.quote in chunk_text
