"""Classic ClinicalTrials.gov XML (``<clinical_study>``, public.xsd) → a partial API v2 study dict."""
from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import Element

from ingest.enums import parse_masking_text, phases_to_codes, to_code
from ingest.parsers.errors import XmlError
from ingest.parsers.textutil import (
    prune,
    std_ages,
    to_iso_date,
)
from ingest.parsers.xml_fields import xml_block, xml_plain, xml_text, xml_texts
from ingest.parsers.xml_results import xml_results

try:  # defusedxml refuses entity expansion and external references
    from defusedxml.ElementTree import fromstring as _fromstring
except ImportError:  # pragma: no cover - the guard below still rejects DTDs and entities
    from xml.etree.ElementTree import fromstring as _fromstring

_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.I)


def parse_xml(data: bytes) -> Element:
    # No ClinicalTrials.gov record has a DTD; refusing them outright rules out entity bombs.
    if _DTD.search(data):
        raise XmlError("XML with a DOCTYPE or ENTITY declaration is refused")
    try:
        root = _fromstring(data)
    except ValueError as e:  # defusedxml's DefusedXmlException is a ValueError
        raise XmlError(f"unsafe XML refused: {e}") from e
    except SyntaxError as e:  # xml.etree.ElementTree.ParseError
        raise XmlError(f"malformed XML: {e}") from e
    if root.tag != "clinical_study":
        raise XmlError(f"XML root is <{root.tag[:60]}>, expected <clinical_study>")
    return root


def _date(el: Element, path: str) -> dict | None:
    x = el.find(path)
    when = to_iso_date(xml_text(el, path))
    if x is None or not when:
        return None
    kind = _attr_code(el, path)
    return {"date": when, "type": kind} if kind else {"date": when}


def _attr_code(el: Element, path: str, attr: str = "type") -> str | None:
    x = el.find(path)
    return to_code(x.get(attr)) if x is not None and x.get(attr) else None


def _yes(el: Element, path: str) -> bool | None:
    return {"yes": True, "no": False}.get((xml_text(el, path) or "").lower())


def _contact(c: Element, role: str | None = "CONTACT") -> dict:
    return {"name": xml_text(c, "last_name"), "role": role, "phone": xml_text(c, "phone"),
            "phoneExt": xml_text(c, "phone_ext"), "email": xml_text(c, "email")}


def _location(loc: Element) -> dict:
    contacts = [_contact(c) for c in loc.findall("contact") + loc.findall("contact_backup")]
    contacts += [{"name": xml_text(i, "last_name"), "role": to_code(xml_text(i, "role"))}
                 for i in loc.findall("investigator")]
    return {"facility": xml_text(loc, "facility/name"), "city": xml_text(loc, "facility/address/city"),
            "state": xml_text(loc, "facility/address/state"), "zip": xml_text(loc, "facility/address/zip"),
            "country": xml_text(loc, "facility/address/country"), "status": to_code(xml_text(loc, "status")),
            "contacts": contacts}


def _arms_interventions(root: Element) -> dict:
    ivs = [{"type": to_code(xml_text(iv, "intervention_type")), "name": xml_text(iv, "intervention_name"),
            "description": xml_plain(iv, "description"), "armGroupLabels": xml_texts(iv, "arm_group_label"),
            "otherNames": xml_texts(iv, "other_name")} for iv in root.findall("intervention")]
    arms = []
    for a in root.findall("arm_group"):
        label = xml_text(a, "arm_group_label")
        # v2 lists "Type: Name" per arm; XML links them from the intervention side.
        names = [f"{xml_text(iv, 'intervention_type')}: {xml_text(iv, 'intervention_name')}"
                 for iv in root.findall("intervention") if label in xml_texts(iv, "arm_group_label")]
        arms.append({"label": label, "type": to_code(xml_text(a, "arm_group_type")),
                     "description": xml_plain(a, "description"), "interventionNames": names})
    return {"armGroups": arms, "interventions": ivs}


def _outcomes(root: Element, tag: str) -> list[dict]:
    return [{"measure": xml_text(o, "measure"), "description": xml_plain(o, "description"),
             "timeFrame": xml_text(o, "time_frame")} for o in root.findall(tag)]


def _eligibility(root: Element) -> dict:
    e = root.find("eligibility")
    if e is None:
        return {}
    lo, hi = xml_text(e, "minimum_age"), xml_text(e, "maximum_age")
    lo, hi = (None if v in (None, "N/A") else v for v in (lo, hi))
    hv = (xml_text(e, "healthy_volunteers") or "").lower()
    return {"eligibilityCriteria": xml_block(e, "criteria/textblock"),
            "studyPopulation": xml_block(e, "study_pop/textblock"),
            "samplingMethod": to_code(xml_text(e, "sampling_method")), "sex": to_code(xml_text(e, "gender")),
            "genderDescription": xml_text(e, "gender_description"), "minimumAge": lo, "maximumAge": hi,
            # classic XML has no age groups: derive them as ClinicalTrials.gov does
            "stdAges": std_ages(lo, hi),
            "healthyVolunteers": True if hv.startswith("accepts") or hv == "yes"
            else False if hv == "no" else None}


def _identification(root: Element) -> dict:
    return {"nctId": xml_text(root, "id_info/nct_id"), "briefTitle": xml_text(root, "brief_title"),
            "officialTitle": xml_text(root, "official_title"), "acronym": xml_text(root, "acronym"),
            "orgStudyIdInfo": {"id": xml_text(root, "id_info/org_study_id")},
            "secondaryIdInfos": [{"id": x} for x in xml_texts(root, "id_info/secondary_id")],
            "organization": {"fullName": xml_text(root, "source")}}


def _status(root: Element) -> dict:
    return {"overallStatus": to_code(xml_text(root, "overall_status")),
            "lastKnownStatus": to_code(xml_text(root, "last_known_status")),
            "whyStopped": xml_text(root, "why_stopped"),
            "startDateStruct": _date(root, "start_date"),
            "primaryCompletionDateStruct": _date(root, "primary_completion_date"),
            "completionDateStruct": _date(root, "completion_date"),
            "studyFirstPostDateStruct": _date(root, "study_first_posted"),
            "resultsFirstPostDateStruct": _date(root, "results_first_posted"),
            "lastUpdatePostDateStruct": _date(root, "last_update_posted"),
            "statusVerifiedDate": to_iso_date(xml_text(root, "verification_date"))}


def _sponsors(root: Element) -> dict:
    return {"leadSponsor": {"name": xml_text(root, "sponsors/lead_sponsor/agency")},
            "collaborators": [{"name": x} for x in xml_texts(root, "sponsors/collaborator/agency")],
            "responsibleParty": {
                "investigatorFullName": xml_text(root, "responsible_party/investigator_full_name"),
                "investigatorTitle": xml_text(root, "responsible_party/investigator_title"),
                "investigatorAffiliation": xml_text(root, "responsible_party/investigator_affiliation")}}


def _design(root: Element) -> dict:
    study_type = xml_text(root, "study_type") or ""
    design = root.find("study_design_info")
    masking, who = parse_masking_text(xml_text(design, "masking"))
    return {
        "studyType": to_code(study_type.split("[")[0]),
        "patientRegistry": True if "patient registry" in study_type.lower() else None,
        "phases": phases_to_codes(xml_text(root, "phase")),
        "targetDuration": xml_text(root, "target_duration"),
        "designInfo": {
            "allocation": to_code(xml_text(design, "allocation")),
            "interventionModel": to_code(xml_text(design, "intervention_model")),
            "interventionModelDescription": xml_text(design, "intervention_model_description"),
            "primaryPurpose": to_code(xml_text(design, "primary_purpose")),
            "observationalModel": to_code(xml_text(design, "observational_model")),
            "timePerspective": to_code(xml_text(design, "time_perspective")),
            "maskingInfo": {"masking": masking, "whoMasked": who,
                            "maskingDescription": xml_text(design, "masking_description")}},
        "enrollmentInfo": {"count": xml_text(root, "enrollment"), "type": _attr_code(root, "enrollment")},
        "bioSpec": {"retention": to_code(xml_text(root, "biospec_retention")),
                    "description": xml_block(root, "biospec_descr/textblock")}}


def _contacts_locations(root: Element) -> dict:
    return {"centralContacts": [_contact(c) for c in
                                root.findall("overall_contact") + root.findall("overall_contact_backup")],
            "overallOfficials": [{"name": xml_text(o, "last_name"), "role": to_code(xml_text(o, "role")),
                                  "affiliation": xml_text(o, "affiliation")} for o in root.findall("overall_official")],
            "locations": [_location(loc) for loc in root.findall("location")]}


def _references(root: Element) -> dict:
    refs = ([{"pmid": xml_text(r, "PMID"), "citation": xml_text(r, "citation"), "type": "BACKGROUND"}
             for r in root.findall("reference")]
            + [{"pmid": xml_text(r, "PMID"), "citation": xml_text(r, "citation"), "type": "RESULT"}
               for r in root.findall("results_reference")])
    return {"references": refs,
            "seeAlsoLinks": [{"label": xml_text(x, "description"), "url": xml_text(x, "url")}
                             for x in root.findall("link")]}


def _ipd_sharing(root: Element) -> dict:
    ipd = root.find("patient_data")
    if ipd is None:
        return {}
    return {"ipdSharing": to_code(xml_text(ipd, "sharing_ipd")), "description": xml_text(ipd, "ipd_description"),
            "infoTypes": [to_code(x) for x in xml_texts(ipd, "ipd_info_type")],
            "timeFrame": xml_text(ipd, "ipd_time_frame"), "accessCriteria": xml_text(ipd, "ipd_access_criteria"),
            "url": xml_text(ipd, "ipd_url")}


def xml_to_v2(root: Element) -> dict:
    """A ``<clinical_study>`` element as an API v2 study dict (empty values pruned)."""
    ps: dict[str, Any] = {
        "identificationModule": _identification(root),
        "statusModule": _status(root),
        "sponsorCollaboratorsModule": _sponsors(root),
        "oversightModule": {"oversightHasDmc": _yes(root, "oversight_info/has_dmc"),
                            "isFdaRegulatedDrug": _yes(root, "oversight_info/is_fda_regulated_drug"),
                            "isFdaRegulatedDevice": _yes(root, "oversight_info/is_fda_regulated_device")},
        "descriptionModule": {"briefSummary": xml_block(root, "brief_summary/textblock"),
                              "detailedDescription": xml_block(root, "detailed_description/textblock")},
        "conditionsModule": {"conditions": xml_texts(root, "condition"), "keywords": xml_texts(root, "keyword")},
        "designModule": _design(root),
        "armsInterventionsModule": _arms_interventions(root),
        "outcomesModule": {"primaryOutcomes": _outcomes(root, "primary_outcome"),
                           "secondaryOutcomes": _outcomes(root, "secondary_outcome"),
                           "otherOutcomes": _outcomes(root, "other_outcome")},
        "eligibilityModule": _eligibility(root),
        "contactsLocationsModule": _contacts_locations(root),
        "referencesModule": _references(root),
        "ipdSharingStatementModule": _ipd_sharing(root),
    }
    study: dict[str, Any] = {
        "protocolSection": ps,
        "derivedSection": {"conditionBrowseModule": {
            "meshes": [{"term": x} for x in xml_texts(root, "condition_browse/mesh_term")]}}}
    results = root.find("clinical_results")
    if results is not None:
        study["resultsSection"] = xml_results(results)
    return prune(study)
