"""Question → intent: one exact rule, then a classifier trained on the labelled example bank.

The examples are a data file (``assistant/routing/intent_examples.jsonl``: patient phrasing,
misspellings, follow-ups), so the router learns from the bank, not from a growing pile of regexes.
Features are the bundled embedder's vector (meaning) plus character n-grams (the words themselves,
typos included); a logistic regression over both is trained once per process (about a second) and
the bank's vectors are cached beside the data, keyed by the bank's content and the model.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.intent_registry import INTENT_NAMES
from assistant.nearby import asked_place

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

log = logging.getLogger(__name__)

INTENTS = INTENT_NAMES  # one home: assistant/intent_registry.py
BANK = "intent_examples.jsonl"
MIN_CONFIDENCE = 0.3  # below this probability the intent is a guess: the question is read whole instead
PART_CONFIDENCE = 0.6  # a part of a question read alone has less to go on: it decides the route only when this sure
ALSO_CONFIDENCE = 0.5  # …and is answered too, beside the whole question's intent, when this sure
# (0.3 with 20 intents: on router_heldout.jsonl 96% of questions routed, 97.7% of those right; 0.4: 91%, 98.5%)
SECOND_INTENT = 0.2  # a runner-up this likely, in a question joined by "and", is asked about too
JOINED_RE = re.compile(r"\b(and|also|plus)\b|&", re.IGNORECASE)
REGULARIZATION_C = 4.0

# "what does double-blind mean", "what is a placebo": a definition, whatever the term
TERM_RE = re.compile(r"\b(what does .{1,40} mean|what do .{1,40} mean|meaning of|definition|define|what is meant by)\b|"
                     # "what's a placebo?", not "whats a good seafood place near the hospital": the term ends the
                     # question within a few words
                     r"\bwhat(?:'s| is| are) (?:a|an) (?!study\b|trial\b)\w+(?=(?:\W+\w+){0,3}\W*$)|"
                     # "whats PFS? progression free surviavl?": a short form in capitals, asked what it is
                     r"^\W*what(?:'s|s| is| are| does)?\s+(?:the\s+)?(?-i:[A-Z][A-Z0-9+]{1,6})\s*(?:\?|$|stand|mean)", re.IGNORECASE)
JOIN_RE = re.compile(r"\b(join|take part|participate|enrol+|sign up|qualif|eligible|elegible)\w*", re.IGNORECASE)


@dataclass(frozen=True)
class Example:
    text: str
    intent: str


@dataclass(frozen=True)
class Route:
    intent: str
    score: float  # the classifier's probability for the intent (1.0 for the rule)
    by: str  # "classifier", or what made it sure: "rule", "facts" (an unsure eligibility route the person's own
    #          facts confirm), "place" (a question naming a place: where), and from a fact of the study it names
    #          (assistant/named_facts.py): "dose", "named" (its own treatment), "outcome" (a measure of its results);
    #          "not_joining" ("can I drive home after?": a "can I …" that is no eligibility question, read as other),
    #          "person" ("how long was each person in it?": a person's time in the study, not its dates)
    also: tuple[str, ...] = ()  # a second intent the question asks about too ("Is it blinded, and randomized?")

    @property
    def confident(self) -> bool:
        """Safe to answer as this intent without reading the question's other words."""
        return self.by != "classifier" or self.score >= MIN_CONFIDENCE


# where a question asks a second thing: after a "?" or at ", and …" / "and who …"
_PART_BREAK = re.compile(r"(?<=\?)\s+|,?\s+(?:and|also|plus|&)\s+(?=(?:who|whos|who's|what|whats|what's|where|when|how|is|was|"
                         r"are|were|does|do|did|can|will|would|any)\b)", re.IGNORECASE)
MIN_PART_WORDS = 2
LEADING_JOIN = re.compile(r"^(?:and|also|plus|&)\s+", re.IGNORECASE)
# "stem cell injection for the disc in shanghai - what phase is it": a heading that names the study, then the ask
HEADING_RE = re.compile(r"^(?P<head>[^?]{3,80}?)\s+[-–—:]\s+(?P<ask>\S.*)$")
ASKS_RE = re.compile(r"\b(?:where|when|who|whom|whose|why|how|which|what|can|could|will|would|should|does|did|do|is|are|"
                     r"any)\b", re.IGNORECASE)


def after_heading(question: str) -> str:
    """What is asked after a heading that asks nothing itself (the question unchanged when there is none)."""
    m = HEADING_RE.match(question.strip())
    return m.group("ask") if m and not ASKS_RE.search(m.group("head")) else question


def asked_parts(question: str) -> list[str]:
    """The separate things a question asks ("how many sites did it have, and was any in canada" → two)."""
    # (a part read alone without its joining word: "and what was the final enrollment" reads as a new question)
    parts = [LEADING_JOIN.sub("", p.strip(" ,")) for p in _PART_BREAK.split(question) if p and p.strip(" ,")]
    return [p for p in parts if len(p.split()) >= MIN_PART_WORDS] or [question]


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


def rule_intent(question: str) -> str | None:
    """The one exact case: asking what a word means (and not whether one can join)."""
    if TERM_RE.search(question) and not JOIN_RE.search(question):
        return "term"
    return None


class IntentRouter:
    def __init__(self, embeddings: Embeddings, examples: list[Example] | None = None, cache_dir: Path | None = None,
                 model_name: str = ""):
        self.embeddings = embeddings
        self.examples = examples if examples is not None else load_examples()
        self.cache_dir, self.model_name = cache_dir, model_name
        self._trained: tuple[TfidfVectorizer, LogisticRegression] | None = None
        self._lock = threading.Lock()

    def _bank_vectors(self) -> np.ndarray:
        key = hashlib.sha256(json.dumps([self.model_name, [(e.text, e.intent) for e in self.examples]]).encode())
        cache = self.cache_dir / f"router-{key.hexdigest()[:16]}.npy" if self.cache_dir else None
        if cache and cache.exists():
            return np.load(cache)
        log.info("embedding %d router examples (once; cached)", len(self.examples))
        vecs = np.asarray(self.embeddings.embed_documents([e.text for e in self.examples]), dtype=np.float32)
        if cache:
            tmp = cache.with_suffix(".tmp.npy")
            try:  # only a cache: a full disk must not stop answering
                cache.parent.mkdir(parents=True, exist_ok=True)
                np.save(tmp, vecs)
                tmp.replace(cache)
            except OSError as e:
                log.warning("router examples not cached in %s (%s)", cache.parent, e)
                tmp.unlink(missing_ok=True)
        return vecs

    def _model(self) -> tuple[TfidfVectorizer, LogisticRegression]:
        with self._lock:
            if self._trained is None:
                from scipy.sparse import csr_matrix, hstack
                from sklearn.feature_extraction.text import TfidfVectorizer
                from sklearn.linear_model import LogisticRegression

                ngrams = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
                grams = ngrams.fit_transform([e.text for e in self.examples])
                features = hstack([csr_matrix(self._bank_vectors()), grams]).tocsr()
                classifier = LogisticRegression(C=REGULARIZATION_C, max_iter=3000)
                classifier.fit(features, [e.intent for e in self.examples])
                self._trained = (ngrams, classifier)
            return self._trained

    def warm(self) -> None:
        """Train now (the first question would otherwise wait for it): a server calls this at start."""
        self._model()

    def route(self, question: str) -> Route:
        rule = rule_intent(question)
        if rule:
            return Route(rule, 1.0, "rule")
        question = after_heading(question)
        whole = self._classified(question)
        parts = asked_parts(question)
        if len(parts) < 2:
            return whole
        # "how many people will be in it? and whos the contact": each part asks its own thing
        # a part that names a place ("and was any in canada") asks where, whatever its other words recall
        routes = [rule_intent(p) or ("where" if asked_place(p) else self._classified(p)) for p in parts]
        intents = [r if isinstance(r, str) else r.intent for r in routes
                   if isinstance(r, str) or r.score >= ALSO_CONFIDENCE]
        # ("how big is the Paris … trial, and do some people get a placebo?": read whole it is unsure; its parts are
        # sure of what each asks; a place alone makes no part sure: "who do I contact … in Paris?" asks who)
        sure = [r for r in routes if isinstance(r, Route) and r.score >= PART_CONFIDENCE]
        if whole.score < PART_CONFIDENCE and sure:
            whole = Route(sure[0].intent, sure[0].score, "parts")
        also = tuple(dict.fromkeys(i for i in [*whole.also, *intents] if i != whole.intent))
        return replace(whole, also=also[:2])

    def _classified(self, question: str) -> Route:
        from scipy.sparse import csr_matrix, hstack

        ngrams, classifier = self._model()
        vector = np.asarray([self.embeddings.embed_query(question)], dtype=np.float32)
        probabilities = classifier.predict_proba(hstack([csr_matrix(vector), ngrams.transform([question])]).tocsr())[0]
        first, second = (int(i) for i in np.argsort(-probabilities)[:2])
        also = (str(classifier.classes_[second]),) \
            if probabilities[second] >= SECOND_INTENT and JOINED_RE.search(question) else ()
        return Route(str(classifier.classes_[first]), float(probabilities[first]), "classifier", also)
