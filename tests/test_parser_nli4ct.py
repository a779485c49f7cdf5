"""NLI4CT trial reports (../shared/data/nli4ct/CT_json) parse to API v2 field paths, gold evidence intact."""
from __future__ import annotations

import json
import re

import pytest

from ingest.parsers import ParseError, parse_document

SECTION_PATHS = {  # as eval/questions/build_nli4ct.py scores them
    "Intervention": "protocolSection.armsInterventionsModule",
    "Eligibility": "protocolSection.eligibilityModule",
    "Results": "resultsSection.outcomeMeasuresModule",
    "Adverse Events": "resultsSection.adverseEventsModule",
}
# lines that only name a block; the parser turns them into paths and labels instead of text
HEADING = re.compile(r"^(INTERVENTION \d+|Results \d+|Adverse Events \d+|Outcome Measurement|"
                     r"(key )?(inclusion|exclusion|eligibility)( criteria)?)\s*:?$", re.IGNORECASE)


@pytest.fixture(scope="module")
def ct_dir(shared_data):
    return shared_data / "nli4ct" / "CT_json"


def parse_file(path):
    doc = parse_document(path.name, path.read_bytes(), str(path))
    assert doc.record_errors == []
    [study] = doc.studies
    return study


def test_report_maps_each_section_to_its_v2_path(ct_dir):
    study = parse_file(ct_dir / "NCT00001832.json")
    assert study.study_id == "NCT00001832"
    assert study.source_url == "https://clinicaltrials.gov/study/NCT00001832"
    by_path = {}
    for f in study.fields:
        by_path.setdefault(f.path, []).append(f)

    arms = [by_path[f"protocolSection.armsInterventionsModule.armGroups[{i}]"][0] for i in (0, 1)]
    assert arms[0].label == "Arms › Abl Cells IV + Cyclophosphamide 30 mg/kg"
    assert "Fludarabine 5x25mg/m^2 + Cyclophosphamide 2x30mg/kg" in arms[0].text
    assert arms[1].parts["label"] == "Abl Cells IV + Cyclophosphamide 60 mg/kg"

    [crit] = by_path["protocolSection.eligibilityModule.eligibilityCriteria"]
    assert crit.section == "inclusion" and crit.label == "Eligibility › Inclusion criteria"
    assert "Age greater than or equal to 16 years." in crit.text.splitlines()
    assert "INCLUSION CRITERIA" not in crit.text  # the heading became the section

    [outcome] = by_path["resultsSection.outcomeMeasuresModule.outcomeMeasures[0]"]
    assert outcome.label == "Results › Clinical Response"
    assert "Time frame: Every three to four weeks after the treatment, for up to 5 years." in outcome.text
    assert "Arm/Group Title: Abl Cells IV + Cyclophosphamide 60 mg/kg" in outcome.text

    groups = [by_path[f"resultsSection.adverseEventsModule.eventGroups[{i}]"][0] for i in (0, 1)]
    assert groups[1].label == "Results › Adverse events › Group 2"
    assert "Total: 0/3 (0.00%)" in groups[1].text.splitlines()


def test_exclusion_criteria_are_their_own_section(ct_dir):
    """A report with both headings: exclusion items are never filed as requirements."""
    for path in sorted(ct_dir.glob("*.json"))[:60]:
        lines = json.loads(path.read_text())["Eligibility"]
        if any(ln.strip().upper().startswith("EXCLUSION CRITERIA") for ln in lines):
            break
    else:
        pytest.fail("no report with an exclusion heading among the first 60")
    study = parse_file(path)
    sections = {f.section: f.text for f in study.fields if f.path.endswith("eligibilityCriteria")}
    assert set(sections) >= {"inclusion", "exclusion"}
    first_exclusion = next(ln.strip() for ln in lines[[ln.strip().upper().startswith("EXCLUSION CRITERIA")
                                                       for ln in lines].index(True) + 1:] if ln.strip())
    assert first_exclusion in sections["exclusion"] and first_exclusion not in sections["inclusion"]


def test_every_report_parses_and_keeps_the_gold_evidence_lines(shared_data, ct_dir):
    """All 999 reports parse; every gold evidence line of the dev statements is found, verbatim, in a
    field under the v2 path of its section — so retrieval can be scored against those paths."""
    studies = {p.stem: parse_file(p) for p in sorted(ct_dir.glob("*.json"))}
    assert len(studies) == 999
    statements = json.loads((shared_data / "nli4ct" / "dev.json").read_text())
    checked, missing = 0, []
    for uid, st in statements.items():
        for role in ("Primary", "Secondary"):
            nct = st.get(f"{role}_id")
            if not nct:
                continue
            report = json.loads((ct_dir / f"{nct}.json").read_text())
            prefix = SECTION_PATHS[st["Section_id"]]
            texts = "\n".join(f.text for f in studies[nct].fields if f.path.startswith(prefix))
            for i in st.get(f"{role}_evidence_index") or []:
                line = " ".join(report[st["Section_id"]][i].split())
                if not line or HEADING.match(line):
                    continue
                checked += 1
                if line not in " ".join(texts.split()):
                    missing.append((uid, nct, line[:80]))
    assert checked > 500
    assert not missing, missing[:5]


def test_bad_reports_get_clear_errors():
    bad_id = json.dumps({"Clinical Trial ID": "12345", "Eligibility": ["Adults"]}).encode()
    with pytest.raises(ParseError, match="invalid NCT ID"):
        parse_document("x.json", bad_id, "x.json")
    not_lines = json.dumps({"Clinical Trial ID": "NCT00001832", "Eligibility": "Adults"}).encode()
    with pytest.raises(ParseError, match="'Eligibility' is not a list"):
        parse_document("x.json", not_lines, "x.json")
    empty = json.dumps({"Clinical Trial ID": "NCT00001832", "Eligibility": [], "Results": []}).encode()
    with pytest.raises(ParseError, match="NCT00001832 has no text in any section"):
        parse_document("x.json", empty, "x.json")
    many = json.dumps([{"Clinical Trial ID": "NCT00001832", "Eligibility": ["Adults"]},
                       {"Clinical Trial ID": "NCT0000", "Eligibility": ["Adults"]}]).encode()
    doc = parse_document("many.json", many, "many.json")  # one bad report does not lose the good one
    assert [s.study_id for s in doc.studies] == ["NCT00001832"]
    assert doc.record_errors == ["record 2: invalid NCT ID 'NCT0000'"]
