"""The typed results model (issue #17) built at ingest from every format we read.

Numbers below were read by hand from the records in corpus/sample (API v2 resultsSection, classic XML
clinical_results) and ../shared/data (legacy study-fields lists, NLI4CT reports). Every fact's quote must
be a line of the text chunked for its field path, so an answer built from it is cited verbatim.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.chunking import chunk_study
from ingest.facts import fact_sheet
from ingest.parsers import parse_document
from trialchat.results import Cited, StudyResults
from trialchat.schema import Study

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "corpus" / "sample"
DATA = Path(__file__).parents[2] / "shared" / "data"
LEGACY = DATA / "ctgov_legacy_studyfields" / "mapClinical_msc_trials_studyfields.jsonl"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason=f"real data not present at {DATA}")


def parse(path: Path, data: bytes | None = None) -> list[Study]:
    doc = parse_document(path.name, data if data is not None else path.read_bytes(), str(path))
    assert doc.record_errors == []
    return doc.studies


def one(path: Path) -> tuple[Study, StudyResults]:
    (study,) = parse(path)
    assert study.results is not None
    return study, study.results


def cited(node: object) -> list[Cited]:
    out: list[Cited] = []
    if isinstance(node, Cited):
        out.append(node)
    if isinstance(node, list):
        for x in node:
            out.extend(cited(x))
    elif hasattr(type(node), "model_fields"):
        for name in type(node).model_fields:
            out.extend(cited(getattr(node, name)))
    return out


def assert_quotes_in_chunks(study: Study, results: StudyResults) -> None:
    """Every quoted fact is verbatim in a chunk of its own field path (what a citation resolves against)."""
    chunks: dict[str, list[str]] = {}
    for c in chunk_study(study):
        chunks.setdefault(c.field_path, []).append(c.text)
    for fact in cited(results):
        if fact.quote:
            assert any(fact.quote in text for text in chunks.get(fact.path, [])), (study.study_id, fact.path, fact.quote)


def by_group(numbers) -> dict[str, str]:
    return {x.group_id: x.value for x in numbers}


def test_v2_c_axspand_flow_outcome_and_adverse_events():
    study, r = one(SAMPLE / "NCT02552212.json")
    assert r.source_format == "ctgov_v2" and r.problems == []
    period = r.flow.periods[0]
    assert period.title == "Double-Blind Period (Week 0 - 52)"
    ms = {m.kind: m for m in period.milestones}
    assert by_group(ms["Started"].numbers) == {"FG000": "158", "FG001": "159", "FG002": "0"}
    assert by_group(ms["Completed"].numbers) == {"FG000": "143", "FG001": "142", "FG002": "0"}
    assert by_group(ms["Not completed"].numbers)["FG001"] == "17"
    ae_reason = next(x for x in period.reasons if x.reason == "Adverse Event")
    assert ae_reason.total == 9 and by_group(ae_reason.numbers) == {"FG000": "6", "FG001": "3", "FG002": "0"}
    assert ae_reason.quote == "Withdrawn — Adverse Event: 9 (Placebo 6; CZP 200 mg Q2W 3)"

    o = r.outcomes[0]
    assert o.primary and o.time_frame and o.time_frame.value == "Week 52"
    assert o.unit == "percentage of subjects" and o.param_type == "Number"
    assert by_group(o.rows[0].numbers) == {"OG000": "7.0", "OG001": "47.2"}
    assert by_group(o.analysed_numbers) == {"OG000": "158", "OG001": "159"}
    a = o.analyses[0]
    assert (a.p_value, a.estimate, a.ci_lower, a.ci_upper) == ("<0.001", "15.231", "7.336", "31.623")
    assert o.description and o.description.value.startswith("ASDAS-MI was achieved")  # not the admin note
    assert sum(x.primary for x in r.outcomes) == 11

    ae = r.adverse
    placebo, czp = ae.groups[0], ae.groups[1]
    assert (placebo.title, placebo.serious_affected, placebo.serious_at_risk, placebo.other_affected,
            placebo.deaths_affected) == ("Placebo (SS)", 4, 158, 59, 0)
    assert (czp.serious_affected, czp.serious_at_risk, czp.other_affected, czp.other_at_risk) == (8, 159, 75, 159)
    urti = next(e for e in ae.events if e.term == "Upper respiratory tract infection")
    assert urti.kind == "other" and urti.count_of("EG000").affected == 16 and urti.count_of("EG001").affected == 30
    assert urti.count_of("EG001").at_risk == 159
    assert ae.frequency_threshold and ae.frequency_threshold.value == "5"
    assert_quotes_in_chunks(study, r)


def test_v2_cluster_headache_every_groups_top_events_are_kept():
    study, r = one(SAMPLE / "NCT04066023.json")
    o = r.outcomes[0]
    assert o.title == "Percentage of Subjects Who Achieve Pain Relief"
    assert by_group(o.analysed_numbers) == {"OG000": "8", "OG001": "9", "OG002": "5"}
    assert by_group(o.rows[0].numbers) == {"OG000": "3", "OG001": "5", "OG002": "5"}
    assert o.analyses == []  # the record posts no statistical comparison
    assert [(g.other_affected, g.other_at_risk, g.serious_affected) for g in r.adverse.groups] == \
        [(1, 9, 0), (4, 9, 0), (2, 7, 0)]
    erythema = next(e for e in r.adverse.events if e.term == "Application site erythema")
    assert [(x.group_id, x.affected) for x in erythema.counts] == [("EG000", 1), ("EG001", 2), ("EG002", 0)]
    # the event table is its own field, each group's numbers with their at-risk count (zeros shown)
    f = next(f for f in study.fields if f.path == "resultsSection.adverseEventsModule.otherEvents")
    assert "- Application site erythema (General disorders): Placebo 1/9; C213 1.9 mg 2/9; C213 3.8mg 0/7" in f.text
    assert_quotes_in_chunks(study, r)


def test_xml_clinical_results_colic_study():
    study, r = one(SAMPLE / "NCT02708238.xml")
    assert r.source_format == "ctgov_xml"
    ms = {m.kind: m for m in r.flow.periods[0].milestones}
    assert [x.value for x in ms["Started"].numbers] == ["60", "60", "60"]
    assert [x.value for x in ms["Completed"].numbers] == ["60", "59", "57"]
    o = r.outcomes[0]
    assert o.primary and o.title == "Median Daily Crying Time at the End of the Treatment"
    assert [(x.value, x.lower, x.upper) for x in o.rows[0].numbers] == \
        [("50", "30", "180"), ("55", "30", "180"), ("80", "30", "270")]
    assert [(g.serious_affected, g.serious_at_risk) for g in r.adverse.groups] == [(0, 60), (0, 59), (0, 57)]
    assert_quotes_in_chunks(study, r)


def test_a_study_without_results_has_no_model():
    (study,) = parse(SAMPLE / "NCT05843643.json")
    assert study.results is None and fact_sheet(study).results is None


def test_the_fact_sheet_carries_the_model_and_drops_quotes_of_withheld_fields():
    study, _ = one(SAMPLE / "NCT02552212.json")
    sheet = fact_sheet(study.answerable())
    assert sheet.has_results and sheet.results and sheet.results.adverse.groups[0].quote
    for f in study.fields:
        if f.path == "resultsSection.adverseEventsModule":
            f.withheld = "test"
    sheet = fact_sheet(study.answerable())
    assert sheet.results and all(g.quote == "" for g in sheet.results.adverse.groups)
    assert sheet.results.outcomes[0].quote  # other fields untouched
    assert StudyResults.model_validate_json(sheet.results.model_dump_json()) == sheet.results  # stored as JSON


@needs_data
def test_legacy_lists_lined_up_and_a_mismatch_reported_not_guessed():
    rec = next(r for r in map(json.loads, LEGACY.read_text("utf-8").splitlines()) if r.get("NCTId") == ["NCT00587990"])
    (study,) = parse(LEGACY, (json.dumps(rec) + "\n").encode())
    r = study.results
    assert r and r.source_format == "ctgov_legacy"
    assert [(g.title, g.serious_affected, g.serious_at_risk, g.deaths_affected) for g in r.adverse.groups] == \
        [("(1) Lower MSC Dose", 0, 2, 0), ("(2) Higher MSC Dose", 2, 4, 0), ("(3) Placebo Injection", 3, 3, 1)]
    vt = next(e for e in r.adverse.events if e.term == "Ventricular tachycardia" and e.kind == "serious")
    assert [x.affected for x in vt.counts] == [0, 1, 1]
    started = r.flow.periods[0].milestones[0]
    assert started.kind == "Started" and [x.value for x in started.numbers] == ["2", "4", "3"]
    assert any(p.startswith("OutcomeMeasurementValue") for p in r.problems)  # values not attributed: said
    assert all(not o.rows for o in r.outcomes)
    assert_quotes_in_chunks(study, r)

    broken = {**rec, "SeriousEventStatsNumAffected": rec["SeriousEventStatsNumAffected"][:-1]}
    (study,) = parse(LEGACY, (json.dumps(broken) + "\n").encode())
    assert study.results and any("SeriousEventStatsNumAffected" in p and "not lined up" in p
                                 for p in study.results.problems)
    assert all(not e.counts for e in study.results.adverse.events if e.kind == "serious")


@needs_data
def test_nli4ct_adverse_events_and_outcome_groups():
    study, r = one(DATA / "nli4ct" / "CT_json" / "NCT00003199.json")
    assert r.source_format == "nli4ct"
    (g,) = r.adverse.groups
    assert (g.any_affected, g.any_at_risk, g.quote) == (2, 50, "Total: 2/50 (4.00%)")
    assert g.serious_affected is None  # the report does not say: not guessed
    assert [(e.term, e.counts[0].affected) for e in r.adverse.events] == \
        [("Prolonged hospitalization for post-transplant complications", 1), ("Pulmonary Emboli", 1)]
    o = r.outcomes[0]
    assert o.title == "Event-free Survival" and o.time_frame and o.time_frame.value == "11 years"
    assert by_group(o.analysed_numbers) == {"1": "50"}
    assert_quotes_in_chunks(study, r)


# every real record with results, in all four formats: tests/test_results_properties.py


@needs_data
def test_legacy_periods_split_at_started_and_reasons_given_when_they_add_up():
    """NCT01529008: four periods in one flat list, seven reasons; one outcome table whose values line up."""
    rec = next(r for r in map(json.loads, LEGACY.read_text("utf-8").splitlines()) if r.get("NCTId") == ["NCT01529008"])
    (study,) = parse(LEGACY, (json.dumps(rec) + "\n").encode())
    r = study.results
    assert r and r.problems == []
    flow = [(p.title, [[x.value for x in m.numbers] for m in p.milestones], [(x.reason, x.total) for x in p.reasons])
            for p in r.flow.periods]
    assert flow == [
        ("Screening", [["35", "33"], ["35", "33"], ["0", "0"]], []),
        ("Bone Marrow Harvesting", [["35", "33"], ["34", "30"], ["1", "3"]],
         [("Physician Decision", 2), ("Withdrawal by Subject", 2)]),
        ("Treatment", [["34", "30"], ["25", "29"], ["9", "1"]], [("Adverse Event", 6), ("Other", 4)]),
        ("Efficacy Analysis", [["25", "29"], ["23", "26"], ["2", "3"]],
         [("Protocol Violation", 2), ("Physician Decision", 1), ("Withdrawal by Subject", 2)])]
    (o,) = r.outcomes
    assert [x.value for x in o.rows[0].numbers] == ["60.9", "69.2"] and o.analyses[0].p_value == "0.539"
    assert_quotes_in_chunks(study, r)

    shifted = {**rec, "FlowReasonNumSubjects": rec["FlowReasonNumSubjects"][2:] + rec["FlowReasonNumSubjects"][:2]}
    (study,) = parse(LEGACY, (json.dumps(shifted) + "\n").encode())
    assert study.results and any("FlowDropWithdrawType" in p for p in study.results.problems)
    assert all(not p.reasons for p in study.results.flow.periods)  # not guessed


@needs_data
def test_nli4ct_outcome_numbers_read_from_each_groups_line():
    study, r = one(DATA / "nli4ct" / "CT_json" / "NCT00005957.json")
    o = r.outcomes[0]
    assert [(row.quote, [(x.group_id, x.value, x.lower, x.upper) for x in row.numbers]) for row in o.rows] == [
        ("Unit of Measure: percentage of alive at 10 years 82 (79 to 84)", [("1", "82", "79", "84")]),
        ("Unit of Measure: percentage of alive at 10 years 83 (80 to 85)", [("2", "83", "80", "85")])]
    assert o.unit == "percentage of alive at 10 years"
    assert_quotes_in_chunks(study, r)
