"""The answer chain: guard → understand (a typed Request) → ordered steps → Answer.

Steps, the first that answers ends the chain: an unknown study ID (say so) → a study's name alone (an
overview) → an intent composed from the fact sheet → a question across studies (a cited list, or that
none matches) → the record's best sentences, quoted in a plain frame at once, then with a model the
first one in plain words under checks (assistant/plain_rewrite.py) → "the records don't say", with the
study team. Streaming order: sources first, then text, then the final Answer.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import reduce

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

from assistant.answer_templates import sentence
from assistant.answer_writer import AnswerWriter, Composed, contact_line, contact_of, join_words, team_to_ask
from assistant.compose import ENDED_EARLY, Composer
from assistant.compose_overview import HOURS, PER_PERIOD_Q, remote_sentences
from assistant.compose_where import THERE_RE, place_in, place_said_before
from assistant.eligibility_check import assess
from assistant.extractive import GENERIC, extractive_answer, relevance, scored_answer
from assistant.guard import check_question, decline_message
from assistant.intent_registry import COMPOSED
from assistant.intents import INTENT_FIELDS, field_hints, path_within
from assistant.named_facts import OTHER_NAME_Q, route_by_named_fact
from assistant.nearby import asked_place, country_of_demonyms
from assistant.patient_facts import ASKS_TO_JOIN_RE, patient_facts, speaks_of_someone
from assistant.plain_rewrite import plain_rewrite
from assistant.practical import ABOUT_THE_TREATMENT, gives_the_amount, names_what_is_asked
from assistant.prompting import render_prompt
from assistant.question_focus import answers_the_measure, quotes_give_the_measure
from assistant.rerank import CrossEncoder
from assistant.retrieval import HybridRetriever
from assistant.route_rules import (
    ADVICE_CONFIDENCE,
    ASKS_SOMETHING_RE,
    DECLINED_INTENTS,
    PART_OF_ALL,
    SHOULD_RE,
    Asked,
    fix_route,
)
from assistant.router import IntentRouter, Route
from assistant.scoping import (
    CORPUS_RE,
    Scope,
    StudyCatalog,
    StudyRef,
    asks_across_studies,
    looks_like_follow_up,
    resolve_scope,
    standalone,
)
from assistant.short_forms import asked_short_forms, explaining_sentence, find_long_form
from assistant.small_talk import small_talk
from assistant.spelling import Speller
from assistant.textutil import content_terms
from assistant.types import (
    Answer,
    AnswerEvent,
    Citation,
    FinalEvent,
    HistoryTurn,
    Source,
    SourcesEvent,
    TokenEvent,
    final_answer,
)
from assistant.vocab import vocabulary
from trialchat.facts import RECRUITING_STATUSES, FactSheet, age_in_years
from trialchat.schema import GLOSSARY_ID

log = logging.getLogger(__name__)
TERM_RE = re.compile(r"\b(mean|means|meaning|definition|define)\b|\bwhat (is|are) (a|an)\b|\bwhat is (open|double|single|"
                     r"triple|quadruple|placebo|random)", re.IGNORECASE)
QUOTED_TERM_RE = re.compile(r"['\"‘“]([^'\"’”]{3,40})['\"’”]")  # "it says 'self-controlled'"
STUDY_PHRASE_RE = re.compile(r"\b((?:[\w'-]+\s+){1,5})(?:study|trial|registry|program|programme|project|thing)\b", re.IGNORECASE)
THE_X_STUDY_RE = re.compile(r"\b(?:the|that|this)\s+([A-Za-z][A-Za-z-]{4,})\s+(?:study|trial)\b", re.IGNORECASE)
# a question of two alternatives ("…, or is there a placebo?"): a yes or no would answer only one of them
ALTERNATIVE_RE = re.compile(r"\bor\s+(?:is|are|was|were|do|does|did|will|would|can|could|should|has|have)\s+(?!not\b)\w",
                            re.IGNORECASE)
# (and "the german one", "the lupus pill one": a study the conversation named, by a word of its own)
REFERS_BACK_RE = re.compile(r"\b(it|its|this|that|these|those|there|they|them|the (study|trial|one))\b|"
                            r"\bthe [\w-]+(?:\s+[\w-]+)? one\b", re.IGNORECASE)
# intents about one study: without a study they have no answer but "which one?"
STUDY_INTENTS = frozenset(COMPOSED - {"overview"})
# words around a study's name that ask for nothing more than the study itself
OVERVIEW_FILLER = content_terms("tell me about more info information on what is the this study trial research explain "
                                "describe summary summarize overview of know want to please can you it give i a an "
                                "anything everything details detail thing one project registry")
# title words that name no study in particular
GENERIC_TITLE_TERMS = content_terms("study trial studies trials efficacy safety evaluate evaluation patients subjects "
                                    "participants treatment therapy randomized controlled placebo phase clinical "
                                    "compare comparing versus effect effects people adults children registry "
                                    "blind blinded double single triple open label comparison multicenter "
                                    "multicentre pilot prospective randomised acute program programme "
                                    "first second third last line real world dose doses dosing low high standard "
                                    "group groups arm arms "
                                    # everyday words a title may hold ("Total Endoscopic …", "Formerly Known as"):
                                    # "totally healthy" or "known side effects" name no study
                                    "without evidence formerly known total human change changes deep positive "
                                    "properties advancing advanced assess assessment adverse event events moderate "
                                    "severe active treat treating suspension manufactured compliant derived")
# how a treatment is taken, as people name a study by it ("the pill one", "the patch study", "the infusion trial")
TREATMENT_FORMS = (
    (("pill", "pills", "tablet", "tablets", "oral"), re.compile(r"\b(?:oral\w*|tablets?|capsules?|pills?|p\.o\.)", re.I)),
    (("shot", "shots", "injection", "injections"), re.compile(r"\b(?:inject\w*|subcutaneous\w*|shots?)\b", re.I)),
    (("infusion", "infusions", "drip", "iv"), re.compile(r"\b(?:infusions?|intravenous\w*|IV)\b")),
    (("patch", "patches"), re.compile(r"\bpatch(?:es)?\b", re.I)),
)
MAX_NAMING_CONDITIONS = 6
MAX_NAMING_COUNTRIES = 2
MAX_NAMING_SITES = 3
PRODUCT_CODE = re.compile(r"[a-z]+\d+[a-z0-9]*", re.IGNORECASE)  # "C213", "CDP870": a product's code names its study
# how a follow-up goes on from the last question: "and after that?", "why so few?", "what about the other group?"
BARE_POINTER_RE = re.compile(r"^\W*(?:(?:and|so|ok|okay|but|then|what about|how about)\W+)*(?:the|that) (?:[\w-]+(?:\s+[\w-]+)? "
                             r"(?:one|study|trial)|(?:one|study|trial) (?:that|which|with|using|where) (?:[\w-]+\s*){1,6})\W*$",
                             re.IGNORECASE)
OTHER_STUDIES_RE = re.compile(r"\b(?:any|other|another|else|more)\b.{0,12}\b(?:trials|studies|options)\b", re.IGNORECASE)
ANY_THERE_RE = re.compile(r"\b(?:is there|are there|anything|any (?:studies|trials|research))\b", re.IGNORECASE)
GOES_ON_RE = re.compile(r"^\W*(?:and|or|but|so|then|also|plus|why|what about|how about|after that|and then|which one|"
                        r"which of|like what|such as|what kind|which kind|wait|huh|really)\b", re.IGNORECASE)
FOLLOW_UP_SURE, FOLLOW_UP_WORDS = 0.5, 10  # a follow-up this short, routed less surely, is read with the last question
WHY_ALONE_RE = re.compile(r"\W*(?:but |and |so )?(?:why|why not|how come|what for|why is that)\W*", re.IGNORECASE)
REASONS_SAID = frozenset({"status", "size", "results"})  # "why?" the record answers: why it ended, why results came so
NAME_WORDS = content_terms("other names name also known called brand code")  # a line that only names
NAME_LINE_WORDS = 8
YES_NO_RE = re.compile(r"^\W*(?:can|could|may|might|is|are|was|were|do|does|did|will|would|should|has|have|had)\b",
                       re.IGNORECASE)
NAMES_ASKED_RE = re.compile(r"\b(?:names?|called|brand|code)\b", re.IGNORECASE)
SHORT_FOLLOW_UP = 8  # a follow-up this short that no sentence answers alone is read with the question before it
BARE_FOLLOW_UP = 2  # "why?", "and then?": nothing to route but the question before it
BARE_PICK = 6  # "the paris one", "MSC-SLE please": a pick after we asked which study, not a new question
ASKED_WHICH = sentence("record.which_of", names="").split(":")[0]  # "Which of these do you mean"
# one study of several the conversation named, not said which: "that one", "this study", "it"
STUDY_WORD = content_terms("the study")
WHAT_ABOUT_RE = re.compile(r"^\W*(?:and\s+|ok\s+|so\s+)?(?:what|how) about\b", re.IGNORECASE)
# "the newest one", "the biggest of those": a study picked from a list by its start date or its size
SUPERLATIVE_RE = re.compile(r"\b(?:newest|latest|most recent|oldest|earliest|biggest|largest|smallest)\b", re.IGNORECASE)
PREFIX_TITLE_WORDS = 8  # "About <title> (NCT…):" says this many words of a title with no short name
# "and the one that uses bone marrow instead?": a study pointed at by what it does, maybe not one of those listed
ONE_THAT_RE = re.compile(r"\bthe (?:one|study|trial)s? (?:that|which|where|who|with|using) (?!(?:is|does|has)?\s*(?:n'?t|not|no)\b)"
                         r"(?!(?:isn|doesn|hasn|aren|wasn)'?t\b)([^,;?!-]{3,80})", re.IGNORECASE)
SURELY_ABOUT = 0.5  # a study found by a description's words when its best chunk holds this share of them
ONE_OF_THEM_RE = re.compile(r"\b(?:that|this|the) (?:one|study|trial)\b|\bit\b", re.IGNORECASE)
# picking among the studies an answer listed: "which of those", "any of them", "which ones"
AMONG_RE = re.compile(r"^\W*(?:(?:and|so|ok|okay|but|then)\W+)?which\b(?!\s+(?:drug|dose|group|arm|site|hospital|doctor)s?\b)|"
                      r"\b(?:of|among|between) (?:those|these|them|the ones|the studies|the trials|(?:the )?(?:2|two|3|three|4|"
                      r"four|both))\b|"
                      r"\bwhich ones?\b(?! of)|\b(?:those|these|them) (?:are|is|that|which)\b", re.IGNORECASE)
# "the paris one", "the spain trial": a study pointed at by a word, among those the conversation named
POINTER_RE = re.compile(r"\bthe ([\w-]+(?:\s+[\w-]+)?) (?:one|study|trial)\b", re.IGNORECASE)
OTHER_ONE_RE = re.compile(r"\b(?:the|that) other (?:one|study|trial)\b", re.IGNORECASE)
# "the other lung cancer one": another study than the conversation's, named by what it is about
OTHER_KIND_RE = re.compile(r"\b(?:the|that) other ((?:[\w-]+\s+){1,3}?)(?:one|study|trial)\b", re.IGNORECASE)
# "the one in paris", "the one from south carolina": a study pointed at by where it runs ("the study in total" is no
# pointer: the place must be one the gazetteer knows)
ONE_IN_RE = re.compile(r"\bthe one (?:in|from|at) ((?:[\w-]+\s*){1,3})", re.IGNORECASE)
# (nor a group of the study: "who had the real patch and who had the dummy one")
NOT_POINTERS = content_terms("other same new old next previous last first second third this that real fake dummy "
                             "placebo sham actual active")
LIKE_THIS_RE = re.compile(r"\b(?:like (?:this|it|that|this one)|similar|same (?:condition|disease|illness))\b",
                          re.IGNORECASE)
HISTORY_TURNS_READ = 4  # the turns a follow-up's study is looked for in, newest first
LIST_TURNS_READ = 10  # the turns a list the question points into ("the chinese one", "which of those") is looked for in
MIN_RELEVANCE = 0.2  # question content covered by the best source, below which we abstain up front
MIN_GLOSSARY_MATCH = 0.45  # cosine of a term question to its glossary entry, below which we don't define it


@dataclass
class ChainParts:
    retriever: HybridRetriever
    catalog_loader: Callable[[], StudyCatalog]  # re-read when an ingest changed the catalog
    llm: BaseChatModel | None
    k: int = 4
    max_question_chars: int = 2000
    router: IntentRouter | None = None  # None: every question goes through retrieval
    composer: Composer | None = None
    facts: Callable[[str], FactSheet | None] = lambda _study_id: None
    all_facts: Callable[[], list[FactSheet]] = list  # every study's sheet, for questions across studies
    speller: Speller | None = None  # None: questions are routed as typed
    reranker: CrossEncoder | None = None  # None: record sentences are picked by shared words
    min_score: float = -4.0  # the reranker's score below which no record sentence answers


@dataclass
class Request:
    """A question understood: what was asked, the words the steps read, its study and its intents."""

    question: str  # as asked (after the guard's normalisation)
    text: str  # spelling corrected: what routing, composing and retrieval read
    scope: Scope
    pinned: str | None
    history: list[HistoryTurn] = field(default_factory=list)
    route: Route | None = None
    language: str = "en"
    unnamed: str = ""  # ``text`` with the study's names said as "the study": what composing reads of the person
    why_alone: bool = False  # "why?" after an answer: the reason for what it said

    @property
    def intent(self) -> str | None:
        """The intent when the router is sure of it (an unsure route is read whole by retrieval instead)."""
        return self.route.intent if self.route and self.route.confident else None


_DETERMINERS = frozenset({"the", "this", "that", "a", "an"})
INDEFINITE = frozenset({"a", "an", "any", "some", "another"})


def _study_phrase_masked(text: str) -> str:
    """"is the lupus nephritis MSC study in Spain open?" → "is the study in Spain open?": the words between the
    last determiner and "study" are a name (unchanged when there are none)."""
    m = STUDY_PHRASE_RE.search(text)
    words = m.group(1).split() if m else []
    last = max((i for i, w in enumerate(words) if w.lower() in _DETERMINERS), default=None)
    if m is None or last is None or last == len(words) - 1:
        return text
    return f"{text[:m.start()]}{' '.join(words[:last + 1])} study{text[m.end():]}"


def _last_ask(text: str) -> str:
    """The last sentence that asks something ("… neither helped. Does that count?" → "Does that count?")."""
    parts = [p for p in re.split(r"(?<=[.?!])\s+", text.strip()) if p]
    asks = [p for p in parts if p.endswith("?")]
    return (asks or parts or [text])[-1]


ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3, "fifth": 4,
            "5th": 4, "last": -1}
ORDINAL_RE = re.compile(r"\b(" + "|".join(ORDINALS) + r")\s+(?:one|study|trial|registry|option)\b", re.IGNORECASE)


def _by_ordinal(question: str, refs: list[StudyRef], said: str) -> StudyRef | None:
    """"the second one": of the studies a turn named, the one in that place of the order they were named in."""
    m = ORDINAL_RE.search(question)
    if not m:
        return None
    ordered = sorted(refs, key=lambda r: (said.find(r.study_id) if r.study_id in said else len(said)))
    i = ORDINALS[m.group(1).lower()]
    return ordered[i] if -len(ordered) <= i < len(ordered) else None


def treatment_terms(sheet: FactSheet | None) -> set[str]:
    """The words of a study's treatments and their other names."""
    return content_terms(" ".join(f"{i.name} {i.other_names or ''}" for i in sheet.interventions)) if sheet else set()


def plain_conditions(sheet: FactSheet, conditions: list[str]) -> list[str]:
    """A study's conditions in plain words, when the record writes them short: "NSCLC" is lung cancer."""
    vocab = vocabulary()
    return [vocab.concepts[k].says for h in vocab.find(" ".join([sheet.title, *conditions])) for k in h.concepts
            if vocab.concepts[k].kind == "condition"]


def naming_terms(sheet: FactSheet) -> set[str]:
    """The words a person may name a study by: its title, short name, treatments and conditions."""
    # (a registry listing 60 conditions is named by none of them: conditions name a study only when they are few)
    conditions = [c.value for c in sheet.conditions] if len(sheet.conditions) <= MAX_NAMING_CONDITIONS else []
    plain = plain_conditions(sheet, conditions)
    # (a treatment's other names too: "the cimzia study" is the certolizumab one; and its form: "the pill one")
    forms = [" ".join(words) for words, rx in TREATMENT_FORMS if any(rx.search(f"{i.name} {i.description or ''}")
                                                                     for i in sheet.interventions)]
    # (and who it is for, when that is children: "the one for kids" is the colic study)
    high = age_in_years(sheet.max_age.value) if sheet.max_age else None
    kids = ["kids kid children child baby babies infants infant pediatric"] if high is not None and high < 18 else []
    return content_terms(" ".join([sheet.title, sheet.acronym or "", *(i.name for i in sheet.interventions),
                                   *(i.other_names or "" for i in sheet.interventions), *conditions, *plain, *forms,
                                   *kids]))


def short_names(sheet: FactSheet) -> set[str]:
    """Short words that name a study though short: its acronym's, and the capital-letter abbreviations of its title
    and treatments ("MSCs" in "Umbilical cord-derived MSCs")."""
    caps = re.findall(r"\b[A-Z]{2,}s?\b", " ".join([sheet.title, *(i.name for i in sheet.interventions)]))
    return content_terms(" ".join([sheet.acronym or "", *caps]))


def country_terms(sheet: FactSheet) -> set[str]:
    """Where a study runs, when that is one or two countries (and its cities, when it has a few sites): "the german
    lung cancer study", "the paris stem cell trial" name it by them."""
    countries = list(dict.fromkeys(x.country for x in sheet.sites if x.country))
    cities = [x.city for x in sheet.sites if x.city] if len(sheet.sites) <= MAX_NAMING_SITES else []
    return content_terms(" ".join([*countries, *cities])) if len(countries) <= MAX_NAMING_COUNTRIES else set()


def site_place_terms(sheet: FactSheet) -> set[str]:
    """Every city, state and country of the study's sites: "the spain one" fits a study with a site in Spain; and
    the hospitals of a study with a few sites ("the saint louis study" is the one at Saint-Louis Hospital)."""
    few = len(sheet.sites) <= MAX_NAMING_SITES
    return content_terms(" ".join(f"{x.city} {x.state} {x.country} {x.facility if few else ''}" for x in sheet.sites))


# "the one that's still taking people", "the finished one": a study pointed at by whether it takes people now
CLOSED_POINTER_RE = re.compile(r"\b(?:not (?:taking|recruiting|enrolling|open)|no longer|closed|finished|done|completed|"
                               r"ended|stopped|over)\b", re.IGNORECASE)
OPEN_POINTER_RE = re.compile(r"\b(?:taking|recruiting|enrolling|accepting|open(?![- ]label)|signing up|looking for "
                             r"(?:people|ppl|patients|participants|volunteers))\b", re.IGNORECASE)


def _fits_status(question: str, sheet: FactSheet) -> int:
    """1 when the question points at a study by whether it takes people now and this one fits, else 0."""
    open_now = bool(sheet.status and sheet.status.value in RECRUITING_STATUSES)
    if CLOSED_POINTER_RE.search(question):
        return int(not open_now)
    return int(open_now) if OPEN_POINTER_RE.search(question) else 0


# "there was a study in italy for colic", "the trial using chamomile drops": a study described by what it is about
DESCRIBES_A_STUDY_RE = re.compile(r"\b(?:a|the|that|this) (?:study|trial)\s+(?:(?:in|at|from)\s+[\w-]+\s+)?"
                                  r"(?:for|with|using|on|about|testing|of)\b", re.IGNORECASE)
# a study described and nothing else: "the lupus study", "tell me about that german lung cancer trial"
BARE_DESCRIPTION_RE = re.compile(r"(?:(?:tell me about|what about|what'?s|what is|info on|about)\s+)?(?:the|that|this)\s+"
                                 r"(?:[\w'-]+\s+){1,4}(?:study|trial|one|registry|thing|project)", re.IGNORECASE)
# "the one that isn't a drug": a study that gives no treatment (a registry, a study that only watches)
NO_DRUG_POINTER_RE = re.compile(r"\b(?:isn'?t|is not|not|no|without|doesn'?t (?:give|use|test))\s+(?:a |an |any )?(?:drugs?|"
                                r"medicines?|medications?|meds|pills?|treatments?)\b", re.IGNORECASE)


def _fits_no_drug(question: str, sheet: FactSheet) -> int:
    """1 when the question points at a study that tests no treatment and this one is such a study, else 0."""
    watches = sheet.observational
    return int(watches) if NO_DRUG_POINTER_RE.search(question) else 0


# an answer that said the person would not get in: "why?" after it asks which rules keep them out
NOT_QUALIFY_SAID_RE = re.compile(r"\b(?:would(?:n'?t| not)|could(?:n'?t| not)|can(?:'?t|not)|don'?t|doesn'?t|do not|does not|"
                                 r"probably (?:not|won'?t))\s+(?:\w+\s+)?(?:qualify|be eligible|join|fit|get in|be able to "
                                 r"join)\b|\bnot eligible\b|\brules? (?:her|him|you|them) out\b", re.IGNORECASE)
# an answer that said the study ended: "why?" after it asks why it ended
ENDED_SAID_RE = re.compile(r"\b(?:completed|ended|stopped|terminated|finished|closed|withdrawn|no longer)\b|"
                           r"\b(?:isn'?t|is not|not)\s+(?:taking|accepting|recruiting|enrolling)\b", re.IGNORECASE)
CLOSER_RE = re.compile(r"\b(?:closer|closest|nearer|nearest)\b(?!\s+(?:to|near)\s+(?-i:[A-Z]))", re.IGNORECASE)
# "what does MiSLE stand for?", "why is it called ABP?", "what's C-AXSPAND short for?": what a study's name means
NAME_MEANING_RE = re.compile(r"(?P<x>[\w+-]+)(?:\s+(?:stands?|is short|short))\s+for\b|\bwhat does (?:the name )?(?P<y>[\w+-]+) mean\b|"
                             r"\bwhy is (?:it|this|the study|this study|the trial) called\b", re.IGNORECASE)


def _events(answer: Answer) -> list[AnswerEvent]:
    """A finished answer as the events a stream gives: its sources, its text, the answer."""
    return [SourcesEvent(sources=answer.sources, study_id=answer.study_id), TokenEvent(text=answer.text),
            FinalEvent(answer=answer)]


def is_term_question(question: str) -> bool:
    return bool(TERM_RE.search(question))


class AnswerChain:
    def __init__(self, parts: ChainParts):
        self.p = parts
        # study → its naming words, for the list of fact sheets they were read from (reloaded after an ingest)
        self._naming: tuple[list[FactSheet] | None, dict[str, set[str]]] = (None, {})

    # ---------------- public ----------------
    def invoke(self, question: str, study_id: str | None = None,
               history: list[HistoryTurn] | None = None) -> Answer:
        return final_answer(self.stream(question, study_id, history))

    def stream(self, question: str, study_id: str | None = None,
               history: list[HistoryTurn] | None = None) -> Iterator[AnswerEvent]:
        history = history or []
        guard = check_question(question, self.p.max_question_chars)
        if not guard.ok:
            yield SourcesEvent(sources=[], study_id=study_id)
            yield FinalEvent(answer=Answer(text=decline_message(guard.verdict, self.p.max_question_chars),
                                           status="declined", study_id=study_id, step="declined"))
            return
        request = self.understand(guard.question, study_id, history)  # UnknownStudyError for a bad pin
        # ordered steps: the first that answers ends the chain
        for step in (self._small_talk, self._unknown_study, self._advice, self._no_reason, self._name_meaning,
                     self._name_alone, self._taking_part_on_a_page,
                     self._composed_step,
                     self._across_studies, self._which_study, self._record_sentences):
            events = step(request)
            if events is not None:
                yield from events
                return

    def understand(self, question: str, pinned: str | None, history: list[HistoryTurn]) -> Request:
        """The question as a typed request: spelling fixed, its study (or all of them), its intents."""
        catalog = self.p.catalog_loader()
        text = self.p.speller.correct(question) if self.p.speller else question
        scope = resolve_scope(question, catalog, pinned, history)
        routed = catalog.without_names(text)
        # ("for the spine arthritis one, …" after a list points into the list: read with the conversation below)
        points_into_list = bool(history and not pinned and POINTER_RE.search(text)
                                and len(catalog.all_in_text(history[-1].content)) > 1)
        if not scope.unknown_id and scope.reason in ("corpus", "pinned") and catalog.find_in_text(text)[0] is None \
                and not points_into_list:
            by_topic, phrase = self._study_by_topic(text)  # "tell me about the certolizumab study", on any page
            if by_topic and by_topic != scope.study_id:
                scope = Scope(by_topic, text, "question")
            # "is the brigatinib lung cancer trial in Hamburg?" is routed as "is the study in Hamburg?"
            # ("how big is the Paris [umbilical cord stem cell lupus trial]": the place before the name is part of it)
            routed = re.sub(r"\b(?:the|this|that)\s+(?:(?!(?:in|of|at|for|on|from|with|to|and|or)\b)[\w-]+\s+){0,2}the study\b",
                            "the study", routed.replace(phrase, "the study"),
                            flags=re.IGNORECASE) if by_topic and phrase else routed
        route = self.p.router.route(routed) if self.p.router else None
        # "the paris one" after we asked which of several was meant: the question asked before it, about that one
        if route and self.p.router and len(history) >= 2 and history[-1].role == "assistant" \
                and history[-1].content.startswith(ASKED_WHICH) and len(routed.split()) <= BARE_PICK:
            asked_before = next((t.content for t in reversed(history) if t.role == "user"), "")
            route = self.p.router.route(asked_before) if asked_before else route
            routed = f"{asked_before} ({routed})" if asked_before else routed
        # "and the abbvie one?" after a list: the person's last question, about the one pointed at
        last_asked = next((t.content for t in reversed(history) if t.role == "user"), "")
        if route and self.p.router and last_asked and BARE_POINTER_RE.match(routed):
            route, routed = self.p.router.route(last_asked), f"{last_asked} ({routed})"
            if route.intent == "corpus":  # ("I'm 62 … any trials?" of one study: can I join it, or what it is)
                # ("which studies use stem cells?" names a treatment, not the person's own)
                told = speaks_of_someone(last_asked) and patient_facts(last_asked).said_anything(where=True)
                route = Route("can_i_join" if told else "overview", route.score, "pointer")
        # unsure: the name's own words may say what is asked ("… registry need"), or a name we could not place
        # may hide it ("is the lupus nephritis MSC study in Spain open?" read as "is the study in Spain open?")
        # and the last sentence that asks ("I live in Toronto. Is it only for Americans?"): the context before it
        # feeds the person's facts, the ask routes
        # (and a question about one named study read as across studies: "is the MiSLE stem cell trial an option
        # for me?" asks about MiSLE, "… the study stem cell trial …" only looked like a search)
        named_one = scope.reason == "question" and not asks_across_studies(text)
        for other in dict.fromkeys((text, _study_phrase_masked(routed), _last_ask(routed))):
            read_as_list = named_one and route is not None and route.intent == "corpus"
            if route and (not route.confident or read_as_list) and other != routed and self.p.router:
                tried = self.p.router.route(other)
                route = tried if tried.confident and not (read_as_list and tried.intent == "corpus") else route
        # a short follow-up the router reads weakly ("and after that year is up??", "which one came out best") goes
        # on from the person's last question: read with it, unless that reads no surer
        last_user = next((t.content for t in reversed(history) if t.role == "user"), "")
        words = len(routed.split())
        if route and self.p.router and last_user and (route.score < FOLLOW_UP_SURE or words <= BARE_FOLLOW_UP) \
                and words <= FOLLOW_UP_WORDS and (goes_on := GOES_ON_RE.search(routed)) \
                and not ASKS_SOMETHING_RE.search(routed[goes_on.end():]):  # ("what about X, who do I call?" asks)
            joined = self.p.router.route(f"{last_user} {routed}")
            if joined.confident and joined.score > route.score:
                # (composed with it too: "like what tho, on the actual drug" after "were there side effects" asks
                # which side effects; a bare "why?" keeps its own words: it asks why of the answer before)
                route = joined
                # (nor does "what about toronto or montreal?" after "were there sites in canada?": its own place)
                own_place = asked_place(WHAT_ABOUT_RE.sub("in", routed))  # ("what about toronto" asks about Toronto)
                routed = routed if WHY_ALONE_RE.fullmatch(routed.strip()) or own_place else f"{last_user} ({routed})"
        facts = patient_facts(routed)  # the person's facts, read once for the route rules and the scope below
        earlier = tuple(t.content for t in history if t.role == "user")
        sheet_of = self.p.facts(scope.study_id) if scope.study_id else None
        route = fix_route(route, Asked(routed=routed, text=text, scope=scope, facts=facts,
                                       told_before=patient_facts(routed, earlier),
                                       takes_part_remotely=lambda: bool(self.p.composer and sheet_of and remote_sentences(
                                           self.p.composer.chunks, sheet_of)),
                                       measured_words=lambda: set().union(set(), *(
                                           content_terms(f"{o.measure} {o.description}")
                                           for o in (sheet_of.outcomes if sheet_of else [])))))
        about_a_study = bool(route and route.confident and route.intent in STUDY_INTENTS)
        # (in a conversation too: "and what about the PatientSpot one?" names the study it is about now)
        if scope.reason in ("corpus", "history") and not scope.unknown_id and not pinned \
                and not asks_across_studies(text) and not is_term_question(text) \
                and not (scope.reason == "history" and ORDINAL_RE.search(text)):  # "the first one" points back
            # "Duke pregnancy registry?", "side effects of the cluster headache patch?": one study named by words
            # (the person's own illness and medicines name no study: "i have rheumatoid arthritis and take
            # methotrexate, is that a problem?" in a conversation about the disc study is still about it)
            # (unless the question describes a study by them: "there was a study in italy for colic …, my son has it")
            own = [m.words for m in (*facts.conditions, *facts.treatments)] \
                if speaks_of_someone(text) and not DESCRIBES_A_STUDY_RE.search(text) else []
            named = self._study_named_by_words(
                reduce(lambda t, w: re.sub(re.escape(w), " ", t, flags=re.IGNORECASE), own, text),
                results=bool(route and route.intent == "results"))
            # ("is there anything for babies?" asks whether any study is, though one study's words are "babies")
            # ("is certolizumab pegol just cimzia?": a treatment's names asked, of the study that gives it)
            # ("there was a study in italy for colic using chamomile drops … my son was born at 35 weeks, could he
            # get in?": one study described, and whether the person can join it)
            joins_it = bool(named and ASKS_TO_JOIN_RE.search(text) and facts.said_anything()
                            and not ANY_THERE_RE.search(text))
            if named and (about_a_study or OTHER_NAME_Q.search(text) or joins_it
                          or (self._name_alone_of(named, text) and not ANY_THERE_RE.search(text))):
                scope = Scope(named, text, "question")  # a study's fact asked, or its name alone
                if joins_it and route and route.intent == "corpus":
                    route = Route("can_i_join", route.score, "described")
        # a follow-up, or a question about one study ("what side effects were reported most often?") in a
        # conversation about one: the study of the conversation
        about_one = about_a_study and not asks_across_studies(text)
        # in a conversation, a question that does not ask across studies is about the conversation's study
        # ("what kind of questionnaires would I fill out?" after "how does PatientSpot work?")
        not_across = not asks_across_studies(text) and not (route and route.confident and route.intent == "corpus")
        if (scope.reason == "corpus" or (scope.reason == "history" and ORDINAL_RE.search(text))) \
                and not scope.unknown_id and not pinned and history \
                and (looks_like_follow_up(text) or about_one or not_across
                     or POINTER_RE.search(text)):  # ("the first one": read again; "the german one")
            scope = self._scope_from_history(text, history, catalog) or scope
        if scope.reason == "history" and not pinned and OTHER_KIND_RE.search(text):
            # "what about the other lung cancer one?": not the conversation's study, the other one of that kind
            scope = self._the_other_one(text, history[-LIST_TURNS_READ:], catalog) or scope
        if pinned and scope.reason == "pinned" and OTHER_NAME_Q.search(text) \
                and (drug_study := self._study_named_by_words(text)) and drug_study != pinned \
                and not content_terms(text) & treatment_terms(self.p.facts(pinned)):
            # "is certolizumab pegol just cimzia?" on PatientSpot's page: the names of another study's treatment
            scope = Scope(drug_study, text, "question")
        if scope.reason == "corpus" and not pinned and not scope.unknown_id and BARE_DESCRIPTION_RE.fullmatch(text.strip(" ?!.")):
            scope = self._described_alone(text) or scope  # "the lupus study": which one, when several are
        listed = self._listed_before(text, history, catalog)
        if listed:  # "which of those is in Europe?" after a list of studies: across those studies only
            scope = Scope(None, text, "corpus", among=listed)
        if scope.reason == "pinned" and route and route.confident and route.intent == "corpus" \
                and route.score >= PART_OF_ALL and not REFERS_BACK_RE.search(text):
            # "anything for multiple sclerosis?" on a study's page: across all studies (the answer says so first)
            scope = Scope(None, text, "corpus")
        if scope.reason == "history" and route and route.confident and route.intent == "corpus" \
                and ((not REFERS_BACK_RE.search(text) and not POINTER_RE.search(text)) or OTHER_STUDIES_RE.search(text)):
            # "anything for back pain?" after another question: a new question across studies, not a follow-up
            scope = Scope(None, text, "corpus")
        if scope.study_id and not scope.unknown_id and scope.reason != "question" and not points_into_list:
            # "what about the one in paris?" on MiSLE's page (all its sites in the US): the one study there, by its words
            elsewhere = self._pointed_elsewhere(text, scope.study_id, catalog)
            scope = Scope(elsewhere.study_id, standalone(text, elsewhere), "question") if elsewhere else scope
        if history and scope.study_id and THERE_RE.search(routed) and (sheet := self.p.facts(scope.study_id)) \
                and not place_in(routed, sheet, frozenset())[0] and (there := place_said_before(
                    [t.content for t in history[-HISTORY_TURNS_READ:]], sheet)):
            routed = f"{routed} (in {there})"  # "who's the contact there?" after "… Cedars-Sinai in Los Angeles …"
        elif history and scope.study_id and scope.reason in ("history", "question") and route \
                and route.intent in ("where", "contact") \
                and (sheet := self.p.facts(scope.study_id)) and not place_in(routed, sheet, frozenset())[0]:
            # "the pill one, which cities?" after "lupus trials in spain?": its sites in the place the person asked about
            asked = [t.content for t in history[-HISTORY_TURNS_READ:] if t.role == "user"]
            place = next((p for turn in reversed(asked) for p, here in [place_in(turn, sheet, frozenset())]
                          if p and 0 < len(here) < len(sheet.sites)), "")
            routed = f"{routed} (in {place})" if place else routed
        # "how much of the chamomile drops did they get?": a fact of the study named says what is asked
        route = route_by_named_fact(text, self.p.facts(scope.study_id) if scope.study_id else None, route)
        why_alone = bool(history and WHY_ALONE_RE.fullmatch(routed.strip()))
        return Request(question=question, text=text, scope=scope, pinned=pinned, history=history, route=route,
                       unnamed=routed, why_alone=why_alone)

    def _study_by_topic(self, text: str) -> tuple[str | None, str]:
        """The one study whose treatment or acronym the question names as "the X study" (None if not one), or
        that a phrase before "study", "trial" or "registry" names by its own words ("the brigatinib lung cancer
        trial", "the Duke pregnancy registry")."""
        if asks_across_studies(text):
            return None, ""
        for phrase in STUDY_PHRASE_RE.finditer(text):
            words = phrase.group(1).split()
            last = max((i for i, w in enumerate(words) if w.lower() in _DETERMINERS), default=None)
            if last == len(words) - 1:
                continue  # "… counted as active disease for this study": "this study" names none but the pinned one
            study = self._study_named_by_words(" ".join(words[last + 1:] if last is not None else words), places=True)
            if study:  # the name runs from its first word the study is named by ("is the [brigatinib … trial]")
                # (never from before its determiner: "the dummy [patch in the zolmitriptan cluster study]" names
                # the study from "zolmitriptan" on, the patch is what is asked about)
                # ("the [french lupus stem cell study]": all of it after the determiner, its places too)
                words = phrase.group(0).split()
                first = last + 1 if last is not None else \
                    next((i for i, w in enumerate(words) if content_terms(w) & self._naming[1][study]), 0)
                if first and words[first - 1].lower() in INDEFINITE:
                    continue  # "is there a pregnancy registry?" asks whether there is one, it names none
                return study, " ".join(words[first:])
        m = THE_X_STUDY_RE.search(text)
        if not m:
            return None, ""
        named = content_terms(m.group(1))
        hits = {sheet.study_id for sheet in self.p.all_facts()
                if named and named <= content_terms(" ".join([*(i.name.split()[0] for i in sheet.interventions),
                                                               *(c.value for c in sheet.conditions)]))}
        return (hits.pop(), m.group(0)) if len(hits) == 1 else (None, "")

    def _study_named_by_words(self, text: str, results: bool = False, places: bool = False) -> str | None:
        """The one study the question names by its title, treatments or conditions ("PatientSpot", "Duke
        pregnancy registry", "the cluster headache patch"): a word no other study has, or more of the question's
        words than any other; None when no study or several are named as well."""
        sheets = self.p.all_facts()
        if self._naming[0] is not sheets:  # the cache hands back the same list until an ingest changes it
            self._naming = (sheets, {s.study_id: {t for t in naming_terms(s) if (len(t) >= 4 or t in short_names(s)
                                                                                 or PRODUCT_CODE.fullmatch(t)) and not t.isdigit()} - GENERIC_TITLE_TERMS
                for s in sheets})
        naming = self._naming[1]
        if places:  # "the german lung cancer study": where it runs names it too, in such a phrase
            by_id = {sheet.study_id: sheet for sheet in sheets}
            naming = {sid: ws | country_terms(by_id[sid]) for sid, ws in naming.items()}
        asked = content_terms(country_of_demonyms(text))  # "the german one" is the one in Germany
        with_results = {s.study_id for s in sheets if s.has_results} if results else set()
        # (words shared, has the posted results a results question needs, study)
        shared = sorted(((len(ws & asked), sid in with_results, sid) for sid, ws in naming.items()), reverse=True)
        if not shared or not shared[0][0]:
            return None
        (best, answers, sid), runner_up = shared[0], (shared[1][:2] if len(shared) > 1 else (0, False))
        only_its = asked & naming[sid] - set().union(*(ws for s, ws in naming.items() if s != sid))
        # a word no other study has, or more of the question's words than any other study
        return sid if (best, answers) > runner_up and (only_its or best >= 2) else None

    def _name_alone_of(self, study_id: str, text: str) -> bool:
        """Whether the question is only the study's name ("Duke pregnancy registry?", "what's PatientSpot?")."""
        sheet = self.p.facts(study_id)
        named = naming_terms(sheet) | country_terms(sheet) if sheet else set()  # ("the paris stem cell trial")
        words = content_terms(re.sub(r"'s\b", "", text)) - OVERVIEW_FILLER - GENERIC_TITLE_TERMS
        return bool(words) and not words - named  # "placebo??" names no study: its words are every study's

    # ---------------- steps ----------------
    def _composed(self, intent: str, question: str, scope: Scope, also: tuple[str, ...] = (),
                  step: str = "composed", earlier: tuple[str, ...] = ()) -> list[AnswerEvent] | None:
        """The answer composed from the study's fact sheet (no retrieval, no model), or None."""
        if not self.p.composer:
            return None
        sheet = self.p.facts(scope.study_id) if scope.study_id else None
        if intent == "term":
            entries = self.p.retriever.search(question, k=12, study_ids={GLOSSARY_ID})
            # the entry whose own name the question uses ("phase 3", not "phase 2/3"), else the best match
            named = [e for e in entries if re.search(rf"\b{re.escape(e.field_label.split(' › ')[-1])}\b", question,
                                                     re.IGNORECASE)]
            entry = max(named, key=lambda e: len(e.field_label)) if named else entries[0] if entries else None
            # ("it says 'self-controlled', what does that mean?": a word quoted is the one asked, not a near one
            # such as case-control)
            quoted_term = QUOTED_TERM_RE.search(question)
            near_only = bool(entry and not named and quoted_term and not content_terms(quoted_term.group(1))
                             <= content_terms(entry.field_label.split(" › ")[-1]))
            composed = self.p.composer.term(question, entry.field_path, sheet) \
                if entry and not near_only and (named or (entry.dense_score or 0) >= MIN_GLOSSARY_MATCH) else None
            if composed is None and sheet:  # "what does ALK+ mean?": a short form the study's record spells out
                composed = self._short_form(question, sheet)
        else:
            composed = self.p.composer.compose(intent, question, sheet, also, earlier) if sheet else None
        if not composed or not gives_the_amount(question, composed.text):
            return None  # "dose A in mg?" answered with "dose A once daily" would not answer it
        if ALTERNATIVE_RE.search(question):  # "does everyone get it, or is there a placebo?": no yes or no answers both
            composed.text = re.sub(r"^(?:Yes|No)\. ", "", composed.text)
        prefix = self._about_prefix(scope)
        if prefix:  # the reader named the study (or the conversation did): say which record this is about
            composed.text = f"{prefix}{composed.text[:1].lower()}{composed.text[1:]}"
        answer = Answer(text=composed.text, status="abstained" if composed.none else "answered",
                        citations=composed.citations,
                        sources=composed.sources, study_id=scope.study_id, intent=intent, step=step,
                        standalone_question=scope.standalone_question if scope.reason == "history" else None,
                        eligibility=composed.eligibility)
        return _events(answer)

    def _short_form(self, question: str, sheet: FactSheet) -> Composed | None:
        """What a short form the question names stands for, in the study's own words (None: it does not say)."""
        ref = self.p.catalog_loader().get(sheet.study_id)
        shorts = asked_short_forms(question, [sheet.study_id, *(ref.names if ref else [])])
        if not shorts or not self.p.composer:
            return None
        fields = [(c.metadata.get("field_path", ""), c.text) for c in self.p.retriever.store.chunks_of_studies([sheet.study_id])]
        for short in shorts:
            found = find_long_form(short, fields)
            if found:
                return self.p.composer.short_form(short, found, sheet, explaining_sentence(short, fields))
        return None

    def _scope_from_history(self, question: str, history: list[HistoryTurn], catalog: StudyCatalog) -> Scope | None:
        """No study named in the question: the one the conversation was about. A turn that names one study (by
        ID, short name or its own words) gives it; one that names several gives the one the question points at
        ("the one in Spain"); else the last user turn is searched."""
        recent = history[-HISTORY_TURNS_READ:]
        other = self._the_other_one(question, history[-LIST_TURNS_READ:], catalog)
        if other is not None:
            return other
        if POINTER_RE.search(question) and not ORDINAL_RE.search(question):  # "the paris one", not "the first one"
            # (a list a few turns back: "what about the chinese one?" after two questions on the German one)
            pointed = self._pointer_target(question, history[-LIST_TURNS_READ:], catalog)
            if pointed:
                return Scope(pointed.study_id, standalone(question, pointed), "history")
            fits = self._fitting_pointer(question, history[-LIST_TURNS_READ:], catalog)
            pointer = POINTER_RE.search(question)
            by_words = self._study_named_by_words(pointer.group(1), places=True) if pointer and not fits else None
            if by_words and (ref := catalog.get(by_words)):
                # "the headache one" after a list that named it by words only: the one study those words name
                return Scope(ref.study_id, standalone(question, ref), "history")
            if len(fits) > 1:  # "the stem cell one" of four stem cell studies: the one the rest of it says, or ask
                best = self._pointed_at(question, fits)
                return Scope(best.study_id, standalone(question, best), "history") if best else \
                    Scope(None, question, "choose", among=tuple(r.study_id for r in fits))
        # "go back to the first one": of the studies the person named, one after another, the one in that place
        asked_about = list(dict.fromkeys(ref.study_id for t in recent if t.role == "user"
                                         for ref in catalog.all_in_text(t.content)))
        if len(asked_about) > 1 and ORDINAL_RE.search(question):
            pick = _by_ordinal(question, [r for r in (catalog.get(sid) for sid in asked_about) if r],
                               " ".join(asked_about))
            if pick:
                return Scope(pick.study_id, standalone(question, pick), "history")
        if ORDINAL_RE.search(question):  # "the second one" of the last list, though a turn since named one of it
            for turn in reversed(history[-LIST_TURNS_READ:]):
                named = catalog.all_in_text(turn.content)
                pick = _by_ordinal(question, named, turn.content) if turn.role == "assistant" and len(named) > 1 \
                    else None
                if pick:
                    return Scope(pick.study_id, standalone(question, pick), "history")
                if turn.role == "assistant" and len(named) > 1:
                    break
        # the reader's own words first: an assistant turn is text the client sent, and can be forged
        listed_several = False
        for turn in [t for t in reversed(recent) if t.role == "user"] + [t for t in reversed(recent) if t.role != "user"]:
            named = catalog.all_in_text(turn.content)
            if not named and turn.role == "user" and not asks_across_studies(turn.content):
                by_words = self._study_named_by_words(turn.content, places=True)  # "the paris stem cell trial"
                named = [ref for ref in [catalog.get(by_words)] if ref] if by_words else []
            pick = named[0] if len(named) == 1 else _by_ordinal(question, named, turn.content) \
                or self._pointed_at(question, named) or self._by_superlative(question, named) if named else None
            if pick:
                return Scope(pick.study_id, standalone(question, pick), "history")
            described = ONE_THAT_RE.search(question) if named else None
            if described and (elsewhere := self._described(described.group(1), {r.study_id for r in named}, catalog)):
                # "and the one that uses bone marrow instead?" after a list of three that don't: the one that does
                return Scope(elsewhere.study_id, standalone(question, elsewhere), "history")
            if named and ONE_OF_THEM_RE.search(question):
                # "how old can you be for that one?" after a list of three: ask which, never guess
                return Scope(None, question, "choose", among=tuple(dict.fromkeys(r.study_id for r in named)))
            if named and REFERS_BACK_RE.search(question) and turn.role == "assistant":
                # "how many are they looking for?" after "anything recruiting?" answered with one that is and one
                # that is not: the one the asked status fits; else ask which, never guess
                asked = next((t.content for t in reversed(recent) if t.role == "user"), "")
                fits = [r for r in named if (sheet := self.p.facts(r.study_id)) and _fits_status(asked, sheet)]
                if len(fits) == 1:
                    return Scope(fits[0].study_id, standalone(question, fits[0]), "history")
                return Scope(None, question, "choose", among=tuple(dict.fromkeys(r.study_id for r in named)))
            if named:
                listed_several = True
                break  # several, and the question does not say which
        last_user = next((t.content for t in reversed(history) if t.role == "user"), "")
        if listed_several and asks_across_studies(last_user):
            return None  # a list answered a question about all the studies: no one study to carry on with
        hits = [s for s in self.p.retriever.search(last_user, k=3, per_study=1) if s.study_id != GLOSSARY_ID] \
            if last_user.strip() else []
        if (not hits or relevance(last_user, hits[0]) < MIN_RELEVANCE) and self.p.llm is not None:
            # the last turn alone doesn't point at a study: let the model rewrite the question (slower)
            condensed = self._condense(question, history)
            ref, _ = catalog.find_in_text(condensed)
            if ref:
                return Scope(ref.study_id, standalone(question, ref), "history")
            hits = [s for s in self.p.retriever.search(condensed, k=3, per_study=1)
                    if s.study_id != GLOSSARY_ID] if condensed else hits
        ref = catalog.get(hits[0].study_id) if hits else None
        return Scope(ref.study_id, standalone(question, ref), "history") if ref else None

    def _the_other_one(self, question: str, turns: list[HistoryTurn], catalog: StudyCatalog) -> Scope | None:
        """"what about the other one?" after a list and an answer about one of it: the one left, or (several left)
        which of them is asked back; None when the question says no such thing or no list came before."""
        kind = OTHER_KIND_RE.search(question)
        if kind and not OTHER_ONE_RE.search(question):
            return self._other_of_a_kind(question, kind.group(1), turns, catalog)
        if not OTHER_ONE_RE.search(question):
            return None
        current: str | None = None
        later: list[str] = []  # the person's turns after the list, newest first ("what's involved in the duke one?")
        for turn in reversed(turns):
            named = list(dict.fromkeys(r.study_id for r in catalog.all_in_text(turn.content)))
            if turn.role == "user":
                later.append(turn.content)
            if turn.role != "assistant" or not named:
                continue
            if len(named) == 1:
                current = current or named[0]  # the study the conversation went on with after the list
                continue
            refs = [r for r in (catalog.get(sid) for sid in named) if r]
            # (or the one of the list a later question pointed at)
            current = current or next((p.study_id for text in later if (p := self._pointed_at(text, refs))), None)
            rest = [sid for sid in named if sid != current]
            if len(rest) == 1:
                ref = catalog.get(rest[0])
                return Scope(rest[0], standalone(question, ref), "history") if ref else None
            return Scope(None, question, "choose", among=tuple(rest))
        return None

    def _described_alone(self, text: str) -> Scope | None:
        """"the lung cancer trial", "the lupus study", said alone: the one study those words name, or (several)
        which of them is asked back; None when none is named by all of them."""
        wanted = content_terms(country_of_demonyms(text)) - OVERVIEW_FILLER - GENERIC_TITLE_TERMS
        sheets = self.p.all_facts()
        named = [s.study_id for s in sheets if wanted and wanted <= naming_terms(s) | country_terms(s)]
        if len(named) == 1:
            return Scope(named[0], text, "question")
        return Scope(None, text, "choose", among=tuple(named)) if named else None

    def _other_of_a_kind(self, question: str, kind: str, turns: list[HistoryTurn],
                         catalog: StudyCatalog) -> Scope | None:
        """"what about the other lung cancer one?" after talk of one lung cancer study: the one other study of that
        kind; (several) which of them is asked back; None when the conversation named no study."""
        current = next((ids[0] for t in reversed(turns)
                        if len(ids := list(dict.fromkeys(r.study_id for r in catalog.all_in_text(t.content)))) == 1), None)
        wanted = content_terms(country_of_demonyms(kind))
        if current is None or not wanted:
            return None
        others = [s.study_id for s in self.p.all_facts() if s.study_id != current and wanted <= naming_terms(s)]
        if len(others) == 1 and (ref := catalog.get(others[0])):
            return Scope(others[0], standalone(question, ref), "history")
        return Scope(None, question, "choose", among=tuple(others)) if others else None

    @staticmethod
    def _listed_before(question: str, history: list[HistoryTurn], catalog: StudyCatalog) -> tuple[str, ...]:
        """The studies the last answer that listed several named, when the question picks among them ("which of those is in Europe?",
        "are any of them for kids?"); () otherwise."""
        if not AMONG_RE.search(question):
            return ()
        for turn in reversed(history[-LIST_TURNS_READ:]):  # the last answer that listed several
            named = tuple(dict.fromkeys(r.study_id for r in catalog.all_in_text(turn.content)))
            if turn.role == "assistant" and len(named) > 1:
                return named
        return ()

    def _pointer_target(self, question: str, turns: list[HistoryTurn], catalog: StudyCatalog) -> StudyRef | None:
        """The study "the X one" points at: the one a turn names in the same part of a sentence as X ("… the lupus
        nephritis trial (NCT03673748) in Valladolid, Spain; …"), else the one X fits best of all the turns named."""
        m = POINTER_RE.search(question)
        # ("the other one", "the same study", "the new trial" point at no word of a turn)
        pointer = content_terms(country_of_demonyms(m.group(1))) - NOT_POINTERS if m else set()
        every: dict[str, StudyRef] = {}
        for turn in reversed(turns):
            named = catalog.all_in_text(turn.content)
            every.update((r.study_id, r) for r in named)
            # the parts of the turn: its clauses, then the stretch from each study's ID to the next one's (a list
            # says "“Title” (NCT…): Recruiting. It is for …, with 1 site in Spain." about one study)
            at = sorted((turn.content.find(r.study_id), r) for r in named if r.study_id in turn.content)
            stretches = [(turn.content[a:(at[i + 1][0] if i + 1 < len(at) else len(turn.content))], [r])
                         for i, (a, r) in enumerate(at)]
            clauses = [(part, catalog.all_in_text(part)) for part in re.split(r"[;\n]|(?<=[.!?])\s", turn.content)]
            for parts in (clauses, stretches):
                beside = {r.study_id: r for part, refs in parts if pointer and pointer <= content_terms(part) for r in refs}
                if len(beside) == 1:
                    return next(iter(beside.values()))
        return self._pointed_at(question, list(every.values())) if len(every) > 1 else None

    def _fitting_pointer(self, question: str, turns: list[HistoryTurn], catalog: StudyCatalog) -> list[StudyRef]:
        """The studies the conversation named that every word of "the X one" fits, by their names or places."""
        m = POINTER_RE.search(question)
        pointer = content_terms(country_of_demonyms(m.group(1))) - NOT_POINTERS if m else set()
        if not pointer:
            return []
        named = {r.study_id: r for t in turns for r in catalog.all_in_text(t.content)}
        out = []
        for sid, ref in named.items():
            sheet = self.p.facts(sid)
            if sheet and pointer <= naming_terms(sheet) | site_place_terms(sheet):
                out.append(ref)
        return out

    def _pointed_elsewhere(self, question: str, current: str, catalog: StudyCatalog) -> StudyRef | None:
        """Another study than the one the conversation is about, pointed at by a word the current one does not fit
        ("the one in paris", "the spain one", "the registry one"): the one study it fits best; None otherwise."""
        one_in = ONE_IN_RE.search(question)
        m = POINTER_RE.search(question) or (one_in if one_in and asked_place(f"in {one_in.group(1)}") else None)
        sheet = self.p.facts(current)
        if not m or sheet is None or catalog.find_in_text(question)[0] is not None \
                or self._study_named_by_words(question, places=True) == current:
            return None  # (a study named by its short name, ID or words is that study: "can he be in the ABP study?")
        pointer = content_terms(country_of_demonyms(m.group(1))) - NOT_POINTERS
        if not pointer or pointer & (naming_terms(sheet) | site_place_terms(sheet) | self._naming[1].get(current, set())):
            return None  # the study the conversation is about fits it ("the US one" on MiSLE's page)
        others = [r for r in catalog.by_id.values() if r.study_id not in (current, GLOSSARY_ID)]
        # the pointer's own words first ("the Spanish one, are those cells from umbilical cord too?" is the one in
        # Spain, whatever the rest names); then the whole question ("the stem cell one from south carolina")
        return self._pointed_at(m.group(0), others) or self._pointed_at(question, others)

    def _described(self, words: str, listed: set[str], catalog: StudyCatalog) -> StudyRef | None:
        """The one study outside ``listed`` that a description ("uses bone marrow instead") is about: by its own
        words, else by the best search hit when that covers most of the description."""
        named = self._study_named_by_words(words, places=True)
        if named is None:
            hits = [h for h in self.p.retriever.search(words, k=3, per_study=1) if h.study_id != GLOSSARY_ID]
            named = hits[0].study_id if hits and relevance(words, hits[0]) >= SURELY_ABOUT else None
        return catalog.get(named) if named and named not in listed else None

    def _by_superlative(self, question: str, refs: list[StudyRef]) -> StudyRef | None:
        """"the newest one", "the biggest of those": of several studies named, the one its start date or size
        puts first; None when the question says no such thing or the records do not give it for all of them."""
        m = SUPERLATIVE_RE.search(question)
        sheets = [(ref, self.p.facts(ref.study_id)) for ref in refs] if m and len(refs) > 1 else []
        word = m.group(0).lower() if m else ""
        by_date = word in ("newest", "latest", "most recent", "oldest", "earliest")

        def key(sheet: FactSheet) -> float | None:
            if by_date:
                when = re.search(r"(\d{4})(?:-(\d{2}))?", sheet.start.value) if sheet.start else None
                return int(when.group(1)) + int(when.group(2) or 6) / 12 if when else None
            try:
                return float(sheet.enrollment.value) if sheet.enrollment else None
            except ValueError:
                return None
        keyed = [(key(s), ref) for ref, s in sheets if s is not None]
        if not keyed or any(k is None for k, _ in keyed):
            return None
        first = word in ("newest", "latest", "most recent", "biggest", "largest")
        keyed.sort(key=lambda t: t[0] or 0.0, reverse=first)
        return keyed[0][1] if keyed[0][0] != keyed[1][0] else None

    def _pointed_at(self, question: str, refs: list[StudyRef]) -> StudyRef | None:
        """Of several studies a conversation named, the one the question's words point at ("the one in Spain",
        "the kidney one"): by its names, conditions, treatments and site places; None unless one stands out."""
        # ("the german one" is the one in Germany; "patients" in a title points at no study)
        asked = content_terms(country_of_demonyms(question)) - GENERIC
        concepts = {k for h in vocabulary().find(question) for k in h.concepts}
        scores = []
        for ref in refs:
            sheet = self.p.facts(ref.study_id)
            if sheet is None:
                continue
            # a place counts by the share of the study's sites there: "the paris one" is the study with its one site in
            # Paris, more than one of 258 sites with a site in Paris among them
            there = [x for x in sheet.sites if asked & content_terms(f"{x.city} {x.country}")]
            about = {k for c in sheet.conditions for h in vocabulary().find(c.value) for k in h.concepts}
            # (and the wider words for them: "the one for back pain" is the disc degeneration study)
            wider = {k for a in about for b in vocabulary().concepts[a].broader for h in vocabulary().find(b)
                     for k in h.concepts} - about
            # (who runs it too: "and the abbvie one?")
            sponsor = content_terms(sheet.sponsor.value) - GENERIC if sheet.sponsor else set()
            scores.append((len(asked & (naming_terms(sheet) | sponsor)) + len(there) / max(1, len(sheet.sites))
                           + 2 * len(concepts & about) + len(concepts & wider) + _fits_status(question, sheet)
                           + 2 * _fits_no_drug(question, sheet),
                           ref))
        scores.sort(key=lambda t: -t[0])
        if scores and scores[0][0] > 0 and (len(scores) == 1 or scores[0][0] > scores[1][0]):
            return scores[0][1]
        return None

    def _condense(self, question: str, history: list[HistoryTurn]) -> str:
        prompt = render_prompt("condense.txt", history=history[-4:], question=question)
        try:
            out = self.p.llm.invoke([HumanMessage(content=prompt)])  # type: ignore[union-attr]
        except Exception:
            return ""
        text = str(out.content).strip().strip('"')
        return text if 0 < len(text) < 400 else ""

    def _retrieve(self, scope: Scope, question: str, hints: list[str]) -> list[Source]:
        """Pinned: search the study with the question as asked (the study is already fixed; naming it
        in the query would pull its title fields), plus the glossary when it helps."""
        k, r = self.p.k, self.p.retriever
        q = question if scope.study_id else scope.standalone_question
        term = is_term_question(q)
        if scope.study_id:
            study = r.search(q, k=k, study_ids={scope.study_id}, hints=hints)
            glossary = r.search(q, k=1, study_ids={GLOSSARY_ID})
            if term and glossary:
                return study[: k - 1] + glossary
            # the glossary only joins a study answer when it is clearly about the question's words
            strong = [g for g in glossary if (g.dense_score or 0) >= 0.55]
            return (study[: k - len(strong)] + strong) if strong else study
        return r.search(q, k=k, per_study=1 if not term else 2)

    def _abstain(self, answer: Answer, scope: Scope, topic: str = "") -> Answer:
        """'The study records don't say.' and, when the record names them, the people to ask as a list
        (name, role, phone, e-mail), each line cited to the record's contact field."""
        sheet = self.p.facts(scope.study_id) if scope.study_id else None
        contacts = [contact_of(p, scope.study_id or "") for p in team_to_ask(sheet)]
        lines = [contact_line(c) for c in contacts]
        answer.citations = []
        if contacts and self.p.composer and scope.study_id:
            # the contact fields become sources 1, 2, … (cited), then what the search had found
            writer = AnswerWriter(scope.study_id, self.p.composer.chunks)
            for i, p in enumerate(team_to_ask(sheet)):
                n = writer.cite(p.path, p.quote)
                lines[i] += f" [{n}]" if n else ""
            cited = {s.chunk_id for s in writer.sources}
            answer.citations = writer.citations
            answer.sources = writer.sources + [s for s in answer.sources if s.chunk_id not in cited]
        # (about another study than the pinned one, or one the question named: which, first)
        said = render_prompt("abstain.txt", topic=topic, contacts=lines)
        prefix = self._about_prefix(scope)
        answer.text = f"{prefix}{said[:1].lower()}{said[1:]}" if prefix else said
        answer.status, answer.contacts = "abstained", contacts
        return answer

    # ---------------- the steps after understanding ----------------
    def _small_talk(self, req: Request) -> list[AnswerEvent] | None:
        """"hi", "thanks!", "who are you?": what the assistant does, with questions to try."""
        kind = small_talk(req.text)
        if kind is None:
            return None
        return _events(Answer(text=sentence(f"record.{kind}"), status="answered", study_id=req.scope.study_id,
                              intent="other", step="small_talk"))

    def _unknown_study(self, req: Request) -> list[AnswerEvent] | None:
        """An ID this collection does not hold: say so, never answer about another study."""
        if not req.scope.unknown_id:
            return None
        answer = Answer(text=f"I don't have the records of {req.scope.unknown_id}, so I can't answer about it. "
                             "You can look it up on ClinicalTrials.gov.", status="abstained", study_id=None,
                        step="unknown_study")
        return [SourcesEvent(sources=[], study_id=None), FinalEvent(answer=answer)]

    def _no_reason(self, req: Request) -> list[AnswerEvent] | None:
        """"why?" after an answer the record gives no reason for (an age limit, a rule, a dose): it doesn't say why,
        and who to ask; why a study ended, or why its results came out so, the status and results answers say."""
        if not (req.why_alone and req.scope.study_id) or (req.intent in REASONS_SAID):
            return None
        last = next((t.content for t in reversed(req.history) if t.role == "assistant"), "")
        sheet = self.p.facts(req.scope.study_id)
        if sheet and ENDED_SAID_RE.search(last) and (sheet.why_stopped or (
                sheet.limitations and ENDED_EARLY.search(sheet.limitations.value))):
            # "why?" after "… but it's completed": why it ended, as the record says it
            return self._composed("status", "why did it end?", req.scope, step="composed")
        if sheet and ENDED_SAID_RE.search(last) and sheet.status:
            # "why not?" after "… but it isn't taking new babies": it is over (or not started), as its status says
            return self._composed("status", "is it still taking people?", req.scope, step="composed")
        told = tuple(t.content for t in req.history if t.role == "user")
        if NOT_QUALIFY_SAID_RE.search(last) and told and patient_facts("", told).said_anything():
            # "why?" after "she probably wouldn't qualify": the rules checked against what they told, which say why
            return self._composed("can_i_join", told[-1], req.scope, step="composed", earlier=told)
        rule = self._rule_without_reason(req)
        if rule is not None:  # "why?" after "you would be outside its age range": the rule again, and no reason
            return _events(Answer(text=rule.text, status="abstained", citations=rule.citations, sources=rule.sources,
                                  study_id=req.scope.study_id, intent=req.intent, step="abstained"))
        return _events(self._abstain(Answer(text="", status="abstained", study_id=req.scope.study_id,
                                            intent=req.intent, step="abstained"), req.scope, topic="why"))

    def _name_meaning(self, req: Request) -> list[AnswerEvent] | None:
        """"what does MiSLE stand for?", "why is it called ABP?": the study's short name and its full title (a
        glossary entry or a sentence that happens to hold the name is no answer)."""
        ref = self.p.catalog_loader().get(req.scope.study_id) if req.scope.study_id else None
        sheet = self.p.facts(req.scope.study_id) if req.scope.study_id else None
        meaning = NAME_MEANING_RE.search(req.text)
        if ref is None or sheet is None or sheet.title_fact is None or not self.p.composer or meaning is None:
            return None
        name = StudyCatalog.short_name_in(ref, req.text)
        asked = (meaning.group("x") or meaning.group("y") or "")
        if name is None or (asked and asked.lower() != name.lower()):  # "what does randomized mean for C-AXSPAND?"
            return None
        w = AnswerWriter(sheet.study_id, self.p.composer.chunks)
        w.say("record.short_name", sheet.title_fact, name=name, title=sheet.title)
        composed = w.result()
        if composed is None:
            return None
        return _events(Answer(text=composed.text, status="answered", citations=composed.citations,
                              sources=composed.sources, study_id=sheet.study_id, intent="lookup", step="composed"))

    def _rule_without_reason(self, req: Request) -> Composed | None:
        """After an eligibility answer, "why?": the rule that keeps the person out (checked again from their own
        words, never from the assistant's turn), said to have no reason in the record, and who to ask."""
        sheet = self.p.facts(req.scope.study_id) if req.scope.study_id else None
        said = [t.content for t in req.history if t.role == "user"]
        if req.intent != "can_i_join" or sheet is None or not said or not self.p.composer:
            return None
        assessed = assess(sheet, patient_facts(said[-1], tuple(said[:-1])))
        found = (assessed.said("rules_out") or assessed.said("may_rule_out"))[:1]
        if not found:
            return None
        w = AnswerWriter(sheet.study_id, self.p.composer.chunks)
        w.say("record.no_reason", found[0].cites)
        w.say(f"eligibility_check.{found[0].key}", found[0].cites, **found[0].variables)
        self.p.composer.team_sentence(w, sheet)
        return w.result()

    def _name_alone(self, req: Request) -> list[AnswerEvent] | None:
        """"C-AXSPAND?", "tell me about the certolizumab study": a short overview of that study."""
        if req.scope.reason not in ("question", "pinned") or not req.scope.study_id or not self.p.composer:
            return None
        if req.history and (BARE_POINTER_RE.match(req.text) or (GOES_ON_RE.search(req.text)
                                                               and len(req.text.split()) <= FOLLOW_UP_WORDS)):
            return None  # "and the chinese one with sugemalimab?": the question before, about that one
        ref = self.p.catalog_loader().get(req.scope.study_id)
        sheet = self.p.facts(req.scope.study_id)
        names = [req.scope.study_id, *(ref.names if ref else []), ref.title if ref else "",
                 *(i.name.split()[0] for i in (sheet.interventions if sheet else [])),
                 *(c.value for c in (sheet.conditions if sheet else [])),
                 *sorted(country_terms(sheet) if sheet else ())]  # ("the paris stem cell trial")
        # ("the german lung cancer trial": the country it runs in names it too)
        asked = content_terms(country_of_demonyms(re.sub(r"'s\b", "", req.text)))
        # "arthritis power": the study's short name as typed, nothing else
        unnamed = self.p.catalog_loader().without_names(req.text)
        only_the_name = unnamed != req.text and not content_terms(unnamed) - STUDY_WORD - OVERVIEW_FILLER
        if only_the_name and not ASKS_SOMETHING_RE.search(req.text):
            return self._composed("overview", req.text, req.scope, step="overview")
        # (and its illness in plain words: "the german lung cancer trial" for its "NSCLC")
        plain = plain_conditions(sheet, [c.value for c in sheet.conditions]) if sheet else []
        naming = content_terms(" ".join([*names, *plain]))
        # "placebo??" names no study: "placebo" is one of its treatments, but every study's word
        if ASKS_SOMETHING_RE.search(req.text) or not asked & naming - GENERIC_TITLE_TERMS or asked - naming - OVERVIEW_FILLER:
            return None  # "where?", "who runs it?": a question of its own; or the study is not named at all
        return self._composed("overview", req.text, req.scope, step="overview")

    def _taking_part_on_a_page(self, req: Request) -> list[AnswerEvent] | None:
        """"can I sign up through here?" on a page that says itself whether it takes people: what it says."""
        sheet = self.p.facts(req.scope.study_id) if req.scope.study_id and self.p.composer else None
        # (not "my lupus is mild, is this meant for someone like me?": who it is for, in the page's own words)
        if sheet is None or not sheet.enrollment_notes or not ASKS_TO_JOIN_RE.search(req.text) \
                or req.intent in DECLINED_INTENTS or patient_facts(req.text).said_anything():
            return None
        return self._composed("can_i_join", req.unnamed or req.text, req.scope)

    def _composed_step(self, req: Request) -> list[AnswerEvent] | None:
        intent = req.intent
        # a term is defined from the glossary with or without a study; other intents need the study's sheet
        if not (intent and self.p.composer and (req.scope.study_id or intent == "term")):
            return None
        sheet = self.p.facts(req.scope.study_id) if req.scope.study_id else None
        if intent == "can_i_join" and sheet and not (sheet.inclusion or sheet.exclusion or sheet.criteria
                                                     or sheet.min_age or sheet.max_age):
            return None  # a page with no rules to check ("is this research for me?"): its own words answer
        # the record's other names for a treatment ("Cimzia") are its brand names: they answer "what brand?"
        brands = [f"brand names: {i.other_names}" for i in (sheet.interventions if sheet else []) if i.other_names]
        # (nor does whether the person can join, unless its rules name it: "can my neurologist prescribe it?" is no
        # rule; "she only speaks Spanish" is, "Unable to speak English")
        rules = [f.value for f in (*sheet.inclusion, *sheet.exclusion, *sheet.criteria)] if sheet else []
        if (intent in ABOUT_THE_TREATMENT and not names_what_is_asked(req.unnamed or req.text, brands)) or \
                (intent in ("can_i_join", "who_can_join") and not names_what_is_asked(req.unnamed or req.text, rules)):
            return None  # "what brand is it, where can I buy it?": not what the fact sheet's treatment answer says
        if not answers_the_measure(req.unnamed or req.text, intent):
            return None  # "how long does each visit take?": the study's span does not say it
        # "what does the Duke pregnancy registry need from me?": the name's words are not the person's facts
        earlier = tuple(t.content for t in req.history if t.role == "user")  # the person's own earlier words
        return self._composed(intent, req.unnamed or req.text, req.scope, req.route.also if req.route else (),
                              earlier=earlier)

    def _across_studies(self, req: Request) -> list[AnswerEvent] | None:
        """A question about the collection: the matching studies as a cited list, or that none matches."""
        if req.scope.study_id is not None or not self.p.composer:
            return None
        if req.scope.reason == "choose":
            return None  # "that one" of several: asked back, not listed again
        among = req.scope.among
        every = self.p.all_facts()
        sure_term = req.intent == "term" and req.route is not None and req.route.confident
        unsure_corpus = bool(req.route and req.route.intent == "corpus" and not req.pinned)  # ("I get cluster
        # headaches, is there anything?": no study named, routed across studies, if unsurely)
        if not among and (sure_term or not (req.intent in ("corpus", "where") or unsure_corpus or CORPUS_RE.search(req.text)
                                            or ANY_THERE_RE.search(req.text)  # ("… is there anything I can join?")
                                            or asks_across_studies(req.text)
                                            or self.p.composer.sets_list_filters(req.text, every))):
            return None  # "anything in Australia?" with no study: where, across all of them
        sheets = [s for s in every if not among or s.study_id in among]
        asked = req.text
        pinned = self.p.facts(req.pinned) if req.pinned and LIKE_THIS_RE.search(asked) else None
        if pinned and pinned.conditions:  # "are there other studies like this?": on the pinned study's condition
            asked = f"{asked} for {pinned.conditions[0].value}"
        if CLOSER_RE.search(asked):  # "which one is closer to me?" after "… living in Chicago": near where they live
            home = patient_facts(asked, tuple(t.content for t in req.history if t.role == "user")).location
            asked = f"{asked} near {home}" if home else asked
        listed = self.p.composer.corpus(asked, sheets,
                                        lambda query, k: self.p.retriever.search(query, k=k, per_study=3),
                                        among=bool(among))
        if not listed:
            return None
        text = listed.text
        if req.pinned and not listed.none:  # asked on one study's page: say first that this is about all of them
            text = f"{sentence('record.across', n=len(sheets))} {text}"
        answer = Answer(text=text, status="abstained" if listed.none else "answered", citations=listed.citations,
                        sources=listed.sources, study_id=None, intent="corpus", step="across_studies")
        return _events(answer)

    def _advice(self, req: Request) -> list[AnswerEvent] | None:
        """Personal medical advice the guard's patterns did not catch ("what treatment should he get?", "do you
        think I have lupus?"), and questions about something else than the studies ("best pizza near the
        hospital?"), as the router reads them: declined the same way as the guard declines them."""
        verdict = DECLINED_INTENTS.get(req.route.intent if req.route else "")
        # (an advice route the router is unsure of is declined when the person asks what they should do)
        if verdict is None or not req.route or (req.route.score < ADVICE_CONFIDENCE
                                                and not (req.route.intent == "advice" and SHOULD_RE.search(req.text))):
            return None
        return _events(Answer(text=decline_message(verdict, self.p.max_question_chars), status="declined",
                              study_id=req.scope.study_id, intent=req.intent, step="declined"))

    def _which_study(self, req: Request) -> list[AnswerEvent] | None:
        """"Where is it?" with no study pinned, named or in the conversation: ask which, don't guess; after a list,
        "that one" is asked back as which of those."""
        choose = req.scope.reason == "choose"
        if req.scope.study_id is not None or (req.intent not in STUDY_INTENTS and not choose):
            return None
        catalog = self.p.catalog_loader()
        refs = [r for r in (catalog.get(sid) for sid in req.scope.among) if r] if choose else []
        text = sentence("record.which_of", names=join_words([f"{(r.names or [r.title])[0]} ({r.study_id})"
                                                              for r in refs], "or")) if refs \
            else sentence("record.which_study")
        return _events(Answer(text=text, status="abstained", study_id=None, intent=req.intent, step="which_study"))

    def _record_sentences(self, req: Request) -> Iterator[AnswerEvent]:
        """Everything else: the record's best sentences for the question, quoted in a plain frame and shown at
        once; then, with a model, the first one said in plain words (only when the rewrite keeps its facts)."""
        # within one study its own names match every field ("… in the cluster headache patch trial?"): what is
        # asked is the rest
        scope, question = req.scope, (req.unnamed or req.text) if req.scope.study_id else req.text
        hints = list(dict.fromkeys(INTENT_FIELDS.get(req.intent or "", ()) + tuple(field_hints(question))))
        sources = self._retrieve(scope, question, hints)
        answer = Answer(text="", status="answered", sources=sources, study_id=scope.study_id, intent=req.intent,
                        step="record_sentences",
                        standalone_question=scope.standalone_question if scope.reason == "history" else None)
        best = max((relevance(scope.standalone_question, s) for s in sources), default=0.0)
        best_dense = max((s.dense_score or 0.0 for s in sources), default=0.0)
        on_topic = any(path_within(s.field_path, hints) for s in sources)
        if not sources or (best < MIN_RELEVANCE and best_dense < 0.35 and not on_topic):
            yield SourcesEvent(sources=sources, study_id=scope.study_id)
            yield FinalEvent(answer=self._abstain(answer, scope))
            return
        list_question = scope.study_id is None and bool(CORPUS_RE.search(question))
        most = len(sources) if list_question else 2
        text, cites = self._best_sentences(question, sources, most, hints)
        if scope.study_id and question != req.text and cites and all(c.study_id == GLOSSARY_ID for c in cites):
            # only the glossary in general, without the study's names: read with them too ("are the cells in the
            # nephritis trial from umbilical cord or bone marrow?" — "nephritis" picks the sentence that says)
            named = self._retrieve(scope, req.text, hints)
            retry = self._best_sentences(req.text, named, most, hints) if named else ("", [])
            if retry[1]:
                (text, cites), sources = retry, named
                answer.sources = sources
        last_asked = next((t.content for t in reversed(req.history) if t.role == "user"), "")
        if not text and scope.study_id and last_asked and len(question.split()) <= SHORT_FOLLOW_UP:
            # "when exactly, during the surgery?" after "what do they inject?": read with the question before it
            text, cites = self._best_sentences(f"{last_asked} {question}", sources, most, hints)
        yield SourcesEvent(sources=sources, study_id=scope.study_id)
        quotes = [c.quote for c in cites]
        if not text or not names_what_is_asked(question, quotes) or not gives_the_amount(question, " ".join(quotes)) \
                or not quotes_give_the_measure(question, quotes) or self._only_names_shared(question, quotes, scope) \
                or (PER_PERIOD_Q.search(question) and not any(HOURS.search(x) for x in quotes)):  # ("… each week?")
            yield FinalEvent(answer=self._abstain(answer, scope))
            return
        text = self._about_prefix(scope) + text
        yield TokenEvent(text=text)
        if self.p.llm is not None and cites:
            plain = plain_rewrite(self.p.llm, cites[0].quote)
            if plain:
                more = f" {sentence('record.plain', text=plain.rstrip(' .'))} [{cites[0].n}]."
                yield TokenEvent(text=more)
                text += more
        answer.text, answer.citations = text, cites
        yield FinalEvent(answer=answer)

    def _best_sentences(self, question: str, sources: list[Source], most: int,
                        hints: list[str]) -> tuple[str, list[Citation]]:
        """The sources' best sentences for the question, by the reranker (or shared words without one)."""
        if self.p.reranker:
            return scored_answer(question, sources, self.p.reranker.scores, self.p.min_score, most, hints)
        return extractive_answer(question, sources, hints=hints, max_sentences=most)

    def _only_names_shared(self, question: str, quotes: list[str], scope: Scope) -> bool:
        """The best quote is only the study's names ("could people drink alcohol on the cimzia shots?" → "Other
        names: Cimzia; CDP870"): found by the name, it says nothing of what was asked, unless names were asked."""
        sheet = self.p.facts(scope.study_id) if scope.study_id else None
        if sheet is None or not quotes or NAMES_ASKED_RE.search(question) or not YES_NO_RE.match(question):
            return False  # (a line of names may say what a thing is; it never answers a yes/no question)
        short = len(quotes[0].split()) <= NAME_LINE_WORDS  # a line of names, not a title or a sentence
        return short and not content_terms(quotes[0]) - naming_terms(sheet) - NAME_WORDS

    def _about_prefix(self, scope: Scope) -> str:
        """"About MiSLE (NCT02633163): " when the reader named the study (or the conversation did)."""
        ref = self.p.catalog_loader().get(scope.study_id) if scope.study_id and scope.reason != "pinned" else None
        if ref is None:
            return ""
        words = ref.title.split()  # a title with no short name, cut to its first words ("Efficacy of Matricariae …")
        name = ref.names[0] if ref.names else " ".join(words[:PREFIX_TITLE_WORDS]) + (" …" if len(words) > PREFIX_TITLE_WORDS
                                                                                       else "")
        return f"{sentence('record.other_study', name=name, study_id=ref.study_id)} "
