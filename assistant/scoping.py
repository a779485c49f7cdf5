"""Which study is a question about? A pin, an ID or known title/acronym in the question, or history.

Follow-ups ("where is it?", "who can join?") inherit the study of the conversation and are rewritten
into a standalone question that names it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from assistant.types import HistoryTurn
from trialchat.schema import GLOSSARY_ID

NCT_RE = re.compile(r"\bNCT\d{8}\b", re.IGNORECASE)
ID_RE = re.compile(r"\b(NCT\d{8}|NIH-\d+)\b", re.IGNORECASE)
FOLLOW_UP_RE = re.compile(
    r"\b(it|its|it's|this|that|these|those|there|they|them|their|the (study|trial|research|drug|treatment)|"
    r"who can join|can i join|where is|when does|how long|how many)\b", re.IGNORECASE)
CORPUS_RE = re.compile(r"\b(which|what|any|list|find|are there|is there)\b.*\b(trials|studies|study|trial)\b",
                       re.IGNORECASE)


def _name_pattern(name: str) -> tuple[str, int] | None:
    """How a study's short name is found in a question (pattern, flags); None for a name too short to look for.
    Case-sensitive ("MiSLE", not "missle"), except long or marked names people type in lower case."""
    if len(name) < 3:
        return None
    if len(name) >= CAMEL_NAME_CHARS and re.fullmatch(r"[A-Z][a-z]+(?:[A-Z][a-z]+)+", name):
        # "ArthritisPower": a name made of words, typed "arthritispower" or "arthritis power"
        joined = r"[\s-]?".join(map(re.escape, re.findall(r"[A-Z][a-z]+", name)))
        return rf"(?<![\w-]){joined}(?![\w-])", re.IGNORECASE
    flags = re.IGNORECASE if len(name) >= 5 and re.search(r"[-_0-9]", name) else 0
    return rf"(?<![\w-]){re.escape(name)}(?![\w-])", flags


# ("any of them" alone is not: "were any of them serious?" asks about side effects; a list's studies are picked among
# by the follow-up step)
ACROSS_RE = re.compile(r"\bany of (?:the studies|the trials)\b|"
                       r"\b(any|which|what|other|list|find|are there|is there|all( the)?|show me)\b[^?.]{0,60}"
                       r"\b(studies|trials)\b|\b(studies|trials)\s+(recruiting|for|in|near|with|that|testing|about|"
                       r"taking|open)\b|\bany\b[^?.]{0,40}\b(study|trial)\b|"
                       r"\b(anything|something|any ?one)( here)? (for|that fits) (me|us|him|her|them|my \w+)\b|"
                       r"\b(?:is|are) there (?:a|an|any)\s+(?:[\w-]+\s+){0,3}(?:study|trial|registry)\b|"
                       r"\bdo you have (?:a|an|any)\s+(?:[\w-]+\s+){0,3}(?:study|studies|trial|trials)\b",
                       re.IGNORECASE)
# one study: "this study", "it", or one named by a phrase ("any sites in germany for the upadacitinib trial?")
THIS_STUDY_RE = re.compile(r"\b(this|that|the)\s+(?:[\w-]+\s+){0,3}(study|trial)\b|\b(it|its)\b", re.IGNORECASE)


# "… in Systemic Lupus Erythematosus (MiSLE)": a short name in parentheses at the end of a title
TITLE_ACRONYM_RE = re.compile(r"\(([A-Za-z][A-Za-z0-9_\-]{2,19})\)\s*$")
# "PatientSpot Formerly Known as ArthritisPower": a title that is the study's name now and before
TITLE_FORMERLY_RE = re.compile(r"^(?P<now>[A-Za-z][\w-]{2,24})\s+\(?(?:formerly|previously|also)\s+(?:known as|called)\s+"
                               r"(?P<was>[A-Za-z][\w-]{2,24})\)?$", re.IGNORECASE)
CAMEL_NAME_CHARS = 8  # a name of joined words this long is looked for in any case, with or without a space


@dataclass
class StudyRef:
    study_id: str
    title: str
    acronym: str | None = None
    source_url: str = ""

    @cached_property  # read for every study on every question (names, IDs, follow-ups): worked out once
    def names(self) -> list[str]:
        """Short names people use for the study: its acronym field, a trailing "(ACRONYM)" in its title, and the names
        a title gives as now and before ("PatientSpot Formerly Known as ArthritisPower")."""
        m = TITLE_ACRONYM_RE.search(self.title)
        formerly = TITLE_FORMERLY_RE.match(self.title)
        return list(dict.fromkeys(n for n in (self.acronym, m.group(1) if m else None, self.initials,
                                              *(formerly.group("now", "was") if formerly else ())) if n))

    @property
    def initials(self) -> str | None:
        """"Advancing Brigatinib Properties in ALK+ …" → "ABP": the first letters of the title's leading capitalised
        words, which records without an acronym field often use as the study's short name (3 letters or more)."""
        lead = next(iter(re.findall(r"^(?:[A-Z][a-z]+\s+){3,5}(?![A-Z][a-z])", self.title)), "")
        letters = "".join(w[0] for w in lead.split())
        return letters if len(letters) >= 3 else None


@dataclass
class Scope:
    study_id: str | None  # None = corpus-wide
    standalone_question: str
    reason: str  # "pinned" | "question" | "history" | "corpus"
    unknown_id: str | None = None  # an ID the user named that this collection doesn't hold
    among: tuple[str, ...] = ()  # across studies, only these: "which of those is in Europe?" after a list


class StudyCatalog:
    """Known studies by ID, acronym and title (built from the store's catalog)."""

    def __init__(self, entries: list[dict]):
        self.by_id = {e["study_id"].upper(): StudyRef(e["study_id"], e.get("title", ""), e.get("acronym"),
                                                    e.get("source_url", ""))
                      for e in entries if e["study_id"] != GLOSSARY_ID}
        # registry records before other pages when two share a name (the MiSLE trial and its grant page)
        self._ordered = sorted(self.by_id.values(), key=lambda r: (not NCT_RE.fullmatch(r.study_id), r.study_id))

    def get(self, study_id: str) -> StudyRef | None:
        return self.by_id.get(study_id.strip().upper())

    def find_in_text(self, text: str) -> tuple[StudyRef | None, str | None]:
        """(study found, unknown ID named). IDs first, then acronyms (case-sensitive words), then titles."""
        for m in ID_RE.finditer(text):
            ref = self.get(m.group(1))
            if ref:
                return ref, None
        unknown = next((m.group(1).upper() for m in ID_RE.finditer(text)), None)
        lowered = text.lower()
        for ref in self._ordered:
            for name in ref.names:
                found = _name_pattern(name)
                if found and re.search(found[0], text, found[1]):
                    return ref, None
        for ref in self._ordered:
            if len(ref.title) >= 12 and ref.title.lower() in lowered:
                return ref, None
        return None, unknown

    @staticmethod
    def short_name_in(ref: StudyRef, text: str) -> str | None:
        """The short name of this study the text uses ("MiSLE" names the trial and its grant page); None if none."""
        return next((name for name in ref.names if (found := _name_pattern(name)) and re.search(found[0], text, found[1])),
                    None)

    def all_in_text(self, text: str) -> list[StudyRef]:
        """Every known study a text names by ID or short name, in the order it names them."""
        found: list[tuple[int, StudyRef]] = [(m.start(), ref) for m in ID_RE.finditer(text) if (ref := self.get(m.group(1)))]
        # a short name two records share (the MiSLE trial and its grant page): the one the text names by ID, else
        # the first's
        taken: set[str] = {name for _, ref in found for name in ref.names}
        for ref in self._ordered:
            for name in ref.names:
                pattern = _name_pattern(name)
                m = re.search(pattern[0], text, pattern[1]) if pattern and name not in taken else None
                if m:
                    taken.add(name)
                    found.append((m.start(), ref))
        out: dict[str, StudyRef] = {}
        for _, ref in sorted(found, key=lambda t: t[0]):
            out.setdefault(ref.study_id, ref)
        return list(out.values())

    def without_names(self, text: str) -> str:
        """The question with every study ID and short name it uses said as "the study": "is MiSLE recruiting?"
        → "is the study recruiting?", so the name's letters do not sway what the question is taken to ask."""
        text = ID_RE.sub("the study", text)
        for ref in self._ordered:
            for name in ref.names:
                found = _name_pattern(name)
                if found:
                    text = re.sub(rf"(?<![\w-])(?:the\s+)?{found[0]}(?:\s+(?:study|trial|registry))?", "the study", text,
                                  flags=found[1])
        return text

    def search(self, query: str, limit: int = 20) -> list[StudyRef]:
        q = query.strip().lower()
        refs = sorted(self.by_id.values(), key=lambda r: r.study_id)
        if not q:
            return refs[:limit]
        hits = [r for r in refs if q in r.study_id.lower() or q in r.title.lower()
                or any(q in n.lower() for n in r.names)]
        return hits[:limit]


def looks_like_follow_up(question: str) -> bool:
    if CORPUS_RE.search(question) and not re.search(r"\b(it|this|that)\b", question, re.IGNORECASE):
        return False
    return bool(FOLLOW_UP_RE.search(question)) or len(question.split()) <= 5


def standalone(question: str, ref: StudyRef) -> str:
    """Deterministic rewrite: the question plus the study it is about (keeps retrieval on target)."""
    name = f"{ref.title} ({ref.acronym})" if ref.acronym else ref.title
    return f"{question.strip()} [about {ref.study_id}: {name}]"


# other studies like this one ("is there anything like this in germany?"), or anything for the person ("anything she
# can join?"): across studies, though "this" or "it" is in the question
LIKE_OTHERS_RE = re.compile(r"\b(?:anything|something|any ?(?:others?|ones?)|others?(?: ones?)?|more)\s+(?:else\s+)?"
                            r"(?:like (?:this|it|that|this one)|similar)\b|"
                            r"\b(?:anything|something)\b[^?.]{0,25}\b(?:i|he|she|we|they|you) (?:can|could|might) "
                            r"(?:join|do|enrol|enroll|sign up|take part|get into|qualify)", re.IGNORECASE)


def asks_across_studies(question: str) -> bool:
    """"Are there any studies recruiting for lupus?": a question about the collection, even on a study's page."""
    return bool(LIKE_OTHERS_RE.search(question)) or (bool(ACROSS_RE.search(question))
                                                     and not THIS_STUDY_RE.search(question))


def resolve_scope(question: str, catalog: StudyCatalog, pinned: str | None,
                  history: list[HistoryTurn]) -> Scope:
    """The pin, unless the question names another study (known or not) or asks across studies: then that."""
    pin = catalog.get(pinned) if pinned else None
    if pinned and pin is None:
        raise UnknownStudyError(pinned)
    ref, unknown = catalog.find_in_text(question)
    if ref and pin and ref.study_id != pin.study_id and not ID_RE.search(question) and catalog.short_name_in(pin, question):
        ref = pin  # a short name the pinned page shares with another record ("the NIH MiSLE project" on its page)
    if ref:
        return Scope(ref.study_id, question, "pinned" if pin and ref.study_id == pin.study_id else "question")
    if unknown:
        return Scope(None, question, "corpus", unknown_id=unknown)
    if pin:
        return Scope(None, question, "corpus") if asks_across_studies(question) else \
            Scope(pin.study_id, question, "pinned")
    if history and looks_like_follow_up(question):
        # the reader's own words first: an assistant turn is text the client sent, and can be forged
        turns = [t for t in reversed(history) if t.role == "user"] + [t for t in reversed(history) if t.role != "user"]
        for turn in turns:
            refs = catalog.all_in_text(turn.content)
            if len(refs) == 1:
                return Scope(refs[0].study_id, standalone(question, refs[0]), "history")
            if refs:
                break  # a turn naming several ("MiSLE …, MSC-SLE …, MSV_LE …"): the question says which, or none
    return Scope(None, question, "corpus")


class UnknownStudyError(LookupError):
    def __init__(self, study_id: str):
        super().__init__(f"Unknown study {study_id!r}: it is not in this collection.")
        self.study_id = study_id
