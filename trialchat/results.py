"""A study's posted results as typed facts: groups, who finished, outcome numbers, side effects.

Built at ingest (``ingest/parsers/results_model.py``) from every format we read (API v2 ``resultsSection``,
classic XML ``clinical_results`` and legacy study-fields lists, both mapped to the v2 shape first, and
NLI4CT reports). Every fact that an answer may state keeps the field path of the chunk that holds it
and a verbatim ``quote`` (one whole line of that field's text), so a sentence built from it is cited by
construction. Numbers stay the record's strings ("7.0", "<0.001"); ``count`` fields are the same
numbers as ints where the record gives a whole number, for comparisons only. A quote is "" when the
words did not make it into the field text (a table cut to its size bound): such a fact is never said.

This module imports nothing of ours: ``trialchat/facts.py`` attaches it to the fact sheet.
"""
from __future__ import annotations

from pydantic import BaseModel, Field


class Cited(BaseModel):
    path: str = ""  # field path of the chunk that holds the words
    quote: str = ""  # one line of that field's text, verbatim ("" = not citable)


class Text(Cited):
    value: str


class ResultGroup(BaseModel):
    id: str
    title: str
    description: str = ""


class GroupNumber(BaseModel):
    """One group's number in a row: the record's string, and as an int when it is a whole number."""

    group_id: str
    value: str
    count: int | None = None
    spread: str = ""
    lower: str = ""
    upper: str = ""
    comment: str = ""


class Milestone(Cited):
    """"Started: Placebo 158; CZP 159" — one flow milestone of one period."""

    kind: str  # "Started", "Completed", "Not completed", or the record's own milestone name
    numbers: list[GroupNumber] = Field(default_factory=list)


class LeaveReason(Cited):
    reason: str  # "Adverse Event", "Withdrawal by Subject", ...
    total: int | None = None
    numbers: list[GroupNumber] = Field(default_factory=list)


class FlowPeriod(Cited):
    """One period of the flow; ``quote`` is its "Period: …" line."""

    title: str = ""
    milestones: list[Milestone] = Field(default_factory=list)
    reasons: list[LeaveReason] = Field(default_factory=list)


class ParticipantFlow(BaseModel):
    path: str
    groups: list[ResultGroup] = Field(default_factory=list)
    periods: list[FlowPeriod] = Field(default_factory=list)


class ResultRow(Cited):
    """One row of an outcome's table (one class / category): each group's value."""

    label: str = ""  # "Female", "Week 12, Responders"; "" for a table with one row
    numbers: list[GroupNumber] = Field(default_factory=list)


class Analysis(Cited):
    group_ids: list[str] = Field(default_factory=list)
    method: str = ""
    p_value: str = ""  # verbatim ("<0.001", "0.42")
    estimate_type: str = ""  # "Odds Ratio (OR)", "Mean Difference (Final Values)"
    estimate: str = ""
    ci_percent: str = ""
    ci_lower: str = ""
    ci_upper: str = ""


class OutcomeResult(Cited):
    """One outcome measure with its results; ``quote`` is its title line."""

    kind: str = ""  # "Primary", "Secondary", "Other Pre-specified", ...
    title: str
    description: Text | None = None  # its first line
    time_frame: Text | None = None
    population: Text | None = None
    unit: str = ""
    measure: Cited | None = None  # the line that says the unit and kind of number ("Measure: Mean; Unit: minutes")
    param_type: str = ""  # "Number", "Mean", "Count of Participants", ...
    dispersion_type: str = ""
    posted: bool = True  # False: the record says the results of this outcome were not posted
    not_posted: Text | None = None  # the record's line saying so
    groups: list[ResultGroup] = Field(default_factory=list)
    analysed: Cited | None = None  # the "Number analysed" line ...
    analysed_numbers: list[GroupNumber] = Field(default_factory=list)  # ... and its numbers
    analysed_lines: list[Cited] = Field(default_factory=list)  # a format with one such line per group (NLI4CT)
    rows: list[ResultRow] = Field(default_factory=list)
    analyses: list[Analysis] = Field(default_factory=list)

    @property
    def primary(self) -> bool:
        return self.kind.lower().startswith("primary")


class EventGroup(Cited):
    """One adverse-event group's totals; ``quote`` is its totals line."""

    id: str
    title: str
    description: str = ""
    serious_affected: int | None = None
    serious_at_risk: int | None = None
    other_affected: int | None = None
    other_at_risk: int | None = None
    deaths_affected: int | None = None
    deaths_at_risk: int | None = None
    # a format that does not say serious or not (NLI4CT): everyone with any event listed
    any_affected: int | None = None
    any_at_risk: int | None = None


class EventCount(BaseModel):
    group_id: str
    affected: int | None = None
    at_risk: int | None = None


class AdverseEvent(Cited):
    term: str
    organ_system: str = ""
    kind: str = ""  # "serious", "other", or "" where the record does not say
    counts: list[EventCount] = Field(default_factory=list)

    def count_of(self, group_id: str) -> EventCount | None:
        return next((c for c in self.counts if c.group_id == group_id), None)


class AdverseEvents(BaseModel):
    path: str
    time_frame: Text | None = None
    frequency_threshold: Text | None = None  # other events below this % of a group are not listed
    groups: list[EventGroup] = Field(default_factory=list)
    events: list[AdverseEvent] = Field(default_factory=list)  # those the record's text shows, most frequent first
    serious_terms: int = 0  # how many serious / other event terms the record has in all
    other_terms: int = 0


class StudyResults(BaseModel):
    source_format: str  # "ctgov_v2", "ctgov_xml", "ctgov_legacy", "nli4ct"
    flow: ParticipantFlow | None = None
    outcomes: list[OutcomeResult] = Field(default_factory=list)
    adverse: AdverseEvents | None = None
    # what could not be read without guessing (legacy lists that do not line up, free-text numbers)
    problems: list[str] = Field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.flow and self.flow.periods) and not self.outcomes and not self.adverse
