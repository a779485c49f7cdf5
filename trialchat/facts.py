"""A study's fact sheet: the typed facts common questions need, each tied to the words it came from.

Built at ingest (``ingest/facts.py``) from the same fields the chunks hold, for every format. Every
fact keeps the API v2 path of its field and a verbatim ``quote`` of that field's text, so an answer
composed from facts can cite the field and show the exact words. A fact the record does not give is
absent (None or an empty list), never guessed.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from pydantic import BaseModel, Field

from trialchat.criteria_tree import CriteriaTree
from trialchat.results import StudyResults

_AGE = re.compile(r"(\d+(?:\.\d+)?)\s*(year|month|week|day|hour|minute)s?", re.IGNORECASE)
_YEARS_PER = {"year": 1.0, "month": 1 / 12, "week": 1 / 52.18, "day": 1 / 365.25, "hour": 1 / 8766,
              "minute": 1 / 525960}


RECRUITING_STATUSES = ("Recruiting", "Enrolling by invitation")  # taking people now
ENDED_STATUSES = ("Completed", "Terminated", "Withdrawn")


class Quoted(BaseModel):
    """Where a fact was read: what a citation needs."""

    path: str  # field path of the chunk that holds it
    quote: str  # verbatim words of that field (the line that holds the value)


class Fact(Quoted):
    value: str  # the value in the record's words ("Completed", "18 Years", "Germany")


SITE_CONTACT = "Contact: "  # how a site's chunk gives one of its people, a line each (ingest/parsers/v2.py)


class Site(Quoted):
    facility: str = ""
    city: str = ""
    state: str = ""
    country: str = ""
    status: str = ""
    contacts: list[str] = Field(default_factory=list)  # the site's own people: "Holly Milaeger, Contact, 312-…, …"


class Person(Quoted):
    name: str = ""
    role: str = ""
    phone: str = ""
    email: str = ""
    affiliation: str = ""


class Arm(Quoted):
    label: str
    type: str = ""
    description: str = ""


class Intervention(Quoted):
    name: str
    type: str = ""
    description: str = ""
    other_names: str = ""  # "Cimzia; CDP870": brand names and codes, as the record lists them


class Outcome(Quoted):
    measure: str
    time_frame: str = ""
    primary: bool = True
    description: str = ""  # how the record defines the measure ("rw-PFS, defined as the time from …")


NOT_APPLICABLE = frozenset({"not applicable", "na", "n/a"})  # how records say a field does not apply


class FactSheet(BaseModel):
    study_id: str
    title: str
    acronym: str | None = None
    source_url: str = ""
    title_fact: Fact | None = None  # the title field, so a list of studies can cite each one by name
    status: Fact | None = None
    why_stopped: Fact | None = None
    target_duration: Fact | None = None  # observational studies: how long each person is followed ("5 Years")
    limitations: Fact | None = None  # the results' limitations and caveats ("COVID-19 … ended the trial")
    last_update: Fact | None = None
    start: Fact | None = None
    primary_completion: Fact | None = None
    completion: Fact | None = None
    # "Expanded access: Yes; listed as NCT03559686; status: Available": the treatment outside the study, or "No"
    expanded_access: Fact | None = None
    phase: Fact | None = None
    study_type: Fact | None = None
    enrollment: Fact | None = None
    enrollment_type: Fact | None = None  # "Actual" or "Estimated"
    min_age: Fact | None = None
    max_age: Fact | None = None
    sex: Fact | None = None
    healthy_volunteers: Fact | None = None
    allocation: Fact | None = None
    masking: Fact | None = None
    masking_level: Fact | None = None
    sponsor: Fact | None = None
    collaborators: list[Fact] = Field(default_factory=list)
    conditions: list[Fact] = Field(default_factory=list)
    arms: list[Arm] = Field(default_factory=list)
    interventions: list[Intervention] = Field(default_factory=list)
    sites: list[Site] = Field(default_factory=list)
    sites_summary: Fact | None = None  # the list summary chunk: "105 sites in 9 countries: ..."
    sites_by_us_state: Fact | None = None  # its line "United States by state: Florida (7), ..."
    contacts: list[Person] = Field(default_factory=list)
    officials: list[Person] = Field(default_factory=list)
    # a page's own words on taking part, when it has no status or rules ("not a clinical trial accepting patient
    # enrollment", "To check, contact the principal investigator")
    enrollment_notes: list[Fact] = Field(default_factory=list)
    outcomes: list[Outcome] = Field(default_factory=list)
    inclusion: list[Fact] = Field(default_factory=list)  # one fact per criterion, in record order
    exclusion: list[Fact] = Field(default_factory=list)
    criteria: list[Fact] = Field(default_factory=list)  # criteria the record gives without the two headings
    has_results: bool = False
    results: StudyResults | None = None  # the posted results as typed, quoted facts (trialchat/results.py)
    # short forms the record defines, "Ankylosing Spondylitis (AS)" → {"AS": "Ankylosing Spondylitis"}, so a
    # question in words matches a criterion in letters ("Diagnosis of AS or any other Inflammatory Arthritis")
    abbreviations: dict[str, str] = Field(default_factory=dict)
    # the criteria with their sub-items (a sub-item is only ever read with its parent); None on sheets stored
    # before it existed
    criteria_tree: CriteriaTree | None = None

    @property
    def given_phase(self) -> Fact | None:
        """The phase when the record gives one ("Phase 2"), not "Not Applicable"."""
        return self.phase if self.phase and self.phase.value.lower() not in NOT_APPLICABLE else None

    @property
    def observational(self) -> bool:
        """A study that watches and gives no study treatment (an observational study, a registry)."""
        return bool(self.study_type and self.study_type.value.lower().startswith("observational"))


def age_in_years(text: str | None) -> float | None:
    """'18 Years' → 18.0, '6 Months' → 0.5; None when there is no age in it."""
    m = _AGE.search(text or "")
    return float(m.group(1)) * _YEARS_PER[m.group(2).lower()] if m else None


def ranked_counts(values: Iterable[str]) -> list[tuple[str, int]]:
    """How often each value occurs, most first, ties by name: the order site summaries use everywhere."""
    return sorted(Counter(values).items(), key=lambda kv: (-kv[1], kv[0]))
