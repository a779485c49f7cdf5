"""Classic ClinicalTrials.gov XML (``<clinical_study>``, public.xsd) → a partial API v2 study dict."""
from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import Element

from ingest.enums import parse_masking_text, phases_to_codes, to_code
from ingest.parsers.textutil import clean_text, prune, std_ages, to_iso_date, xml_textblock

try:  # defusedxml refuses entity expansion and external references
    from defusedxml.ElementTree import fromstring as _fromstring
except ImportError:  # pragma: no cover - the guard below still rejects DTDs and entities
    from xml.etree.ElementTree import fromstring as _fromstring

_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.I)


class XmlError(ValueError):
    """Malformed or unsafe XML, or not a <clinical_study>."""


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


def t(el: Element | None, path: str) -> str | None:
    """Text of a short element, whitespace collapsed; None when absent or empty."""
    x = el.find(path) if el is not None else None
    text = " ".join("".join(x.itertext()).split()) if x is not None else ""
    return text or None


def ts(el: Element, path: str) -> list[str]:
    return [v for x in el.findall(path) if (v := " ".join("".join(x.itertext()).split()))]


def plain(el: Element | None, path: str) -> str | None:
    """Text of a plain (non-textblock) element: its line breaks are meaningful, keep them."""
    x = el.find(path) if el is not None else None
    return (clean_text("".join(x.itertext())) or None) if x is not None else None


def block(el: Element, path: str) -> str | None:
    x = el.find(path)
    return (xml_textblock("".join(x.itertext())) or None) if x is not None else None


def _date(el: Element, path: str) -> dict | None:
    x = el.find(path)
    when = to_iso_date(t(el, path))
    if x is None or not when:
        return None
    kind = _attr_code(el, path)
    return {"date": when, "type": kind} if kind else {"date": when}


def _attr_code(el: Element, path: str, attr: str = "type") -> str | None:
    x = el.find(path)
    return to_code(x.get(attr)) if x is not None and x.get(attr) else None


def _yes(el: Element, path: str) -> bool | None:
    return {"yes": True, "no": False}.get((t(el, path) or "").lower())


def _contact(c: Element, role: str | None = "CONTACT") -> dict:
    return {"name": t(c, "last_name"), "role": role, "phone": t(c, "phone"),
            "phoneExt": t(c, "phone_ext"), "email": t(c, "email")}


def _location(loc: Element) -> dict:
    contacts = [_contact(c) for c in loc.findall("contact") + loc.findall("contact_backup")]
    contacts += [{"name": t(i, "last_name"), "role": to_code(t(i, "role"))}
                 for i in loc.findall("investigator")]
    return {"facility": t(loc, "facility/name"), "city": t(loc, "facility/address/city"),
            "state": t(loc, "facility/address/state"), "zip": t(loc, "facility/address/zip"),
            "country": t(loc, "facility/address/country"), "status": to_code(t(loc, "status")),
            "contacts": contacts}


def _arms_interventions(root: Element) -> dict:
    ivs = [{"type": to_code(t(iv, "intervention_type")), "name": t(iv, "intervention_name"),
            "description": plain(iv, "description"), "armGroupLabels": ts(iv, "arm_group_label"),
            "otherNames": ts(iv, "other_name")} for iv in root.findall("intervention")]
    arms = []
    for a in root.findall("arm_group"):
        label = t(a, "arm_group_label")
        # v2 lists "Type: Name" per arm; XML links them from the intervention side.
        names = [f"{t(iv, 'intervention_type')}: {t(iv, 'intervention_name')}"
                 for iv in root.findall("intervention") if label in ts(iv, "arm_group_label")]
        arms.append({"label": label, "type": to_code(t(a, "arm_group_type")),
                     "description": plain(a, "description"), "interventionNames": names})
    return {"armGroups": arms, "interventions": ivs}


def _outcomes(root: Element, tag: str) -> list[dict]:
    return [{"measure": t(o, "measure"), "description": plain(o, "description"),
             "timeFrame": t(o, "time_frame")} for o in root.findall(tag)]


def _eligibility(root: Element) -> dict:
    e = root.find("eligibility")
    if e is None:
        return {}
    lo, hi = t(e, "minimum_age"), t(e, "maximum_age")
    lo, hi = (None if v in (None, "N/A") else v for v in (lo, hi))
    hv = (t(e, "healthy_volunteers") or "").lower()
    return {"eligibilityCriteria": block(e, "criteria/textblock"),
            "studyPopulation": block(e, "study_pop/textblock"),
            "samplingMethod": to_code(t(e, "sampling_method")), "sex": to_code(t(e, "gender")),
            "genderDescription": t(e, "gender_description"), "minimumAge": lo, "maximumAge": hi,
            # classic XML has no age groups: derive them as ClinicalTrials.gov does
            "stdAges": std_ages(lo, hi),
            "healthyVolunteers": True if hv.startswith("accepts") or hv == "yes"
            else False if hv == "no" else None}


def xml_to_v2(root: Element) -> dict:
    study_type = t(root, "study_type") or ""
    design = root.find("study_design_info")
    masking, who = parse_masking_text(t(design, "masking"))
    refs = ([{"pmid": t(r, "PMID"), "citation": t(r, "citation"), "type": "BACKGROUND"}
             for r in root.findall("reference")]
            + [{"pmid": t(r, "PMID"), "citation": t(r, "citation"), "type": "RESULT"}
               for r in root.findall("results_reference")])
    ipd = root.find("patient_data")
    ps: dict[str, Any] = {
        "identificationModule": {
            "nctId": t(root, "id_info/nct_id"), "briefTitle": t(root, "brief_title"),
            "officialTitle": t(root, "official_title"), "acronym": t(root, "acronym"),
            "orgStudyIdInfo": {"id": t(root, "id_info/org_study_id")},
            "secondaryIdInfos": [{"id": x} for x in ts(root, "id_info/secondary_id")],
            "organization": {"fullName": t(root, "source")}},
        "statusModule": {
            "overallStatus": to_code(t(root, "overall_status")),
            "lastKnownStatus": to_code(t(root, "last_known_status")),
            "whyStopped": t(root, "why_stopped"),
            "startDateStruct": _date(root, "start_date"),
            "primaryCompletionDateStruct": _date(root, "primary_completion_date"),
            "completionDateStruct": _date(root, "completion_date"),
            "studyFirstPostDateStruct": _date(root, "study_first_posted"),
            "resultsFirstPostDateStruct": _date(root, "results_first_posted"),
            "lastUpdatePostDateStruct": _date(root, "last_update_posted"),
            "statusVerifiedDate": to_iso_date(t(root, "verification_date"))},
        "sponsorCollaboratorsModule": {
            "leadSponsor": {"name": t(root, "sponsors/lead_sponsor/agency")},
            "collaborators": [{"name": x} for x in ts(root, "sponsors/collaborator/agency")],
            "responsibleParty": {
                "investigatorFullName": t(root, "responsible_party/investigator_full_name"),
                "investigatorTitle": t(root, "responsible_party/investigator_title"),
                "investigatorAffiliation": t(root, "responsible_party/investigator_affiliation")}},
        "oversightModule": {"oversightHasDmc": _yes(root, "oversight_info/has_dmc"),
                            "isFdaRegulatedDrug": _yes(root, "oversight_info/is_fda_regulated_drug"),
                            "isFdaRegulatedDevice": _yes(root, "oversight_info/is_fda_regulated_device")},
        "descriptionModule": {"briefSummary": block(root, "brief_summary/textblock"),
                              "detailedDescription": block(root, "detailed_description/textblock")},
        "conditionsModule": {"conditions": ts(root, "condition"), "keywords": ts(root, "keyword")},
        "designModule": {
            "studyType": to_code(study_type.split("[")[0]),
            "patientRegistry": True if "patient registry" in study_type.lower() else None,
            "phases": phases_to_codes(t(root, "phase")),
            "designInfo": {
                "allocation": to_code(t(design, "allocation")),
                "interventionModel": to_code(t(design, "intervention_model")),
                "interventionModelDescription": t(design, "intervention_model_description"),
                "primaryPurpose": to_code(t(design, "primary_purpose")),
                "observationalModel": to_code(t(design, "observational_model")),
                "timePerspective": to_code(t(design, "time_perspective")),
                "maskingInfo": {"masking": masking, "whoMasked": who,
                                "maskingDescription": t(design, "masking_description")}},
            "enrollmentInfo": {"count": t(root, "enrollment"), "type": _attr_code(root, "enrollment")},
            "bioSpec": {"retention": to_code(t(root, "biospec_retention")),
                        "description": block(root, "biospec_descr/textblock")}},
        "armsInterventionsModule": _arms_interventions(root),
        "outcomesModule": {"primaryOutcomes": _outcomes(root, "primary_outcome"),
                           "secondaryOutcomes": _outcomes(root, "secondary_outcome"),
                           "otherOutcomes": _outcomes(root, "other_outcome")},
        "eligibilityModule": _eligibility(root),
        "contactsLocationsModule": {
            "centralContacts": [_contact(c) for c in
                                root.findall("overall_contact") + root.findall("overall_contact_backup")],
            "overallOfficials": [{"name": t(o, "last_name"), "role": to_code(t(o, "role")),
                                  "affiliation": t(o, "affiliation")} for o in root.findall("overall_official")],
            "locations": [_location(loc) for loc in root.findall("location")]},
        "referencesModule": {
            "references": refs,
            "seeAlsoLinks": [{"label": t(x, "description"), "url": t(x, "url")} for x in root.findall("link")]},
        "ipdSharingStatementModule": {} if ipd is None else {
            "ipdSharing": to_code(t(ipd, "sharing_ipd")), "description": t(ipd, "ipd_description"),
            "infoTypes": [to_code(x) for x in ts(ipd, "ipd_info_type")],
            "timeFrame": t(ipd, "ipd_time_frame"), "accessCriteria": t(ipd, "ipd_access_criteria"),
            "url": t(ipd, "ipd_url")},
    }
    study: dict[str, Any] = {
        "protocolSection": ps,
        "derivedSection": {"conditionBrowseModule": {
            "meshes": [{"term": x} for x in ts(root, "condition_browse/mesh_term")]}}}
    results = root.find("clinical_results")
    if results is not None:
        from ingest.parsers.xml_results import xml_results
        study["resultsSection"] = xml_results(results)
    return prune(study)
