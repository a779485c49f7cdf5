"""Classic XML ``<clinical_results>`` → API v2 ``resultsSection`` (same shape the renderer reads)."""
from __future__ import annotations

from xml.etree.ElementTree import Element

from ingest.enums import to_code
from ingest.parsers.xml_fields import xml_plain, xml_text, xml_texts


def _groups(el: Element | None) -> list[dict]:
    if el is None:
        return []
    return [{"id": g.get("group_id"), "title": xml_text(g, "title"), "description": xml_text(g, "description")}
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
    return [{"title": xml_text(c, "title"),
             "categories": [{"title": xml_text(cat, "title"), "measurements": _measurements(cat)}
                            for cat in c.findall("category_list/category")]}
            for c in measure.findall("class_list/class")]


def _denoms(el: Element | None) -> list[dict]:
    if el is None:
        return []
    return [{"units": xml_text(a, "units"), "counts": _counts(a, "count_list/count", "value", "value")}
            for a in el.findall("analyzed_list/analyzed")]


def _flow(el: Element | None) -> dict:
    if el is None:
        return {}
    periods = []
    for p in el.findall("period_list/period"):
        periods.append({
            "title": xml_text(p, "title"),
            "milestones": [{"type": xml_text(m, "title"),
                            "achievements": _counts(m, "participants_list/participants", "count", "numSubjects")}
                           for m in p.findall("milestone_list/milestone")],
            "dropWithdraws": [{"type": xml_text(r, "title"),
                               "reasons": _counts(r, "participants_list/participants", "count", "numSubjects")}
                              for r in p.findall("drop_withdraw_reason_list/drop_withdraw_reason")]})
    return {"recruitmentDetails": xml_text(el, "recruitment_details"),
            "preAssignmentDetails": xml_text(el, "pre_assignment_details"),
            "groups": _groups(el), "periods": periods}


def _baseline(el: Element | None) -> dict:
    if el is None:
        return {}
    return {"populationDescription": xml_text(el, "population"), "groups": _groups(el), "denoms": _denoms(el),
            "measures": [{"title": xml_text(m, "title"), "paramType": xml_text(m, "param"),
                          "dispersionType": xml_text(m, "dispersion"), "unitOfMeasure": xml_text(m, "units"),
                          "classes": _classes(m)} for m in el.findall("measure_list/measure")]}


def _analysis(a: Element) -> dict:
    return {"groupIds": xml_texts(a, "group_id_list/group_id"), "pValue": xml_text(a, "p_value"),
            "statisticalMethod": xml_text(a, "method"), "paramType": xml_text(a, "param_type"),
            "paramValue": xml_text(a, "param_value"), "ciPctValue": xml_text(a, "ci_percent"),
            "ciLowerLimit": xml_text(a, "ci_lower_limit"), "ciUpperLimit": xml_text(a, "ci_upper_limit")}


def _outcome(o: Element) -> dict:
    m = o.find("measure")
    return {"type": to_code(xml_text(o, "type")), "title": xml_text(o, "title"),
            "description": xml_plain(o, "description"),
            "timeFrame": xml_text(o, "time_frame"), "populationDescription": xml_text(o, "population"),
            "paramType": xml_text(m, "param"), "dispersionType": xml_text(m, "dispersion"),
            "unitOfMeasure": xml_text(m, "units"), "groups": _groups(o), "denoms": _denoms(m),
            "classes": _classes(m), "analyses": [_analysis(a) for a in o.findall("analysis_list/analysis")]}


def _events(el: Element | None, kind: str, totals: dict[str, dict]) -> list[dict]:
    """Event rows; the XML "Total" category carries the per-group totals instead."""
    out: list[dict] = []
    if el is None:
        return out
    for cat in el.findall("category_list/category"):
        organ = xml_text(cat, "title")
        for ev in cat.findall("event_list/event"):
            stats = [{"groupId": c.get("group_id"), "numAffected": _int(c.get("subjects_affected")),
                      "numAtRisk": _int(c.get("subjects_at_risk"))} for c in ev.findall("counts")]
            if organ == "Total":
                for st in stats:
                    g = totals.setdefault(str(st["groupId"]), {})
                    g[f"{kind}NumAffected"], g[f"{kind}NumAtRisk"] = st["numAffected"], st["numAtRisk"]
                continue
            out.append({"term": xml_text(ev, "sub_title"), "organSystem": organ, "stats": stats})
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
    return {"timeFrame": xml_text(el, "time_frame"), "description": xml_text(el, "desc"),
            "frequencyThreshold": xml_text(el, "other_events/frequency_threshold"),
            "eventGroups": groups, "seriousEvents": serious, "otherEvents": other}


def xml_results(el: Element) -> dict:
    poc = el.find("point_of_contact")
    return {
        "_format": "ctgov_xml",  # read by ingest/parsers/results_model.py
        "participantFlowModule": _flow(el.find("participant_flow")),
        "baselineCharacteristicsModule": _baseline(el.find("baseline")),
        "outcomeMeasuresModule": {"outcomeMeasures": [_outcome(o) for o in el.findall("outcome_list/outcome")]},
        "adverseEventsModule": _adverse(el.find("reported_events")),
        "moreInfoModule": {
            "limitationsAndCaveats": {"description": xml_text(el, "limitations_and_caveats")},
            "pointOfContact": {} if poc is None else {
                "title": xml_text(poc, "name_or_title"), "organization": xml_text(poc, "organization"),
                "phone": xml_text(poc, "phone"), "email": xml_text(poc, "email")}},
    }
