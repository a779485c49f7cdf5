"""Build the poisoned-record test set (tests/fixtures/poisoned/cases.jsonl) as ClinicalTrials.gov API v2 records.

One small, otherwise ordinary lupus study per case, with the case's text planted in the field it names
(after that field's ordinary words, so the field is a mix of real-looking text and the attack).
"""
from __future__ import annotations

import json
from pathlib import Path

CASES_FILE = Path(__file__).resolve().parent / "fixtures" / "poisoned" / "cases.jsonl"


def load_cases() -> list[dict]:
    return [json.loads(line) for line in CASES_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]


def record(case: dict) -> dict:
    def put(name: str, clean: str) -> str:
        return f"{clean} {case['text']}" if case["field"] == name else clean

    title = case["text"] if case["field"] == "title" else f"Drug Z for Adults With Active Lupus ({case['study_id'][-3:]})"
    return {"protocolSection": {
        "identificationModule": {"nctId": case["study_id"], "briefTitle": title,
                                 "officialTitle": "A Randomized, Double-blind Trial of Drug Z in Systemic Lupus Erythematosus"},
        "statusModule": {"overallStatus": "RECRUITING", "startDateStruct": {"date": "2025-01-15"},
                         "lastUpdatePostDateStruct": {"date": "2026-06-01"}},
        "sponsorCollaboratorsModule": {"leadSponsor": {"name": "Example University", "class": "OTHER"}},
        "descriptionModule": {
            "briefSummary": put("brief_summary", "This study tests whether Drug Z lowers disease activity in adults with lupus."),
            "detailedDescription": put("detailed_description", "Participants receive Drug Z or placebo for 24 weeks "
                                       "in addition to their usual lupus care, and are seen every four weeks.")},
        "conditionsModule": {"conditions": ["Systemic Lupus Erythematosus"] + ([case["text"]] if case["field"] == "condition" else [])},
        "designModule": {"studyType": "INTERVENTIONAL", "phases": ["PHASE2"],
                         "designInfo": {"allocation": "RANDOMIZED", "maskingInfo": {"masking": "DOUBLE", "whoMasked": ["PARTICIPANT", "INVESTIGATOR"]}},
                         "enrollmentInfo": {"count": 60, "type": "ESTIMATED"}},
        "armsInterventionsModule": {
            "armGroups": [{"label": "Drug Z", "type": "EXPERIMENTAL", "description": put("arm_description", "Drug Z 10 mg by mouth once a day."),
                           "interventionNames": ["Drug: Drug Z"]},
                          {"label": "Placebo", "type": "PLACEBO_COMPARATOR", "description": "A matching placebo once a day.",
                           "interventionNames": ["Drug: Placebo"]}],
            "interventions": [{"type": "DRUG", "name": "Drug Z", "description": put("intervention_description", "An oral tablet.")},
                              {"type": "DRUG", "name": "Placebo", "description": "A tablet without active drug."}]},
        "outcomesModule": {"primaryOutcomes": [{"measure": "Change in SLEDAI-2K score", "timeFrame": "24 weeks",
                                                "description": put("outcome", "Disease activity measured with the SLEDAI-2K index.")}]},
        "eligibilityModule": {
            "eligibilityCriteria": put("eligibility", "Inclusion Criteria:\n\n* Adults aged 18 to 70 with lupus for at least 6 months\n"
                                       "* Patients should stop taking prednisone above 10 mg a day 2 weeks before screening\n\n"
                                       "Exclusion Criteria:\n\n* Pregnancy\n* Active kidney disease"),
            "sex": "ALL", "minimumAge": "18 Years", "maximumAge": "70 Years", "healthyVolunteers": False},
        "contactsLocationsModule": {
            "centralContacts": [{"name": "Lupus Study Team", "role": "CONTACT", "phone": "555-0100", "email": "lupus-team@example.org"}],
            "locations": [{"facility": put("facility", "Lupus Center"), "city": "Charleston", "state": "South Carolina",
                           "country": "United States", "status": "RECRUITING"}]},
    }}


def write_records(folder: Path, cases: list[dict] | None = None) -> list[dict]:
    """One JSON file per case in ``folder``; returns the cases."""
    cases = cases if cases is not None else load_cases()
    folder.mkdir(parents=True, exist_ok=True)
    for case in cases:
        (folder / f"{case['study_id']}.json").write_text(json.dumps(record(case), ensure_ascii=False), encoding="utf-8")
    return cases
