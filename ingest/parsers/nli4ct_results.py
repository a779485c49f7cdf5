"""NLI4CT results and adverse-event fields (their text lines, as ``nli4ct.py`` keeps them) → ``StudyResults``.

An NLI4CT report keeps the registry's lines but not its table structure: an outcome's numbers are free
text after "Unit of Measure:", so only what its lines say plainly is read (title, time frame, each
group's title and number analysed); every number answered from it is a whole line quoted verbatim.
Adverse-event blocks are numbered groups ("Adverse Events 1") with "Total: 2/50 (4.00%)" and one line
per event; the report does not name the group or say whether the events are serious, so neither is
guessed (the group is "group 1", the events' kind is "").
"""
from __future__ import annotations

import re

from ingest.parsers.results_model import check_quotes
from trialchat.results import (
    AdverseEvent,
    AdverseEvents,
    Cited,
    EventCount,
    EventGroup,
    GroupNumber,
    OutcomeResult,
    ResultGroup,
    ResultRow,
    StudyResults,
    Text,
)
from trialchat.schema import StudyField

R = "resultsSection"
_COUNT = re.compile(r"^(?P<term>.*?)\s*(?P<a>\d+)/(?P<n>\d+)(?:\s*\(\s*[\d.]+\s*%\s*\))?\s*$")
_RESULT_GROUP = re.compile(r"^Results\s+(\d+)\s*:?\s*$", re.IGNORECASE)
# "Unit of Measure: percentage of alive at 10 years  82        (79 to 84)": one group's one number, on its line
_VALUE = re.compile(r"^Unit of Measure:\s*(?P<unit>.*?)\s+(?P<v>-?\d+(?:\.\d+)?)\s*"
                    r"(?:\((?P<lo>-?[\d.]+)\s+to\s+(?P<hi>-?[\d.]+)\))?\s*$")
_TOTAL_ONLY = re.compile(r"^Total:?\s*(?P<a>\d+)\s*$")  # "Total: 16": people affected, the number at risk not given
_UNSAID = re.compile(r"^\[?\s*not specified\s*\]?\.?$", re.IGNORECASE)  # a description the report leaves blank
_MARKS = re.compile(r"(\s*(\*|\[\d+\]))+\s*$")  # "Pain *", "Prolonged hospitalization [1]"


def _outcome(f: StudyField) -> OutcomeResult:
    lines = [ln.strip() for ln in f.text.split("\n") if ln.strip()]
    out = OutcomeResult(path=f.path, quote=lines[0], title=lines[0])
    group: ResultGroup | None = None
    for line in lines[1:]:
        key, _, value = line.partition(":")
        value = value.strip()
        if line.lower().startswith("time frame:"):
            out.time_frame = Text(path=f.path, quote=line, value=value)
        elif (m := _RESULT_GROUP.match(line)):
            group = ResultGroup(id=m.group(1), title=f"group {m.group(1)}")
            out.groups.append(group)
        elif key == "Arm/Group Title" and group:
            group.title = value or group.title
        elif key == "Overall Number of Participants Analyzed" and group and value.isdigit():
            out.analysed_numbers.append(GroupNumber(group_id=group.id, value=value, count=int(value)))
            out.analysed_lines.append(Cited(path=f.path, quote=line))
        elif key == "Unit of Measure" and group and (v := _VALUE.match(line)):
            out.unit = out.unit or v.group("unit")
            out.measure = out.measure or Cited(path=f.path, quote=line)
            out.rows.append(ResultRow(path=f.path, quote=line, numbers=[GroupNumber(
                group_id=group.id, value=v.group("v"), lower=v.group("lo") or "", upper=v.group("hi") or "")]))
        elif key == "Measure Type" and not out.param_type:
            out.param_type = value
        elif out.description is None and not out.groups and line != lines[0] and not _UNSAID.match(line):
            out.description = Text(path=f.path, quote=line, value=line)
    return out


def _event_group(i: int, f: StudyField) -> tuple[EventGroup, list[AdverseEvent]]:
    number = f.label.rsplit(" ", 1)[-1]
    group = EventGroup(path=f.path, id=number, title=f"group {number}")
    events = []
    for line in (ln.strip() for ln in f.text.split("\n")[1:] if ln.strip()):
        if (t := _TOTAL_ONLY.match(line)) and group.any_affected is None:
            group.quote, group.any_affected = line, int(t.group("a"))
            continue
        m = _COUNT.match(line)
        if not m:
            continue
        a, n = int(m.group("a")), int(m.group("n"))
        if m.group("term").rstrip(":").strip().lower() == "total":
            group.quote, group.any_affected, group.any_at_risk = line, a, n
        else:
            term = _MARKS.sub("", m.group("term")).strip()
            events.append(AdverseEvent(path=f.path, quote=line, term=term,
                                       counts=[EventCount(group_id=number, affected=a, at_risk=n)]))
    return group, events


def nli4ct_results(fields: list[StudyField]) -> StudyResults | None:
    results = StudyResults(source_format="nli4ct")
    ae_fields = [f for f in fields if f.path.startswith(f"{R}.adverseEventsModule.eventGroups[")]
    results.outcomes = [_outcome(f) for f in fields if f.path.startswith(f"{R}.outcomeMeasuresModule.")]
    if any(len(o.rows) != len(o.groups) for o in results.outcomes):  # one plain number per group, or none read
        results.problems.append("outcome values are free text in NLI4CT reports; not read as numbers")
        for o in results.outcomes:
            o.rows = [] if len(o.rows) != len(o.groups) else o.rows
    if ae_fields:
        ae = AdverseEvents(path=f"{R}.adverseEventsModule")
        for i, f in enumerate(ae_fields):
            group, events = _event_group(i, f)
            ae.groups.append(group)
            ae.events.extend(events)
        # most frequent first within each group, as the other formats' tables are
        ae.events.sort(key=lambda e: -(e.counts[0].affected or 0))
        results.adverse = ae
    if results.empty:
        return None
    check_quotes(results, fields)
    return results
