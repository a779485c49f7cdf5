"""Questions across studies ("Which lupus studies are recruiting?") answered from the fact sheets.

The question is read as filters the fact sheets can check exactly (status, phase, a place with sites,
posted results) plus topic words, which a study matches when its title, conditions and treatments, or
the chunks about it that the search finds, hold all of them.
The answer is a cited list, one study per sentence with its status, phase and condition, the ones
taking people first. Returns None when nothing matches; the caller then searches the text instead.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from assistant.answer_templates import sentence
from assistant.answer_writer import AnswerWriter, ChunkLookup, Composed, join_words
from assistant.compose_overview import placebo_arms, remote_sentences
from assistant.eligibility_check import assess
from assistant.nearby import (
    COUNTRY_SHORT,
    closest_site,
    gazetteer,
    in_city_question,
    near_question,
    resolve,
    sites_in_continent,
)
from assistant.nearby_answer import distance_words, place_words, site_words
from assistant.patient_facts import ASKS_TO_JOIN_RE, PatientFacts, named_illnesses, patient_facts, speaks_of_someone
from assistant.practical import asks_practical
from assistant.textutil import content_terms, overlap, split_sentences
from assistant.types import Source
from assistant.vocab import spelled_out, vocabulary
from trialchat.facts import RECRUITING_STATUSES, Fact, FactSheet, Site, age_in_years

Search = Callable[[str, int], list[Source]]  # (query, k) → chunks across studies, a few per study

NEAR_KM = 300.0  # "studies near Berlin" with nothing else asked: those with a site this close
SAME_MEANING = 0.5  # cosine of the question's topic to a study's title/conditions chunk that counts as about it
DIAGNOSED = content_terms("diagnosed diagnosis diagnose")
# "we would travel anywhere": where they are is no place asked for
ANYWHERE_Q = re.compile(r"\b(?:travel|go|move|fly|drive)\s+(?:\w+\s+)?anywhere\b|\banywhere in the world\b", re.IGNORECASE)
# what the person took or tried before ("pills didnt help", "tried injections"): no form of treatment asked for
TRIED_Q = re.compile(r"\b(?:didn'?t|did not|tried|took|been on|used to|helped|help(?:ed)?|stopped|failed)\b", re.IGNORECASE)
PERSONAL_TOPIC_WORDS = 3  # a question telling the person's story in more topic words than this: its illnesses are the topic
BY_SIZE_SHOWN = 3  # "which study is the biggest?": the biggest, and the two after it for scale
MAX_STUDIES = 10  # the list shows at most this many studies, those taking people first
MAX_RULED_OUT_SAID = 3  # studies left out of a list by a rule against what the person said, named after it
FITTING_KEYS = frozenset({"fits", "allowed", "plan_inside", "some_of_all_needed"})  # a rule to join that names it
MAX_CITIES_SAID = 5  # a study's sites in the place asked about are named by city up to this many
LISTED_FIRST = (*RECRUITING_STATUSES, "Not yet recruiting")  # studies taking people now or soon
# status words → the record statuses they mean (the first pattern that matches wins)
STATUS_FILTERS: tuple[tuple[re.Pattern, tuple[str, ...]], ...] = (
    (re.compile(r"\bnot (yet )?(recruiting|open|started)\b", re.I), ("Not yet recruiting",)),
    (re.compile(r"\b(recruiting|recruit|enrolling|taking (new )?(people|patients)|sign ?up|looking for (new )?(people|"
                r"patients|participants|volunteers)|accepting|still open|open to new|open now|currently open|(?:are|is) (?:still )?open(?! to))\b",
                re.I),
     ("Recruiting", "Enrolling by invitation")),
    # not "over" or "open to": "studies for people over 65", "open to children" are about who can join
    (re.compile(r"\b(completed|finished|ended)\b", re.I), ("Completed",)),
    (re.compile(r"\b(stopped|terminated|withdrawn|suspended)\b", re.I), ("Terminated", "Withdrawn", "Suspended")),
)
PHASE_Q = re.compile(r"\bphase\s*(1|2|3|4|i{1,3}|iv)\b", re.I)
ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}
# posted results, or what only posted results could tell ("which works best?", "the best success rate")
RESULTS_Q = re.compile(r"\b(posted|have|with|has|any) results\b|\bresults (posted|available)\b|\bsuccess rates?\b|"
                       r"\b(works?|worked) (the )?best\b|\bmost effective\b|\bbest results\b", re.I)
# words of the question that are about the listing, not the topic ("which studies are recruiting")
LISTING_WORDS = content_terms("which what any anything anywhere something list find show are there is there "
                              "studies study trials trial "
                              "research recruiting recruit open sites site located location place places have has "
                              "posted results phase completed finished ended already currently now people patients "
                              "not yet started taking new enrolling sign up treatment treatments therapy test "
                              "tests testing use using include includes including involve involving about for "
                              "ones one right now today available happening going on here your you me my "
                              "someone anybody anyone kids kid children child pediatric paediatric teens teenagers "
                              "babies baby infants infant minors young who ran run runs running led lead leads "
                              "conducted doing near nearby close closest around within miles mile km from "
                              "state states province provinces region regions area areas county city cities country "
                              "countries town towns "
                              "still looking accepting volunteers participants drug drugs medication medications "
                              "medicine medicines meds new good best actual actually real really success rate rates "
                              "work works worked most effective group groups arm arms like similar other others same "
                              "kind type sort join joining participate participating qualify eligible enrol "
                              "enroll im i'm age aged old older year years yr yrs whats what's wheres us we dont don't cant can't cannot wont won't "
                              "doesnt doesn't without either neither both them those these just only track tracks "
                              "tracking watch watches observe monitor 2 3 4 two three four closer nearer nearest "
                              "watching observing observational experimental just nothing want wants risk getting "
                              "get gets got am too hate hates scared afraid fear mind ok okay then number numbers size "
                              "by biggest largest want help helping contribute")
# words that say the person is asking about health in general, not naming a topic: a topic only beside another word
# ("kidney disease"), nothing on their own ("i don't have a disease but want to help")
GENERIC_HEALTH = content_terms("disease diseases illness illnesses condition conditions disorder disorders problem "
                               "problems health issue issues sickness")
# healthy people, not a study's topic ("Global Healthy Living Foundation" is a name)
HEALTHY_Q = re.compile(r"\bhealthy\s+(?:people|persons?|volunteers?|adults|individuals|controls?|women|men|kids|"
                       r"children|subjects|participants|folks|ones?)\b|\bhealthy volunteers?\b|\bwithout (?:any|a) "
                       r"(?:illness|disease|condition)\b|\b(?:i'?m|i am|we'?re|we are) healthy\b", re.IGNORECASE)
# an age said by the person ("im 70", "a 68 year old", "at 45"): the studies that let it in
AGE_ASKED_Q = re.compile(r"\b(?:i'?m|i am|im|he'?s|she'?s|he is|she is|aged?|at)\s+\d{1,3}\b|\b\d{1,3}\s*(?:-\s*)?"
                         r"(?:years?|yrs?|y/?o)\b", re.IGNORECASE)
SIZE_ORDER_Q = re.compile(r"\b(?:biggest|largest|smallest|fewest|most (?:people|patients|participants)|least "
                          r"(?:people|patients|participants))\b", re.IGNORECASE)
# a placebo group asked for, or asked to be without ("no placebo", "don't use a dummy")
PLACEBO_Q = re.compile(r"\b(?:placebo|dummy|sugar pill)s?(?:[- ]?(?:controlled|group|arm|comparison))?\b", re.IGNORECASE)
NO_PLACEBO_Q = re.compile(r"\b(?:no|without|don'?t|doesn'?t|do not|does not|never|avoid|not)\b[^.?]{0,25}"
                          r"\b(?:placebo|dummy|sugar pill)", re.IGNORECASE)
# no study treatment: registries and studies that only watch ("lupus studies without a drug")
NO_TREATMENT_Q = re.compile(r"\b(?:without|no|not) (?:a |any )?(?:drugs?|medicines?|medications?|treatments?|"
                            r"meds|needles|injections)\b|\bobservational\b|\bjust (?:surveys|questionnaires)\b|"
                            r"\bonly (?:surveys|questionnaires)\b|\b(?:don'?t|do not|doesn'?t|does not)\s+(?:\w+\s+){0,3}"
                            r"(?:give|giving)\b[^.?]{0,20}\b(?:treatments?|drugs?|medicines?)\b|"
                            r"\b(?:just|only) (?:track|follow|watch|observe|monitor)", re.IGNORECASE)
# blinding asked for ("which of those are blinded?") or asked to be without ("open-label ones", "not blinded")
BLINDED_Q = re.compile(r"\b(?:blind(?:ed)?|double[- ]blind|masked|open[- ]label|unblinded)\b", re.IGNORECASE)
OPEN_Q = re.compile(r"\bopen[- ]label\b|\bunblinded\b|\b(?:not|no|isn'?t|aren'?t|without)\s+(?:\w+\s+)?(?:blind|masked)",
                    re.IGNORECASE)
# how the study treatment is taken: by mouth ("which trials test a pill? I hate needles") or by a needle
ORAL_Q = re.compile(r"\b(?:pills?|tablets?|capsules?|by mouth|oral(?:ly)?|swallow\w*)\b", re.IGNORECASE)
INJECTED_Q = re.compile(r"\b(?:injections?|injected|shots?|infusions?|needles?|jabs?|drips?)\b", re.IGNORECASE)
# the record's words for a treatment swallowed, in its treatments and groups, or in a rule about the study drug
# ("… could affect oral absorption of the study drug": a drug taken by mouth)
ORAL_WORDS = re.compile(r"\b(?:oral(?:ly)?|tablets?|capsules?|pills?|by mouth|swallow\w*)\b", re.IGNORECASE)
ORAL_DRUG_RULE = re.compile(r"\boral (?:absorption|intake|administration) of (?:the )?study (?:drug|medication|treatment)\b|"
                            r"\b(?:unable|inability) to swallow\b", re.IGNORECASE)
INJECTED_WORDS = re.compile(r"\b(?:inject\w*|syringes?|subcutaneous\w*|intravenous\w*|infus\w*|IV)\b")
# "studies for kids": studies whose age rules let children in (no minimum age, or one under 18)
CHILDREN_Q = re.compile(r"\b(kids?|children|child|pediatric|paediatric|teen(ager)?s?|bab(y|ies)|infants?|minors?|"
                        r"my (son|daughter))\b", re.I)
# the fields that say what a study is about; eligibility text names many diseases a study is not about
ABOUT_FIELDS = ("protocolSection.identificationModule", "protocolSection.conditionsModule",
                "derivedSection.conditionBrowseModule", "protocolSection.descriptionModule.briefSummary",
                "protocolSection.armsInterventionsModule", "page.title", "page.official_title", "page.conditions",
                "page.what_this_research_studies", "page.summary")


@dataclass
class CorpusQuery:
    statuses: tuple[str, ...] = ()
    phase: str | None = None  # "Phase 2"
    place: str | None = None
    results: bool = False
    children: bool = False
    healthy: bool = False  # "can healthy people join any?": the record's healthy-volunteers field says yes
    age: float | None = None  # "im 70, any trials?": studies whose age fields let that age in
    also_places: tuple[str, ...] = ()  # "recruiting in spain or france": a site in any of them will do
    by_size: str = ""  # "which is the biggest?": "largest" or "smallest" first, by the enrollment count
    placebo: bool | None = None  # "placebo-controlled ones?" True, "any without a placebo?" False
    no_treatment: bool = False  # "lupus studies without a drug": observational studies (no study treatment)
    blinded: bool | None = None  # "which of those are blinded?" True, "open-label ones?" False (the masking field)
    remote: bool = False  # "which of those can I do from home?": studies whose record says people take part by app
    remote_ids: frozenset[str] = frozenset()  # …the studies whose descriptions say so (read from their chunks)
    form: str = ""  # "oral" ("a pill, I hate needles") or "injected" ("shots"): how its treatment is taken
    topic: set[str] = field(default_factory=set)  # stems, for matching
    topic_words: str = ""  # the same words as asked, for the meaning search
    either: bool = False  # topic words joined by "or" ("migraine or headache"): a study holding one of them matches
    own_topic: set[str] = field(default_factory=set)  # of a long personal question, the illnesses it names
    # topic words side by side in the question ("kidney cancer", "multiple myeloma"): one name, so a study holding
    # only one of its words ("Lung Cancer", "Multiple Sclerosis") is not about it
    phrases: list[set[str]] = field(default_factory=list)

    def filters(self) -> bool:
        """Whether it sets a filter the fact sheets check (anything but a topic)."""
        return bool(self.statuses or self.phase or self.place or self.results or self.children or self.healthy
                    or self.age is not None or self.by_size or self.placebo is not None or self.no_treatment
                    or self.blinded is not None or self.remote or bool(self.form))


def _short_name(place: str, question: str) -> re.Match | None:
    """A country's short name in the question ("US", "U.S.", "USA", "UK"), in capitals as written ("us" is a word)."""
    code = gazetteer().country_code(place)
    return next((m for short in COUNTRY_SHORT.get(code, ()) if short != place
                 and (m := re.search(rf"(?<![\w.]){re.escape(short)}(?![\w])", question))), None)


def filters_asked(question: str, places: Iterable[str]) -> bool:
    """Whether the question sets a filter a list of studies can check (a status, a place, a phase, results, ages,
    healthy volunteers, size order): "whats recruiting in the US?" asks across studies in any words."""
    return parse_query(question, places).filters()


# "which of those can I do from home?", "any I can do online?": taking part without going to a site
WHY_REMOTE = content_terms("travel travelling traveling drive driving commute leave house home get around visits trips "
                           "far away distance car")
REMOTE_LIST_Q = re.compile(r"\b(?:from|at) home\b|\bremote(?:ly)?\b|\bonline\b|\b(?:from|on|by|using|with|through|via) "
                           r"(?:my|a|your|the|their) (?:phone|smartphone|cell ?phone|computer|laptop|tablet|ipad)\b|"
                           r"\b(?:an|the|via|through) app\b|\bwithout (?:any )?(?:travel\w*|going (?:in|"
                           r"anywhere))\b|\bno travel\w*\b", re.IGNORECASE)


def parse_query(question: str, places: Iterable[str]) -> CorpusQuery:
    q = CorpusQuery()
    for rx, statuses in STATUS_FILTERS:
        if rx.search(question):
            q.statuses = statuses
            break
    m = PHASE_Q.search(question)
    if m:
        q.phase = "Phase " + ROMAN.get(m.group(1).lower(), m.group(1))
    found_places: list[tuple[int, str]] = []
    written: list[str] = []  # the places as the question writes them ("usa")
    g = gazetteer()
    for place in sorted(places, key=len, reverse=True):
        m = re.search(rf"\b{re.escape(place)}\b", question, re.IGNORECASE)
        short = None if m else _short_name(place, question)
        m = m or short
        # a country by its own name, once: "US", "usa", "UNITED STATES" are all "United States"
        place = g.country_names.get(g.country_code(place), place) if m else place
        if m and not any(place.lower() in p.lower() for _, p in found_places):
            found_places.append((m.start(), place))
            written.append(m.group(0))
    found_places.sort()
    if found_places and not ANYWHERE_Q.search(question):  # ("we are in europe but would travel anywhere": no place)
        q.place, q.also_places = found_places[0][1], tuple(p for _, p in found_places[1:])
    age = patient_facts(question).age if AGE_ASKED_Q.search(question) else None
    q.age = age
    placebo = PLACEBO_Q.search(question)
    q.placebo = (not NO_PLACEBO_Q.search(question)) if placebo else None
    no_treatment = NO_TREATMENT_Q.search(question)
    q.no_treatment = bool(no_treatment)
    blinded = BLINDED_Q.search(question)
    q.blinded = (not OPEN_Q.search(question)) if blinded else None
    remote = REMOTE_LIST_Q.search(question)
    q.remote = bool(remote)
    # (what the person took before is no form asked for: "physio and pills for 4 months didnt help")
    form_words = " ".join(c for c in re.split(r"[.?!;,]", question) if not TRIED_Q.search(c))
    form = ORAL_Q.search(form_words) or INJECTED_Q.search(form_words)  # (a pill first: "a pill? I hate needles")
    q.form = ("oral" if ORAL_Q.search(form_words) else "injected") if form else ""
    forms = [m.group(0) for rx in (ORAL_Q, INJECTED_Q) for m in rx.finditer(question)]
    size = SIZE_ORDER_Q.search(question)
    q.by_size = ("smallest" if size.group(0).lower().startswith(("small", "fewest", "least")) else "largest") \
        if size else ""
    q.results = bool(RESULTS_Q.search(question))
    q.children = bool(CHILDREN_Q.search(question))
    healthy = HEALTHY_Q.search(question)
    q.healthy = bool(healthy)
    named = content_terms(" ".join([*(p for _, p in found_places), *written, q.phase or "",
                                    *(m.group(0) for m in (healthy, size, placebo, no_treatment, blinded, remote)
                                      if m), *forms]))
    q.topic = {t for t in content_terms(question) - LISTING_WORDS - named if not (age is not None and t.isdigit())}
    if q.remote:  # "anything I can do from home? I can't really travel": why they ask, not what the study is about
        q.topic -= WHY_REMOTE
    if q.topic <= GENERIC_HEALTH:
        q.topic = set()
    if len(q.topic) > PERSONAL_TOPIC_WORDS and speaks_of_someone(question):
        # "my partner was diagnosed with non small cell lung cancer three weeks ago … any of the lung cancer studies
        # still taking patients?": the illness they name, when all the words of their story match no study
        # (not the medicines they take: "… juvenile arthritis (on methotrexate)" is about the arthritis)
        taken = content_terms(" ".join(t.words for t in patient_facts(question).treatments if _taken(question, t.words)))
        q.own_topic = (named_illnesses(question) & q.topic) - GENERIC_HEALTH - DIAGNOSED - taken
    kids = CHILDREN_Q.search(question)
    q.topic_words = " ".join(_topic_words(question, q.topic) + ([kids.group(0)] if kids else []))
    words = _topic_words(question, q.topic)
    q.phrases = _phrases(question, q.topic)
    if len(words) > 1:
        span = re.search(rf"\b{re.escape(words[0])}\b.*\b{re.escape(words[-1])}\b", question)
        q.either = bool(span and re.search(r"\b\w+\s+or\s+\w+|\w\s*/\s*\w", span.group(0)))  # ("disc / sciatica")
    return q


# a name is what a study is for or about: said after "for", "with", … or before "trials", "studies", …
NAME_BEFORE = frozenset("for with about on of treating treat against".split())
NAME_AFTER = frozenset("study studies trial trials research registry registries patients people".split())


def _phrases(question: str, topic: set[str]) -> list[set[str]]:
    """Two topic words with nothing between them that name something ("any kidney cancer trials?", "studies for
    multiple myeloma"), as stems: {"kidney", "cancer"}."""
    tokens = re.findall(r"[A-Za-z0-9][A-Za-z0-9-]*|[^\sA-Za-z0-9]", question)
    out: list[set[str]] = []
    i = 0
    while i < len(tokens):
        j = i
        while j < len(tokens) and content_terms(tokens[j]) and content_terms(tokens[j]) <= topic:
            j += 1
        if j - i == 2:  # two words only: a longer run is the person's own telling ("my rheumy thinks axial …")
            before = tokens[i - 1].lower() if i else ""
            after = tokens[j].lower() if j < len(tokens) else ""
            if before in NAME_BEFORE or after in NAME_AFTER:
                out.append(content_terms(" ".join(tokens[i:j])))
        i = max(j, i + 1)
    return out


def _sentence_with(text: str, topic: set[str]) -> str:
    """The chunk's first sentence (or line) that holds a topic word: what is cited as the reason it matched."""
    body = text.split("\n", 1)[-1]
    for part in re.split(r"(?<=[.!?])\s+|\n", body):
        if content_terms(part) & topic:
            return part.strip()
    return body.strip()


def _topic_words(question: str, topic: set[str]) -> list[str]:
    return list(dict.fromkeys(w for w in re.findall(r"[A-Za-z0-9][A-Za-z0-9-]*", question)
                              if content_terms(w) and content_terms(w) <= topic))


# the record statuses a question asked for → what a study in them is doing, in plain words
STATUS_WORDS = {"Not yet recruiting": "is about to start taking people", "Recruiting": "is taking people now",
                "Completed": "has finished", "Terminated": "was stopped early"}


def _wanted(question: str, q: CorpusQuery, near: str = "") -> str:
    """What the reader asked for, said of a study: "is about “lupus”, has sites in Sweden and has posted results"."""
    # (of a long personal question, the illness it names, not every word of it: "juvenile arthritis", not "son
    # juvenile arthritis diagnosed methotrexate flares lot")
    topic = _topic_words(question, q.own_topic if q.own_topic and q.own_topic < q.topic else q.topic)
    parts = [f"is about “{' '.join(topic)}”"] if topic else []
    parts += [f"has sites in {' or '.join((q.place, *q.also_places))}"] if q.place else []
    parts += [f"is in {q.phase}"] if q.phase else []
    parts += [STATUS_WORDS.get(q.statuses[0], "is taking people now")] if q.statuses else []
    parts += ["has posted results"] if q.results else []
    parts += ["takes children"] if q.children else []
    parts += ["accepts healthy volunteers"] if q.healthy else []
    parts += [f"takes people aged {years_words(q.age)}"] if q.age is not None else []
    parts += ["has a placebo group" if q.placebo else "has no placebo group"] if q.placebo is not None else []
    parts += ["gives no study treatment"] if q.no_treatment else []
    parts += ["can be done from home"] if q.remote else []
    parts += ["gives its treatment by mouth" if q.form == "oral" else "gives its treatment by injection"] if q.form else []
    parts += [f"has a site near {near}"] if near else []
    if topic and len(parts) > 1:  # "none of the studies here about “lupus” has sites in Sweden": none is both
        return f"about “{' '.join(topic)}” {join_words(parts[1:])}"
    return join_words(parts)


# who a study is for ("pregnant women", "older adults"): said apart in a record ("Pregnancy", "women with lupus")
PERSON_WORDS = content_terms("women woman men man girls girl boys boy adults adult people persons patients kids "
                             "children babies infants mothers moms seniors elderly teens veterans")


def _two_word_names(q: CorpusQuery, wanted: set[str], termed: list[set[str]]) -> list[set[str]]:
    """The question's two-word names ("stem cell") a study must say as one; not a name the vocabulary knows ("back
    problems", which a record may say in other words), nor one with a person word ("pregnant women")."""
    return [p for p in q.phrases if len(p) == 2 and p <= wanted and p not in termed and not p & PERSON_WORDS]


def _together(pairs: list[set[str]], texts: list[str]) -> bool:
    """Whether a study's texts say each of ``pairs`` as one, not "cell" of "Giant Cell Arteritis" and "stem"
    elsewhere."""
    return all(any(_adjacent(t, p) for t in texts) for p in pairs)


def _taken(question: str, words: str) -> bool:
    """Whether the question says the person (or someone they know) takes or took the medicine named ``words``."""
    person = re.search(r"\b(?:i|i'?m|im|i'?ve|ive|he|she|we|they|my \w+)\b", question, re.IGNORECASE)
    return bool(re.search(r"\b(?:i|i'?m|im|i'?ve|ive|he|she|we|they|my \w+)\b[^.?!]{0,40}\b(?:take|takes|taking|took|on|"
                          r"tried|try|had|has|have|used|use|using|stopped|failed|given|started)\b[^.?!]{0,30}"
                          + re.escape(words), question, re.IGNORECASE)) or bool(
        # ("my son … has juvenile arthritis (diagnosed at 7, on methotrexate)": "on" it, with the person said before)
        person and re.search(r"\b(?:on|taking|takes|took|tried|using|uses|used)\s+(?:(?:a|an|the|some|low|high|dose|of)\s+"
                             r"){0,2}" + re.escape(words), question[person.start():], re.IGNORECASE))


def _adjacent(text: str, pair: set[str]) -> bool:
    """Whether the text says the two stems one after the other ("stem cell", "Stem Cells", "stem-cell")."""
    stems = [t for w in re.findall(r"[A-Za-z0-9]+", text) for t in content_terms(w)]
    return any({a, b} == pair for a, b in zip(stems, stems[1:], strict=False))


def _topic_text(s: FactSheet) -> str:
    return " ".join([s.title, s.acronym or "", *(c.value for c in s.conditions), *(i.name for i in s.interventions),
                     *(a.label for a in s.arms)])


def years_words(years: float) -> str:
    """An age in words: "65", or for a baby "6 weeks", "4 months" (not "0.333333")."""
    if years >= 2:
        return f"{round(years, 1):g}"
    if years * 12 >= 1.5:
        return f"{round(years * 12):g} months"
    weeks = round(years * 52.18)
    return f"{weeks:g} week{'s' if weeks != 1 else ''}"


def age_range_words(s: FactSheet) -> str:
    """"aged 18 to 65", "aged 18 or older", "up to 63": the study's age fields in words."""
    low = age_in_years(s.min_age.value) if s.min_age else None
    high = age_in_years(s.max_age.value) if s.max_age else None
    if low is not None and high is not None:
        return f"aged {years_words(low)} to {years_words(high)}"
    return f"aged {years_words(low)} or older" if low is not None else f"up to age {years_words(high)}" \
        if high is not None else ""


def passes_filters(s: FactSheet, q: CorpusQuery) -> bool:
    if q.statuses and not (s.status and s.status.value in q.statuses):
        return False
    if q.phase and not (s.phase and q.phase in s.phase.value):
        return False
    if q.results and not s.has_results:
        return False
    if q.children and s.min_age and (age_in_years(s.min_age.value) or 0) >= 18:
        return False
    if q.healthy and not (s.healthy_volunteers and s.healthy_volunteers.value.lower().endswith(("yes", "true"))):
        return False
    if q.children and s.min_age is None and s.max_age is None and not (s.inclusion or s.exclusion or s.criteria):
        return False  # a record that says nothing of who can join (a grant's page) does not say it takes children
    if q.age is not None and not _takes_age(s, q.age):
        return False
    if q.age is not None and s.min_age is None and s.max_age is None and not (s.inclusion or s.exclusion or s.criteria):
        return False  # (nor does it say it takes a 17-year-old)
    if q.placebo is not None and _has_placebo(s) != q.placebo:
        return False
    if q.no_treatment and not s.observational:
        return False
    if q.blinded is not None and (s.masking is None or _is_blinded(s) != q.blinded):
        return False
    if q.remote and s.study_id not in q.remote_ids:
        return False
    if q.form and given_as(s, q.form) is None:
        return False
    return not (q.place and not any(_sites_in(s, p) for p in (q.place, *q.also_places)))


def given_as(s: FactSheet, form: str) -> tuple[str, str] | None:
    """(field path, the record's words) saying its treatment is taken by mouth ("oral") or by a needle
    ("injected"): a treatment or group description, or for a pill a rule about swallowing the study drug."""
    said = [(i.path, i.description) for i in s.interventions if "placebo" not in i.name.lower() and i.description]
    placebo = placebo_arms(s)
    said += [(a.path, a.description) for a in s.arms if a not in placebo and a.description]
    words, rule = (ORAL_WORDS, ORAL_DRUG_RULE) if form == "oral" else (INJECTED_WORDS, None)
    found = [(path, sent) for path, text in said for sent in split_sentences(text) if words.search(sent)]
    if rule is not None:
        found += [(f.path, f.value) for f in (*s.inclusion, *s.exclusion, *s.criteria) if rule.search(f.value)]
    return found[0] if found else None


def _has_placebo(s: FactSheet) -> bool:
    """A placebo group: an arm of type placebo, or a treatment named placebo."""
    return any("placebo" in a.type.lower() for a in s.arms) or any("placebo" in i.name.lower() for i in s.interventions)


def _is_blinded(s: FactSheet) -> bool:
    """Someone does not know who gets what: a masking other than none (open label)."""
    level = (s.masking_level.value if s.masking_level else s.masking.value if s.masking else "").lower()
    return bool(level) and not level.startswith(("none", "open"))


def _enrolled(s: FactSheet) -> float:
    """The study's enrollment count (a record without one sorts last either way)."""
    try:
        return float(s.enrollment.value) if s.enrollment else float("nan")
    except ValueError:
        return float("nan")


def _takes_age(s: FactSheet, age: float) -> bool:
    """Whether the study's age fields let ``age`` in (a record with no age fields says nothing against it)."""
    low = age_in_years(s.min_age.value) if s.min_age else None
    high = age_in_years(s.max_age.value) if s.max_age else None
    return (low is None or age >= low) and (high is None or age <= high)


def on_topic(q: CorpusQuery, sheets: list[FactSheet], search: Search,
             evidence: dict[str, Source] | None = None) -> dict[str, int]:
    """Studies that hold every topic word in what they are about → their rank (search order first). ``evidence``
    gets, for a study matched by a chunk rather than its title, conditions or treatments, that chunk."""
    if not q.topic:
        return {s.study_id: i for i, s in enumerate(sheets)}
    held = {s.study_id: content_terms(_topic_text(s)) & q.topic for s in sheets}
    texts = {s.study_id: [_topic_text(s)] for s in sheets}  # where a study's words were found: for the phrases
    order: list[str] = []
    close: list[str] = []  # studies whose about-fields mean what the question says, in other words
    for src in search(q.topic_words or " ".join(sorted(q.topic)), 3 * len(sheets)):
        if src.study_id in held and src.field_path.startswith(ABOUT_FIELDS):
            extra = content_terms(src.text) & q.topic - held[src.study_id]
            if extra and evidence is not None:
                evidence.setdefault(src.study_id, src)
            held[src.study_id] |= extra
            texts[src.study_id].append(src.text)
            order.append(src.study_id)
            if (src.dense_score or 0.0) >= SAME_MEANING:
                close.append(src.study_id)
    order += [s.study_id for s in sheets]
    known = set().union(*held.values()) if held else set()
    wanted = q.topic & known  # a word no study has ("ran", "colicky") filters nothing by itself
    named = _named_concepts(q.topic_words)
    termed = [content_terms(h.phrase) for h in vocabulary().find(q.topic_words)]  # names the vocabulary knows whole
    covered = set().union(set(), *termed)
    # …but beside a word some study has, it is part of one name ("kidney cancer", "multiple myeloma"): unless the
    # vocabulary knows that name as a whole, no study is about it ("Lung Cancer" and "Multiple Sclerosis" are not)
    unplaced = set().union(set(), *(phrase - known for phrase in q.phrases if phrase & known))
    if unplaced - covered:
        return {}
    if named and q.topic - known:
        # …unless it is part of a condition or treatment the question names: "breast cancer" is not "cancer",
        # so a study must be about that very thing (its title, conditions or treatments name it)
        about = {s.study_id for s in sheets if named & _named_concepts(_topic_text(s), within=True, wider=True)}
        # ("stem cell trials for back problems": about back problems, and holding "stem cell" too)
        pairs = _two_word_names(q, wanted - covered, termed)
        about = {sid for sid in about if _together(pairs, texts[sid])}
        if q.either:  # "headaches or migraine": about the one, or holding the other
            about |= {sid for sid, words in held.items() if words & wanted}
        return {sid: i for i, sid in enumerate(dict.fromkeys(sid for sid in order if sid in about))}
    if not wanted:
        return {sid: i for i, sid in enumerate(dict.fromkeys(close))}
    # "migraine or headache studies": either word is enough
    matching = [sid for sid in dict.fromkeys(order) if (held[sid] & wanted if q.either else held[sid] >= wanted)]
    # "stem cell": two words that name one thing together, found together (not "cell" of "Giant Cell Arteritis"
    # and "stem" elsewhere); a name the vocabulary knows ("back problems") may be said in other words
    if not q.either:
        pairs = _two_word_names(q, wanted, termed)
        matching = [sid for sid in matching if _together(pairs, texts[sid])]
    # "back problems": also a study about it in other words ("Lumbar Disc Degeneration" is back pain); not when the
    # question names more than the concept ("umbilical cord stem cells" is narrower than any stem cell study)
    if named and not (wanted - covered):
        by_id = {s.study_id: s for s in sheets}
        matching += [sid for sid in dict.fromkeys(order) if sid not in matching
                     and named & _named_concepts(_topic_text(by_id[sid]), within=True, wider=True)]
    return {sid: i for i, sid in enumerate(matching)}


def _named_concepts(text: str, within: bool = False, wider: bool = False) -> set[str]:
    """The vocabulary's conditions and treatments a text names; with ``within`` also those a group it names
    holds, with ``wider`` also the groups that hold what it names ("lumbar disc degeneration" is back pain)."""
    vocab = vocabulary()
    found = {k for h in vocab.find(text) for k in (h.concepts | (h.within if within else frozenset()))}
    if wider:
        broader = {b.lower() for k in found for b in vocab.concepts[k].broader}
        found |= {k for k, c in vocab.concepts.items() if broader & {t.lower() for t in c.terms}}
    return {k for k in found if vocab.concepts[k].kind in ("condition", "treatment")}


def _sites_in(s: FactSheet, place: str) -> list[Site]:
    in_continent = sites_in_continent(place, s.sites)
    if in_continent is not None:
        return in_continent
    p, code = place.lower(), gazetteer().country_code(place)  # "USA", "UNITED STATES", "United States": one country
    return [x for x in s.sites if p in (x.country.lower(), x.state.lower(), x.city.lower())
            or (code and x.country and gazetteer().country_code(x.country) == code)]


def compose_list(question: str, sheets: list[FactSheet], chunks: ChunkLookup, places: Iterable[str],
                 search: Search, stale_date: Callable[[FactSheet], tuple[Fact, str] | None] = lambda _s: None,
                 among: bool = False) -> Composed | None:
    """The cited list of studies matching the question, those taking people first; ``among``: ``sheets`` are the
    studies an earlier answer listed ("which of those …"), not the whole collection."""
    q = parse_query(question, places)
    # the record's own words on taking part from home, read once for the filter and for what each study says
    remote = {s.study_id: quotes for s in sheets if (quotes := remote_sentences(chunks, s))} if q.remote else {}
    q = replace(q, remote_ids=frozenset(remote)) if q.remote else q
    # "lupus trials recruiting near Chicago", "whats going on in charleston SC": ranked by their nearest site
    near = near_question(question) or in_city_question(question, frozenset())
    origin = resolve(near.words, frozenset()) if near else None
    if near and origin:
        q = replace(q, topic=q.topic - content_terms(near.words), place=None)
    # "I live in Chicago, any trials?": where the person lives ranks the studies by their nearest site (none is left
    # out for being far: they did not ask for near ones only)
    # (read once: where they live ranks the list, the rest filters it; "which studies use umbilical cord stem cells?"
    # names a treatment, not one the person had)
    facts = patient_facts(question) if speaks_of_someone(question) else PatientFacts()
    # (a medicine named as what a study tests is not one the person takes: "I'm in Munich, is there a brigatinib
    # study nearby?")
    facts.treatments = [t for t in facts.treatments if _taken(question, t.words)]
    home = facts.location if not origin else ""
    at_home = resolve(home, frozenset()) if home else None
    if at_home:
        origin = at_home
        q = replace(q, topic=q.topic - content_terms(home), place=None if q.place and q.place.lower() in home.lower()
                    else q.place)
    if not (q.filters() or q.topic or origin):
        return None
    evidence: dict[str, Source] = {}
    rank = on_topic(q, sheets, search, evidence)
    if not rank and q.own_topic and q.own_topic != q.topic:
        q = replace(q, topic=q.own_topic, topic_words=" ".join(_topic_words(question, q.own_topic)),
                    phrases=_phrases(question, q.own_topic))
        rank = on_topic(q, sheets, search, evidence)
    found = [s for s in sheets if s.study_id in rank and passes_filters(s, q)]
    if facts.said_anything(sex=False) or ASKS_TO_JOIN_RE.search(question):
        # "is there anything I'm allowed to join?": not a page that says itself it takes no patients (an NIH project)
        found = [s for s in found if not (s.enrollment_notes and s.status is None)]
    # "I'm pregnant and have lupus, anything I can join?": a study whose rules keep out what the person said is not
    # one they can join; it is named after the list with the rule that keeps them out
    ruled_out: list[tuple[FactSheet, tuple[str, str]]] = []
    fitting: dict[str, int] = {}  # how many of the person's facts a study's rules to join ask for: those first
    if facts.said_anything(sex=False):
        for s in list(found):
            assessed = assess(s, facts)
            out = assessed.said("rules_out")
            fitting[s.study_id] = sum(f.key in FITTING_KEYS for f in assessed.findings)
            if out and out[0].cites:
                found.remove(s)
                ruled_out.append((s, out[0].cites[-1]))
    closest = {s.study_id: c for s in found if origin and (c := closest_site(origin, s.sites))}
    distance_km = {sid: c[1] for sid, c in closest.items()}
    if origin and not at_home and not (q.statuses or q.phase or q.results or q.children or q.topic):  # only "near X"
        found = [s for s in found if distance_km.get(s.study_id, float("inf")) <= NEAR_KM]
    # (taking people first; then, for a person who said where they live, the nearest; else those whose rules ask for
    # what they said; then search order)
    found.sort(key=lambda s: (not (s.status and s.status.value in LISTED_FIRST),
                              distance_km.get(s.study_id, float("inf")) if at_home else -fitting.get(s.study_id, 0),
                              distance_km.get(s.study_id, float("inf")), rank[s.study_id]))
    if q.by_size:  # "which is the biggest?": by the number of people, largest (or smallest) first, the first few
        found.sort(key=lambda s: _enrolled(s) * (-1 if q.by_size == "largest" else 1))
        found = found[:BY_SIZE_SHOWN]
    w = AnswerWriter("", chunks)
    show_ages = False  # each study's ages, when children were asked for and none takes them
    if not found:
        none = sentence("corpus_none.none", n=len(sheets), among=among,
                        what=_wanted(question, q, place_words(origin) if origin else "")) + "."
        elsewhere = [s for s in sheets if s.study_id in rank and passes_filters(s, replace(q, place=None))]
        # "anything recruiting in Germany?": none is, but some there are not taking people: which, and their status
        # (an answer, "no", not an abstention: the records say it)
        not_open = [s for s in sheets if s.study_id in rank and passes_filters(s, replace(q, statuses=()))]
        # (in the place and on the topic first: a study there that opens later is nearer what a person there asked)
        if q.statuses and (q.place or q.topic) and not_open:
            w.sentences.append(f"{none} {sentence('corpus_none.other_status')}:")
            q = replace(q, statuses=())
            found = not_open
        elif (q.children or q.age is not None) and (q.topic or q.place) and (
                adults := [x for x in sheets if x.study_id in rank
                           and passes_filters(x, replace(q, children=False, age=None))
                           and (x.min_age or x.max_age)]):
            # "any lupus studies for teens?": no, and the ones there are, with the ages they take (the records say it)
            w.sentences.append(f"{none} {sentence('corpus_none.adults')}:")
            q = replace(q, children=False, age=None)
            found, show_ages = adults, True
        elif q.place and q.topic and elsewhere:  # none in the place asked about, but some on the topic elsewhere
            w.sentences.append(f"{none} {sentence('corpus_none.elsewhere')}:")
            q = replace(q, place=None)
            found = elsewhere
            w.stops_short = True  # what was asked is not there: an abstention, with what is there after it
        elif asks_practical(question) and not q.place and not q.filters():
            # "are there any studies paying people?": the records keep silent on it, which is no "none"
            return Composed(sentence("corpus_none.practical", n=len(sheets)) + ".", [], [], none=True)
        else:
            # "any studies in Norway?", "sickle cell trials?": every study's sites, or what each is about, say no (an
            # answer, not the records keeping silent)
            return Composed(none, [], [])
    asked_concepts = _named_concepts(q.topic_words) if q.topic else set()
    for s in found[:MAX_STUDIES]:
        # the condition the question asked about, by its words or as the same thing ("lung cancer" is "NSCLC")
        # (the one sharing most of the asked words: "multiple sclerosis" is "Multiple Sclerosis", not "Amyotrophic
        # Lateral Sclerosis")
        shares = sorted(((overlap(q.topic, content_terms(c.value)), i) for i, c in enumerate(s.conditions)
                         if overlap(q.topic, content_terms(c.value)) > 0
                         or asked_concepts & _named_concepts(c.value, wider=True)),  # (axial SpA is back pain)
                        key=lambda t: (-t[0], t[1]))
        matched = s.conditions[shares[0][1]] if q.topic and shares else None
        condition = matched or (s.conditions[0] if s.conditions else None)
        # (the first place asked where it has sites: "spain or france")
        there: tuple[str | None, list[Site]] = next(((p, x) for p in (q.place, *q.also_places)
                                                      if p and (x := _sites_in(s, p))), (q.place, []))
        place, sites = there
        w.study_id = s.study_id
        where = f"{len(sites)} site{'s' if len(sites) != 1 else ''} in {place}" if sites else ""
        cities = list(dict.fromkeys(x.city for x in sites if x.city))
        if sites and place and sites_in_continent(place, []) is None and 0 < len(cities) <= MAX_CITIES_SAID \
                and not any(c.lower() == place.lower() for c in cities):  # "1 site in France (Paris)"
            # its one site by name too: "1 site in France (Hôpital Saint-Louis, Paris)"
            where += f" ({site_words(sites[0])})" if len(sites) == 1 and sites[0].facility else f" ({join_words(cities)})"
        if sites and place and sites_in_continent(place, []) is not None:  # "1 site in Europe (Spain)"
            countries = list(dict.fromkeys(x.country for x in sites))
            where += f" ({', '.join(x for x in (site_words(sites[0]), sites[0].country) if x)})" \
                if len(sites) == 1 else f" ({join_words(countries)})" if len(countries) <= 4 else \
                f" ({len(countries)} countries, among them {join_words(countries[:3])})"
        phase = s.given_phase
        if w.sentences:  # each study on a line of its own
            w.new_line()
        said = w.say("corpus.study", [f for f in (s.title_fact, s.status, phase) if f], title=s.title,
                     study_id=s.study_id, details=", ".join(f.value for f in (s.status, phase) if f))
        countries = list(dict.fromkeys(x.country for x in s.sites if x.country))
        where = where or (f"sites in {join_words(countries[:4])}" if countries and not q.place else "")
        seen = evidence.get(s.study_id)
        if said and seen and q.topic and matched is None:
            # matched by its record's words, not its conditions: "It is for Rheumatoid Arthritis" would not say why
            words = join_words([f"“{t}”" for t in _topic_words(question, q.topic & content_terms(seen.text))]
                               or [f"“{q.topic_words}”"])
            w.study_id = s.study_id
            w.say("corpus.mentions", [(seen.field_path, _sentence_with(seen.text, q.topic))], words=words,
                  field=seen.field_label.split(" › ")[-1].lower())
        elif said and condition:
            w.say("corpus.about", [condition, *(sites or s.sites)[:1]], condition=spelled_out(condition.value), sites=where)
        elif said and sites:
            w.say("corpus.sites", sites[0], sites=where)
        if said and origin and closest.get(s.study_id):
            site, km = closest[s.study_id]
            w.say("corpus.nearest", site, place=place_words(origin), site=site_words(site),
                  distance=distance_words(km, origin))
        if said and q.placebo is not None:
            arms = [a for a in s.arms if "placebo" in a.type.lower()]
            w.say("corpus.placebo" if arms else "corpus.no_placebo",
                  [(a.path, a.quote) for a in arms[:1]] or [x for x in [s.study_type] if x])
        if said and q.form and (given := given_as(s, q.form)):  # "a pill?": the record's words for how it is taken
            rule = given[0].startswith("protocolSection.eligibilityModule")  # (what its rules say of the study drug)
            w.say("corpus.form_rule" if rule else "corpus.form", [given], quote=given[1].rstrip(" .;"))
        if said and s.study_id in remote:  # how people take part from home
            w.say("where.remote", remote[s.study_id][:1], quote=remote[s.study_id][0][1].rstrip(" .;"))
        if said and q.no_treatment and s.study_type:
            w.say("corpus.observational", s.study_type)
        if said and q.blinded is not None and s.masking:
            w.say("corpus.masked" if _is_blinded(s) else "corpus.open_label", s.masking,
                  level=(s.masking_level.value if s.masking_level else s.masking.value).split(" (")[0].lower())
        if said and q.by_size and s.enrollment:
            w.say("corpus.size", s.enrollment, n=s.enrollment.value,
                  actual=bool(s.enrollment_type and s.enrollment_type.value.lower() == "actual"))
        if said and q.age is not None and (s.min_age or s.max_age):
            w.say("corpus.ages", [f for f in (s.min_age, s.max_age) if f], ages=age_range_words(s))
        if said and q.healthy and s.healthy_volunteers:
            w.say("corpus.healthy", s.healthy_volunteers)
        ages = [f for f in (s.min_age, s.max_age) if f]
        if said and show_ages and ages:
            w.say("corpus.ages", ages, ages=age_range_words(s))
        stale = stale_date(s)  # "recruiting" in a record whose own expected end date has passed
        if said and stale:
            w.say("corpus.stale" if stale[0] != s.start else "corpus.stale_start", stale[0], stale=stale[1])
    for s, keeps_out in ruled_out[:MAX_RULED_OUT_SAID]:
        w.study_id = s.study_id
        w.new_line()
        w.say("corpus.ruled_out", [keeps_out], name=(s.acronym or s.title), study_id=s.study_id, quote=keeps_out[1].rstrip(" .;"))
    if asks_practical(question):
        # "lupus studies that pay?": the studies on the topic, and that their records do not say the rest
        w.sentences.append("\n" + sentence("corpus.practical_silent") + ".")
        w.stops_short = True
    return w.result()
