"""Screen a parsed study before anything is built from it: withhold what must never reach an answer.

Two reasons, both reported in the ingest summary with the file, the study and the field:
- text that speaks to the assistant or the reader instead of describing the study (``trialchat.injection``);
- a field larger than ``MAX_FIELD_CHARS`` (a 20 MB field would become tens of thousands of chunks).
A study whose text as a whole is larger than ``MAX_STUDY_CHARS`` is refused whole (``StudyTooLarge``).
Limits sit well above every real record (largest in the shared data: one field 26,218 characters, one
study 287,549).
"""
from __future__ import annotations

from dataclasses import dataclass

from trialchat.injection import detect
from trialchat.schema import Study

MAX_FIELD_CHARS = 100_000
MAX_STUDY_CHARS = 2_000_000


class StudyTooLarge(ValueError):
    pass


@dataclass
class Withheld:
    study_id: str
    field: str  # the field's path ("title" for the study's title)
    reason: str

    def as_dict(self, source_file: str) -> dict[str, str]:
        return {"path": source_file, "study_id": self.study_id, "field": self.field, "reason": self.reason}


def screen_study(study: Study) -> list[Withheld]:
    """Mark withheld fields in place (``StudyField.withheld``); a poisoned title is replaced by the ID."""
    for field in study.fields:  # first: a giant field is withheld, and not counted against the study
        if len(field.text) > MAX_FIELD_CHARS:
            field.withheld = f"field is too large ({len(field.text):,} characters; limit {MAX_FIELD_CHARS:,})"
    total = sum(len(f.text) for f in study.fields if not f.withheld)
    if total > MAX_STUDY_CHARS:
        raise StudyTooLarge(f"study {study.study_id} is too large ({total:,} characters of text; "
                            f"limit {MAX_STUDY_CHARS:,}): not ingested")
    out: list[Withheld] = []
    for attr in ("title", "official_title", "acronym"):  # these travel on every chunk and answer
        finding = detect(getattr(study, attr) or "")
        if finding:
            setattr(study, attr, study.study_id if attr == "title" else None)
            out.append(Withheld(study.study_id, attr, finding.reason))
    for field in study.fields:
        if not field.withheld:
            finding = detect(f"{field.label}\n{field.text}")
            if finding:
                field.withheld = finding.reason
        if field.withheld:
            out.append(Withheld(study.study_id, field.path, field.withheld))
    return out
