"""Study → its fact sheet, read from the study's fields (so every format gives the same facts).

Values come from the typed ``parts`` the parsers put on each field; the quote of a fact is the line
of the field text that holds the value, verbatim.
"""
from __future__ import annotations

import re

from ingest.criteria import split_criteria
from ingest.criteria_tree import add_section
from ingest.parsers.results_model import check_quotes
from ingest.parsers.v2 import US_STATES_LINE
from trialchat.criteria_tree import CriteriaTree
from trialchat.facts import SITE_CONTACT, Arm, Fact, FactSheet, Intervention, Outcome, Person, Site
from trialchat.schema import Study, StudyField, bare_path

P = "protocolSection."
# the plain-language page lists sites as "- FACILITY — CITY, COUNTRY (STATUS)"
_PAGE_SITE = re.compile(r"^-?\s*(?P<facility>.+?)\s+—\s+(?P<city>[^,]+),\s*(?P<country>[^()]+?)\s*(?:\((?P<status>[^)]+)\))?$")
# and its researchers as "- Principal investigator: NAME — AFFILIATION"
# a line of a page on taking part: enrolment, volunteers, whom to ask
_TAKING_PART = re.compile(r"\b(?:enrol\w*|volunteers?|participa\w*|take part|sign up|recruit\w*)\b", re.IGNORECASE)
_PAGE_PERSON = re.compile(r"^-?\s*(?P<role>[^:]+):\s*(?P<name>.+?)(?:\s+—\s+(?P<affiliation>.+))?$")

_DEFINED_SHORT = re.compile(r"((?:[A-Za-z][\w'-]*\s+){1,6})\(([A-Za-z][A-Za-z0-9]{1,7})\)")

SCALARS = {  # field path → parts that are single facts on the sheet
    P + "statusModule.overallStatus": ("status", "why_stopped"),
    P + "statusModule": ("start", "primary_completion", "completion", "last_update"),
    P + "statusModule.expandedAccessInfo": ("expanded_access",),
    P + "designModule.phases": ("phase",),
    P + "designModule.studyType": ("study_type",),
    P + "designModule.designInfo.allocation": ("allocation",),
    P + "designModule.designInfo.maskingInfo": ("masking", "masking_level"),
    P + "designModule.enrollmentInfo": ("enrollment", "enrollment_type"),
    P + "eligibilityModule": ("min_age", "max_age", "sex", "healthy_volunteers"),
    P + "sponsorCollaboratorsModule.leadSponsor": ("sponsor",),
    P + "designModule.targetDuration": ("target_duration",),
    "resultsSection.moreInfoModule": ("limitations",),
}
PAGE_SCALARS = {"page.quick_facts.sex": "sex", "page.quick_facts.sponsor": "sponsor"}
TITLE_PATHS = (P + "identificationModule.briefTitle", "page.title")


def line_with(text: str, value: str) -> str:
    """The (stripped) line of ``text`` that holds ``value``; the value itself if it spans lines."""
    for line in text.split("\n"):
        if value in line:
            return line.strip()
    return value


def _fact(field: StudyField, key: str) -> Fact | None:
    value = field.parts.get(key, "")
    return Fact(value=value, path=field.path, quote=line_with(field.text, value)) if value else None


def _lines(field: StudyField) -> list[Fact]:
    return [Fact(value=ln.strip(), path=field.path, quote=ln.strip()) for ln in field.text.split("\n") if ln.strip()]


def _add_list_item(sheet: FactSheet, field: StudyField) -> None:
    bare, p = bare_path(field.path), field.parts

    def quote(key: str) -> str:
        return line_with(field.text, p[key]) if p.get(key) else field.text.split("\n")[0]
    if bare == P + "contactsLocationsModule.locations":
        if field.section == "summary":
            first, *rest = field.text.split("\n")
            sheet.sites_summary = Fact(value=first, path=field.path, quote=first)
            for line in rest:
                if line.startswith(US_STATES_LINE):
                    sheet.sites_by_us_state = Fact(value=line, path=field.path, quote=line)
        else:
            sheet.sites.append(Site(path=field.path, quote=quote("facility") if p.get("facility") else quote("city"),
                                    contacts=[ln.strip()[len(SITE_CONTACT):] for ln in field.text.split("\n")
                                              if ln.strip().startswith(SITE_CONTACT)],
                                    **{k: p.get(k, "") for k in ("facility", "city", "state", "country", "status")}))
    elif bare in (P + "contactsLocationsModule.centralContacts", P + "contactsLocationsModule.overallOfficials"):
        person = Person(path=field.path, quote=field.text.split("\n")[0],
                        **{k: p.get(k, "") for k in ("name", "role", "phone", "email", "affiliation")})
        (sheet.contacts if bare.endswith("centralContacts") else sheet.officials).append(person)
    elif bare == P + "armsInterventionsModule.armGroups" and p.get("label"):
        sheet.arms.append(Arm(path=field.path, quote=quote("label"), label=p["label"], type=p.get("type", ""),
                              description=p.get("description", "")))
    elif bare == P + "armsInterventionsModule.interventions" and p.get("name"):
        sheet.interventions.append(Intervention(path=field.path, quote=quote("name"), name=p["name"],
                                                type=p.get("type", ""), description=p.get("description", ""),
                                                other_names=p.get("other_names", "")))
    elif bare.startswith(P + "outcomesModule.") and p.get("measure"):
        # (the field's text is the measure, its description, then "Time frame: …": the description's first line,
        # as it is quoted)
        described = [ln.strip() for ln in field.text.split("\n")[1:] if ln.strip() and not ln.startswith("Time frame:")]
        sheet.outcomes.append(Outcome(path=field.path, quote=quote("measure"), measure=p["measure"],
                                      time_frame=p.get("time_frame", ""), primary=bare.endswith("primaryOutcomes"),
                                      description=described[0] if described else ""))


def _add_criteria(sheet: FactSheet, field: StudyField) -> None:
    target = {"inclusion": sheet.inclusion, "exclusion": sheet.exclusion}.get(field.section, sheet.criteria)
    sheet.criteria_tree = sheet.criteria_tree or CriteriaTree()
    for section in split_criteria(field.text):
        target.extend(Fact(value=item, path=field.path, quote=item) for item in section.items)
        add_section(sheet.criteria_tree, section.text, field.path, field.section or section.kind)


def _add_page_field(sheet: FactSheet, field: StudyField) -> None:
    if field.path == "page.conditions":  # "Autoimmune Diseases, autoimmune disorder, ..."
        sheet.conditions = [Fact(value=c.strip(), path=field.path, quote=c.strip())
                            for c in field.text.split(",") if c.strip()]
    elif field.path in PAGE_SCALARS:
        value = field.text.strip()
        setattr(sheet, PAGE_SCALARS[field.path], Fact(value=value, path=field.path, quote=value))
    elif field.path == "page.researchers":  # "- Principal investigator: GILKESON, GARY S — MEDICAL UNIVERSITY …"
        for line in field.text.split("\n"):
            m = _PAGE_PERSON.match(line.strip())
            if m:
                sheet.officials.append(Person(path=field.path, quote=line.strip().lstrip("- ").strip(),
                                              **{k: (m.group(k) or "").strip() for k in ("role", "name",
                                                                                         "affiliation")}))
    elif field.path == "page.about_this_research":  # what the page says of taking part in it
        for line in field.text.split("\n"):
            said = line.strip().lstrip("- ").strip()
            if said and _TAKING_PART.search(said):
                sheet.enrollment_notes.append(Fact(value=said, path=field.path, quote=said))
    elif field.path == "page.where_this_research_is_happening":
        for line in field.text.split("\n"):
            m = _PAGE_SITE.match(line.strip())
            if m:
                sheet.sites.append(Site(path=field.path, quote=line.strip().lstrip("- ").strip(),
                                        facility=(m.group("facility") or "").strip(), city=(m.group("city") or "").strip(),
                                        country=(m.group("country") or "").strip(), status=(m.group("status") or "").strip()))


def abbreviations(texts: list[str]) -> dict[str, str]:
    """Short forms defined in the text as "Long Form Words (LFW)": the words before the brackets whose
    initials spell the short form's capitals."""
    out: dict[str, str] = {}
    for text in texts:
        for m in _DEFINED_SHORT.finditer(text):
            short = m.group(2)
            caps = [c for c in short if c.isupper()]
            words = m.group(1).split()[-len(caps):] if caps else []
            if caps and len(words) == len(caps) and [w[0].upper() for w in words] == caps:  # ("(actual)" is none)
                out.setdefault(short, " ".join(words))
    return out


def fact_sheet(study: Study) -> FactSheet:
    sheet = FactSheet(study_id=study.study_id, title=study.title, acronym=study.acronym,
                      source_url=study.source_url)
    for field in study.fields:
        if field.path in TITLE_PATHS:
            sheet.title_fact = Fact(value=field.text, path=field.path, quote=field.text)
        elif field.path in SCALARS:
            for key in SCALARS[field.path]:
                fact = _fact(field, key)
                if fact:
                    setattr(sheet, key, fact)
        elif field.path == P + "eligibilityModule.eligibilityCriteria":
            _add_criteria(sheet, field)
        elif field.path == P + "sponsorCollaboratorsModule.collaborators":
            sheet.collaborators = _lines(field)
        elif field.path == P + "conditionsModule.conditions":
            sheet.conditions = _lines(field)
        elif field.path.startswith("page."):
            _add_page_field(sheet, field)
        elif field.path.startswith("resultsSection"):
            sheet.has_results = True
        else:
            _add_list_item(sheet, field)
    if study.results:  # its facts re-checked against the fields kept (a withheld field's words are never quoted)
        sheet.results = study.results.model_copy(deep=True)
        check_quotes(sheet.results, study.fields)
        sheet.has_results = True
    sheet.abbreviations = abbreviations([study.official_title or "", *(f.text for f in study.fields)])
    return sheet
