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
MAX_EVENTS = 10       # most frequent serious / other adverse events listed (by all groups together)
PER_GROUP_EVENTS = 3  # ... plus each group's own most frequent ones, so no group's top events are left out
MAX_ROWS = 30         # rows of an outcome's table
MAX_ANALYSES = 5


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


def titles(groups: list[dict]) -> dict[str, str]:
    return {text_at(g, "id"): text_at(g, "title") or text_at(g, "id") for g in groups}


def value_text(m: dict) -> str:
    v = text_at(m, "value") or "NA"
    if text_at(m, "spread"):
        v += f" ({text_at(m, 'spread')})"
    elif text_at(m, "lowerLimit") or text_at(m, "upperLimit"):
        v += f" ({text_at(m, 'lowerLimit') or 'NA'} to {text_at(m, 'upperLimit') or 'NA'})"
    if text_at(m, "comment"):
        v += f" [{text_at(m, 'comment')}]"
    return v


def table_rows(classes: list[dict], names: dict[str, str]) -> list[tuple[str, list[dict], str]]:
    """(row label, its measurements, its line) per class/category: "Female: Placebo 120; CZP 118"."""
    rows = []
    for c in classes:
        for cat in dicts_at(c, "categories"):
            ms = dicts_at(cat, "measurements")
            row = "; ".join(f"{names.get(text_at(m, 'groupId'), text_at(m, 'groupId'))} {value_text(m)}" for m in ms)
            head = join_nonempty([text_at(c, "title"), text_at(cat, "title")], ", ")
            rows.append((head, ms, f"{head}: {row}" if head else row))
    return rows


def _table(classes: list[dict], names: dict[str, str]) -> list[str]:
    return [line for _, _, line in table_rows(classes, names)]


def counts_line(head: str, counts: list[dict], names: dict[str, str], key: str = "value") -> str:
    """"Started: Placebo 158; CZP 200 mg Q2W 159" (a milestone, or the number analysed)."""
    return f"{head}: " + "; ".join(f"{names.get(text_at(c, 'groupId'), text_at(c, 'groupId'))} {text_at(c, key)}"
                                   for c in counts)


def reason_line(dw: dict, names: dict[str, str]) -> tuple[int, str]:
    """Total and line of one reason for leaving, with the groups that lost someone to it:
    "Withdrawn — Adverse Event: 9 (Placebo 5; CZP 200 mg Q2W 4)"."""
    reasons = dicts_at(dw, "reasons")
    total = sum(int(text_at(r, "numSubjects")) for r in reasons if text_at(r, "numSubjects").isdigit())
    per_group = "; ".join(f"{names.get(text_at(r, 'groupId'), text_at(r, 'groupId'))} {text_at(r, 'numSubjects')}"
                          for r in reasons if text_at(r, "numSubjects").isdigit() and int(text_at(r, "numSubjects")))
    return total, f"Withdrawn — {text_at(dw, 'type')}: {total}" + (f" ({per_group})" if per_group else "")


def analysed_line(den: dict, names: dict[str, str]) -> str:
    return counts_line(f"Number analysed ({text_at(den, 'units')})", dicts_at(den, "counts"), names)


def analysis_line(a: dict, names: dict[str, str]) -> str:
    groups = " vs ".join(names.get(g, g) for g in texts_at(a, "groupIds"))
    ci = (f", {text_at(a, 'ciPctValue')}% CI {text_at(a, 'ciLowerLimit')} to {text_at(a, 'ciUpperLimit')}"
          if text_at(a, "ciPctValue") else "")
    est = f"{text_at(a, 'paramType')} {text_at(a, 'paramValue')}{ci}" if text_at(a, "paramValue") else ""
    return "Analysis: " + join_nonempty([
        groups, est, f"p-value {text_at(a, 'pValue')}" if text_at(a, "pValue") else "",
        text_at(a, "statisticalMethod")], "; ")


def group_totals_line(g: dict) -> str:
    """"Placebo (SS): participants affected serious 4/158, other 59/158, deaths 0/158" ("" without numbers)."""
    parts = [f"{label} {text_at(g, a)}/{text_at(g, r)}" for label, a, r in (
        ("serious", "seriousNumAffected", "seriousNumAtRisk"),
        ("other", "otherNumAffected", "otherNumAtRisk"),
        ("deaths", "deathsNumAffected", "deathsNumAtRisk")) if text_at(g, a)]
    return f"{text_at(g, 'title') or text_at(g, 'id')}: participants affected " + ", ".join(parts) if parts else ""


def measure_line(o: dict) -> str:
    """"Measure: Mean, Standard Deviation; Unit: minutes" ("" when the outcome says neither)."""
    kind = join_nonempty([enum_text(text_at(o, "paramType")), enum_text(text_at(o, "dispersionType"))], ", ")
    unit = text_at(o, "unitOfMeasure")
    return join_nonempty([f"Measure: {kind}" if kind else "", f"Unit: {unit}" if unit else ""], "; ")


def _measure_head(m: dict) -> str:
    param = enum_text(text_at(m, "paramType"))
    disp = enum_text(text_at(m, "dispersionType"))
    kind = join_nonempty([param, disp], ", ")
    return join_nonempty([text_at(m, "title"), f"({kind})" if kind else "", text_at(m, "unitOfMeasure")], " ")


def _flow(m: dict) -> str:
    names = titles(dicts_at(m, "groups"))
    lines = [text_at(m, "recruitmentDetails"), text_at(m, "preAssignmentDetails"),
             "Groups: " + "; ".join(names.values()) if names else ""]
    for p in dicts_at(m, "periods"):
        lines.append(f"Period: {text_at(p, 'title')}" if text_at(p, "title") else "")
        for ms in dicts_at(p, "milestones"):
            lines.append(counts_line(enum_text(text_at(ms, "type")), dicts_at(ms, "achievements"), names,
                                     "numSubjects"))
        lines.extend(reason_line(dw, names)[1] for dw in dicts_at(p, "dropWithdraws"))
    return _bounded(lines)


def _baseline(m: dict) -> str:
    names = titles(dicts_at(m, "groups"))
    lines = [text_at(m, "populationDescription"),
             "Groups: " + "; ".join(names.values()) if names else ""]
    for den in dicts_at(m, "denoms")[:1]:
        lines.append(analysed_line(den, names))
    for meas in dicts_at(m, "measures"):
        lines.append(_measure_head(meas))
        lines.extend("  " + x for x in _table(dicts_at(meas, "classes"), names)[:12])
    return _bounded(lines)


def _outcome(o: dict) -> str:
    names = titles(dicts_at(o, "groups"))
    title = text_at(o, "title")
    lines = [f"{enum_text(text_at(o, 'type'))} outcome: {title}" if text_at(o, "type") else title,
             text_at(o, "description"),
             f"Time frame: {text_at(o, 'timeFrame')}" if text_at(o, "timeFrame") else "",
             f"Population: {text_at(o, 'populationDescription')}" if text_at(o, "populationDescription") else ""]
    if text_at(o, "reportingStatus") == "NOT_POSTED":
        lines.append("Results for this outcome were not posted.")
    lines.append(measure_line(o))
    for den in dicts_at(o, "denoms")[:1]:
        lines.append(analysed_line(den, names))
    lines.extend(_table(dicts_at(o, "classes"), names)[:MAX_ROWS])
    lines.extend(analysis_line(a, names) for a in dicts_at(o, "analyses")[:MAX_ANALYSES])
    return _bounded(lines)


def _affected(x: dict) -> int:
    v = x.get("numAffected")
    return v if isinstance(v, int) and not isinstance(v, bool) else 0


def shown_events(events: list[dict]) -> list[dict]:
    """The events an events field lists, most frequent first: the most frequent over all groups, and each
    group's own most frequent (so a group's top side effects are never left out for another group's)."""
    def total(e: dict) -> int:
        return sum(_affected(x) for x in dicts_at(e, "stats"))
    ranked = sorted((e for e in events if total(e) > 0), key=total, reverse=True)
    firsts: set[int] = set()
    for gid in {text_at(x, "groupId") for e in ranked for x in dicts_at(e, "stats")}:
        def in_group(e: dict, gid: str = gid) -> int:
            return sum(_affected(x) for x in dicts_at(e, "stats") if text_at(x, "groupId") == gid)
        firsts.update(id(e) for e in sorted(ranked, key=in_group, reverse=True)[:PER_GROUP_EVENTS] if in_group(e))
    keep = firsts | {id(e) for e in ranked[:MAX_EVENTS]}
    # each group's own top events first (the size bound may cut the end), then by frequency over all groups
    return sorted((e for e in ranked if id(e) in keep), key=lambda e: (id(e) not in firsts, -total(e)))


def event_line(e: dict, names: dict[str, str]) -> str:
    """"- Headache (Nervous system disorders): Placebo 7/158; CZP 11/159" (every group, so zeros show)."""
    per_group = "; ".join(
        f"{names.get(text_at(x, 'groupId'), text_at(x, 'groupId'))} {text_at(x, 'numAffected') or '0'}"
        + (f"/{text_at(x, 'numAtRisk')}" if text_at(x, "numAtRisk") else "") for x in dicts_at(e, "stats"))
    organ = f" ({text_at(e, 'organSystem')})" if text_at(e, "organSystem") else ""
    return f"- {text_at(e, 'term')}{organ}: {per_group}"


def events_heading(kind: str) -> str:
    return f"Most frequent {kind} adverse events (participants affected / at risk):"


def _events(events: list[dict], names: dict[str, str], kind: str) -> str:
    if events and not any(dicts_at(e, "stats") for e in events):  # legacy records: terms only
        return (f"{kind.capitalize()} adverse events reported: "
                + "; ".join(text_at(e, "term") for e in events[:3 * MAX_EVENTS]))
    shown = shown_events(events)
    return _bounded([events_heading(kind), *(event_line(e, names) for e in shown)]) if shown else ""


def _adverse(m: dict) -> str:
    lines = [f"Time frame: {text_at(m, 'timeFrame')}" if text_at(m, "timeFrame") else "", text_at(m, "description"),
             f"Frequency threshold for other events: {text_at(m, 'frequencyThreshold')}%"
             if text_at(m, "frequencyThreshold") else ""]
    lines.extend(group_totals_line(g) for g in dicts_at(m, "eventGroups"))
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

    def add(path: str, label: str, text: str, parts: dict[str, str] | None = None) -> None:
        if text.strip():
            out.append(StudyField(path=path, label=label, text=text.strip(), parts=parts or {}))

    add(f"{R}.participantFlowModule", "Results › Participant flow", _flow(sub_dict(rs, "participantFlowModule")))
    add(f"{R}.baselineCharacteristicsModule", "Results › Baseline characteristics",
        _baseline(sub_dict(rs, "baselineCharacteristicsModule")))
    for i, o in enumerate(dicts_at(sub_dict(rs, "outcomeMeasuresModule"), "outcomeMeasures")):
        add(f"{R}.outcomeMeasuresModule.outcomeMeasures[{i}]", f"Results › {short(text_at(o, 'title'), 70)}",
            _outcome(o))
    ae = sub_dict(rs, "adverseEventsModule")
    names = titles(dicts_at(ae, "eventGroups"))
    add(f"{R}.adverseEventsModule", "Results › Adverse events", _adverse(ae))
    # the event tables are fields of their own: each group's most frequent events fit beside the totals
    add(f"{R}.adverseEventsModule.seriousEvents", "Results › Adverse events › Serious",
        _events(dicts_at(ae, "seriousEvents"), names, "serious"))
    add(f"{R}.adverseEventsModule.otherEvents", "Results › Adverse events › Other (not serious)",
        _events(dicts_at(ae, "otherEvents"), names, "other"))
    more = sub_dict(rs, "moreInfoModule")
    add(f"{R}.moreInfoModule", "Results › More information", _more_info(more),
        {"limitations": text_at(sub_dict(more, "limitationsAndCaveats"), "description")})
    return out
