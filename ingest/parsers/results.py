"""Readable, bounded text for an API v2 ``resultsSection`` (tables summarised, never JSON dumps).

Results tables can be huge (NCT02513394 is 1.5 MB); each field's text is capped so a study with
results adds a handful of chunks per outcome, not hundreds.
"""
from __future__ import annotations

from ingest.enums import enum_text
from ingest.parsers.textutil import join_nonempty, short
from ingest.parsers.v2 import d, dicts, s, strs
from trialchat.schema import StudyField

R = "resultsSection"
MAX_CHARS = 2400      # per results field
MAX_EVENTS = 10       # most frequent serious / other adverse events listed


def _bounded(lines: list[str], limit: int = MAX_CHARS) -> str:
    out, size = [], 0
    for i, line in enumerate(lines):
        if not line:
            continue
        if size + len(line) > limit and out:
            out.append(f"… ({len([x for x in lines[i:] if x])} more lines not shown)")
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)


def _titles(groups: list[dict]) -> dict[str, str]:
    return {s(g, "id"): s(g, "title") or s(g, "id") for g in groups}


def _value(m: dict) -> str:
    v = s(m, "value") or "NA"
    if s(m, "spread"):
        v += f" ({s(m, 'spread')})"
    elif s(m, "lowerLimit") or s(m, "upperLimit"):
        v += f" ({s(m, 'lowerLimit') or 'NA'} to {s(m, 'upperLimit') or 'NA'})"
    if s(m, "comment"):
        v += f" [{s(m, 'comment')}]"
    return v


def _table(classes: list[dict], names: dict[str, str]) -> list[str]:
    """One line per class/category: "Female: Placebo 120; CZP 118"."""
    lines = []
    for c in classes:
        for cat in dicts(c, "categories"):
            row = "; ".join(f"{names.get(s(m, 'groupId'), s(m, 'groupId'))} {_value(m)}"
                            for m in dicts(cat, "measurements"))
            head = join_nonempty([s(c, "title"), s(cat, "title")], ", ")
            lines.append(f"{head}: {row}" if head else row)
    return lines


def _measure_head(m: dict) -> str:
    param = enum_text(s(m, "paramType"))
    disp = enum_text(s(m, "dispersionType"))
    kind = join_nonempty([param, disp], ", ")
    return join_nonempty([s(m, "title"), f"({kind})" if kind else "", s(m, "unitOfMeasure")], " ")


def _flow(m: dict) -> str:
    names = _titles(dicts(m, "groups"))
    lines = [s(m, "recruitmentDetails"), s(m, "preAssignmentDetails"),
             "Groups: " + "; ".join(names.values()) if names else ""]
    for p in dicts(m, "periods"):
        lines.append(f"Period: {s(p, 'title')}" if s(p, "title") else "")
        for ms in dicts(p, "milestones"):
            counts = "; ".join(f"{names.get(s(a, 'groupId'), s(a, 'groupId'))} {s(a, 'numSubjects')}"
                               for a in dicts(ms, "achievements"))
            lines.append(f"{enum_text(s(ms, 'type'))}: {counts}")
        for dw in dicts(p, "dropWithdraws"):
            total = sum(int(s(r, "numSubjects") or 0) for r in dicts(dw, "reasons")
                        if s(r, "numSubjects").isdigit())
            lines.append(f"Withdrawn — {s(dw, 'type')}: {total}")
    return _bounded(lines)


def _baseline(m: dict) -> str:
    names = _titles(dicts(m, "groups"))
    lines = [s(m, "populationDescription"),
             "Groups: " + "; ".join(names.values()) if names else ""]
    for den in dicts(m, "denoms")[:1]:
        lines.append(f"Number analysed ({s(den, 'units')}): " + "; ".join(
            f"{names.get(s(c, 'groupId'), s(c, 'groupId'))} {s(c, 'value')}" for c in dicts(den, "counts")))
    for meas in dicts(m, "measures"):
        lines.append(_measure_head(meas))
        lines.extend("  " + x for x in _table(dicts(meas, "classes"), names)[:12])
    return _bounded(lines)


def _outcome(o: dict) -> str:
    names = _titles(dicts(o, "groups"))
    lines = [f"{enum_text(s(o, 'type'))} outcome: {s(o, 'title')}" if s(o, "type") else s(o, "title"),
             s(o, "description"),
             f"Time frame: {s(o, 'timeFrame')}" if s(o, "timeFrame") else "",
             f"Population: {s(o, 'populationDescription')}" if s(o, "populationDescription") else ""]
    if s(o, "reportingStatus") == "NOT_POSTED":
        lines.append("Results for this outcome were not posted.")
    kind = join_nonempty([enum_text(s(o, "paramType")), enum_text(s(o, "dispersionType"))], ", ")
    if kind or s(o, "unitOfMeasure"):
        lines.append(join_nonempty([f"Measure: {kind}" if kind else "",
                                    f"Unit: {s(o, 'unitOfMeasure')}" if s(o, "unitOfMeasure") else ""], "; "))
    for den in dicts(o, "denoms")[:1]:
        lines.append(f"Number analysed ({s(den, 'units')}): " + "; ".join(
            f"{names.get(s(c, 'groupId'), s(c, 'groupId'))} {s(c, 'value')}" for c in dicts(den, "counts")))
    lines.extend(_table(dicts(o, "classes"), names)[:30])
    for a in dicts(o, "analyses")[:5]:
        groups = " vs ".join(names.get(g, g) for g in strs(a, "groupIds"))
        ci = (f", {s(a, 'ciPctValue')}% CI {s(a, 'ciLowerLimit')} to {s(a, 'ciUpperLimit')}"
              if s(a, "ciPctValue") else "")
        est = f"{s(a, 'paramType')} {s(a, 'paramValue')}{ci}" if s(a, "paramValue") else ""
        lines.append("Analysis: " + join_nonempty([
            groups, est, f"p-value {s(a, 'pValue')}" if s(a, "pValue") else "",
            s(a, "statisticalMethod")], "; "))
    return _bounded(lines)


def _events(events: list[dict], names: dict[str, str], kind: str) -> list[str]:
    def total(e: dict) -> int:
        return sum(x.get("numAffected") for x in dicts(e, "stats")
                   if isinstance(x.get("numAffected"), int))
    if events and not any(dicts(e, "stats") for e in events):  # legacy records: terms only
        return [f"{kind.capitalize()} adverse events reported: "
                + "; ".join(s(e, "term") for e in events[:3 * MAX_EVENTS])]
    ranked = sorted((e for e in events if total(e) > 0), key=total, reverse=True)[:MAX_EVENTS]
    if not ranked:
        return []
    lines = [f"Most frequent {kind} adverse events (participants affected):"]
    for e in ranked:
        per_group = "; ".join(f"{names.get(s(x, 'groupId'), s(x, 'groupId'))} {s(x, 'numAffected')}"
                              for x in dicts(e, "stats") if x.get("numAffected"))  # non-zero only
        organ = f" ({s(e, 'organSystem')})" if s(e, "organSystem") else ""
        lines.append(f"- {s(e, 'term')}{organ}: {per_group}")
    return lines


def _adverse(m: dict) -> str:
    groups = dicts(m, "eventGroups")
    names = _titles(groups)
    lines = [f"Time frame: {s(m, 'timeFrame')}" if s(m, "timeFrame") else "", s(m, "description"),
             f"Frequency threshold for other events: {s(m, 'frequencyThreshold')}%"
             if s(m, "frequencyThreshold") else ""]
    for g in groups:
        parts = [f"{label} {s(g, a)}/{s(g, r)}" for label, a, r in (
            ("serious", "seriousNumAffected", "seriousNumAtRisk"),
            ("other", "otherNumAffected", "otherNumAtRisk"),
            ("deaths", "deathsNumAffected", "deathsNumAtRisk")) if s(g, a)]
        if parts:
            lines.append(f"{s(g, 'title') or s(g, 'id')}: participants affected " + ", ".join(parts))
    lines += _events(dicts(m, "seriousEvents"), names, "serious")
    lines += _events(dicts(m, "otherEvents"), names, "other")
    return _bounded(lines)


def _more_info(m: dict) -> str:
    poc = d(m, "pointOfContact")
    return join_nonempty([
        f"Limitations and caveats: {s(d(m, 'limitationsAndCaveats'), 'description')}"
        if s(d(m, "limitationsAndCaveats"), "description") else "",
        "Results point of contact: " + join_nonempty(
            [s(poc, "title"), s(poc, "organization"), s(poc, "phone"), s(poc, "email")], ", ")
        if poc else ""])


def results_fields(rs: dict) -> list[StudyField]:
    out: list[StudyField] = []

    def add(path: str, label: str, text: str) -> None:
        if text.strip():
            out.append(StudyField(path=path, label=label, text=text.strip()))

    add(f"{R}.participantFlowModule", "Results › Participant flow", _flow(d(rs, "participantFlowModule")))
    add(f"{R}.baselineCharacteristicsModule", "Results › Baseline characteristics",
        _baseline(d(rs, "baselineCharacteristicsModule")))
    for i, o in enumerate(dicts(d(rs, "outcomeMeasuresModule"), "outcomeMeasures")):
        add(f"{R}.outcomeMeasuresModule.outcomeMeasures[{i}]", f"Results › {short(s(o, 'title'), 70)}",
            _outcome(o))
    add(f"{R}.adverseEventsModule", "Results › Adverse events", _adverse(d(rs, "adverseEventsModule")))
    add(f"{R}.moreInfoModule", "Results › More information", _more_info(d(rs, "moreInfoModule")))
    return out
