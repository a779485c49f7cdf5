"""Legacy study-fields results (``EventGroup…``, ``Flow…``, ``Baseline…``, ``Outcome…``) → a partial
API v2 ``resultsSection``.

The legacy API flattens nested tables into parallel lists with no per-row counts, so only what can
be rebuilt without guessing is kept: group lists, adverse-event totals, per-event counts when the
list lengths are an exact product (events × groups), flow milestones (split into periods at each STARTED) and reasons for leaving when they add up per period,
and outcome measure descriptions (their values are left out: rows cannot be attributed).
"""
from __future__ import annotations

from ingest.enums import to_code
from ingest.parsers.legacy_fields import column, first_of, zip_columns


def _int(v: str | None) -> int | str | None:
    return int(v) if v is not None and v.strip().lstrip("-").isdigit() else v


def _zip(rec: dict, columns: dict[str, str], problems: list[str] | None) -> list[dict]:
    """``zip_columns`` (a column shorter than the others is left out), with the mismatch reported."""
    lengths = {legacy: len(column(rec, legacy)) for legacy in columns.values() if column(rec, legacy)}
    if problems is not None and len(set(lengths.values())) > 1:
        problems.append("; ".join(f"{k}: {n}" for k, n in lengths.items()) + " values; not lined up, the shorter "
                        "lists are left out")
    return zip_columns(rec, columns)


def _chunks(rec: dict, columns: dict[str, str], n_items: int, n_groups: int,
            problems: list[str] | None = None) -> list[list[dict]] | None:
    """Split flattened per-group stats into one list per item, when lengths are an exact product;
    a mismatch is reported in ``problems`` (never guessed)."""
    rows = _zip(rec, columns, problems)
    if not n_groups or len(rows) != n_items * n_groups:
        if rows and problems is not None:
            problems.append(f"{next(iter(columns.values()))}: {len(rows)} values for {n_items} items × "
                            f"{n_groups} groups; not lined up")
        return None
    return [rows[i * n_groups:(i + 1) * n_groups] for i in range(n_items)]


def _events(rec: dict, prefix: str, n_groups: int, problems: list[str]) -> list[dict]:
    events = _zip(rec, {"term": f"{prefix}EventTerm", "organSystem": f"{prefix}EventOrganSystem"}, problems)
    stats = _chunks(rec, {"groupId": f"{prefix}EventStatsGroupId",
                          "numAffected": f"{prefix}EventStatsNumAffected",
                          "numAtRisk": f"{prefix}EventStatsNumAtRisk"}, len(events), n_groups, problems)
    if stats is None:
        return events  # terms only
    for e, st in zip(events, stats):
        e["stats"] = [{**x, "numAffected": _int(x.get("numAffected"))} for x in st]
    return events


def _flow(rec: dict, problems: list[str]) -> dict:
    groups = zip_columns(rec, {"id": "FlowGroupId", "title": "FlowGroupTitle",
                               "description": "FlowGroupDescription"})
    flow: dict = {"recruitmentDetails": first_of(rec, "FlowRecruitmentDetails"),
                  "preAssignmentDetails": first_of(rec, "FlowPreAssignmentDetails"), "groups": groups}
    periods = column(rec, "FlowPeriodTitle")
    types = column(rec, "FlowMilestoneType")
    # each period's milestones begin with STARTED: the flat list splits there, when that gives one run per period
    starts = [i for i, t in enumerate(types) if t.strip().upper() == "STARTED"]
    if len(periods) > 1 and (len(starts) != len(periods) or starts[0] != 0):
        problems.append(f"FlowPeriodTitle: {len(periods)} periods but {len(starts)} STARTED milestones; "
                        "flow not rebuilt")
        return flow
    if not periods:
        return flow
    ach = _chunks(rec, {"groupId": "FlowAchievementGroupId", "numSubjects": "FlowAchievementNumSubjects"},
                  len(types), len(groups), problems)
    reasons = column(rec, "FlowDropWithdrawType")
    drops = _chunks(rec, {"groupId": "FlowReasonGroupId", "numSubjects": "FlowReasonNumSubjects"},
                    len(reasons), len(groups), problems)
    bounds = [*starts, len(types)] if len(periods) > 1 else [0, len(types)]
    milestones = [[{"type": t, "achievements": a} for t, a in zip(types[b:e], (ach or [])[b:e])]
                  for b, e in zip(bounds, bounds[1:])]
    pairs = list(zip(reasons, drops or []))
    per_period = [pairs] if len(periods) == 1 else _reasons_by_period(milestones, pairs, problems)
    flow["periods"] = [{"title": title, "milestones": ms,
                        "dropWithdraws": [{"type": t, "reasons": r} for t, r in rs]}
                       for title, ms, rs in zip(periods, milestones, per_period)]
    return flow


def _counts(rows: list[dict]) -> list[int | None]:
    return [int(v) if (v := str(r.get("numSubjects", "")).strip()).isdigit() else None for r in rows]


def _reasons_by_period(milestones: list[list[dict]], pairs: list[tuple[str, list[dict]]],
                       problems: list[str]) -> list[list[tuple[str, list[dict]]]]:
    """Reasons for leaving, in one flat list for all periods, given to each period in order so that they add up,
    group by group, to that period's NOT COMPLETED numbers. Anything else (a reason with no one in it, sums that
    do not meet) is reported and no reasons are given: never guessed."""
    out: list[list[tuple[str, list[dict]]]] = []
    i = 0
    for ms in milestones:
        left = next((m["achievements"] for m in ms if m["type"].strip().upper() == "NOT COMPLETED"), None)
        target = _counts(left) if left else None
        taken: list[tuple[str, list[dict]]] = []
        if target is None or None in target:
            problems.append("FlowDropWithdrawType: a period has no NOT COMPLETED numbers; reasons not attributed")
            return [[] for _ in milestones]
        total = [0] * len(target)
        while total != target and i < len(pairs):
            counts = _counts(pairs[i][1])
            if None in counts or not any(counts) or len(counts) != len(target):
                problems.append("FlowDropWithdrawType: a reason with no numbers; reasons not attributed")
                return [[] for _ in milestones]
            total = [a + (b or 0) for a, b in zip(total, counts)]
            taken.append(pairs[i])
            i += 1
        if total != target:
            problems.append("FlowDropWithdrawType: reasons do not add up to each period's NOT COMPLETED; "
                            "not attributed")
            return [[] for _ in milestones]
        out.append(taken)
    if i != len(pairs):
        problems.append("FlowDropWithdrawType: reasons left over after every period; not attributed")
        return [[] for _ in milestones]
    return out


def _baseline(rec: dict) -> dict:
    groups = zip_columns(rec, {"id": "BaselineGroupId", "title": "BaselineGroupTitle",
                               "description": "BaselineGroupDescription"})
    counts = zip_columns(rec, {"groupId": "BaselineDenomCountGroupId", "value": "BaselineDenomCountValue"})
    measures = zip_columns(rec, {"title": "BaselineMeasureTitle", "paramType": "BaselineMeasureParamType",
                                 "unitOfMeasure": "BaselineMeasureUnitOfMeasure",
                                 "dispersionType": "BaselineMeasureDispersionType"})
    return {"populationDescription": first_of(rec, "BaselinePopulationDescription"), "groups": groups,
            "denoms": [{"units": first_of(rec, "BaselineDenomUnits"), "counts": counts}] if counts else [],
            "measures": measures}


def _outcomes(rec: dict) -> list[dict]:
    rows = zip_columns(rec, {
        "type": "OutcomeMeasureType", "title": "OutcomeMeasureTitle",
        "description": "OutcomeMeasureDescription", "populationDescription": "OutcomeMeasurePopulationDescription",
        "reportingStatus": "OutcomeMeasureReportingStatus", "paramType": "OutcomeMeasureParamType",
        "dispersionType": "OutcomeMeasureDispersionType", "unitOfMeasure": "OutcomeMeasureUnitOfMeasure",
        "timeFrame": "OutcomeMeasureTimeFrame"})
    for r in rows:
        if r.get("reportingStatus"):
            r["reportingStatus"] = to_code(r["reportingStatus"])
    return rows


def _one_outcome_table(rec: dict, outcomes: list[dict]) -> bool:
    """A record with one outcome measure of one row (no class or category titles) and one value per group: its
    flat lists are that one table, so they line up by index (and its one analysis, when the record has one).
    Anything else stays unattributed. Returns whether the values were attached."""
    groups = zip_columns(rec, {"id": "OutcomeGroupId", "title": "OutcomeGroupTitle",
                               "description": "OutcomeGroupDescription"})
    ids = [str(g.get("id")) for g in groups if g.get("id")]
    values, value_ids = column(rec, "OutcomeMeasurementValue"), column(rec, "OutcomeMeasurementGroupId")
    limits = [column(rec, k) for k in ("OutcomeMeasurementLowerLimit", "OutcomeMeasurementUpperLimit",
                                       "OutcomeMeasurementSpread")]
    if (len(outcomes) != 1 or column(rec, "OutcomeClassTitle") or column(rec, "OutcomeCategoryTitle")
            or not ids or len(set(ids)) != len(ids) or sorted(value_ids) != sorted(ids) or len(values) != len(ids)
            or any(col and len(col) != len(ids) for col in limits)):
        return False
    o = outcomes[0]
    o["groups"] = groups
    o["denoms"] = [{"units": first_of(rec, "OutcomeDenomUnits"), "counts": zip_columns(
        rec, {"groupId": "OutcomeDenomCountGroupId", "value": "OutcomeDenomCountValue"})}]
    o["classes"] = [{"categories": [{"measurements": zip_columns(rec, {
        "groupId": "OutcomeMeasurementGroupId", "value": "OutcomeMeasurementValue",
        "lowerLimit": "OutcomeMeasurementLowerLimit", "upperLimit": "OutcomeMeasurementUpperLimit",
        "spread": "OutcomeMeasurementSpread"})}]}]
    single = ("OutcomeAnalysisPValue", "OutcomeAnalysisStatisticalMethod", "OutcomeAnalysisParamType",
              "OutcomeAnalysisParamValue", "OutcomeAnalysisCILowerLimit", "OutcomeAnalysisCIUpperLimit")
    a_ids = column(rec, "OutcomeAnalysisGroupId")
    if all(len(column(rec, k)) <= 1 for k in single) and column(rec, "OutcomeAnalysisPValue") and set(a_ids) <= set(ids):
        o["analyses"] = [{"groupIds": a_ids, "pValue": first_of(rec, "OutcomeAnalysisPValue"),
                          "statisticalMethod": first_of(rec, "OutcomeAnalysisStatisticalMethod"),
                          "paramType": first_of(rec, "OutcomeAnalysisParamType"),
                          "paramValue": first_of(rec, "OutcomeAnalysisParamValue"),
                          "ciLowerLimit": first_of(rec, "OutcomeAnalysisCILowerLimit"),
                          "ciUpperLimit": first_of(rec, "OutcomeAnalysisCIUpperLimit")}]
    return True


def legacy_results(rec: dict) -> dict:
    problems: list[str] = []
    groups = _zip(rec, {
        "id": "EventGroupId", "title": "EventGroupTitle", "description": "EventGroupDescription",
        "seriousNumAffected": "EventGroupSeriousNumAffected", "seriousNumAtRisk": "EventGroupSeriousNumAtRisk",
        "otherNumAffected": "EventGroupOtherNumAffected", "otherNumAtRisk": "EventGroupOtherNumAtRisk",
        "deathsNumAffected": "EventGroupDeathsNumAffected", "deathsNumAtRisk": "EventGroupDeathsNumAtRisk"}, problems)
    adverse = {"timeFrame": first_of(rec, "EventsTimeFrame"), "description": first_of(rec, "EventsDescription"),
               "frequencyThreshold": first_of(rec, "EventsFrequencyThreshold"), "eventGroups": groups,
               "seriousEvents": _events(rec, "Serious", len(groups), problems),
               "otherEvents": _events(rec, "Other", len(groups), problems)}
    outcomes = _outcomes(rec)
    if column(rec, "OutcomeMeasurementValue") and not _one_outcome_table(rec, outcomes):
        problems.append("OutcomeMeasurementValue: one flat list for all outcomes; values not attributed")
    # "_format" and "_problems" are read by ingest/parsers/results_model.py (the text renderer ignores them)
    return {"_format": "ctgov_legacy", "_problems": problems, "participantFlowModule": _flow(rec, problems), "baselineCharacteristicsModule": _baseline(rec),
            "outcomeMeasuresModule": {"outcomeMeasures": outcomes},
            "adverseEventsModule": adverse,
            "moreInfoModule": {"limitationsAndCaveats": {
                "description": first_of(rec, "LimitationsAndCaveatsDescription")}}}
