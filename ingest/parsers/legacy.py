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
from ingest.parsers.legacy_fields import code_of, column, first_of, yes_of, zip_columns
from ingest.parsers.legacy_results import legacy_results
from ingest.parsers.legacy_site_contacts import site_contacts
from ingest.parsers.textutil import prune, to_iso_date

# Keys whose presence (as lists) marks a legacy study-fields record.
LEGACY_MARKERS = ("NCTId", "BriefTitle", "OfficialTitle", "OverallStatus", "Condition",
                  "BriefSummary", "DesignMasking", "LeadSponsorName", "EligibilityCriteria")


def is_legacy_record(obj: Any) -> bool:
    return isinstance(obj, dict) and any(isinstance(obj.get(k), list) for k in LEGACY_MARKERS)


def _date(rec: dict, key: str) -> dict | None:
    when = to_iso_date(first_of(rec, key))
    if not when:
        return None
    kind = code_of(rec, key + "Type")
    return {"date": when, "type": kind} if kind else {"date": when}


def _arms(rec: dict) -> list[dict]:
    arms = zip_columns(rec, {"label": "ArmGroupLabel", "type": "ArmGroupType",
                             "description": "ArmGroupDescription"})
    for a in arms:
        a["type"] = to_code(a.get("type"))
    names = column(rec, "ArmGroupInterventionName")
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
        col = column(rec, legacy)
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
    v = (first_of(rec, "HealthyVolunteers") or "").lower()
    return True if v.startswith("accepts") or v == "yes" else False if v == "no" else None


def _identification(rec: dict) -> dict:
    return {"nctId": first_of(rec, "NCTId"), "briefTitle": first_of(rec, "BriefTitle"),
            "officialTitle": first_of(rec, "OfficialTitle"), "acronym": first_of(rec, "Acronym"),
            "orgStudyIdInfo": {"id": first_of(rec, "OrgStudyId")},
            "secondaryIdInfos": zip_columns(rec, {"id": "SecondaryId"}),
            "organization": {"fullName": first_of(rec, "OrgFullName")}}


def _status(rec: dict) -> dict:
    return {"overallStatus": code_of(rec, "OverallStatus"), "lastKnownStatus": code_of(rec, "LastKnownStatus"),
            "whyStopped": first_of(rec, "WhyStopped"),
            "startDateStruct": _date(rec, "StartDate"),
            "primaryCompletionDateStruct": _date(rec, "PrimaryCompletionDate"),
            "completionDateStruct": _date(rec, "CompletionDate"),
            "studyFirstPostDateStruct": _date(rec, "StudyFirstPostDate"),
            "resultsFirstPostDateStruct": _date(rec, "ResultsFirstPostDate"),
            "lastUpdatePostDateStruct": _date(rec, "LastUpdatePostDate"),
            "statusVerifiedDate": to_iso_date(first_of(rec, "StatusVerifiedDate"))}


def _sponsors(rec: dict) -> dict:
    return {"leadSponsor": {"name": first_of(rec, "LeadSponsorName")},
            "collaborators": zip_columns(rec, {"name": "CollaboratorName"}),
            "responsibleParty": {
                "investigatorFullName": first_of(rec, "ResponsiblePartyInvestigatorFullName"),
                "investigatorTitle": first_of(rec, "ResponsiblePartyInvestigatorTitle"),
                "investigatorAffiliation": first_of(rec, "ResponsiblePartyInvestigatorAffiliation")}}


def _design(rec: dict) -> dict:
    masking, _ = parse_masking_text(first_of(rec, "DesignMasking"))
    return {
        "studyType": code_of(rec, "StudyType"), "patientRegistry": yes_of(rec, "PatientRegistry"),
        "phases": [c for p in column(rec, "Phase") for c in phases_to_codes(p)],
        "designInfo": {
            "allocation": code_of(rec, "DesignAllocation"),
            "interventionModel": code_of(rec, "DesignInterventionModel"),
            "interventionModelDescription": first_of(rec, "DesignInterventionModelDescription"),
            "primaryPurpose": code_of(rec, "DesignPrimaryPurpose"),
            "observationalModel": code_of(rec, "DesignObservationalModel"),
            "timePerspective": code_of(rec, "DesignTimePerspective"),
            "maskingInfo": {"masking": masking,
                            "whoMasked": [to_code(w) for w in column(rec, "DesignWhoMasked")],
                            "maskingDescription": first_of(rec, "DesignMaskingDescription")},
        },
        "enrollmentInfo": {"count": first_of(rec, "EnrollmentCount"), "type": code_of(rec, "EnrollmentType")},
        "bioSpec": {"retention": code_of(rec, "BioSpecRetention"),
                    "description": first_of(rec, "BioSpecDescription")},
    }


def _eligibility(rec: dict) -> dict:
    return {"eligibilityCriteria": first_of(rec, "EligibilityCriteria"),
            "studyPopulation": first_of(rec, "StudyPopulation"),
            "sex": code_of(rec, "Gender"), "genderDescription": first_of(rec, "GenderDescription"),
            "minimumAge": first_of(rec, "MinimumAge"), "maximumAge": first_of(rec, "MaximumAge"),
            "stdAges": [to_code(a) for a in column(rec, "StdAge")],
            "healthyVolunteers": _healthy(rec), "samplingMethod": code_of(rec, "SamplingMethod")}


def _contacts_locations(rec: dict) -> dict:
    locations = _coded(zip_columns(rec, {
        "facility": "LocationFacility", "city": "LocationCity", "state": "LocationState",
        "zip": "LocationZip", "country": "LocationCountry", "status": "LocationStatus"}), "status")
    # the flat list of site contacts: each given to its site only when the e-mail names the person and the site
    for location, contacts in zip(locations, site_contacts(rec, [loc.get("facility", "") for loc in locations]),
                                  strict=True):
        if contacts:
            location["contacts"] = contacts
    return {
        "centralContacts": _coded(zip_columns(rec, {
            "name": "CentralContactName", "role": "CentralContactRole",
            "phone": "CentralContactPhone", "phoneExt": "CentralContactPhoneExt",
            "email": "CentralContactEMail"}), "role"),
        "overallOfficials": _coded(zip_columns(rec, {
            "name": "OverallOfficialName", "affiliation": "OverallOfficialAffiliation",
            "role": "OverallOfficialRole"}), "role"),
        "locations": locations,
    }


def _references(rec: dict) -> dict:
    return {"references": _coded(zip_columns(rec, {"pmid": "ReferencePMID", "type": "ReferenceType",
                                                   "citation": "ReferenceCitation"}), "type"),
            "seeAlsoLinks": zip_columns(rec, {"label": "SeeAlsoLinkLabel", "url": "SeeAlsoLinkURL"})}


def _ipd_sharing(rec: dict) -> dict:
    return {"ipdSharing": code_of(rec, "IPDSharing"), "description": first_of(rec, "IPDSharingDescription"),
            "infoTypes": [to_code(x) for x in column(rec, "IPDSharingInfoType")],
            "timeFrame": first_of(rec, "IPDSharingTimeFrame"),
            "accessCriteria": first_of(rec, "IPDSharingAccessCriteria"), "url": first_of(rec, "IPDSharingURL")}


def legacy_to_v2(rec: dict) -> dict:
    """A legacy study-fields record as an API v2 study dict (empty values pruned)."""
    ps = {
        "identificationModule": _identification(rec),
        "statusModule": _status(rec),
        "sponsorCollaboratorsModule": _sponsors(rec),
        "oversightModule": {"oversightHasDmc": yes_of(rec, "OversightHasDMC"),
                            "isFdaRegulatedDrug": yes_of(rec, "IsFDARegulatedDrug"),
                            "isFdaRegulatedDevice": yes_of(rec, "IsFDARegulatedDevice")},
        "descriptionModule": {"briefSummary": first_of(rec, "BriefSummary"),
                              "detailedDescription": first_of(rec, "DetailedDescription")},
        "conditionsModule": {"conditions": column(rec, "Condition"), "keywords": column(rec, "Keyword")},
        "designModule": _design(rec),
        "armsInterventionsModule": {"armGroups": _arms(rec), "interventions": _interventions(rec)},
        "outcomesModule": {"primaryOutcomes": _outcomes(rec, "Primary"),
                           "secondaryOutcomes": _outcomes(rec, "Secondary"),
                           "otherOutcomes": _outcomes(rec, "Other")},
        "eligibilityModule": _eligibility(rec),
        "contactsLocationsModule": _contacts_locations(rec),
        "referencesModule": _references(rec),
        "ipdSharingStatementModule": _ipd_sharing(rec),
    }
    study: dict[str, Any] = {
        "protocolSection": ps,
        "derivedSection": {"conditionBrowseModule": {
            "meshes": [{"term": t} for t in column(rec, "ConditionMeshTerm")]}},
    }
    if any(k.startswith(("EventGroup", "OutcomeMeasure", "FlowGroup", "BaselineGroup")) for k in rec):
        study["resultsSection"] = legacy_results(rec)
    return prune(study)
