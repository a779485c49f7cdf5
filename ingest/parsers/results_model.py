"""A v2-shaped ``resultsSection`` (API v2 JSON, or classic XML / legacy lists mapped to it) → ``StudyResults``.

Each fact's quote is built with the same line functions that write the results fields' text
(``ingest/parsers/results.py``), then checked against that text: a quote that is not a line of its
field (a table cut to the size bound) is blanked, so a fact is either citable verbatim or never said.
NLI4CT reports have their own reader (``ingest/parsers/nli4ct_results.py``).
"""
from __future__ import annotations

import logging
import re

from pydantic import BaseModel

from ingest.enums import enum_text
from ingest.parsers.json_fields import dicts_at, sub_dict, text_at, texts_at
from ingest.parsers.results import (
    MAX_ANALYSES,
    MAX_ROWS,
    R,
    analysed_line,
    analysis_line,
    counts_line,
    event_line,
    group_totals_line,
    measure_line,
    reason_line,
    shown_events,
    table_rows,
    titles,
)
from ingest.parsers.textutil import clean_text
from trialchat.results import (
    AdverseEvent,
    AdverseEvents,
    Analysis,
    Cited,
    EventCount,
    EventGroup,
    FlowPeriod,
    GroupNumber,
    LeaveReason,
    Milestone,
    OutcomeResult,
    ParticipantFlow,
    ResultGroup,
    ResultRow,
    StudyResults,
    Text,
)
from trialchat.schema import StudyField

log = logging.getLogger(__name__)
FLOW = f"{R}.participantFlowModule"
AE = f"{R}.adverseEventsModule"
_ADMIN = re.compile(r"considered as (a )?(primary|secondary)|(primary|secondary) (variable|endpoint) (in|for)\b",
                    re.IGNORECASE)
# a line this long is never split between two chunks (ingest/chunking.py: 700 characters with the label)
MAX_QUOTE = 500
PROBLEMS_KEY = "_problems"  # what a format's mapping could not rebuild (legacy lists that do not line up)


def whole(v: object) -> int | None:
    """A count as an int: 12, "12" → 12; anything else (a mean, "NA", a bool) → None."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    s = str(v).strip() if v is not None else ""
    return int(s) if s.isdigit() else None


def _groups(m: dict) -> list[ResultGroup]:
    return [ResultGroup(id=text_at(g, "id"), title=text_at(g, "title") or text_at(g, "id"),
                        description=text_at(g, "description")) for g in dicts_at(m, "groups")]


def _number(m: dict, key: str = "value") -> GroupNumber:
    return GroupNumber(group_id=text_at(m, "groupId"), value=text_at(m, key), count=whole(m.get(key)),
                       spread=text_at(m, "spread"), lower=text_at(m, "lowerLimit"), upper=text_at(m, "upperLimit"),
                       comment=text_at(m, "comment"))


def _text(path: str, label: str, value: str) -> Text | None:
    return Text(path=path, quote=f"{label}: {value}", value=value) if value else None


def _flow(m: dict) -> ParticipantFlow | None:
    if not dicts_at(m, "periods"):
        return None
    names = titles(dicts_at(m, "groups"))
    flow = ParticipantFlow(path=FLOW, groups=_groups(m))
    for p in dicts_at(m, "periods"):
        period = FlowPeriod(path=FLOW, quote=f"Period: {text_at(p, 'title')}" if text_at(p, "title") else "",
                            title=text_at(p, "title"))
        for ms in dicts_at(p, "milestones"):
            kind = enum_text(text_at(ms, "type"))
            ach = dicts_at(ms, "achievements")
            period.milestones.append(Milestone(path=FLOW, quote=counts_line(kind, ach, names, "numSubjects"), kind=kind,
                                               numbers=[_number(a, "numSubjects") for a in ach]))
        for dw in dicts_at(p, "dropWithdraws"):
            total, line = reason_line(dw, names)
            period.reasons.append(LeaveReason(path=FLOW, quote=line, reason=text_at(dw, "type"), total=total,
                                              numbers=[_number(r, "numSubjects") for r in dicts_at(dw, "reasons")]))
        flow.periods.append(period)
    return flow


def _defining_line(text: str) -> str:
    """The first line of a description that says what is measured (not "considered as primary in …")."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    return next((ln for ln in lines if not _ADMIN.search(ln)), "")


def _outcome(i: int, o: dict) -> OutcomeResult:
    path = f"{R}.outcomeMeasuresModule.outcomeMeasures[{i}]"
    names = titles(dicts_at(o, "groups"))
    kind, title = enum_text(text_at(o, "type")), text_at(o, "title")
    description = _defining_line(text_at(o, "description"))
    out = OutcomeResult(
        path=path, quote=f"{kind} outcome: {title}" if kind else title, kind=kind, title=title,
        description=Text(path=path, quote=description, value=description) if description else None,
        time_frame=_text(path, "Time frame", text_at(o, "timeFrame")),
        population=_text(path, "Population", text_at(o, "populationDescription")),
        unit=text_at(o, "unitOfMeasure"), measure=Cited(path=path, quote=measure_line(o)), param_type=enum_text(text_at(o, "paramType")),
        dispersion_type=enum_text(text_at(o, "dispersionType")), groups=_groups(o),
        posted=text_at(o, "reportingStatus") != "NOT_POSTED")
    if not out.posted:
        out.not_posted = Text(path=path, quote="Results for this outcome were not posted.", value="not posted")
    for den in dicts_at(o, "denoms")[:1]:
        out.analysed = Cited(path=path, quote=analysed_line(den, names))
        out.analysed_numbers = [_number(c) for c in dicts_at(den, "counts")]
    for label, ms, line in table_rows(dicts_at(o, "classes"), names)[:MAX_ROWS]:
        out.rows.append(ResultRow(path=path, quote=line, label=label, numbers=[_number(m) for m in ms]))
    for a in dicts_at(o, "analyses")[:MAX_ANALYSES]:
        out.analyses.append(Analysis(
            path=path, quote=analysis_line(a, names), group_ids=texts_at(a, "groupIds"),
            method=text_at(a, "statisticalMethod"), p_value=text_at(a, "pValue"),
            estimate_type=text_at(a, "paramType"), estimate=text_at(a, "paramValue"),
            ci_percent=text_at(a, "ciPctValue"), ci_lower=text_at(a, "ciLowerLimit"),
            ci_upper=text_at(a, "ciUpperLimit")))
    return out


def _events(events: list[dict], names: dict[str, str], kind: str) -> list[AdverseEvent]:
    path = f"{AE}.{kind}Events"
    return [AdverseEvent(path=path, quote=event_line(e, names), term=text_at(e, "term"),
                         organ_system=text_at(e, "organSystem"), kind=kind,
                         counts=[EventCount(group_id=text_at(x, "groupId"), affected=whole(x.get("numAffected")),
                                            at_risk=whole(x.get("numAtRisk"))) for x in dicts_at(e, "stats")])
            for e in shown_events(events)]  # only those the text shows: nothing else can be cited


def _adverse(m: dict) -> AdverseEvents | None:
    groups = dicts_at(m, "eventGroups")
    if not groups:
        return None
    names = titles(groups)
    ae = AdverseEvents(path=AE, time_frame=_text(AE, "Time frame", text_at(m, "timeFrame")),
                       frequency_threshold=Text(path=AE, value=text_at(m, "frequencyThreshold"),
                                                quote=f"Frequency threshold for other events: {text_at(m, 'frequencyThreshold')}%")
                       if text_at(m, "frequencyThreshold") else None,
                       serious_terms=len(dicts_at(m, "seriousEvents")), other_terms=len(dicts_at(m, "otherEvents")))
    for g in groups:
        ae.groups.append(EventGroup(
            path=AE, quote=group_totals_line(g), id=text_at(g, "id"), title=text_at(g, "title") or text_at(g, "id"),
            description=text_at(g, "description"),
            **{f"{k}_{n}": whole(g.get(f"{k}Num{'Affected' if n == 'affected' else 'AtRisk'}"))
               for k in ("serious", "other", "deaths") for n in ("affected", "at_risk")}))
    ae.events = _events(dicts_at(m, "seriousEvents"), names, "serious") + \
        _events(dicts_at(m, "otherEvents"), names, "other")
    return ae


def _check_quotes(node: object, texts: dict[str, set[str]]) -> None:
    """Blank every quote that is not a whole line of its field's text (as chunked: cleaned)."""
    if isinstance(node, Cited) and node.quote:
        quote = clean_text(node.quote)
        node.quote = quote if len(quote) <= MAX_QUOTE and quote in texts.get(node.path, set()) else ""
    if isinstance(node, list):
        for x in node:
            _check_quotes(x, texts)
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            _check_quotes(getattr(node, name), texts)


def field_lines(fields: list[StudyField]) -> dict[str, set[str]]:
    """Field path → its text as chunking sees it, one line per entry (to look quotes up in)."""
    out: dict[str, set[str]] = {}
    for f in fields:
        out.setdefault(f.path, set()).update(ln.strip() for ln in clean_text(f.text).split("\n") if ln.strip())
    return out


def results_model(rs: dict, fields: list[StudyField], source_format: str) -> StudyResults | None:
    """The typed results of a v2-shaped ``resultsSection``; ``fields`` are the study's fields as parsed."""
    results = StudyResults(source_format=source_format, flow=_flow(sub_dict(rs, "participantFlowModule")),
                           outcomes=[_outcome(i, o) for i, o in enumerate(
                               dicts_at(sub_dict(rs, "outcomeMeasuresModule"), "outcomeMeasures"))],
                           adverse=_adverse(sub_dict(rs, "adverseEventsModule")),
                           problems=[str(p) for p in rs.get(PROBLEMS_KEY, []) if p])
    if results.empty:
        return None
    check_quotes(results, fields)
    return results


def check_quotes(results: StudyResults, fields: list[StudyField]) -> None:
    _check_quotes(results, field_lines(fields))
