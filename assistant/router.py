"""Question → intent: exact rules first, then the nearest labelled examples (bundled embedder).

The examples are a data file (``assistant/routing/intent_examples.jsonl``: patient phrasing,
misspellings, follow-ups), so the router learns from the bank, not from a growing pile of regexes.
Its vectors are computed once and cached beside the data (keyed by the bank's content and the model).
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.textutil import content_terms

log = logging.getLogger(__name__)

INTENTS = ("where", "who_can_join", "can_i_join", "status", "phase", "size", "design", "randomization", "arms",
           "treatment", "outcomes", "sponsor", "contact", "dates", "results", "term", "corpus", "other")
BANK = "intent_examples.jsonl"
NEIGHBOURS = 10
MIN_SIMILARITY = 0.35  # below this nearest example, the question is "other"
SPECIFIC = 2  # a word used by at most this many intents' examples says which intent a question is

TERM_RE = re.compile(r"\b(what does .{1,40} mean|what do .{1,40} mean|meaning of|definition|define|what is meant by)\b|"
                     r"\bwhat(?:'s| is| are) (?:a|an) (?!study\b|trial\b)\w+", re.IGNORECASE)
# "can I join at 70", "I'm a man, can I take part", "my mother is 72 — could she join?"
PERSONAL_RE = re.compile(r"\b(i'?m|i am|i have|i've|my (?:son|daughter|mother|mom|father|dad|wife|husband|child|kid|"
                         r"partner|friend|grandma|grandpa|grandmother|grandfather|brother|sister)|\bif i\b|"
                         r"\d{1,3}\s*(?:years? old|yo|y/o)\b|at \d{1,3}\b|aged? \d{1,3})", re.IGNORECASE)
JOIN_RE = re.compile(r"\b(join|take part|participate|particpate|enrol+|sign up|qualif|eligible|elegible|be in (?:it|this|the)|"
                     r"accepted|apply|get in)\w*", re.IGNORECASE)


@dataclass(frozen=True)
class Example:
    text: str
    intent: str


@dataclass(frozen=True)
class Route:
    intent: str
    score: float  # similarity of the nearest example (1.0 for a rule)
    by: str  # "rule" | "examples" | "fallback"
    # specific question words the bank knows only from other intents ("paid" in "How much are
    # participants paid?", routed to size by "participants"): this intent may not answer the question
    unexplained: frozenset[str] = frozenset()

    @property
    def confident(self) -> bool:
        """Safe to answer as this intent without reading the question's other words."""
        return self.by == "rule" or (self.by == "examples" and not self.unexplained)


def load_examples(path: Path | None = None) -> list[Example]:
    raw = path.read_text("utf-8") if path else resources.files("assistant").joinpath("routing", BANK).read_text("utf-8")
    out = []
    for line in raw.splitlines():
        if line.strip():
            row = json.loads(line)
            if row["intent"] not in INTENTS:
                raise ValueError(f"{BANK}: unknown intent {row['intent']!r} for {row['text']!r}")
            out.append(Example(row["text"], row["intent"]))
    return out


# words that name one field exactly, whatever else the question says (checked after the two rules above)
KEYWORD_RULES = (
    (re.compile(r"\bphase\b|\bphase[1-4i]", re.IGNORECASE), "phase"),
    (re.compile(r"\brandomi[sz]", re.IGNORECASE), "randomization"),
    (re.compile(r"\b(sponsor\w*|funds?|funded|funding|paying|pays|paid for)\b", re.IGNORECASE), "sponsor"),
    (re.compile(r"\b(recruit\w*|recuit\w*|still open|still running)\b", re.IGNORECASE), "status"),
    (re.compile(r"\b(enrol+ment|how many (people|participants|patients|subjects))\b", re.IGNORECASE), "size"),
)


def rule_intent(question: str) -> str | None:
    """Exact cases no example vote should overturn."""
    if TERM_RE.search(question) and not JOIN_RE.search(question):
        return "term"
    if JOIN_RE.search(question) and PERSONAL_RE.search(question):
        return "can_i_join"
    hits = {intent for rx, intent in KEYWORD_RULES if rx.search(question)}
    return hits.pop() if len(hits) == 1 else None


class IntentRouter:
    def __init__(self, embeddings: Embeddings, examples: list[Example] | None = None, cache_dir: Path | None = None,
                 model_name: str = ""):
        self.embeddings = embeddings
        self.examples = examples if examples is not None else load_examples()
        self.cache_dir, self.model_name = cache_dir, model_name
        self._vectors: np.ndarray | None = None
        self._lock = threading.Lock()
        self.intents_of: dict[str, set[str]] = {}  # content word → the intents whose examples use it
        for e in self.examples:
            for term in content_terms(e.text):
                self.intents_of.setdefault(term, set()).add(e.intent)

    def _bank_vectors(self) -> np.ndarray:
        with self._lock:
            if self._vectors is None:
                self._vectors = self._load_or_embed()
            return self._vectors

    def _load_or_embed(self) -> np.ndarray:
        key = hashlib.sha256(json.dumps([self.model_name, [(e.text, e.intent) for e in self.examples]]).encode())
        cache = self.cache_dir / f"router-{key.hexdigest()[:16]}.npy" if self.cache_dir else None
        if cache and cache.exists():
            return np.load(cache)
        log.info("embedding %d router examples (once; cached)", len(self.examples))
        vecs = np.asarray(self.embeddings.embed_documents([e.text for e in self.examples]), dtype=np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True) + 1e-9
        if cache:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(".tmp.npy")
            np.save(tmp, vecs)
            tmp.replace(cache)
        return vecs

    def route(self, question: str) -> Route:
        rule = rule_intent(question)
        if rule:
            return Route(rule, 1.0, "rule")
        q = np.asarray(self.embeddings.embed_query(question), dtype=np.float32)
        q /= np.linalg.norm(q) + 1e-9
        sims = self._bank_vectors() @ q
        top = np.argsort(-sims)[:NEIGHBOURS]
        if sims[top[0]] < MIN_SIMILARITY:
            return Route("other", float(sims[top[0]]), "fallback")
        votes: dict[str, float] = {}
        for i in top:  # similarity-weighted vote, the nearest counting most
            votes[self.examples[i].intent] = votes.get(self.examples[i].intent, 0.0) + float(sims[i]) ** 8
        best = max(votes, key=lambda k: votes[k])
        unexplained = {t for t in content_terms(question)
                       if best not in (owners := self.intents_of.get(t, set())) and 0 < len(owners) <= SPECIFIC}
        return Route(best, float(sims[top[0]]), "examples", frozenset(unexplained))
