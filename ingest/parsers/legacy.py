"""Legacy ClinicalTrials.gov "study fields" records (API v1) → a partial API v2 study dict.

A legacy record is flat: ``{"NCTId": ["NCT02633163"], "DesignMasking": ["Double"], ...}``, every
value a list. Repeated structures (locations, arms, outcomes) are parallel lists *with empty values
dropped*, so a list can be shorter than its siblings (58 of 1,535 records lack a state for some
locations). We zip parallel lists by position only when their lengths agree and leave out a column
that is shorter: a missing value is better than a value attributed to the wrong site.
"""
from __future__ import annotations

from typing import Any

from ingest.enums import parse_masking_text, phases_to_codes, to_code
from ingest.parsers.textutil import prune, to_iso_date

# Keys whose presence (as lists) marks a legacy study-fields record.
LEGACY_MARKERS = ("NCTId", "BriefTitle", "OfficialTitle", "OverallStatus", "Condition",
                  "BriefSummary", "DesignMasking", "LeadSponsorName", "EligibilityCriteria")


def vals(rec: dict, key: str) -> list[str]:
    v = rec.get(key)
    if isinstance(v, (str, int, float)):
        v = [v]
    return [str(x) for x in v if isinstance(x, (str, int, float))] if isinstance(v, list) else []


def first(rec: dict, key: str) -> str | None:
    v = vals(rec, key)
    return v[0] if v and v[0].strip() else None


def code(rec: dict, key: str) -> str | None:
    return to_code(first(rec, key))


def yes(rec: dict, key: str) -> bool | None:
    v = (first(rec, key) or "").strip().lower()
    return {"yes": True, "no": False}.get(v)


def is_legacy_record(obj: Any) -> bool:
    return isinstance(obj, dict) and any(isinstance(obj.get(k), list) for k in LEGACY_MARKERS)


def zip_columns(rec: dict, columns: dict[str, str]) -> list[dict]:
    """Parallel legacy lists → list of dicts; columns shorter than the longest are dropped."""
    cols = {k: vals(rec, legacy) for k, legacy in columns.items()}
    n = max((len(c) for c in cols.values()), default=0)
    rows: list[dict] = [{} for _ in range(n)]
    for key, col in cols.items():
        if len(col) == n:
            for row, v in zip(rows, col):
                row[key] = v
    return rows


def _date(rec: dict, key: str) -> dict | None:
    when = to_iso_date(first(rec, key))
    if not when:
        return None
    kind = code(rec, key + "Type")
    return {"date": when, "type": kind} if kind else {"date": when}


def _arms(rec: dict) -> list[dict]:
    arms = zip_columns(rec, {"label": "ArmGroupLabel", "type": "ArmGroupType",
                             "description": "ArmGroupDescription"})
    for a in arms:
        a["type"] = to_code(a.get("type"))
    names = vals(rec, "ArmGroupInterventionName")
    # Each arm may name several interventions, flattened into one list: pair them only when
    # there is exactly one per arm and no arm is expected to have none.
    if len(names) == len(arms) and all(a.get("type") != "NO_INTERVENTION" for a in arms):
        for a, n in zip(arms, names):
            a["interventionNames"] = [n]
    return arms


def _interventions(rec: dict) -> list[dict]:
    ivs = zip_columns(rec, {"name": "InterventionName", "type": "InterventionType",
                            "description": "InterventionDescription"})
    for iv in ivs:
        iv["type"] = to_code(iv.get("type"))
    for key, legacy in (("armGroupLabels", "InterventionArmGroupLabel"),
                        ("otherNames", "InterventionOtherName")):
        col = vals(rec, legacy)
        if len(col) == len(ivs):  # same one-per-item rule as for arms
            for iv, v in zip(ivs, col):
                iv[key] = [v]
    return ivs


def _outcomes(rec: dict, prefix: str) -> list[dict]:
    return zip_columns(rec, {"measure": f"{prefix}OutcomeMeasure",
                             "description": f"{prefix}OutcomeDescription",
                             "timeFrame": f"{prefix}OutcomeTimeFrame"})


def _coded(rows: list[dict], *keys: str) -> list[dict]:
    for r in rows:
        for k in keys:
            if r.get(k):
                r[k] = to_code(r[k])
    return rows


def _healthy(rec: dict) -> bool | None:
    v = (first(rec, "HealthyVolunteers") or "").lower()
    return True if v.startswith("accepts") or v == "yes" else False if v == "no" else None


def legacy_to_v2(rec: dict) -> dict:
    masking, _ = parse_masking_text(first(rec, "DesignMasking"))
    phases = [c for p in vals(rec, "Phase") for c in phases_to_codes(p)]
    ps = {
        "identificationModule": {
            "nctId": first(rec, "NCTId"), "briefTitle": first(rec, "BriefTitle"),
            "officialTitle": first(rec, "OfficialTitle"), "acronym": first(rec, "Acronym"),
            "orgStudyIdInfo": {"id": first(rec, "OrgStudyId")},
            "secondaryIdInfos": zip_columns(rec, {"id": "SecondaryId"}),
            "organization": {"fullName": first(rec, "OrgFullName")},
        },
        "statusModule": {
            "overallStatus": code(rec, "OverallStatus"), "lastKnownStatus": code(rec, "LastKnownStatus"),
            "whyStopped": first(rec, "WhyStopped"),
            "startDateStruct": _date(rec, "StartDate"),
            "primaryCompletionDateStruct": _date(rec, "PrimaryCompletionDate"),
            "completionDateStruct": _date(rec, "CompletionDate"),
            "studyFirstPostDateStruct": _date(rec, "StudyFirstPostDate"),
            "resultsFirstPostDateStruct": _date(rec, "ResultsFirstPostDate"),
            "lastUpdatePostDateStruct": _date(rec, "LastUpdatePostDate"),
            "statusVerifiedDate": to_iso_date(first(rec, "StatusVerifiedDate")),
        },
        "sponsorCollaboratorsModule": {
            "leadSponsor": {"name": first(rec, "LeadSponsorName")},
            "collaborators": zip_columns(rec, {"name": "CollaboratorName"}),
            "responsibleParty": {
                "investigatorFullName": first(rec, "ResponsiblePartyInvestigatorFullName"),
                "investigatorTitle": first(rec, "ResponsiblePartyInvestigatorTitle"),
                "investigatorAffiliation": first(rec, "ResponsiblePartyInvestigatorAffiliation")},
        },
        "oversightModule": {"oversightHasDmc": yes(rec, "OversightHasDMC"),
                            "isFdaRegulatedDrug": yes(rec, "IsFDARegulatedDrug"),
                            "isFdaRegulatedDevice": yes(rec, "IsFDARegulatedDevice")},
        "descriptionModule": {"briefSummary": first(rec, "BriefSummary"),
                              "detailedDescription": first(rec, "DetailedDescription")},
        "conditionsModule": {"conditions": vals(rec, "Condition"), "keywords": vals(rec, "Keyword")},
        "designModule": {
            "studyType": code(rec, "StudyType"), "patientRegistry": yes(rec, "PatientRegistry"),
            "phases": phases,
            "designInfo": {
                "allocation": code(rec, "DesignAllocation"),
                "interventionModel": code(rec, "DesignInterventionModel"),
                "interventionModelDescription": first(rec, "DesignInterventionModelDescription"),
                "primaryPurpose": code(rec, "DesignPrimaryPurpose"),
                "observationalModel": code(rec, "DesignObservationalModel"),
                "timePerspective": code(rec, "DesignTimePerspective"),
                "maskingInfo": {"masking": masking,
                                "whoMasked": [to_code(w) for w in vals(rec, "DesignWhoMasked")],
                                "maskingDescription": first(rec, "DesignMaskingDescription")},
            },
            "enrollmentInfo": {"count": first(rec, "EnrollmentCount"), "type": code(rec, "EnrollmentType")},
            "bioSpec": {"retention": code(rec, "BioSpecRetention"),
                        "description": first(rec, "BioSpecDescription")},
        },
        "armsInterventionsModule": {"armGroups": _arms(rec), "interventions": _interventions(rec)},
        "outcomesModule": {"primaryOutcomes": _outcomes(rec, "Primary"),
                           "secondaryOutcomes": _outcomes(rec, "Secondary"),
                           "otherOutcomes": _outcomes(rec, "Other")},
        "eligibilityModule": {
            "eligibilityCriteria": first(rec, "EligibilityCriteria"),
            "studyPopulation": first(rec, "StudyPopulation"),
            "sex": code(rec, "Gender"), "genderDescription": first(rec, "GenderDescription"),
            "minimumAge": first(rec, "MinimumAge"), "maximumAge": first(rec, "MaximumAge"),
            "stdAges": [to_code(a) for a in vals(rec, "StdAge")],
            "healthyVolunteers": _healthy(rec), "samplingMethod": code(rec, "SamplingMethod"),
        },
        "contactsLocationsModule": {
            "centralContacts": _coded(zip_columns(rec, {
                "name": "CentralContactName", "role": "CentralContactRole",
                "phone": "CentralContactPhone", "phoneExt": "CentralContactPhoneExt",
                "email": "CentralContactEMail"}), "role"),
            "overallOfficials": _coded(zip_columns(rec, {
                "name": "OverallOfficialName", "affiliation": "OverallOfficialAffiliation",
                "role": "OverallOfficialRole"}), "role"),
            # Location contacts are one flat list for all sites (no per-site count): left out.
            "locations": _coded(zip_columns(rec, {
                "facility": "LocationFacility", "city": "LocationCity", "state": "LocationState",
                "zip": "LocationZip", "country": "LocationCountry", "status": "LocationStatus"}),
                "status"),
        },
        "referencesModule": {
            "references": _coded(zip_columns(rec, {"pmid": "ReferencePMID", "type": "ReferenceType",
                                                   "citation": "ReferenceCitation"}), "type"),
            "seeAlsoLinks": zip_columns(rec, {"label": "SeeAlsoLinkLabel", "url": "SeeAlsoLinkURL"}),
        },
        "ipdSharingStatementModule": {
            "ipdSharing": code(rec, "IPDSharing"), "description": first(rec, "IPDSharingDescription"),
            "infoTypes": [to_code(x) for x in vals(rec, "IPDSharingInfoType")],
            "timeFrame": first(rec, "IPDSharingTimeFrame"),
            "accessCriteria": first(rec, "IPDSharingAccessCriteria"), "url": first(rec, "IPDSharingURL"),
        },
    }
    study: dict[str, Any] = {
        "protocolSection": ps,
        "derivedSection": {"conditionBrowseModule": {
            "meshes": [{"term": t} for t in vals(rec, "ConditionMeshTerm")]}},
    }
    if any(k.startswith(("EventGroup", "OutcomeMeasure", "FlowGroup", "BaselineGroup")) for k in rec):
        from ingest.parsers.legacy_results import legacy_results  # 50 of 1,535 records
        study["resultsSection"] = legacy_results(rec)
    return prune(study)
