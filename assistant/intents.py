"""Which fields a question is about, from its wording ("where" → locations, "who can join" → eligibility).

Used as a third ranked list in the fusion for pinned questions: plain questions like "Where is it?"
share no words with "Locations › Berlin, 14165, Germany", so neither BM25 nor MiniLM finds them reliably.
"""
from __future__ import annotations

import re

from assistant.intent_registry import INTENT_FIELDS  # noqa: F401  (the fields of each routed intent)
from trialchat.schema import bare_path

_P = "protocolSection."
INTENTS: list[tuple[str, tuple[str, ...]]] = [
    (r"\bwhere\b|\bcountr|\bcit(y|ies)\b|\bsites?\b|\blocat|\bhospital|\bnear\b|\bclinics?\b",
     (_P + "contactsLocationsModule.locations", "page.where_this_research_is_happening", "page.quick_facts.locations")),
    (r"\bwho can\b|\bjoin\b|\beligib|\bqualif|\bage\b|\bold\b|\byoung\b|\bover \d+|\bunder \d+|\bat \d+\b|\bcriteria\b|"
     r"\bexclu|\binclu|\bpregnan|\bhealthy volunteers?\b|\bchildren\b|\bkids\b|\bwomen\b|\bmen\b",
     (_P + "eligibilityModule", "page.who_could_benefit_from_this_research", "page.quick_facts.sex")),
    (r"\bcontact|\bphone\b|\bemail\b|\bcall\b|\breach\b|\bask (someone|the team)\b",
     (_P + "contactsLocationsModule.centralContacts", _P + "contactsLocationsModule.overallOfficials", "page.researchers")),
    (r"\bblind|\bmask|\bplacebo\b|\bknow (which|what|who)\b",
     (_P + "designModule.designInfo.maskingInfo", _P + "armsInterventionsModule.armGroups")),
    (r"\brandom|\ballocat|\bby chance\b", (_P + "designModule.designInfo.allocation",)),
    (r"\bphase\b", (_P + "designModule.phases", "page.quick_facts.phase")),
    (r"\bhow many\b|\benrol|\bparticipants? (are|were|will)\b|\bsize\b",
     (_P + "designModule.enrollmentInfo",)),
    (r"\barms?\b|\bgroups?\b|\bplacebo\b|\bcomparator\b", (_P + "armsInterventionsModule.armGroups",)),
    (r"\bdrug|\btreatment|\bintervention|\bdose|\binfusion|\btherapy|\bwhat (do|will) (they|participants|i) (get|receive)",
     (_P + "armsInterventionsModule.interventions", _P + "armsInterventionsModule.armGroups")),
    (r"\boutcome|\bmeasur|\bendpoint|\bgoal|\baim\b|\bpurpose\b",
     (_P + "outcomesModule", _P + "designModule.designInfo.primaryPurpose")),
    (r"\bresults?\b|\bfound\b|\bfindings?\b|\bwork(ed)?\b|\beffective",
     ("resultsSection.outcomeMeasuresModule", "resultsSection.participantFlowModule")),
    (r"\bside effects?\b|\badverse\b|\bsafety\b|\bharm|\bdeath|\bserious\b",
     ("resultsSection.adverseEventsModule",)),
    (r"\bwhen\b|\bstart|\bend\b|\bfinish|\bcomplet|\bdates?\b|\bhow long\b",
     (_P + "statusModule",)),
    (r"\brecruit|\bstatus\b|\bopen\b|\bstill\b|\bactive\b", (_P + "statusModule.overallStatus",)),
    (r"\bsponsor|\bfund|\bwho (runs|pays|is running)\b|\bcompany\b|\bcollaborat",
     (_P + "sponsorCollaboratorsModule", "page.quick_facts.sponsor", "page.byline")),
    (r"\bwhat is (it|this|the study) about\b|\bsummary\b|\bstud(y|ies) (look|test)|\bwhy\b|\bpurpose\b",
     (_P + "descriptionModule.briefSummary", "page.what_this_research_studies", "page.summary", "page.why_it_matters")),
    (r"\bcondition|\bdisease|\billness", (_P + "conditionsModule.conditions", "page.conditions")),
    (r"\bobservational\b|\binterventional\b|\btype of study\b|\bstudy type\b", (_P + "designModule.studyType",)),
    (r"\bshar(e|ing)\b.*\bdata\b|\bipd\b", (_P + "ipdSharingStatementModule",)),
]
_COMPILED = [(re.compile(p, re.IGNORECASE), paths) for p, paths in INTENTS]


def field_hints(question: str) -> list[str]:
    """Field path prefixes the question is about, most specific intent first, without duplicates."""
    out: list[str] = []
    for rx, paths in _COMPILED:
        if rx.search(question):
            out.extend(p for p in paths if p not in out)
    return out


def path_within(field_path: str, prefixes: list[str]) -> bool:
    """Whether the field is one of these fields or inside one of them (list positions ignored)."""
    bare = bare_path(field_path)
    return any(bare == p or bare.startswith(p + ".") for p in prefixes)

