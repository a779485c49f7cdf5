"""The extractive answerer: no generative model, the answer quotes the best supporting sentences.

Used when TRIALCHAT_LLM=extractive, and as the fallback when a generated answer keeps no verified
sentence. Every sentence it writes is a verbatim quote with its citation, so it verifies by design.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from assistant.answer_templates import sentence
from assistant.intents import path_within
from assistant.textutil import content_terms, overlap, split_sentences
from assistant.types import Citation, Source
from trialchat.schema import GLOSSARY_ID

EXCLUSION_Q = re.compile(r"\b(exclu\w*|can't|cannot|not allowed|who can ?not|disqualif\w*)\b", re.IGNORECASE)
MIN_QUESTION_OVERLAP = 0.34
# fields that answer only the questions that ask about them: sites and people (where, who to call), and the
# fact-sheet fields a composed answer says in words (size, status, phase, design, sponsor, title, conditions)
# — quoted bare to another question they are not answers ("81 participants" to "how much are people paid?")
ONLY_WHEN_ASKED = ("protocolSection.contactsLocationsModule", "page.researchers",
                   "protocolSection.designModule.enrollmentInfo", "protocolSection.statusModule",
                   "protocolSection.designModule.phases", "protocolSection.designModule.designInfo",
                   "protocolSection.sponsorCollaboratorsModule", "protocolSection.identificationModule",
                   "protocolSection.conditionsModule")
SHORT_FIELD = 220  # below this a quote is not an answer to the question
MIN_QUOTE_WORDS = 3  # "The record says: “Colic”" answers nothing: a quote this short is a label


def _candidates(question: str, src: Source) -> list[tuple[float, str]]:
    """Sentences of the chunk ranked by how many question words they (with their field label) share.
    Lexical on purpose: one embedding call per sentence cost seconds per answer on 2 cores."""
    q_terms = content_terms(question)
    label, body = src.label, src.body
    field_terms = content_terms(label)
    if len(body.strip()) <= SHORT_FIELD and "\n" not in body.strip() and not body.strip().endswith(":"):
        return [(1.0, body.strip())]  # a short one-line field (age/sex summary, a site) is quoted whole
    out = []
    asks_exclusions = bool(EXCLUSION_Q.search(question))
    in_exclusions = False
    for sent in split_sentences(body or src.text):
        if sent.endswith(":"):
            in_exclusions = sent.lower().startswith("exclusion")
            continue  # a heading such as "Inclusion Criteria:" answers nothing on its own
        penalty = 0.5 if in_exclusions and not asks_exclusions else 0.0  # "who can join" is about inclusion
        out.append((overlap(q_terms, content_terms(sent) | field_terms) - penalty, sent))
    return sorted(out, key=lambda t: -t[0])


GENERIC = frozenset({"particip", "patient", "peopl", "person", "someon", "anyon"})  # stems: in nearly every record


def relevance(question: str, src: Source) -> float:
    """How much of the question's specific content this source covers (its label line counts)."""
    return overlap(content_terms(question) - GENERIC, content_terms(src.text))


Scorer = Callable[[str, list[str]], list[float]]  # (question, sentences) → one score each, higher = answers it
NEAR_BEST = 2.5  # a second sentence is added only when it scores nearly as well as the best one
PER_SOURCE = 4  # a source's best sentences (by shared words) that the scorer reads
# below ``min_score`` one sentence still answers when it stands out this far above every other one ("is this
# blinded?" → "The trial is a … double-blind, placebo-controlled study": -5.8, the next -10.6), down to this floor
STANDS_OUT = 3.0
FLOOR_BELOW_MIN = 4.0


def scored_answer(question: str, sources: list[Source], scorer: Scorer, min_score: float, max_sentences: int = 2,
                  hints: list[str] | None = None) -> tuple[str, list[Citation]]:
    """Like ``extractive_answer``, but a cross-encoder picks the sentences: the best ones scoring at least
    ``min_score``, one per source; ("", []) when none does (the records don't say)."""
    pool: list[tuple[int, Source, str]] = []
    for n, src in enumerate(sources, start=1):
        hinted = bool(hints) and path_within(src.field_path, hints or [])
        if path_within(src.field_path, list(ONLY_WHEN_ASKED)) and not hinted:
            continue
        pool += [(n, src, sent) for _, sent in _candidates(question, src)[:PER_SOURCE] if sent in src.text
                 and len(sent.split()) >= MIN_QUOTE_WORDS]
    if not pool:
        return "", []
    ranked = sorted(zip(scorer(question, [sent for _, _, sent in pool]), pool, strict=True), key=lambda t: -t[0])
    parts: list[str] = []
    citations: list[Citation] = []
    used: set[int] = set()
    said: set[str] = set()
    several = len({s.study_id for s in sources if s.study_id != GLOSSARY_ID}) > 1
    runner_up = ranked[1][0] if len(ranked) > 1 else min_score - FLOOR_BELOW_MIN
    if ranked[0][0] < min_score and ranked[0][0] >= min_score - FLOOR_BELOW_MIN \
            and ranked[0][0] - runner_up >= STANDS_OUT:
        min_score, max_sentences = ranked[0][0], 1  # the one sentence that stands out, alone
    for score, (n, src, sent) in ranked:
        if score < min_score or len(parts) >= max_sentences or (parts and score < ranked[0][0] - NEAR_BEST):
            break
        if n in used or sent in said:  # the same sentence in two fields is said once
            continue
        used.add(n)
        said.add(sent)
        parts.append(f"{_frame(src, sent, len(parts), several)} [{n}].")
        citations.append(Citation.from_source(n, src, sent))
    return " ".join(parts), citations


def extractive_answer(question: str, sources: list[Source], max_sentences: int = 2,
                      hints: list[str] | None = None) -> tuple[str, list[Citation]]:
    """Quote up to max_sentences from different sources, strongest first. ("", []) when nothing fits.

    A source qualifies when it covers enough of the question's words, or is the field the question
    asks about (hints: "where" → locations).
    """
    parts: list[str] = []
    citations: list[Citation] = []
    # one quote per study first (the study's field and the glossary entry; several studies), then fill
    order = list(enumerate(sources, start=1))
    first_of_study: dict[str, int] = {}
    for n, s in order:
        first_of_study.setdefault(s.study_id, n)
    firsts = [(n, s) for n, s in order if first_of_study[s.study_id] == n]
    order = firsts + [item for item in order if item not in firsts]
    several = len({s.study_id for s in sources if s.study_id != GLOSSARY_ID}) > 1
    for n, src in order:
        if len(parts) >= max_sentences:
            break
        hinted = bool(hints) and path_within(src.field_path, hints or [])
        if relevance(question, src) < MIN_QUESTION_OVERLAP and not hinted:
            continue
        if path_within(src.field_path, list(ONLY_WHEN_ASKED)) and not hinted:
            continue  # a site's or person's name shares a word with the question ("research"), not an answer
        ranked = _candidates(question, src)
        if not ranked:
            continue
        quote = ranked[0][1]
        if quote not in src.text or len(quote.split()) < MIN_QUOTE_WORDS or any(c.quote == quote for c in citations):
            continue
        parts.append(f"{_frame(src, quote, len(parts), several)} [{n}].")
        citations.append(Citation.from_source(n, src, quote))
    return (" ".join(parts), citations)


def _frame(src: Source, quote: str, i: int, several_studies: bool) -> str:
    """A quote in a plain sentence ("The record says: “…”"): the citation carries the field's label."""
    words = quote.rstrip(" .;:")
    if src.study_id == GLOSSARY_ID:
        return sentence("record.glossary", term=src.field_label.split(" › ")[-1], quote=words)
    if several_studies:
        return sentence("record.study_says", title=src.study_title or src.study_id, study_id=src.study_id, quote=words)
    if src.section in ("inclusion", "exclusion"):
        # a rule is said as the rule it is: "Unable to speak English" quoted bare reads as a fact, not a reason to
        # be left out
        return sentence(f"record.{src.section}", quote=words)
    return sentence("record.says" if i == 0 else "record.also", quote=words)
