"""Writes a composed answer sentence by sentence, each sentence cited to the chunk that holds its fact.

A citation is resolved by finding the fact's verbatim quote in the chunks of its field, so the quote
shown to the reader is always the record's own words; a sentence none of whose citations resolve is
not written at all.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from assistant.answer_templates import sentence
from assistant.types import Citation, Contact, Eligibility, Source
from trialchat.facts import FactSheet, Person, Quoted
from trialchat.schema import GLOSSARY_ID, split_chunk_text
from trialchat.store_port import StoredChunk

# "Is it …?", "Can I …?", "Any site in Ohio?": questions a "Yes." or "No." answers
YES_NO_QUESTION = re.compile(r"^\W*(?:(?:and|so|but|ok|okay|hi|hello)\W+)?(?:is|are|does|do|can|could|will|would|has|have|"
                             r"was|were|did|should|am|may|might|must|any|anything)\b", re.IGNORECASE)
OPENING_YES_NO = re.compile(r"^(?:Yes|No)\. ")
LIST_ITEM = "\n• "  # starts a line of a list in an answer's text
TEMPLATE_SENTENCES = re.compile(r"(?<=[a-z0-9)])\. (?=[A-Z])")  # "… has passed. So this may …" (not "Dr. X", "2.5")


def _own_sentences(text: str) -> list[str]:
    """The sentences of a rendered template, split only outside quotes (a quote stays as the record has it)."""
    parts, start = [], 0
    for m in TEMPLATE_SENTENCES.finditer(text):
        before = text[start:m.start()]
        # (not after an opening "Yes." or "No.": it belongs with the sentence that says why)
        if text[:m.start()].count("“") == text[:m.start()].count("”") and len(before.split()) >= MIN_SENTENCE_WORDS:
            parts.append(text[start:m.start() + 1])
            start = m.end()
    return [*parts, text[start:]]


MIN_SENTENCE_WORDS = 3
ChunkLookup = Callable[[str, str], list[StoredChunk]]  # (study_id, field_path) → chunks
Cite = Quoted | tuple[str, str]  # a fact, or (field path, verbatim words of that field)


@dataclass
class Composed:
    text: str
    citations: list[Citation]
    sources: list[Source]
    none: bool = False  # a search across studies that found none: said plainly, not an answer from a record
    eligibility: Eligibility | None = None  # "can I join?": the rules checked against what the person said


@dataclass
class AnswerWriter:
    study_id: str
    chunks: ChunkLookup
    sentences: list[str] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    defined: bool = False  # one glossary definition per answer: the first one is the one asked about
    eligibility: Eligibility | None = None  # set by the eligibility answer, carried on the result
    stops_short: bool = False  # the answer says the record has nothing on it yet (no posted results)
    earlier: tuple[str, ...] = ()  # the person's earlier messages in this chat: what they said of themselves counts
    line_break: bool = False  # the next sentence starts a line of its own (each study of a list)
    _fields: dict[tuple[str, str], list[StoredChunk]] = field(default_factory=dict)

    def _chunks_of(self, study_id: str, path: str) -> list[StoredChunk]:
        key = (study_id, path)  # one store read per field, however many facts of it are cited
        if key not in self._fields:
            self._fields[key] = self.chunks(study_id, path)
        return self._fields[key]

    def cite(self, path: str, quote: str, study_id: str | None = None) -> int | None:
        """The source number of the chunk of ``path`` whose text holds ``quote``; None when none does."""
        for cid, text, meta in self._chunks_of(study_id or self.study_id, path):
            if quote and quote in text:
                n = next((i for i, s in enumerate(self.sources, 1) if s.chunk_id == cid), None)
                if n is None:
                    self.sources.append(Source.from_chunk(cid, text, meta))
                    n = len(self.sources)
                cite = Citation.from_source(n, self.sources[n - 1], quote)
                if cite not in self.citations:  # the same words cited again: one entry in the list
                    self.citations.append(cite)
                return n
        return None

    def say(self, key: str, cites: Cite | Sequence[Cite], **variables: object) -> bool:
        """Add one sentence of ``prompts/answers.toml`` if at least one of its citations resolves."""
        pairs = [c if isinstance(c, tuple) else (c.path, c.quote)
                 for c in (cites if isinstance(cites, Sequence) and not isinstance(cites, tuple) else [cites])]
        marks = [n for path, quote in pairs if (n := self.cite(path, quote)) is not None]
        if not marks:
            return False
        text = sentence(key, **variables).rstrip(" .")
        cite = "".join(f"[{n}]" for n in dict.fromkeys(marks))
        # a sentence of the file may be a few short ones (easier to read): each carries the citation
        said = " ".join(f"{part.rstrip(' .')} {cite}." for part in _own_sentences(text))
        if said not in self.sentences:  # (a second intent's part says the status again: said once)
            self.sentences.append(("\n" if self.line_break else "") + said)
        self.line_break = False
        return True

    def new_line(self) -> None:
        """The next sentence starts a line of its own ("“Title” (NCT…): Recruiting." for each study of a list)."""
        self.line_break = True

    def gloss(self, key: str, term_slug: str) -> bool:
        """The glossary's definition of a term (its first sentence, verbatim), unless the answer has one."""
        path = f"{GLOSSARY_ID}.{term_slug}"
        for _cid, text, _meta in [] if self.defined else self._chunks_of(GLOSSARY_ID, path):
            label, body = split_chunk_text(text)
            # "Double-blind (also called double-masked, …): Two groups of people …"
            first_line = body.strip().split("\n", 1)[0]
            definition = re.split(r"(?<=[.!?])\s+", first_line.split("): ", 1)[-1])[0]
            n = self.cite(path, definition, GLOSSARY_ID)
            if n:
                # "A stage that …" → "a stage that …"; an acronym ("NCT number …") keeps its capitals
                words = definition[:1].lower() + definition[1:] if not definition[1:2].isupper() else definition
                term = label.split(" › ")[-1]
                self.sentences.append(f"{sentence(key, term=term, definition=words.rstrip('.'))} [{n}].")
                self.defined = True
                return True
        return False

    def item(self, key: str, cites: Cite, **variables: object) -> bool:
        """Add one line of a list ("• Gary Gilkeson (study contact) · phone: … [1]") if its citation resolves."""
        path, quote = cites if isinstance(cites, tuple) else (cites.path, cites.quote)
        n = self.cite(path, quote)
        if n is None:
            return False
        line = f"{LIST_ITEM}{sentence(key, **variables).rstrip(' .')} [{n}]"
        if line not in self.sentences:  # (listed once, when two parts of the answer list the same people)
            self.sentences.append(line)
        return True

    def result(self, question: str | None = None) -> Composed | None:
        """The answer; given the question, a "Yes."/"No." opening is kept only when it was a yes/no question."""
        if not self.sentences:
            return None
        if question is not None and not YES_NO_QUESTION.match(question):
            self.sentences = [OPENING_YES_NO.sub("", s, count=1) for s in self.sentences]
            self.sentences = [s[:1].upper() + s[1:] for s in self.sentences]
        text = ""
        for i, s in enumerate(self.sentences):  # list lines on their own lines, and what follows a list too
            after_list = i > 0 and self.sentences[i - 1].startswith(LIST_ITEM)
            starts = s.startswith(LIST_ITEM) or s.startswith("\n")  # (a new study in a list of studies)
            text += s if starts and i else s.lstrip("\n") if starts else ("\n" if after_list else " " if i else "") + s
        return Composed(text, self.citations, self.sources, none=self.stops_short, eligibility=self.eligibility)


PHONE_LIKE = re.compile(r"\+?\d[\d\s().-]{6,}\d")


def person_words(p: Person) -> tuple[str, str]:
    """(who, how to reach them): 'Gary Gilkeson', '(843) 792 - 6043 or gilkeson@musc.edu'. Some records put
    the phone number in the affiliation ("UCB Cares, Study Director, 1-844-599-2273 (UCB)")."""
    who = p.name + (f" ({p.role.lower()})" if p.role and p.role.lower() != "contact" else "")
    phone = p.phone or (m.group(0).strip() if (m := PHONE_LIKE.search(p.affiliation)) else "")
    how = " or ".join(x for x in (phone, p.email) if x)
    return who or p.affiliation, how


MAX_CONTACTS = 3  # people listed when an answer stops short


def team_to_ask(sheet: FactSheet | None) -> list[Person]:
    """The people to point a reader to: the record's contacts, else its officials (a few, each once)."""
    people = (sheet.contacts or sheet.officials) if sheet else []
    seen: set[str] = set()
    out = []
    for p in people:
        key = (p.name or p.affiliation).lower()
        if key and key not in seen:
            seen.add(key)
            out.append(p)
    return out[:MAX_CONTACTS]


def contact_of(p: Person, study_id: str) -> Contact:
    """A person of the fact sheet as plain data, the phone number found in the affiliation when it hides there."""
    phone = p.phone or (m.group(0).strip() if (m := PHONE_LIKE.search(p.affiliation)) else "")
    affiliation = p.affiliation if not (phone and phone in p.affiliation) else ""
    return Contact(name=p.name or p.affiliation, role=p.role, phone=phone, email=p.email, affiliation=affiliation,
                   study_id=study_id, field_path=p.path)


def contact_words(c: Contact) -> dict[str, str]:
    """The variables of a ``contact.line``: name (with the affiliation it lacks), role, phone, e-mail."""
    role = c.role.lower()
    name = c.name + (f", {c.affiliation}" if c.affiliation and c.affiliation.lower() not in c.name.lower() else "")
    return {"name": name, "role": "study contact" if role in ("", "contact") else role, "phone": c.phone,
            "email": c.email}


def contact_line(c: Contact) -> str:
    """'Gary Gilkeson (study contact) · phone: (843) 792 - 6043 · e-mail: gilkeson@musc.edu'."""
    return sentence("contact.line", **contact_words(c))


def join_words(items: list[str], last: str = "and") -> str:
    """['a', 'b', 'c'] → 'a, b and c' (or, with ``last="or"``, 'a, b or c')."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def country_words(country: str) -> str:
    """'United States' → 'the United States' (as said in a sentence)."""
    return f"the {country}" if re.match(r"(United|Russian Federation|Netherlands|Philippines|Czech Republic)",
                                         country) else country


def quoted(item: str) -> str:
    return f"“{item.rstrip(' .;')}”"
