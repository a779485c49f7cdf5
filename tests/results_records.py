"""Every real study with posted results in ../shared/data, read two ways: parsed by our ingest, and its
per-group totals read straight from the record file here, independently of the parsers (so a parser that
lines numbers up wrongly disagrees with this reading). Used by tests/test_results_properties.py.

Per format, what the record itself holds per group, in the record's group order:
- API v2 ``resultsSection``: flow milestones per period, adverse-event group totals (serious / other /
  deaths, affected and at risk).
- classic XML ``clinical_results``: the same, from ``participant_flow`` and ``reported_events`` (its
  "Total, serious / other adverse events" rows).
- legacy study fields: ``FlowAchievementNumSubjects`` (per milestone × group) and ``EventGroup…`` lists.
- NLI4CT: each "Adverse Events k" block's "Total: a/n" line.
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ingest.parsers import parse_document
from trialchat.schema import Study

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
LEGACY = DATA / "ctgov_legacy_studyfields" / "mapClinical_msc_trials_studyfields.jsonl"
LEGACY_RESULTS_KEYS = ("EventGroupId", "FlowGroupId", "OutcomeMeasureType")  # a legacy record with results


@dataclass
class RecordTotals:
    """Per-group numbers as the record file gives them (strings, as written; None where absent)."""

    started: list[list[str]] = field(default_factory=list)  # per period: STARTED per group
    completed: list[list[str]] = field(default_factory=list)  # per period: COMPLETED per group
    ae: list[tuple[str | None, ...]] = field(default_factory=list)  # per group: serious a/n, other a/n, deaths a/n
    any_ae: list[tuple[int | None, int | None]] = field(default_factory=list)  # NLI4CT: per block, Total a/n


@dataclass
class RealStudy:
    format: str
    study: Study
    totals: RecordTotals


def _s(v: object) -> str | None:
    return None if v is None or v == "" else str(v)


# ---- API v2 ----
def _v2_totals(rs: dict) -> RecordTotals:
    t = RecordTotals()
    for p in rs.get("participantFlowModule", {}).get("periods", []):
        by_type = {m.get("type"): [str(a.get("numSubjects", "")) for a in m.get("achievements", [])]
                   for m in p.get("milestones", [])}
        t.started.append(by_type.get("STARTED", []))
        t.completed.append(by_type.get("COMPLETED", []))
    for g in rs.get("adverseEventsModule", {}).get("eventGroups", []):
        t.ae.append(tuple(_s(g.get(k)) for k in ("seriousNumAffected", "seriousNumAtRisk", "otherNumAffected",
                                                  "otherNumAtRisk", "deathsNumAffected", "deathsNumAtRisk")))
    return t


def _v2_records(path: Path) -> dict[str, dict]:
    raw = json.loads(path.read_text("utf-8"))
    items = raw if isinstance(raw, list) else [raw]
    return {x["protocolSection"]["identificationModule"]["nctId"]: x["resultsSection"]
            for x in items if isinstance(x, dict) and x.get("resultsSection")}


# ---- classic XML ----
def _xml_totals(cr: ET.Element) -> RecordTotals:
    t = RecordTotals()
    for period in cr.findall("participant_flow/period_list/period"):
        ms = {(m.findtext("title") or "").strip(): [p.get("count", "") for p in m.findall("participants_list/participants")]
              for m in period.findall("milestone_list/milestone")}
        t.started.append(ms.get("STARTED", []))
        t.completed.append(ms.get("COMPLETED", []))
    events = cr.find("reported_events")
    if events is not None:
        ids = [g.get("group_id") for g in events.findall("group_list/group")]
        per: dict[str, dict[str, tuple[str | None, str | None]]] = {i or "": {} for i in ids}
        for kind in ("serious", "other"):
            for ev in events.findall(f"{kind}_events/category_list/category/event_list/event"):
                if (ev.findtext("sub_title") or "").strip().lower().startswith("total"):
                    for c in ev.findall("counts"):
                        per.setdefault(c.get("group_id") or "", {})[kind] = (c.get("subjects_affected"),
                                                                             c.get("subjects_at_risk"))
        for i in ids:
            s, o = per[i or ""].get("serious", (None, None)), per[i or ""].get("other", (None, None))
            t.ae.append((*s, *o))
    return t


# ---- legacy study fields ----
def _legacy_totals(rec: dict) -> RecordTotals:
    t = RecordTotals()
    n_groups = len(rec.get("FlowGroupId", []))
    types, nums = rec.get("FlowMilestoneType", []), rec.get("FlowAchievementNumSubjects", [])
    if n_groups and len(nums) == len(types) * n_groups:  # one number per milestone and group, in order
        for i, kind in enumerate(types):
            row = nums[i * n_groups:(i + 1) * n_groups]
            if kind.strip().upper() == "STARTED":
                t.started.append(row)
                t.completed.append([])
            elif kind.strip().upper() == "COMPLETED" and t.completed:
                t.completed[-1] = row
    cols = ("EventGroupSeriousNumAffected", "EventGroupSeriousNumAtRisk", "EventGroupOtherNumAffected",
            "EventGroupOtherNumAtRisk", "EventGroupDeathsNumAffected", "EventGroupDeathsNumAtRisk")
    ids = rec.get("EventGroupId", [])
    lists = [rec.get(c, []) for c in cols]
    if all(len(x) in (0, len(ids)) for x in lists):  # lists that line up; a mismatch is the parser's to report
        t.ae = [tuple(_s(x[i]) if x else None for x in lists) for i in range(len(ids))]
    return t


# ---- NLI4CT ----
def _nli4ct_totals(rec: dict) -> RecordTotals:
    t = RecordTotals()
    for line in rec.get("Adverse Events", []):
        head, _, rest = line.strip().partition(":")
        if re.fullmatch(r"Adverse Events\s+\d+", head.strip()):  # a block per group, its totals maybe missing
            t.any_ae.append((None, None))
        elif head == "Total" and t.any_ae:  # "Total: 2/50 (4.00%)", "Total: 2/50", "Total: 2" or "Total:"
            a, _, n = rest.split("(")[0].strip().partition("/")
            t.any_ae[-1] = (int(a) if a.strip().isdigit() else None, int(n) if n.strip().isdigit() else None)
    return t


def real_studies() -> Iterator[RealStudy]:
    """Every study with posted results in the four formats, parsed, with its record's own totals."""
    for path in sorted((DATA / "ctgov_v2").rglob("*.json")):
        records = _v2_records(path)
        for s in parse_document(path.name, path.read_bytes(), str(path)).studies:
            if s.study_id in records:
                yield RealStudy("ctgov_v2", s, _v2_totals(records[s.study_id]))
    for path in sorted((DATA / "ctgov_xml").glob("*.xml")):
        cr = ET.parse(path).getroot().find("clinical_results")
        if cr is not None:
            (s,) = parse_document(path.name, path.read_bytes(), str(path)).studies
            yield RealStudy("ctgov_xml", s, _xml_totals(cr))
    lines = LEGACY.read_text("utf-8").splitlines()
    with_results = [rec for rec in map(json.loads, lines) if any(rec.get(k) for k in LEGACY_RESULTS_KEYS)]
    data = "\n".join(json.dumps(rec) for rec in with_results).encode()
    by_id = {rec["NCTId"][0]: rec for rec in with_results}
    for s in parse_document(LEGACY.name, data, str(LEGACY)).studies:
        yield RealStudy("ctgov_legacy", s, _legacy_totals(by_id[s.study_id]))
    for path in sorted((DATA / "nli4ct" / "CT_json").glob("*.json")):
        rec = json.loads(path.read_text("utf-8"))
        for s in parse_document(path.name, path.read_bytes(), str(path)).studies:
            yield RealStudy("nli4ct", s, _nli4ct_totals(rec))
