"""The one schema shared by ingest/ and assistant/: studies, their fields, and chunks."""
from __future__ import annotations

import hashlib
import re

from pydantic import BaseModel
from pydantic import Field as PField

from trialchat.results import StudyResults

GLOSSARY_ID = "glossary"
_LIST_INDEX = re.compile(r"\[\d+\]")
# fields that hold a study's acronym: ClinicalTrials.gov's (every format maps to the API v2 path) and a
# plain-language page's "(MiSLE)" after its official title
ACRONYM_PATHS = ("protocolSection.identificationModule.acronym", "page.acronym")


class StudyField(BaseModel):
    """One field of a study at the most specific level (one location, one arm, ...)."""

    path: str  # API v2 path for ClinicalTrials.gov data, e.g. protocolSection.designModule.designInfo.maskingInfo
    label: str  # human name, e.g. "Design › Masking"
    text: str  # readable text: enum codes already expanded
    # what part of a field this is, where a field has parts of different meaning:
    # "inclusion" / "exclusion" (eligibility criteria), "summary" (one summary of a whole list)
    section: str = ""
    # typed values read from the record, each one verbatim in ``text`` (so a citation can quote it):
    # {"country": "Germany", "city": "Berlin"}, {"min_age": "18 Years"}, ...
    parts: dict[str, str] = PField(default_factory=dict)
    # why this field is kept out of every answer (empty: it is not): set at ingest for text that speaks to the
    # assistant or the reader instead of describing the study (trialchat.injection), or a field over the size
    # cap. A withheld field is never chunked, indexed, put on a fact sheet, shown to a model or quoted.
    withheld: str = ""


class Study(BaseModel):
    study_id: str
    title: str
    official_title: str | None = None
    acronym: str | None = None
    source_file: str = ""
    source_location: str = ""  # the file's resolved path (ingest.discovery.Document.location): for sync only
    source_url: str = ""
    fields: list[StudyField] = PField(default_factory=list)
    # posted results as typed facts (ingest/parsers/results_model.py); each fact cites one of ``fields``
    results: StudyResults | None = None

    def answerable(self) -> Study:
        """The study without its withheld fields: all that chunks and fact sheets may be built from."""
        return self.model_copy(update={"fields": [f for f in self.fields if not f.withheld]})


class Chunk(BaseModel):
    """What is embedded and indexed. Every chunk carries the canonical source metadata."""

    text: str  # the field label on top, then the (piece of the) field text
    study_id: str
    study_title: str
    field_path: str
    field_label: str
    source_file: str
    source_url: str
    chunk_index: int
    section: str = ""  # see StudyField.section
    content_hash: str = ""
    source_location: str = ""  # see Study.source_location; never shown, not part of the content hash

    @property
    def id(self) -> str:
        # deterministic: re-ingest updates in place instead of duplicating
        return chunk_id(self.study_id, self.field_path, self.chunk_index)

    def metadata(self) -> dict[str, str | int]:
        return {
            "study_id": self.study_id,
            "study_title": self.study_title,
            "field_path": self.field_path,
            "field_label": self.field_label,
            "source_file": self.source_file,
            "source_url": self.source_url,
            "chunk_index": self.chunk_index,
            "section": self.section,
            "content_hash": self.content_hash or self.compute_hash(),
            "source_location": self.source_location,
        }

    def compute_hash(self) -> str:
        """Of the content only: the same record ingested from another path (or moved) is not re-embedded."""
        h = hashlib.sha256()
        for part in (self.text, self.study_title, self.field_label, self.source_url, self.section):
            h.update(part.encode("utf-8"))
            h.update(b"\x00")
        return h.hexdigest()[:32]

    @classmethod
    def from_metadata(cls, text: str, meta: dict) -> Chunk:
        return cls(text=text, **{k: meta.get(k, "") for k in (
            "study_id", "study_title", "field_path", "field_label", "source_file",
            "source_url", "section", "content_hash", "source_location")}, chunk_index=int(meta.get("chunk_index", 0)))


def split_chunk_text(text: str) -> tuple[str, str]:
    """(label, body) of a chunk's text: the field label is its first line, the field text follows.

    A one-line chunk has no separate body: the whole text is both.
    """
    label, sep, body = text.partition("\n")
    return label, (body if sep and body.strip() else text)


def bare_path(field_path: str) -> str:
    """A field path without list positions (`...locations[3].city` -> `...locations.city`)."""
    return _LIST_INDEX.sub("", field_path)


def chunk_id(study_id: str, field_path: str, chunk_index: int) -> str:
    return f"{study_id}::{field_path}::{chunk_index}"


def study_of_chunk(chunk_id_: str) -> str:
    """The study ID a chunk ID (``chunk_id``) starts with."""
    return chunk_id_.split("::", 1)[0]


def ctgov_url(study_id: str) -> str:
    return f"https://clinicaltrials.gov/study/{study_id}"
