"""Readable, bounded text for an API v2 ``resultsSection`` (tables summarised, never JSON dumps).

Results tables can be huge (NCT02513394 is 1.5 MB); each field's text is capped so a study with
results adds a handful of chunks per outcome, not hundreds.
"""
from __future__ import annotations

from ingest.enums import enum_text
from ingest.parsers.json_fields import dicts_at, sub_dict, text_at, texts_at
from ingest.parsers.textutil import join_nonempty, short
from trialchat.schema import StudyField

R = "resultsSection"
MAX_CHARS = 2400      # per results field
MAX_EVENTS = 10       # most frequent serious / other adverse events listed


def _bounded(lines: list[str], limit: int = MAX_CHARS) -> str:
    out: list[str] = []
    size = 0
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
    return {text_at(g, "id"): text_at(g, "title") or text_at(g, "id") for g in groups}


def _value(m: dict) -> str:
    v = text_at(m, "value") or "NA"
    if text_at(m, "spread"):
        v += f" ({text_at(m, 'spread')})"
    elif text_at(m, "lowerLimit") or text_at(m, "upperLimit"):
        v += f" ({text_at(m, 'lowerLimit') or 'NA'} to {text_at(m, 'upperLimit') or 'NA'})"
    if text_at(m, "comment"):
        v += f" [{text_at(m, 'comment')}]"
    return v


def _table(classes: list[dict], names: dict[str, str]) -> list[str]:
    """One line per class/category: "Female: Placebo 120; CZP 118"."""
    lines = []
    for c in classes:
        for cat in dicts_at(c, "categories"):
            row = "; ".join(f"{names.get(text_at(m, 'groupId'), text_at(m, 'groupId'))} {_value(m)}"
                            for m in dicts_at(cat, "measurements"))
            head = join_nonempty([text_at(c, "title"), text_at(cat, "title")], ", ")
            lines.append(f"{head}: {row}" if head else row)
    return lines


def _measure_head(m: dict) -> str:
    param = enum_text(text_at(m, "paramType"))
    disp = enum_text(text_at(m, "dispersionType"))
    kind = join_nonempty([param, disp], ", ")
    return join_nonempty([text_at(m, "title"), f"({kind})" if kind else "", text_at(m, "unitOfMeasure")], " ")


def _flow(m: dict) -> str:
    names = _titles(dicts_at(m, "groups"))
    lines = [text_at(m, "recruitmentDetails"), text_at(m, "preAssignmentDetails"),
             "Groups: " + "; ".join(names.values()) if names else ""]
    for p in dicts_at(m, "periods"):
        lines.append(f"Period: {text_at(p, 'title')}" if text_at(p, "title") else "")
        for ms in dicts_at(p, "milestones"):
            counts = "; ".join(f"{names.get(text_at(a, 'groupId'), text_at(a, 'groupId'))} {text_at(a, 'numSubjects')}"
                               for a in dicts_at(ms, "achievements"))
            lines.append(f"{enum_text(text_at(ms, 'type'))}: {counts}")
        for dw in dicts_at(p, "dropWithdraws"):
            total = sum(int(text_at(r, "numSubjects") or 0) for r in dicts_at(dw, "reasons")
                        if text_at(r, "numSubjects").isdigit())
            lines.append(f"Withdrawn — {text_at(dw, 'type')}: {total}")
    return _bounded(lines)


def _baseline(m: dict) -> str:
    names = _titles(dicts_at(m, "groups"))
    lines = [text_at(m, "populationDescription"),
             "Groups: " + "; ".join(names.values()) if names else ""]
    for den in dicts_at(m, "denoms")[:1]:
        lines.append(f"Number analysed ({text_at(den, 'units')}): " + "; ".join(
            f"{names.get(text_at(c, 'groupId'), text_at(c, 'groupId'))} {text_at(c, 'value')}"
            for c in dicts_at(den, "counts")))
    for meas in dicts_at(m, "measures"):
        lines.append(_measure_head(meas))
        lines.extend("  " + x for x in _table(dicts_at(meas, "classes"), names)[:12])
    return _bounded(lines)


def _outcome(o: dict) -> str:
    names = _titles(dicts_at(o, "groups"))
    title = text_at(o, "title")
    lines = [f"{enum_text(text_at(o, 'type'))} outcome: {title}" if text_at(o, "type") else title,
             text_at(o, "description"),
             f"Time frame: {text_at(o, 'timeFrame')}" if text_at(o, "timeFrame") else "",
             f"Population: {text_at(o, 'populationDescription')}" if text_at(o, "populationDescription") else ""]
    if text_at(o, "reportingStatus") == "NOT_POSTED":
        lines.append("Results for this outcome were not posted.")
    kind = join_nonempty([enum_text(text_at(o, "paramType")), enum_text(text_at(o, "dispersionType"))], ", ")
    if kind or text_at(o, "unitOfMeasure"):
        lines.append(join_nonempty([f"Measure: {kind}" if kind else "",
                                    f"Unit: {text_at(o, 'unitOfMeasure')}" if text_at(o, "unitOfMeasure") else ""],
                                   "; "))
    for den in dicts_at(o, "denoms")[:1]:
        lines.append(f"Number analysed ({text_at(den, 'units')}): " + "; ".join(
            f"{names.get(text_at(c, 'groupId'), text_at(c, 'groupId'))} {text_at(c, 'value')}"
            for c in dicts_at(den, "counts")))
    lines.extend(_table(dicts_at(o, "classes"), names)[:30])
    for a in dicts_at(o, "analyses")[:5]:
        groups = " vs ".join(names.get(g, g) for g in texts_at(a, "groupIds"))
        ci = (f", {text_at(a, 'ciPctValue')}% CI {text_at(a, 'ciLowerLimit')} to {text_at(a, 'ciUpperLimit')}"
              if text_at(a, "ciPctValue") else "")
        est = f"{text_at(a, 'paramType')} {text_at(a, 'paramValue')}{ci}" if text_at(a, "paramValue") else ""
        lines.append("Analysis: " + join_nonempty([
            groups, est, f"p-value {text_at(a, 'pValue')}" if text_at(a, "pValue") else "",
            text_at(a, "statisticalMethod")], "; "))
    return _bounded(lines)


def _events(events: list[dict], names: dict[str, str], kind: str) -> list[str]:
    def total(e: dict) -> int:
        return sum(x["numAffected"] for x in dicts_at(e, "stats") if isinstance(x.get("numAffected"), int))
    if events and not any(dicts_at(e, "stats") for e in events):  # legacy records: terms only
        return [f"{kind.capitalize()} adverse events reported: "
                + "; ".join(text_at(e, "term") for e in events[:3 * MAX_EVENTS])]
    ranked = sorted((e for e in events if total(e) > 0), key=total, reverse=True)[:MAX_EVENTS]
    if not ranked:
        return []
    lines = [f"Most frequent {kind} adverse events (participants affected):"]
    for e in ranked:
        per_group = "; ".join(f"{names.get(text_at(x, 'groupId'), text_at(x, 'groupId'))} {text_at(x, 'numAffected')}"
                              for x in dicts_at(e, "stats") if x.get("numAffected"))  # non-zero only
        organ = f" ({text_at(e, 'organSystem')})" if text_at(e, "organSystem") else ""
        lines.append(f"- {text_at(e, 'term')}{organ}: {per_group}")
    return lines


def _adverse(m: dict) -> str:
    groups = dicts_at(m, "eventGroups")
    names = _titles(groups)
    lines = [f"Time frame: {text_at(m, 'timeFrame')}" if text_at(m, "timeFrame") else "", text_at(m, "description"),
             f"Frequency threshold for other events: {text_at(m, 'frequencyThreshold')}%"
             if text_at(m, "frequencyThreshold") else ""]
    for g in groups:
        parts = [f"{label} {text_at(g, a)}/{text_at(g, r)}" for label, a, r in (
            ("serious", "seriousNumAffected", "seriousNumAtRisk"),
            ("other", "otherNumAffected", "otherNumAtRisk"),
            ("deaths", "deathsNumAffected", "deathsNumAtRisk")) if text_at(g, a)]
        if parts:
            lines.append(f"{text_at(g, 'title') or text_at(g, 'id')}: participants affected " + ", ".join(parts))
    lines += _events(dicts_at(m, "seriousEvents"), names, "serious")
    lines += _events(dicts_at(m, "otherEvents"), names, "other")
    return _bounded(lines)


def _more_info(m: dict) -> str:
    poc = sub_dict(m, "pointOfContact")
    return join_nonempty([
        f"Limitations and caveats: {text_at(sub_dict(m, 'limitationsAndCaveats'), 'description')}"
        if text_at(sub_dict(m, "limitationsAndCaveats"), "description") else "",
        "Results point of contact: " + join_nonempty(
            [text_at(poc, "title"), text_at(poc, "organization"), text_at(poc, "phone"), text_at(poc, "email")], ", ")
        if poc else ""])


def results_fields(rs: dict) -> list[StudyField]:
    out: list[StudyField] = []

    def add(path: str, label: str, text: str) -> None:
        if text.strip():
            out.append(StudyField(path=path, label=label, text=text.strip()))

    add(f"{R}.participantFlowModule", "Results › Participant flow", _flow(sub_dict(rs, "participantFlowModule")))
    add(f"{R}.baselineCharacteristicsModule", "Results › Baseline characteristics",
        _baseline(sub_dict(rs, "baselineCharacteristicsModule")))
    for i, o in enumerate(dicts_at(sub_dict(rs, "outcomeMeasuresModule"), "outcomeMeasures")):
        add(f"{R}.outcomeMeasuresModule.outcomeMeasures[{i}]", f"Results › {short(text_at(o, 'title'), 70)}",
            _outcome(o))
    add(f"{R}.adverseEventsModule", "Results › Adverse events", _adverse(sub_dict(rs, "adverseEventsModule")))
    add(f"{R}.moreInfoModule", "Results › More information", _more_info(sub_dict(rs, "moreInfoModule")))
    return out
