"""The one mapping from an API v2-shaped study dict to ``Study`` fields.

Legacy study-fields records and classic XML are first converted into (partial) v2 dicts, so every
format goes through this module and yields the same ``field_path``s, labels and texts.
"""
from __future__ import annotations

import re
from typing import Any

from ingest.criteria import split_criteria
from ingest.enums import enum_text, masking_text, phases_text
from ingest.parsers.errors import RecordError
from ingest.parsers.json_fields import (
    dicts_at,
    sub_dict,
    text_at,
    texts_at,
    yes_no,
)
from ingest.parsers.results import results_fields
from ingest.parsers.results_model import results_model
from ingest.parsers.textutil import (
    clean_text,
    date_text,
    join_nonempty,
    short,
)
from trialchat.facts import ranked_counts
from trialchat.schema import Study, StudyField, ctgov_url

NCT_RE = re.compile(r"^NCT\d{8}$")
P = "protocolSection"


US_STATES_LINE = "United States by state: "  # the second line of a locations summary
CRITERIA_LABELS = {"inclusion": "Eligibility › Inclusion criteria", "exclusion": "Eligibility › Exclusion criteria",
                   "": "Eligibility › Criteria"}


def nct_id_of(record: Any) -> str:
    raw = sub_dict(record, P, "identificationModule").get("nctId")
    nct = str(raw).strip().upper() if isinstance(raw, (str, int)) else ""
    if not nct:
        raise RecordError("no NCT ID found")
    if not NCT_RE.match(nct):
        raise RecordError(f"invalid NCT ID {nct[:40]!r}")
    return nct


# ---- field builders ----
class _Fields:
    def __init__(self) -> None:
        self.items: list[StudyField] = []

    def add(self, path: str, label: str, text: Any, section: str = "", parts: dict[str, str] | None = None) -> None:
        """Add a field; ``parts`` are typed values for the fact sheet, kept only where verbatim in the text."""
        t = clean_text(text)
        if t:
            kept = {k: v for k, v in (parts or {}).items() if v and v in t}
            self.items.append(StudyField(path=path, label=label, text=t, section=section, parts=kept))


def _date_line(name: str, struct: Any) -> str:
    if isinstance(struct, dict):
        when, kind = date_text(struct.get("date")), text_at(struct, "type")
    else:
        when, kind = date_text(struct), ""
    if not when:
        return ""
    return f"{name}: {when}" + (f" ({enum_text(kind)})" if kind else "")


def _person(p: dict) -> str:
    parts = [text_at(p, "name"), enum_text(text_at(p, "role"))]
    phone = text_at(p, "phone") + (f" ext. {text_at(p, 'phoneExt')}" if text_at(p, "phoneExt") else "")
    return join_nonempty([*parts, phone, text_at(p, "email")], ", ")


def _status(f: _Fields, m: dict) -> None:
    base = f"{P}.statusModule"
    f.add(f"{base}.overallStatus", "Status › Overall status", join_nonempty([
        enum_text(text_at(m, "overallStatus")),
        f"Last known status: {enum_text(text_at(m, 'lastKnownStatus'))}" if text_at(m, "lastKnownStatus") else "",
        f"Why stopped: {text_at(m, 'whyStopped')}" if text_at(m, "whyStopped") else ""]),
        parts={"status": enum_text(text_at(m, "overallStatus")),
               "last_known_status": enum_text(text_at(m, "lastKnownStatus")),
               "why_stopped": text_at(m, "whyStopped")})
    access = sub_dict(m, "expandedAccessInfo")  # a way to get the treatment outside the study, listed on its own
    # (listed only when there is one: a "No" is the record keeping silent, and every format then renders alike)
    if access.get("hasExpandedAccess") is True:
        has = True
        words = join_nonempty([f"Expanded access: {'Yes' if has else 'No'}",
                               f"listed as {text_at(access, 'nctId')}" if has and text_at(access, "nctId") else "",
                               f"status: {enum_text(text_at(access, 'statusForNctId'))}"
                               if has and text_at(access, "statusForNctId") else ""], "; ")
        f.add(f"{base}.expandedAccessInfo", "Status › Expanded access", words, parts={"expanded_access": words})
    dates = {key: _date_line(name, m.get(src)) for key, name, src in (
        ("start", "Start", "startDateStruct"),
        ("primary_completion", "Primary completion", "primaryCompletionDateStruct"),
        ("completion", "Study completion", "completionDateStruct"),
        ("last_update", "Last update posted", "lastUpdatePostDateStruct"),
        ("verified", "Status verified", "statusVerifiedDate"))}
    f.add(base, "Status › Dates", join_nonempty([
        _date_line("Start", m.get("startDateStruct")),
        _date_line("Primary completion", m.get("primaryCompletionDateStruct")),
        _date_line("Study completion", m.get("completionDateStruct")),
        _date_line("First posted", m.get("studyFirstPostDateStruct")),
        _date_line("Results first posted", m.get("resultsFirstPostDateStruct")),
        _date_line("Last update posted", m.get("lastUpdatePostDateStruct")),
        _date_line("Status verified", m.get("statusVerifiedDate"))]), parts=dates)


def _design(f: _Fields, m: dict) -> None:
    base = f"{P}.designModule"
    info = sub_dict(m, "designInfo")
    study_type = enum_text(text_at(m, "studyType"))
    if study_type and m.get("patientRegistry") is True:
        study_type += " (Patient Registry)"
    f.add(f"{base}.studyType", "Design › Study type", study_type, parts={"study_type": study_type})
    phases = phases_text(texts_at(m, "phases"))
    f.add(f"{base}.phases", "Design › Phase", phases, parts={"phase": phases})
    allocation = enum_text(text_at(info, "allocation"))
    f.add(f"{base}.designInfo.allocation", "Design › Allocation", allocation, parts={"allocation": allocation})
    f.add(f"{base}.designInfo.interventionModel", "Design › Intervention model", join_nonempty(
        [enum_text(text_at(info, "interventionModel")), text_at(info, "interventionModelDescription")]))
    f.add(f"{base}.designInfo.primaryPurpose", "Design › Primary purpose",
          enum_text(text_at(info, "primaryPurpose")))
    f.add(f"{base}.designInfo.observationalModel", "Design › Observational model",
          enum_text(text_at(info, "observationalModel")))
    f.add(f"{base}.designInfo.timePerspective", "Design › Time perspective",
          enum_text(text_at(info, "timePerspective")))
    mask = sub_dict(info, "maskingInfo")
    if text_at(mask, "masking"):
        masking = masking_text(text_at(mask, "masking"), texts_at(mask, "whoMasked"))
        f.add(f"{base}.designInfo.maskingInfo", "Design › Masking", join_nonempty([
            masking, text_at(mask, "maskingDescription")]),
            parts={"masking": masking, "masking_level": enum_text(text_at(mask, "masking").upper())})
    duration = text_at(m, "targetDuration")  # observational: how long each person is followed
    f.add(f"{base}.targetDuration", "Design › Target duration", f"Target duration: {duration}" if duration else "",
          parts={"target_duration": duration})
    enr = sub_dict(m, "enrollmentInfo")
    if text_at(enr, "count"):
        kind = text_at(enr, "type")
        f.add(f"{base}.enrollmentInfo", "Design › Enrollment",
              f"{text_at(enr, 'count')} participants" + (f" ({enum_text(kind)})" if kind else ""),
              parts={"enrollment": text_at(enr, "count"), "enrollment_type": enum_text(kind) if kind else ""})
    bio = sub_dict(m, "bioSpec")
    f.add(f"{base}.bioSpec", "Design › Biospecimens", join_nonempty([
        f"Retention: {enum_text(text_at(bio, 'retention'))}" if text_at(bio, "retention") else "",
        text_at(bio, "description")]))


def _arms(f: _Fields, m: dict) -> None:
    base = f"{P}.armsInterventionsModule"
    for i, arm in enumerate(dicts_at(m, "armGroups")):
        label = text_at(arm, "label") or f"Arm {i + 1}"
        names = texts_at(arm, "interventionNames")
        f.add(f"{base}.armGroups[{i}]", f"Arms › {short(label)}", join_nonempty([
            label, f"Type: {enum_text(text_at(arm, 'type'))}" if text_at(arm, "type") else "",
            text_at(arm, "description"), f"Interventions: {'; '.join(names)}" if names else ""]),
            parts={"label": label, "type": enum_text(text_at(arm, "type")), "description": text_at(arm, "description")})
    for i, iv in enumerate(dicts_at(m, "interventions")):
        name = text_at(iv, "name") or f"Intervention {i + 1}"
        kind = enum_text(text_at(iv, "type"))
        others, arms = texts_at(iv, "otherNames"), texts_at(iv, "armGroupLabels")
        f.add(f"{base}.interventions[{i}]", f"Interventions › {short(name)}", join_nonempty([
            f"{kind}: {name}" if kind else name, text_at(iv, "description"),
            f"Other names: {'; '.join(others)}" if others else "",
            f"Arms: {'; '.join(arms)}" if arms else ""]),
            parts={"name": name, "type": kind, "description": text_at(iv, "description"),
                   "other_names": "; ".join(others)})


def _outcomes(f: _Fields, m: dict) -> None:
    base = f"{P}.outcomesModule"
    for key, kind in (("primaryOutcomes", "Primary"), ("secondaryOutcomes", "Secondary"),
                      ("otherOutcomes", "Other")):
        for i, o in enumerate(dicts_at(m, key)):
            measure = text_at(o, "measure")
            f.add(f"{base}.{key}[{i}]", f"Outcomes › {kind}: {short(measure, 70)}", join_nonempty([
                measure, text_at(o, "description"),
                f"Time frame: {text_at(o, 'timeFrame')}" if text_at(o, "timeFrame") else ""]),
                parts={"measure": measure, "time_frame": text_at(o, "timeFrame")})


def _eligibility(f: _Fields, m: dict) -> None:
    base = f"{P}.eligibilityModule"
    for section in split_criteria(clean_text(text_at(m, "eligibilityCriteria"))):
        f.add(f"{base}.eligibilityCriteria", CRITERIA_LABELS[section.kind], section.text, section=section.kind)
    f.add(f"{base}.studyPopulation", "Eligibility › Study population", text_at(m, "studyPopulation"))
    ages = [enum_text(a) for a in texts_at(m, "stdAges")]
    healthy = yes_no(m.get("healthyVolunteers")) if isinstance(m.get("healthyVolunteers"), bool) else ""
    f.add(base, "Eligibility › Summary", parts={
        "sex": enum_text(text_at(m, "sex")), "gender_description": text_at(m, "genderDescription"),
        "min_age": text_at(m, "minimumAge"), "max_age": text_at(m, "maximumAge"),
        "healthy_volunteers": f"Accepts healthy volunteers: {healthy}" if healthy else ""}, text=join_nonempty([
        f"Sex: {enum_text(text_at(m, 'sex'))}" if text_at(m, "sex") else "",
        f"Gender-based eligibility: {text_at(m, 'genderDescription')}" if text_at(m, "genderDescription") else "",
        f"Minimum age: {text_at(m, 'minimumAge')}" if text_at(m, "minimumAge") else "",
        f"Maximum age: {text_at(m, 'maximumAge')}" if text_at(m, "maximumAge") else "",
        f"Age groups: {', '.join(ages)}" if ages else "",
        f"Accepts healthy volunteers: {yes_no(m.get('healthyVolunteers'))}"
        if isinstance(m.get("healthyVolunteers"), bool) else "",
        f"Sampling method: {enum_text(text_at(m, 'samplingMethod'))}" if text_at(m, "samplingMethod") else ""]))


def _location_text(loc: dict) -> tuple[str, str, dict[str, str]]:
    facility, city = text_at(loc, "facility"), text_at(loc, "city")
    place = join_nonempty([city, join_nonempty([text_at(loc, "state"), text_at(loc, "zip")], " ")], ", ")
    label = join_nonempty([facility, city], ", ") or text_at(loc, "country") or "Site"
    contacts = [_person(c) for c in dicts_at(loc, "contacts")]
    text = join_nonempty([
        facility, join_nonempty([place, text_at(loc, "country")], ", "),
        f"Status: {enum_text(text_at(loc, 'status'))}" if text_at(loc, "status") else "",
        *[f"Contact: {c}" for c in contacts if c]])
    parts = {"facility": facility, "city": city, "state": text_at(loc, "state"), "country": text_at(loc, "country"),
             "status": enum_text(text_at(loc, "status"))}
    return label, text, parts


def _person_parts(p: dict) -> dict[str, str]:
    return {"name": text_at(p, "name"), "role": enum_text(text_at(p, "role")),
            "phone": text_at(p, "phone"), "email": text_at(p, "email"),
            "affiliation": text_at(p, "affiliation")}


def sites_summary(countries: list[str], us_states: list[str]) -> str:
    """"105 sites in 9 countries: United States (36), Russia (18), ..." — one text for the whole list,
    with a line of U.S. states when the sites give them."""
    ranked = ranked_counts(c or "country not given" for c in countries)
    n = len(countries)
    sites = f"{n} site" + ("s" if n != 1 else "")
    real = [c for c, _ in ranked if c != "country not given"]
    head = f"{sites} in {len(real)} countr{'ies' if len(real) != 1 else 'y'}" if real else sites
    by_state = ", ".join(f"{st} ({k})" for st, k in ranked_counts(us_states))
    return f"{head}: " + ", ".join(f"{c} ({k})" for c, k in ranked) + \
        (f"\n{US_STATES_LINE}{by_state}" if by_state else "")


def _contacts(f: _Fields, m: dict) -> None:
    base = f"{P}.contactsLocationsModule"
    for i, c in enumerate(dicts_at(m, "centralContacts")):
        f.add(f"{base}.centralContacts[{i}]", f"Contacts › {short(text_at(c, 'name') or 'Central contact')}",
              _person(c), parts=_person_parts(c))
    for i, o in enumerate(dicts_at(m, "overallOfficials")):
        f.add(f"{base}.overallOfficials[{i}]", f"Study officials › {short(text_at(o, 'name') or 'Official')}",
              join_nonempty([text_at(o, "name"), enum_text(text_at(o, "role")), text_at(o, "affiliation")], ", "),
              parts=_person_parts(o))
    locations = dicts_at(m, "locations")
    if locations:
        us_states = [text_at(loc, "state") for loc in locations
                     if text_at(loc, "country") == "United States" and text_at(loc, "state")]
        f.add(f"{base}.locations", "Locations › Summary",
              sites_summary([text_at(loc, "country") for loc in locations], us_states),
              section="summary")
    for i, loc in enumerate(locations):
        label, text, parts = _location_text(loc)
        f.add(f"{base}.locations[{i}]", f"Locations › {short(label)}", text, parts=parts)


def _references(f: _Fields, m: dict) -> None:
    base = f"{P}.referencesModule"
    for i, r in enumerate(dicts_at(m, "references")):
        cite = text_at(r, "citation")
        label = f"PMID {text_at(r, 'pmid')}" if text_at(r, "pmid") else short(cite, 60)
        f.add(f"{base}.references[{i}]", f"References › {label}", join_nonempty([
            cite, f"PubMed ID: {text_at(r, 'pmid')}" if text_at(r, "pmid") else "",
            f"Type: {enum_text(text_at(r, 'type'))}" if text_at(r, "type") else ""]))
    f.add(f"{base}.seeAlsoLinks", "References › Links", join_nonempty(
        [join_nonempty([text_at(x, "label"), text_at(x, "url")], ": ") for x in dicts_at(m, "seeAlsoLinks")]))


def _ipd(f: _Fields, m: dict) -> None:
    infos = [enum_text(x) for x in texts_at(m, "infoTypes")]
    f.add(f"{P}.ipdSharingStatementModule", "Data sharing", join_nonempty([
        f"Plans to share individual participant data: {enum_text(text_at(m, 'ipdSharing'))}"
        if text_at(m, "ipdSharing") else "", text_at(m, "description"),
        f"Information shared: {', '.join(infos)}" if infos else "",
        f"Time frame: {text_at(m, 'timeFrame')}" if text_at(m, "timeFrame") else "",
        f"Access criteria: {text_at(m, 'accessCriteria')}" if text_at(m, "accessCriteria") else "",
        f"URL: {text_at(m, 'url')}" if text_at(m, "url") else ""]))


def study_fields(record: dict) -> list[StudyField]:
    ps = sub_dict(record, P)
    f = _Fields()
    ident = sub_dict(ps, "identificationModule")
    f.add(f"{P}.identificationModule.briefTitle", "Title", text_at(ident, "briefTitle"))
    f.add(f"{P}.identificationModule.officialTitle", "Official title", text_at(ident, "officialTitle"))
    f.add(f"{P}.identificationModule.acronym", "Acronym", text_at(ident, "acronym"))
    secondary = [join_nonempty([text_at(x, "id"), f"({enum_text(text_at(x, 'type'))})" if text_at(x, "type") else ""],
                               " ")
                 for x in dicts_at(ident, "secondaryIdInfos")]
    f.add(f"{P}.identificationModule", "Identification", join_nonempty([
        f"ClinicalTrials.gov ID: {text_at(ident, 'nctId')}",
        f"Organization's study ID: {text_at(sub_dict(ident, 'orgStudyIdInfo'), 'id')}"
        if text_at(sub_dict(ident, "orgStudyIdInfo"), "id") else "",
        f"Secondary IDs: {'; '.join(secondary)}" if secondary else "",
        f"Organization: {text_at(sub_dict(ident, 'organization'), 'fullName')}"
        if text_at(sub_dict(ident, "organization"), "fullName") else ""]))
    _status(f, sub_dict(ps, "statusModule"))
    sp = sub_dict(ps, "sponsorCollaboratorsModule")
    f.add(f"{P}.sponsorCollaboratorsModule.leadSponsor", "Sponsor › Lead sponsor",
          text_at(sub_dict(sp, "leadSponsor"), "name"), parts={"sponsor": text_at(sub_dict(sp, "leadSponsor"), "name")})
    f.add(f"{P}.sponsorCollaboratorsModule.collaborators", "Sponsor › Collaborators",
          "\n".join(text_at(c, "name") for c in dicts_at(sp, "collaborators")))
    rp = sub_dict(sp, "responsibleParty")
    if text_at(rp, "investigatorFullName"):
        f.add(f"{P}.sponsorCollaboratorsModule.responsibleParty", "Sponsor › Responsible party",
              join_nonempty([text_at(rp, "investigatorFullName"), text_at(rp, "investigatorTitle"),
                             text_at(rp, "investigatorAffiliation")], ", "))
    ov = sub_dict(ps, "oversightModule")
    f.add(f"{P}.oversightModule", "Oversight", join_nonempty([
        f"{name}: {yes_no(ov.get(key))}" for key, name in (
            ("oversightHasDmc", "Data monitoring committee"),
            ("isFdaRegulatedDrug", "Studies a U.S. FDA-regulated drug product"),
            ("isFdaRegulatedDevice", "Studies a U.S. FDA-regulated device product"))
        if isinstance(ov.get(key), bool)]))
    desc = sub_dict(ps, "descriptionModule")
    f.add(f"{P}.descriptionModule.briefSummary", "Description › Brief summary", text_at(desc, "briefSummary"))
    f.add(f"{P}.descriptionModule.detailedDescription", "Description › Detailed description",
          text_at(desc, "detailedDescription"))
    cond = sub_dict(ps, "conditionsModule")
    f.add(f"{P}.conditionsModule.conditions", "Conditions", "\n".join(texts_at(cond, "conditions")))
    f.add(f"{P}.conditionsModule.keywords", "Conditions › Keywords", "\n".join(texts_at(cond, "keywords")))
    mesh_module = sub_dict(record, "derivedSection", "conditionBrowseModule")
    meshes = [text_at(x, "term") for x in dicts_at(mesh_module, "meshes")]
    f.add("derivedSection.conditionBrowseModule.meshes", "Conditions › MeSH terms", "\n".join(meshes))
    _design(f, sub_dict(ps, "designModule"))
    _arms(f, sub_dict(ps, "armsInterventionsModule"))
    _outcomes(f, sub_dict(ps, "outcomesModule"))
    _eligibility(f, sub_dict(ps, "eligibilityModule"))
    _contacts(f, sub_dict(ps, "contactsLocationsModule"))
    _references(f, sub_dict(ps, "referencesModule"))
    _ipd(f, sub_dict(ps, "ipdSharingStatementModule"))
    if sub_dict(record, "resultsSection"):
        f.items.extend(results_fields(sub_dict(record, "resultsSection")))
    return f.items


def study_from_v2(record: Any, source_file: str) -> Study:
    """A v2 study object (or a v2-shaped dict built from another format) → ``Study``.
    Raises ``RecordError`` when it has no valid NCT ID."""
    if not isinstance(record, dict):
        raise RecordError("not a JSON object")
    nct = nct_id_of(record)
    ident = sub_dict(record, P, "identificationModule")
    title = text_at(ident, "briefTitle") or text_at(ident, "officialTitle") or nct
    fields = study_fields(record)
    rs = sub_dict(record, "resultsSection")  # XML and legacy results arrive in this shape, "_format" marked
    results = results_model(rs, fields, text_at(rs, "_format") or "ctgov_v2") if rs else None
    return Study(study_id=nct, title=title, official_title=text_at(ident, "officialTitle") or None,
                 acronym=text_at(ident, "acronym") or None, source_file=source_file,
                 source_url=ctgov_url(nct), fields=fields, results=results)
