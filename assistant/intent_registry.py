"""Every intent in one place: its name, the fields it is about, and whether the fact sheet answers it.

The router's labels (``assistant.router.INTENTS``), retrieval's field hints (``INTENT_FIELDS``) and the
composed intents (``COMPOSED``) all derive from this table; the composers register themselves under the
same names (``assistant.compose.COMPOSERS``) and a test checks both sides agree. The examples each intent
is learned from live in ``assistant/routing/intent_examples.jsonl``, labelled with these names.
"""
from __future__ import annotations

from dataclasses import dataclass

_P = "protocolSection."


@dataclass(frozen=True)
class IntentSpec:
    name: str
    about: str  # what the question asks, in a few words (docs, eval reports)
    fields: tuple[str, ...] = ()  # field path prefixes it is about: retrieval's third ranked list
    composed: bool = False  # answered from the fact sheet by a composer of the same name


REGISTRY: tuple[IntentSpec, ...] = (
    IntentSpec("where", "where the sites are, near a place",
               (_P + "contactsLocationsModule.locations", "page.where_this_research_is_happening"), True),
    IntentSpec("who_can_join", "the rules for who can join",
               (_P + "eligibilityModule", "page.who_could_benefit_from_this_research"), True),
    IntentSpec("can_i_join", "whether this person can join",
               (_P + "eligibilityModule", "page.who_could_benefit_from_this_research"), True),
    IntentSpec("status", "whether it is taking people, why it stopped",
               (_P + "statusModule.overallStatus", _P + "statusModule"), True),
    IntentSpec("phase", "the phase", (_P + "designModule.phases", "page.quick_facts.phase"), True),
    IntentSpec("size", "how many people", (_P + "designModule.enrollmentInfo",), True),
    IntentSpec("design", "blinding, study type, whether I will know what I get",
               (_P + "designModule.designInfo.maskingInfo", _P + "designModule.studyType"), True),
    IntentSpec("randomization", "chance, groups by lot, the chance of placebo",
               (_P + "designModule.designInfo.allocation",), True),
    IntentSpec("arms", "the groups, placebo", (_P + "armsInterventionsModule.armGroups",), True),
    IntentSpec("treatment", "what is tested, how it is given",
               (_P + "armsInterventionsModule.interventions", _P + "armsInterventionsModule.armGroups"), True),
    IntentSpec("time_in_study", "how long a person takes part, how often, how many doses or visits",
               (_P + "armsInterventionsModule", _P + "outcomesModule", _P + "descriptionModule"), True),
    IntentSpec("outcomes", "what is measured", (_P + "outcomesModule",), True),
    IntentSpec("sponsor", "who runs or pays for it",
               (_P + "sponsorCollaboratorsModule", "page.quick_facts.sponsor"), True),
    IntentSpec("contact", "who to call",
               (_P + "contactsLocationsModule.centralContacts", _P + "contactsLocationsModule.overallOfficials",
                "page.researchers"), True),
    IntentSpec("dates", "the study's calendar: start and end", (_P + "statusModule",), True),
    IntentSpec("overview", "the study as a whole: what it tests, for whom, phase, status",
               (_P + "descriptionModule.briefSummary", "page.what_this_research_studies", "page.summary"), True),
    IntentSpec("results", "did it work, side effects",
               ("resultsSection.outcomeMeasuresModule", "resultsSection.adverseEventsModule",
                "resultsSection.participantFlowModule"), True),
    IntentSpec("advice", "personal medical advice: what to take or do, a diagnosis, a prognosis (declined)"),
    IntentSpec("off_topic", "not about the studies or health care: writing, shopping, food, sport, trivia (declined)"),
    IntentSpec("term", "what a word means (the glossary)"),
    IntentSpec("corpus", "questions across studies"),
    IntentSpec("other", "anything else: the record's best sentences answer it"),
)
BY_NAME = {spec.name: spec for spec in REGISTRY}
INTENT_NAMES: tuple[str, ...] = tuple(spec.name for spec in REGISTRY)
COMPOSED: frozenset[str] = frozenset(spec.name for spec in REGISTRY if spec.composed)
INTENT_FIELDS: dict[str, tuple[str, ...]] = {spec.name: spec.fields for spec in REGISTRY if spec.fields}
