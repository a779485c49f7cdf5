"""The one mapping from an API v2-shaped study dict to ``Study`` fields.

Legacy study-fields records and classic XML are first converted into (partial) v2 dicts, so every
format goes through this module and yields the same ``field_path``s, labels and texts.
"""
from __future__ import annotations

import re
from typing import Any

from ingest.criteria import split_criteria
from ingest.enums import enum_text, masking_text, phases_text
from ingest.parsers.textutil import clean_text, date_text, join_nonempty, short, unescape_markdown
from trialchat.facts import ranked_counts
from trialchat.schema import Study, StudyField, ctgov_url

NCT_RE = re.compile(r"^NCT\d{8}$")
P = "protocolSection"


US_STATES_LINE = "United States by state: "  # the second line of a locations summary
CRITERIA_LABELS = {"inclusion": "Eligibility › Inclusion criteria", "exclusion": "Eligibility › Exclusion criteria",
                   "": "Eligibility › Criteria"}


class RecordError(ValueError):
    """One record is unusable (no valid NCT ID, not a study object, ...)."""


# ---- tolerant accessors: records are untrusted input, wrong types read as absent ----
def d(obj: Any, *keys: str) -> dict:
    for k in keys:
        obj = obj.get(k) if isinstance(obj, dict) else None
    return obj if isinstance(obj, dict) else {}


def lst(obj: Any, key: str) -> list:
    v = obj.get(key) if isinstance(obj, dict) else None
    return v if isinstance(v, list) else []


def dicts(obj: Any, key: str) -> list[dict]:
    return [x for x in lst(obj, key) if isinstance(x, dict)]


def s(obj: Any, key: str) -> str:
    """A scalar as clean text ('' when absent); v2 Markdown escapes removed."""
    v = obj.get(key) if isinstance(obj, dict) else None
    if v is None or isinstance(v, (dict, list)):
        return ""
    if isinstance(v, bool):
        return "Yes" if v else "No"
    return clean_text(unescape_markdown(v))


def strs(obj: Any, key: str) -> list[str]:
    return [clean_text(unescape_markdown(x)) for x in lst(obj, key)
            if isinstance(x, (str, int, float)) and str(x).strip()]


def yes_no(v: Any) -> str:
    return ("Yes" if v else "No") if isinstance(v, bool) else ""


def nct_id_of(record: Any) -> str:
    raw = d(record, P, "identificationModule").get("nctId")
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
        when, kind = date_text(struct.get("date")), s(struct, "type")
    else:
        when, kind = date_text(struct), ""
    if not when:
        return ""
    return f"{name}: {when}" + (f" ({enum_text(kind)})" if kind else "")


def _person(p: dict) -> str:
    parts = [s(p, "name"), enum_text(s(p, "role"))]
    phone = s(p, "phone") + (f" ext. {s(p, 'phoneExt')}" if s(p, "phoneExt") else "")
    return join_nonempty([*parts, phone, s(p, "email")], ", ")


def _status(f: _Fields, m: dict) -> None:
    base = f"{P}.statusModule"
    f.add(f"{base}.overallStatus", "Status › Overall status", join_nonempty([
        enum_text(s(m, "overallStatus")),
        f"Last known status: {enum_text(s(m, 'lastKnownStatus'))}" if s(m, "lastKnownStatus") else "",
        f"Why stopped: {s(m, 'whyStopped')}" if s(m, "whyStopped") else ""]),
        parts={"status": enum_text(s(m, "overallStatus")), "last_known_status": enum_text(s(m, "lastKnownStatus")),
               "why_stopped": s(m, "whyStopped")})
    dates = {key: _date_line(name, m.get(src)) for key, name, src in (
        ("start", "Start", "startDateStruct"), ("primary_completion", "Primary completion", "primaryCompletionDateStruct"),
        ("completion", "Study completion", "completionDateStruct"),
        ("last_update", "Last update posted", "lastUpdatePostDateStruct"), ("verified", "Status verified", "statusVerifiedDate"))}
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
    info = d(m, "designInfo")
    study_type = enum_text(s(m, "studyType"))
    if study_type and m.get("patientRegistry") is True:
        study_type += " (Patient Registry)"
    f.add(f"{base}.studyType", "Design › Study type", study_type, parts={"study_type": study_type})
    phases = phases_text(strs(m, "phases"))
    f.add(f"{base}.phases", "Design › Phase", phases, parts={"phase": phases})
    allocation = enum_text(s(info, "allocation"))
    f.add(f"{base}.designInfo.allocation", "Design › Allocation", allocation, parts={"allocation": allocation})
    f.add(f"{base}.designInfo.interventionModel", "Design › Intervention model", join_nonempty(
        [enum_text(s(info, "interventionModel")), s(info, "interventionModelDescription")]))
    f.add(f"{base}.designInfo.primaryPurpose", "Design › Primary purpose",
          enum_text(s(info, "primaryPurpose")))
    f.add(f"{base}.designInfo.observationalModel", "Design › Observational model",
          enum_text(s(info, "observationalModel")))
    f.add(f"{base}.designInfo.timePerspective", "Design › Time perspective",
          enum_text(s(info, "timePerspective")))
    mask = d(info, "maskingInfo")
    if s(mask, "masking"):
        masking = masking_text(s(mask, "masking"), strs(mask, "whoMasked"))
        f.add(f"{base}.designInfo.maskingInfo", "Design › Masking", join_nonempty([
            masking, s(mask, "maskingDescription")]),
            parts={"masking": masking, "masking_level": enum_text(s(mask, "masking").upper())})
    enr = d(m, "enrollmentInfo")
    if s(enr, "count"):
        kind = s(enr, "type")
        f.add(f"{base}.enrollmentInfo", "Design › Enrollment",
              f"{s(enr, 'count')} participants" + (f" ({enum_text(kind)})" if kind else ""),
              parts={"enrollment": s(enr, "count"), "enrollment_type": enum_text(kind) if kind else ""})
    bio = d(m, "bioSpec")
    f.add(f"{base}.bioSpec", "Design › Biospecimens", join_nonempty([
        f"Retention: {enum_text(s(bio, 'retention'))}" if s(bio, "retention") else "",
        s(bio, "description")]))


def _arms(f: _Fields, m: dict) -> None:
    base = f"{P}.armsInterventionsModule"
    for i, arm in enumerate(dicts(m, "armGroups")):
        label = s(arm, "label") or f"Arm {i + 1}"
        names = strs(arm, "interventionNames")
        f.add(f"{base}.armGroups[{i}]", f"Arms › {short(label)}", join_nonempty([
            label, f"Type: {enum_text(s(arm, 'type'))}" if s(arm, "type") else "",
            s(arm, "description"), f"Interventions: {'; '.join(names)}" if names else ""]),
            parts={"label": label, "type": enum_text(s(arm, "type")), "description": s(arm, "description")})
    for i, iv in enumerate(dicts(m, "interventions")):
        name = s(iv, "name") or f"Intervention {i + 1}"
        kind = enum_text(s(iv, "type"))
        others, arms = strs(iv, "otherNames"), strs(iv, "armGroupLabels")
        f.add(f"{base}.interventions[{i}]", f"Interventions › {short(name)}", join_nonempty([
            f"{kind}: {name}" if kind else name, s(iv, "description"),
            f"Other names: {'; '.join(others)}" if others else "",
            f"Arms: {'; '.join(arms)}" if arms else ""]),
            parts={"name": name, "type": kind, "description": s(iv, "description")})


def _outcomes(f: _Fields, m: dict) -> None:
    base = f"{P}.outcomesModule"
    for key, kind in (("primaryOutcomes", "Primary"), ("secondaryOutcomes", "Secondary"),
                      ("otherOutcomes", "Other")):
        for i, o in enumerate(dicts(m, key)):
            measure = s(o, "measure")
            f.add(f"{base}.{key}[{i}]", f"Outcomes › {kind}: {short(measure, 70)}", join_nonempty([
                measure, s(o, "description"),
                f"Time frame: {s(o, 'timeFrame')}" if s(o, "timeFrame") else ""]),
                parts={"measure": measure, "time_frame": s(o, "timeFrame")})


def _eligibility(f: _Fields, m: dict) -> None:
    base = f"{P}.eligibilityModule"
    for section in split_criteria(clean_text(s(m, "eligibilityCriteria"))):
        f.add(f"{base}.eligibilityCriteria", CRITERIA_LABELS[section.kind], section.text, section=section.kind)
    f.add(f"{base}.studyPopulation", "Eligibility › Study population", s(m, "studyPopulation"))
    ages = [enum_text(a) for a in strs(m, "stdAges")]
    healthy = yes_no(m.get("healthyVolunteers")) if isinstance(m.get("healthyVolunteers"), bool) else ""
    f.add(base, "Eligibility › Summary", parts={
        "sex": enum_text(s(m, "sex")), "gender_description": s(m, "genderDescription"),
        "min_age": s(m, "minimumAge"), "max_age": s(m, "maximumAge"),
        "healthy_volunteers": f"Accepts healthy volunteers: {healthy}" if healthy else ""}, text=join_nonempty([
        f"Sex: {enum_text(s(m, 'sex'))}" if s(m, "sex") else "",
        f"Gender-based eligibility: {s(m, 'genderDescription')}" if s(m, "genderDescription") else "",
        f"Minimum age: {s(m, 'minimumAge')}" if s(m, "minimumAge") else "",
        f"Maximum age: {s(m, 'maximumAge')}" if s(m, "maximumAge") else "",
        f"Age groups: {', '.join(ages)}" if ages else "",
        f"Accepts healthy volunteers: {yes_no(m.get('healthyVolunteers'))}"
        if isinstance(m.get("healthyVolunteers"), bool) else "",
        f"Sampling method: {enum_text(s(m, 'samplingMethod'))}" if s(m, "samplingMethod") else ""]))


def _location_text(loc: dict) -> tuple[str, str, dict[str, str]]:
    facility, city = s(loc, "facility"), s(loc, "city")
    place = join_nonempty([city, join_nonempty([s(loc, "state"), s(loc, "zip")], " ")], ", ")
    label = join_nonempty([facility, city], ", ") or s(loc, "country") or "Site"
    contacts = [_person(c) for c in dicts(loc, "contacts")]
    text = join_nonempty([
        facility, join_nonempty([place, s(loc, "country")], ", "),
        f"Status: {enum_text(s(loc, 'status'))}" if s(loc, "status") else "",
        *[f"Contact: {c}" for c in contacts if c]])
    parts = {"facility": facility, "city": city, "state": s(loc, "state"), "country": s(loc, "country"),
             "status": enum_text(s(loc, "status"))}
    return label, text, parts


def _person_parts(p: dict) -> dict[str, str]:
    return {"name": s(p, "name"), "role": enum_text(s(p, "role")), "phone": s(p, "phone"), "email": s(p, "email"),
            "affiliation": s(p, "affiliation")}


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
    for i, c in enumerate(dicts(m, "centralContacts")):
        f.add(f"{base}.centralContacts[{i}]", f"Contacts › {short(s(c, 'name') or 'Central contact')}",
              _person(c), parts=_person_parts(c))
    for i, o in enumerate(dicts(m, "overallOfficials")):
        f.add(f"{base}.overallOfficials[{i}]", f"Study officials › {short(s(o, 'name') or 'Official')}",
              join_nonempty([s(o, "name"), enum_text(s(o, "role")), s(o, "affiliation")], ", "), parts=_person_parts(o))
    locations = dicts(m, "locations")
    if locations:
        f.add(f"{base}.locations", "Locations › Summary", sites_summary([s(loc, "country") for loc in locations],
                            [s(loc, "state") for loc in locations if s(loc, "country") == "United States" and s(loc, "state")]),
              section="summary")
    for i, loc in enumerate(locations):
        label, text, parts = _location_text(loc)
        f.add(f"{base}.locations[{i}]", f"Locations › {short(label)}", text, parts=parts)


def _references(f: _Fields, m: dict) -> None:
    base = f"{P}.referencesModule"
    for i, r in enumerate(dicts(m, "references")):
        cite = s(r, "citation")
        label = f"PMID {s(r, 'pmid')}" if s(r, "pmid") else short(cite, 60)
        f.add(f"{base}.references[{i}]", f"References › {label}", join_nonempty([
            cite, f"PubMed ID: {s(r, 'pmid')}" if s(r, "pmid") else "",
            f"Type: {enum_text(s(r, 'type'))}" if s(r, "type") else ""]))
    f.add(f"{base}.seeAlsoLinks", "References › Links", join_nonempty(
        [join_nonempty([s(x, "label"), s(x, "url")], ": ") for x in dicts(m, "seeAlsoLinks")]))


def _ipd(f: _Fields, m: dict) -> None:
    infos = [enum_text(x) for x in strs(m, "infoTypes")]
    f.add(f"{P}.ipdSharingStatementModule", "Data sharing", join_nonempty([
        f"Plans to share individual participant data: {enum_text(s(m, 'ipdSharing'))}"
        if s(m, "ipdSharing") else "", s(m, "description"),
        f"Information shared: {', '.join(infos)}" if infos else "",
        f"Time frame: {s(m, 'timeFrame')}" if s(m, "timeFrame") else "",
        f"Access criteria: {s(m, 'accessCriteria')}" if s(m, "accessCriteria") else "",
        f"URL: {s(m, 'url')}" if s(m, "url") else ""]))


def study_fields(record: dict) -> list[StudyField]:
    ps = d(record, P)
    f = _Fields()
    ident = d(ps, "identificationModule")
    f.add(f"{P}.identificationModule.briefTitle", "Title", s(ident, "briefTitle"))
    f.add(f"{P}.identificationModule.officialTitle", "Official title", s(ident, "officialTitle"))
    f.add(f"{P}.identificationModule.acronym", "Acronym", s(ident, "acronym"))
    secondary = [join_nonempty([s(x, "id"), f"({enum_text(s(x, 'type'))})" if s(x, "type") else ""], " ")
                 for x in dicts(ident, "secondaryIdInfos")]
    f.add(f"{P}.identificationModule", "Identification", join_nonempty([
        f"ClinicalTrials.gov ID: {s(ident, 'nctId')}",
        f"Organization's study ID: {s(d(ident, 'orgStudyIdInfo'), 'id')}"
        if s(d(ident, "orgStudyIdInfo"), "id") else "",
        f"Secondary IDs: {'; '.join(secondary)}" if secondary else "",
        f"Organization: {s(d(ident, 'organization'), 'fullName')}"
        if s(d(ident, "organization"), "fullName") else ""]))
    _status(f, d(ps, "statusModule"))
    sp = d(ps, "sponsorCollaboratorsModule")
    f.add(f"{P}.sponsorCollaboratorsModule.leadSponsor", "Sponsor › Lead sponsor",
          s(d(sp, "leadSponsor"), "name"), parts={"sponsor": s(d(sp, "leadSponsor"), "name")})
    f.add(f"{P}.sponsorCollaboratorsModule.collaborators", "Sponsor › Collaborators",
          "\n".join(s(c, "name") for c in dicts(sp, "collaborators")))
    rp = d(sp, "responsibleParty")
    if s(rp, "investigatorFullName"):
        f.add(f"{P}.sponsorCollaboratorsModule.responsibleParty", "Sponsor › Responsible party",
              join_nonempty([s(rp, "investigatorFullName"), s(rp, "investigatorTitle"),
                             s(rp, "investigatorAffiliation")], ", "))
    ov = d(ps, "oversightModule")
    f.add(f"{P}.oversightModule", "Oversight", join_nonempty([
        f"{name}: {yes_no(ov.get(key))}" for key, name in (
            ("oversightHasDmc", "Data monitoring committee"),
            ("isFdaRegulatedDrug", "Studies a U.S. FDA-regulated drug product"),
            ("isFdaRegulatedDevice", "Studies a U.S. FDA-regulated device product"))
        if isinstance(ov.get(key), bool)]))
    desc = d(ps, "descriptionModule")
    f.add(f"{P}.descriptionModule.briefSummary", "Description › Brief summary", s(desc, "briefSummary"))
    f.add(f"{P}.descriptionModule.detailedDescription", "Description › Detailed description",
          s(desc, "detailedDescription"))
    cond = d(ps, "conditionsModule")
    f.add(f"{P}.conditionsModule.conditions", "Conditions", "\n".join(strs(cond, "conditions")))
    f.add(f"{P}.conditionsModule.keywords", "Conditions › Keywords", "\n".join(strs(cond, "keywords")))
    meshes = [s(x, "term") for x in dicts(d(record, "derivedSection", "conditionBrowseModule"), "meshes")]
    f.add("derivedSection.conditionBrowseModule.meshes", "Conditions › MeSH terms", "\n".join(meshes))
    _design(f, d(ps, "designModule"))
    _arms(f, d(ps, "armsInterventionsModule"))
    _outcomes(f, d(ps, "outcomesModule"))
    _eligibility(f, d(ps, "eligibilityModule"))
    _contacts(f, d(ps, "contactsLocationsModule"))
    _references(f, d(ps, "referencesModule"))
    _ipd(f, d(ps, "ipdSharingStatementModule"))
    if d(record, "resultsSection"):
        from ingest.parsers.results import results_fields  # results are rare: load on demand
        f.items.extend(results_fields(d(record, "resultsSection")))
    return f.items


def study_from_v2(record: Any, source_file: str) -> Study:
    """A v2 study object (or a v2-shaped dict built from another format) → ``Study``.
    Raises ``RecordError`` when it has no valid NCT ID."""
    if not isinstance(record, dict):
        raise RecordError("not a JSON object")
    nct = nct_id_of(record)
    ident = d(record, P, "identificationModule")
    title = s(ident, "briefTitle") or s(ident, "officialTitle") or nct
    return Study(study_id=nct, title=title, official_title=s(ident, "officialTitle") or None,
                 acronym=s(ident, "acronym") or None, source_file=source_file,
                 source_url=ctgov_url(nct), fields=study_fields(record))
