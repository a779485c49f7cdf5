"""Classic XML ``<clinical_results>`` → API v2 ``resultsSection`` (same shape the renderer reads)."""
from __future__ import annotations

from xml.etree.ElementTree import Element

from ingest.enums import to_code
from ingest.parsers.ctgov_xml import plain, t, ts


def _groups(el: Element | None) -> list[dict]:
    if el is None:
        return []
    return [{"id": g.get("group_id"), "title": t(g, "title"), "description": t(g, "description")}
            for g in el.findall("group_list/group")]


def _counts(el: Element, path: str, value_attr: str, key: str) -> list[dict]:
    return [{"groupId": p.get("group_id"), key: p.get(value_attr)} for p in el.findall(path)]


def _measurements(cat: Element) -> list[dict]:
    return [{"groupId": m.get("group_id"), "value": m.get("value"), "spread": m.get("spread"),
             "lowerLimit": m.get("lower_limit"), "upperLimit": m.get("upper_limit")}
            for m in cat.findall("measurement_list/measurement")]


def _classes(measure: Element | None) -> list[dict]:
    if measure is None:
        return []
    return [{"title": t(c, "title"),
             "categories": [{"title": t(cat, "title"), "measurements": _measurements(cat)}
                            for cat in c.findall("category_list/category")]}
            for c in measure.findall("class_list/class")]


def _denoms(el: Element | None) -> list[dict]:
    if el is None:
        return []
    return [{"units": t(a, "units"), "counts": _counts(a, "count_list/count", "value", "value")}
            for a in el.findall("analyzed_list/analyzed")]


def _flow(el: Element | None) -> dict:
    if el is None:
        return {}
    periods = []
    for p in el.findall("period_list/period"):
        periods.append({
            "title": t(p, "title"),
            "milestones": [{"type": t(m, "title"),
                            "achievements": _counts(m, "participants_list/participants", "count", "numSubjects")}
                           for m in p.findall("milestone_list/milestone")],
            "dropWithdraws": [{"type": t(r, "title"),
                               "reasons": _counts(r, "participants_list/participants", "count", "numSubjects")}
                              for r in p.findall("drop_withdraw_reason_list/drop_withdraw_reason")]})
    return {"recruitmentDetails": t(el, "recruitment_details"),
            "preAssignmentDetails": t(el, "pre_assignment_details"),
            "groups": _groups(el), "periods": periods}


def _baseline(el: Element | None) -> dict:
    if el is None:
        return {}
    return {"populationDescription": t(el, "population"), "groups": _groups(el), "denoms": _denoms(el),
            "measures": [{"title": t(m, "title"), "paramType": t(m, "param"),
                          "dispersionType": t(m, "dispersion"), "unitOfMeasure": t(m, "units"),
                          "classes": _classes(m)} for m in el.findall("measure_list/measure")]}


def _analysis(a: Element) -> dict:
    return {"groupIds": ts(a, "group_id_list/group_id"), "pValue": t(a, "p_value"),
            "statisticalMethod": t(a, "method"), "paramType": t(a, "param_type"),
            "paramValue": t(a, "param_value"), "ciPctValue": t(a, "ci_percent"),
            "ciLowerLimit": t(a, "ci_lower_limit"), "ciUpperLimit": t(a, "ci_upper_limit")}


def _outcome(o: Element) -> dict:
    m = o.find("measure")
    return {"type": to_code(t(o, "type")), "title": t(o, "title"), "description": plain(o, "description"),
            "timeFrame": t(o, "time_frame"), "populationDescription": t(o, "population"),
            "paramType": t(m, "param"), "dispersionType": t(m, "dispersion"),
            "unitOfMeasure": t(m, "units"), "groups": _groups(o), "denoms": _denoms(m),
            "classes": _classes(m), "analyses": [_analysis(a) for a in o.findall("analysis_list/analysis")]}


def _events(el: Element | None, kind: str, totals: dict[str, dict]) -> list[dict]:
    """Event rows; the XML "Total" category carries the per-group totals instead."""
    out = []
    if el is None:
        return out
    for cat in el.findall("category_list/category"):
        organ = t(cat, "title")
        for ev in cat.findall("event_list/event"):
            stats = [{"groupId": c.get("group_id"), "numAffected": _int(c.get("subjects_affected")),
                      "numAtRisk": _int(c.get("subjects_at_risk"))} for c in ev.findall("counts")]
            if organ == "Total":
                for st in stats:
                    g = totals.setdefault(st["groupId"], {})
                    g[f"{kind}NumAffected"], g[f"{kind}NumAtRisk"] = st["numAffected"], st["numAtRisk"]
                continue
            out.append({"term": t(ev, "sub_title"), "organSystem": organ, "stats": stats})
    return out


def _int(v: str | None) -> int | None:
    return int(v) if v and v.isdigit() else None


def _adverse(el: Element | None) -> dict:
    if el is None:
        return {}
    totals: dict[str, dict] = {}
    serious = _events(el.find("serious_events"), "serious", totals)
    other = _events(el.find("other_events"), "other", totals)
    groups = [{**g, **totals.get(g["id"], {})} for g in _groups(el)]
    return {"timeFrame": t(el, "time_frame"), "description": t(el, "desc"),
            "frequencyThreshold": t(el, "other_events/frequency_threshold"),
            "eventGroups": groups, "seriousEvents": serious, "otherEvents": other}


def xml_results(el: Element) -> dict:
    poc = el.find("point_of_contact")
    return {
        "participantFlowModule": _flow(el.find("participant_flow")),
        "baselineCharacteristicsModule": _baseline(el.find("baseline")),
        "outcomeMeasuresModule": {"outcomeMeasures": [_outcome(o) for o in el.findall("outcome_list/outcome")]},
        "adverseEventsModule": _adverse(el.find("reported_events")),
        "moreInfoModule": {
            "limitationsAndCaveats": {"description": t(el, "limitations_and_caveats")},
            "pointOfContact": {} if poc is None else {
                "title": t(poc, "name_or_title"), "organization": t(poc, "organization"),
                "phone": t(poc, "phone"), "email": t(poc, "email")}},
    }
