"""Answers composed from a study's fact sheet: the record's facts in plain sentences, no model.

For the common, structured questions (where, who can join, can I join, status, phase, size, design,
randomization, arms, treatment, outcomes, sponsor, contact, dates) the meaning is known from the
field the fact came from, so the answer says it the way the record means it: an exclusion criterion
is only ever said as a reason you *cannot* join, a site count is the whole list's. Sentences come
from ``prompts/answers.toml``; each one cites the field it states, with a verbatim quote.
Returns None when the sheet lacks the facts; the caller then falls back to retrieval.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime

from assistant.answer_templates import has_sentence, sentence
from assistant.answer_writer import (
    MAX_CONTACTS,
    AnswerWriter,
    ChunkLookup,
    Composed,
    contact_of,
    contact_words,
    join_words,
    person_words,
    quoted,
)
from assistant.closest_rule import Scorer
from assistant.compose_checks import asks_checks, tests_and_checks
from assistant.compose_overview import (  # noqa: F401  (registers their composers)
    DESCRIPTION_FIELDS,
    REMOTE_Q,
    field_bodies,
    last_check,
    overview,
    placebo_arms,
    taking_part_remotely,
    time_in_study,
)
from assistant.compose_results import (
    EACH_GROUP_Q,
    TOOK_PART_Q,
    USED_Q,
    compose_results,
    enrollment_sentence,
    group_counts,
    treated_note,
)
from assistant.compose_where import SITE_CODE, described_places, place_in, where_sentences
from assistant.composers import COMPOSERS, composes
from assistant.corpus_list import Search, compose_list, filters_asked
from assistant.eligibility_answer import can_i_join, condition_sentences, rule_asked_about, with_sub_items
from assistant.intent_registry import COMPOSED
from assistant.nearby_answer import near_sentences
from assistant.outcome_words import DEFINES_Q, NOT_DEFINED
from assistant.patient_facts import patient_facts, speaks_of_someone
from assistant.results_words import about, is_placebo
from assistant.textutil import content_terms, split_sentences
from assistant.treatment_names import named_treatments
from trialchat.facts import (
    NOT_APPLICABLE,
    RECRUITING_STATUSES,
    SITE_CONTACT,
    Fact,
    FactSheet,
    Intervention,
    age_in_years,
)
from trialchat.schema import GLOSSARY_ID

COMPOSED_INTENTS = COMPOSED  # assistant/intent_registry.py; each has a composer in COMPOSERS
MAX_LISTED = 6  # names in one sentence before "and N more"
MAX_TERM_STUDY_SENTENCES = 2  # after a definition, how this study uses the term, briefly
# where a record explains its own words, and the words that say it explains ("who have not responded …")
EXPLAINING_FIELDS = (*DESCRIPTION_FIELDS, "page.who_could_benefit_from_this_research")
# (what a thing is made of or where it comes from explains it too: "allogeneic MSCs derived from umbilical cord")
EXPLAINS = re.compile(r"\b(?:who|which|meaning|means|that is|i\.e\.|have not|has not|did not|do not|derived|"
                      r"obtained from|made from|taken from|comes? from|defined as|consists? of)\b", re.IGNORECASE)
QUOTE_LIMIT = 300  # a record's sentence longer than this explains nothing plainly
LOOKS_AHEAD = (*RECRUITING_STATUSES, "Not yet recruiting", "Active, not recruiting")
MAX_TREATMENTS = 2  # interventions described in a treatment answer
MAX_GROUPS = 3  # groups described in a treatment answer ("what do the babies get?" with three groups: all three)
BULLET = re.compile(r"^[*•-]\s*")
PLACEBO_Q = re.compile(r"\b(placebo|plasebo|fake|dummy|sugar pill|sham|inactive)\b", re.IGNORECASE)
SHORT_MEASURE_WORDS = 3  # a measure named in this many words or fewer is said with the record's definition
NO_NAME_WORDS = content_terms("study treatment drug product investigational medicinal medication experimental "
                              "intervention therapy arm")
OPEN_ARM = re.compile(r"\bopen[- ]label\b", re.IGNORECASE)
PHONE_IN = re.compile(r"\d{3}[\s.-]?\d{4}\b|@")
HOW_TO_REACH = re.compile(r"\b(?:phone|number|call|ring|e-?mail|address|reach|text|website)\b", re.IGNORECASE)
GROUPS_Q = re.compile(r"\b(?:groups?|arms?|each|cohorts?|compar\w*|against|versus|vs)\b", re.IGNORECASE)
# "Group A", "Arm 2": a label that says nothing of what the group gets (its description does)
BARE_LABEL = re.compile(r"^(?:group|arm|cohort|part)\s*[A-Z0-9]{1,2}$", re.IGNORECASE)
MASKING_WORDS = re.compile(r"\b(single|double|triple|quadruple|open)[- ](?:blind(?:ed)?|label)\b", re.IGNORECASE)
# kinds of study a question may name, with the glossary entry that says what each is
KINDS_OF_STUDY = tuple((slug, re.compile(rf"\b{words}", re.IGNORECASE)) for slug, words in (
    ("registry", r"registr(?:y|ies)\b"), ("cohort_study", r"cohort\b"), ("observational_study", r"observational\b"),
    ("interventional_study", r"interventional\b"), ("prospective_study", r"prospective\b"),
    ("retrospective_study", r"retrospective\b")))
WHY_Q = re.compile(r"\bwhy\b|\breason\b|\bwhat (?:made|happened)\b", re.IGNORECASE)
# statuses that call for a reason the record may not give ("why isn't it open yet?", "why was it stopped?")
CONTROL_Q = re.compile(r"\bcontrol(?:led)? (?:group|arm)\b|\bcomparison group\b|\b(?:does )?every(?:one|body) get\b|"
                       r"\ball (?:of them |the patients |the participants |people )?get (?:the|it)\b", re.IGNORECASE)
NO_REASON_GIVEN = frozenset({"Not yet recruiting", "Suspended", "Terminated", "Withdrawn"})
ENDED_EARLY = re.compile(r"\b(end(?:ed)?|stop(?:ped)?|terminat\w*|halt\w*|early|hampered|suspend\w*)\b", re.IGNORECASE)
SITE_ROLE_WORDS = {"Contact", "Backup", "Principal Investigator", "Sub-Investigator"}  # the record's role words
ORIGIN_Q = re.compile(r"\b(?:come|comes|coming|came) from\b|\bsource of\b|\bmade (?:of|from)\b|\bwhere do they get\b|"
                      r"\bcells? (?:\w+ )?(?:from|out of)\b|\b(?:whose|what kind of|which) cells\b", re.IGNORECASE)
ORIGIN = re.compile(r"\b(?:derived from|obtained from|isolated from|harvested from|collected from|produced from|donors?|"
                    r"donated|umbilical cords?|bone marrow|adipose|placenta\w*|cord blood)\b", re.IGNORECASE)
ORIGIN_FIELDS = ("protocolSection.descriptionModule.briefSummary", "protocolSection.descriptionModule.detailedDescription",
                 "protocolSection.identificationModule")
HOW_LONG = re.compile(r"\bhow long\b", re.IGNORECASE)
# "for a whole year?", "how long would I be on the dummy?": how long a group takes what it gets
HOW_LONG_ON = re.compile(r"\bhow long\b|\b(?:for|during) (?:a |the |one )?(?:whole |full |entire )?(?:year|months?|weeks?)\b|"
                         r"\bthe whole (?:time|study|year)\b", re.IGNORECASE)
DURATION_WORDS = re.compile(r"\b\d+\s*(?:weeks?|months?|years?|days?)\b", re.IGNORECASE)
# "will i get the real drug or not?": whether they would get it, which only chance decides
CHANCE_WORDS = re.compile(r"\b(?:chance|likely|likelihood|odds|probab\w*|(?:will|would|do|could) i (?:get|be on|receive) "
                          r"the real (?:drug|thing|one|medicine|treatment|pill|tablet|shot)s?|"
                          # "so i could be taking a fake pill for a whole year?", "might i end up on the dummy one?"
                          r"(?:(?:could|might|would|will) i|i (?:could|might)) (?:be taking|be on|be getting|end up|get stuck))\b",
                          re.IGNORECASE)
CHANCE_Q = re.compile(r"\b(chance|likely|odds|probab|how many .{0,20}(placebo|dummy)|end up (on|with|getting)|"
                      r"(?:will|would|do|could) i (?:get|be on|receive) the real|"
                      r"(?:(?:could|might|would|will) i|i (?:could|might)) (?:be taking|be on|be getting|get stuck))", re.I)
# "randomized 1:1", "a 1 in 2 chance": the record's own words for how people are shared between groups
RATIO = re.compile(r"\b\d\s*:\s*\d(?:\s*:\s*\d)?\b(?!\s*(?:am|pm))|"
                   r"\b(?:\d|one|two|three)\s+in\s+(?:\d|two|three|four|five)\s+chance\b", re.IGNORECASE)
# "do they take people with lupus?": a kind of person named by what they have or take
PEOPLE_WITH = re.compile(r"\b(?:people|patients|someone|anyone|those|persons?|kids|children|adults|women|men|"
                         r"teens?|babies)\s+(?:with|who (?:have|has|had|take|takes|are on)|on|taking)\b", re.IGNORECASE)
SHOWN_CRITERIA = 2  # inclusion and exclusion items shown before "N more"


def _age_words(fact: Fact | None) -> str:
    years = age_in_years(fact.value if fact else None)
    if years is None or not fact:
        return ""
    return f"{years:g}" if years >= 1 else fact.value.lower()  # "4 months", not "0.333333"


def _when(fact: Fact | None) -> tuple[str, bool] | None:
    """'Start: September 2015 (Actual)' → ('September 2015', True = it has happened)."""
    if not fact:
        return None
    m = re.match(r"^[^:]+:\s*(.+?)(?:\s*\((\w+)\))?$", fact.value)
    if not m:
        return None
    return m.group(1), (m.group(2) or "").lower() == "actual"


def _described(i: Intervention) -> tuple[list[tuple[str, str]], str]:
    """An intervention's description as one line of text ("Form: syringe; Concentration: …"), and each of its
    lines cited."""
    lines = [ln.strip() for ln in i.description.split("\n") if ln.strip()]
    return [(i.path, ln) for ln in lines], "; ".join(BULLET.sub("", ln) for ln in lines)


PHASE_IN_TITLE = re.compile(r"\bPhase\s+(?:I{1,3}V?|IV|[1-4])(?:\s*/\s*(?:I{1,3}|[1-4]))?[ab]?\b", re.IGNORECASE)
TITLE_FIELDS = ("page.official_title", "protocolSection.identificationModule.officialTitle",
                "protocolSection.identificationModule")
TOLD_AFTER_Q = re.compile(r"\b(?:find out|found out|be told|get told|tell (?:me|us|him|her)|learn|ever know|know (?:later|"
                          r"after|at the end))\b", re.IGNORECASE)
CONTACT_WORDS = re.compile(r"\b(?:phone|number|call|e-?mail|contact)\b", re.IGNORECASE)
# whether a person must live near a site or travel to it, and the rules that say
LIVE_NEAR_Q = re.compile(r"\b(?:have to|need to|must|do i|does one|should i)\b.{0,15}\b(?:live|stay|be)\b.{0,15}\b(?:near|in|close)\b|"
                         r"\b(?:travel|commute|drive|fly)\b|\bonly (?:at|in)\b", re.IGNORECASE)
TRAVEL_RULE = re.compile(r"\btravel\w*\b|\bresid(?:e|ent|ents|ence|ing)\b|\b(?:live|lives|living) (?:in|near|within)\b|"
                         r"\bdistance\b|\bcommut\w*", re.IGNORECASE)
SITES_Q = re.compile(r"\b(?:sites?|hospitals?|centers?|centres?|clinics?|locations?)\b", re.IGNORECASE)
MAX_SITE_STATUSES = 3
# asking to choose one's own group ("can I pick which one I get?"): a randomized study answers no
# "just once or several times?": how many times the treatment is given, and the record's words for one dose
TIMES_Q = re.compile(r"\bonce\b|\bhow many (?:times|doses|shots|injections|infusions)\b|\bseveral times\b|\bmore than "
                     r"one\b|\brepeat", re.IGNORECASE)
ONE_DOSE = re.compile(r"\bsingle[- ](?:\w+ )?(?:dose|injection|infusion|administration)\b|\bone[- ]time (?:dose|injection|"
                      r"infusion)\b|\b(?:given|injected|infused|administered) (?:only )?once\b|"
                      # "4.10^6 CSM / kg 1 injection during 30min to 1h": one giving, counted
                      r"(?<![\d.^/])\b(?:1|one) (?:injection|infusion|dose|shot)\b(?! (?:per|a|each|every)\b)", re.IGNORECASE)
AMOUNT_TOO = re.compile(r"\bhow much\b|\bdos(?:e|es|age|ing)\b|\bmg\b|\bhow many (?!times|infusions|injections|doses|"
                        r"shots|rounds|cycles)\w+|"
                        # "how many injections and whats in it": what it is made of, as the record describes it
                        r"\bwhat'?s in (?:it|them|the \w+)\b|\bwhat is in (?:it|them|the \w+)\b|\bmade of\b|\bcontains?\b",
                        re.IGNORECASE)
ONE_DOSE_FIELDS = ("protocolSection.designModule.designInfo.interventionModel",
                   "protocolSection.descriptionModule.briefSummary", "protocolSection.descriptionModule.detailedDescription")
CHOOSE_Q = re.compile(r"\b(?:choose|chose|pick|select|decide|get to say|request)\b", re.IGNORECASE)


class Composer:
    def __init__(self, chunks: ChunkLookup, places: frozenset[str] = frozenset(),
                 today: Callable[[], date] = date.today, rank: Scorer | None = None):
        self.chunks = chunks
        self.places = places
        self.today = today  # to tell a record's expected dates that have passed
        self.rank = rank  # the cross-encoder's (question, sentences) scores; None: no rule is picked by meaning

    def compose(self, intent: str, question: str, sheet: FactSheet, also: tuple[str, ...] = (),
                earlier: tuple[str, ...] = ()) -> Composed | None:
        """The answer to ``intent`` (and to ``also``, a second part of the question), or None; ``earlier``: the
        person's earlier messages (their facts count in "what if it was two years ago?")."""
        if intent not in COMPOSERS:
            return None
        w = AnswerWriter(sheet.study_id, self.chunks, earlier=earlier)
        for part in (intent, *[a for a in also if a in COMPOSERS and a != intent]):
            COMPOSERS[part](self, w, question, sheet)
        return w.result(question)

    def sets_list_filters(self, question: str, sheets: list[FactSheet]) -> bool:
        """Whether a question names a filter a list of studies checks (assistant/corpus_list.py)."""
        return filters_asked(question, set(self.places) | {x.country for s in sheets for x in s.sites if x.country})

    def corpus(self, question: str, sheets: list[FactSheet], search: Search, among: bool = False) -> Composed | None:
        """A question across studies: the matching studies as a cited list (assistant/corpus_list.py)."""
        places = set(self.places) | {x.country for s in sheets for x in s.sites if x.country}
        return compose_list(question, sheets, self.chunks, places, search, self.stale_date, among)

    def term(self, question: str, glossary_path: str, sheet: FactSheet | None) -> Composed | None:
        """A term question: the glossary's definition, then what this study's record says about it."""
        w = AnswerWriter(sheet.study_id if sheet else GLOSSARY_ID, self.chunks)
        slug = glossary_path.split(".", 1)[-1]
        if not w.gloss("term.means", slug):
            return None
        related = next((intent for prefix, intent in TERM_FACTS if slug.startswith(prefix)), None)
        if sheet and related:
            before = len(w.sentences)
            COMPOSERS[related](self, w, question, sheet)
            # ("randomized 1:1:1 - what does that mean??": the record's ratio and the chance it gives too)
            del w.sentences[before + MAX_TERM_STUDY_SENTENCES + 2 * bool(RATIO.search(question)):]
        elif sheet:  # "what does 'refractory lupus' mean on this page?": the record's own sentence that explains it
            term = glossary_path.rsplit(".", 1)[-1].replace("_", " ")
            for path, sent in self._explaining_sentences(sheet, term)[:1]:
                w.say("term.used", [(path, sent)], quote=sent.rstrip(" .;"))
        return w.result(question)

    def _explaining_sentences(self, s: FactSheet, term: str) -> list[tuple[str, str]]:
        """The record's sentences that use a term and say more of it ("… refractory lupus who have not responded
        adequately to standard treatments")."""
        named = re.compile(rf"\b{re.escape(term)}\b", re.IGNORECASE)
        return [(path, sent) for path, text in field_bodies(self.chunks, s.study_id, EXPLAINING_FIELDS)
                for sent in split_sentences(text) if named.search(sent) and EXPLAINS.search(sent)
                and len(sent) <= QUOTE_LIMIT]

    def short_form(self, short: str, found: tuple[str, str], sheet: FactSheet,
                   explained: tuple[str, str] | None = None) -> Composed | None:
        """"In this study's record, ALK stands for “Anaplastic Lymphoma Kinase”", cited to where it is spelled out;
        then the record's own sentence on what it is, when it has one."""
        w = AnswerWriter(sheet.study_id, self.chunks)
        w.say("term.short_for", [found], short=short, long=found[1])
        if explained:
            w.say("term.explained", [explained], quote=explained[1].rstrip(" ."))
        return w.result()

    # ---- status, phase, size, dates ----
    def _status_sentence(self, w: AnswerWriter, s: FactSheet) -> None:
        if not s.status:
            return
        key = re.sub(r"[^a-z]+", "_", s.status.value.lower()).strip("_")
        if key == "unknown_status" or key == "unknown":
            last = s.status.quote if "Last known status" in s.status.quote else s.status.value
            w.say("status.unknown", s.status, last=last)
        elif has_sentence(f"status.{key}"):
            w.say(f"status.{key}", s.status, status=s.status.value)
        else:
            w.say("status.other", s.status, status=s.status.value)

    def _not_open_note(self, w: AnswerWriter, s: FactSheet) -> None:
        """Who-can-join answers open with it when the study is not taking people: that decides the question."""
        if s.status and s.status.value not in RECRUITING_STATUSES:
            self._status_sentence(w, s)
            self._ended_on(w, s)  # "can my baby still join?" of a study that ended in 2015: when it ended

    def _ended_on(self, w: AnswerWriter, s: FactSheet) -> None:
        ended = _when(s.completion) if s.status and s.status.value in ("Completed", "Terminated") else None
        if ended and ended[1] and s.completion:
            w.say("status.ended_on", s.completion, date=ended[0])

    def _stale_caveat(self, w: AnswerWriter, s: FactSheet) -> None:
        """After the answer: a status that may be out of date, said with the status it qualifies."""
        if self.stale_date(s):
            if s.status and s.status.value in RECRUITING_STATUSES:  # not said yet by _not_open_note
                self._status_sentence(w, s)
            self._stale_note(w, s)

    def _stale_note(self, w: AnswerWriter, s: FactSheet) -> None:
        stale = self.stale_date(s)
        if stale:
            fact, date_words = stale
            w.say("status.stale_start" if fact is s.start else "status.stale", fact, date=date_words)

    def stale_date(self, s: FactSheet) -> tuple[Fact, str] | None:
        """A status that still looks ahead (recruiting, not yet recruiting) while the record's own expected
        end date (or, not yet recruiting, start date) has passed: the record is probably out of date."""
        if not (s.status and s.status.value in LOOKS_AHEAD):
            return None
        for fact in [s.completion] + ([s.start] if s.status.value == "Not yet recruiting" else []):
            when = _when(fact)
            if fact and when and not when[1] and self._passed(when[0]):
                return fact, when[0]
        return None

    @composes("status")
    def _status(self, w: AnswerWriter, q: str, s: FactSheet) -> None:
        if not s.status:
            return
        if WHY_Q.search(q) and ENDED_EARLY.search(q) and not s.why_stopped and s.status.value in LOOKS_AHEAD:
            # "why would they stop it early?" of a study still going: not its status, the record's sentences ("why
            # isn't it recruiting yet?" is its status)
            return
        self._site_statuses(w, q, s)  # "is the San Diego site still taking people?": that site's own status first
        if WHY_Q.search(q) and s.status.value in NO_REASON_GIVEN and not s.why_stopped and not s.limitations:
            # "why isnt it open yet?? it was registered years ago": the record gives no reason; what it does say
            w.say("status.no_reason", s.status)
            w.stops_short = True
        self._status_sentence(w, s)
        self._ended_on(w, s)  # "did that ever finish?": yes, and when
        self._why_it_ended(w, q, s)
        when = _when(s.last_update)
        if when and s.last_update:
            w.say("status.as_of", s.last_update, date=when[0])
        self._stale_note(w, s)

    def _site_statuses(self, w: AnswerWriter, q: str, s: FactSheet) -> None:
        """The sites' own statuses, when the record gives them: the site in the place asked about, or how many
        sites have each status ("how many sites are still recruiting?")."""
        if not any(x.status for x in s.sites):
            return
        place, here = place_in(q, s, self.places)
        if place and here:
            for site in here[:MAX_SITE_STATUSES]:
                if site.status:
                    w.say("status.site", site, site=", ".join(p for p in (site.facility, site.city) if p),
                          status=site.status)
        elif SITES_Q.search(q):
            counts = Counter(x.status or "not given" for x in s.sites)
            w.say("status.sites", [x for x in s.sites if x.status][:1], n=len(s.sites),
                  counts=join_words([f"{k.lower()}: {v}" for k, v in counts.most_common()]))
            for site in [x for x in s.sites if x.status and x.status.lower() != "recruiting"][:MAX_SITE_STATUSES]:
                w.say("status.site", site, site=", ".join(p for p in (site.facility, site.city) if p),
                      status=site.status)

    @staticmethod
    def _why_it_ended(w: AnswerWriter, q: str, s: FactSheet) -> None:
        """Why the study stopped, or (asked why) the results' notes that say why it ended early or small."""
        if s.why_stopped:
            w.say("status.why_stopped", s.why_stopped, why=s.why_stopped.value)
        elif s.limitations and WHY_Q.search(q) and ENDED_EARLY.search(s.limitations.value):
            # the notes' sentences that say the study ended, not the rest of its caveats
            said = [x for x in split_sentences(s.limitations.value) if ENDED_EARLY.search(x)][:2]
            w.say("status.limitations", [(s.limitations.path, x) for x in said], notes=" ".join(said).rstrip(" ."))

    def _passed(self, when: str) -> bool:
        """Whether a record date ('June 2023', 'June 14, 2023') is before today."""
        for fmt in ("%B %d, %Y", "%B %Y", "%Y-%m-%d", "%Y-%m", "%Y"):
            try:
                return datetime.strptime(when, fmt).date() < self.today()
            except ValueError:
                continue
        return False

    @composes("phase")
    def _phase(self, w: AnswerWriter, q: str, s: FactSheet) -> None:
        if not s.phase:
            if s.study_type and s.study_type.value.lower().startswith("observational"):
                w.say("phase.observational", s.study_type)  # phases are steps of testing a treatment
                return
            # a page with no phase field (the NIH page's holds a funding code): its title may name the phase
            titled = [(path, text, named) for path, text in field_bodies(self.chunks, s.study_id, TITLE_FIELDS)
                      if (named := PHASE_IN_TITLE.search(text))]
            for path, text, named in titled[:1]:
                w.say("phase.in_title", [(path, text)], quote=text.rstrip(" ."), phase=named.group(0))
            return
        if s.phase.value.lower() in NOT_APPLICABLE:
            w.say("phase.not_applicable", s.phase)
            w.gloss("glossary.means", "phase_not_applicable")
            return
        phases = s.phase.value.split(", ")
        w.say("phase.phase", s.phase, phase="/".join(phases).replace("/Phase ", "/"))
        slug = re.sub(r"[^a-z0-9]+", "_", "/".join(phases).replace("/Phase ", "/").lower()).strip("_")
        if not w.gloss("glossary.means", slug):
            w.gloss("glossary.means", "phase")

    @composes("size")
    def _size(self, w: AnswerWriter, q: str, s: FactSheet) -> None:
        if not s.enrollment:
            return
        enrollment_sentence(w, s)
        if s.results and (USED_Q.search(q) or TOOK_PART_Q.search(q)):
            treated_note(w, s.results)  # "how many actually put the patch on?": of those, who was treated
        if EACH_GROUP_Q.search(q):
            group_counts(w, s)  # "how many babies were in each group?": the flow's counts, group by group
        if WHY_Q.search(q):  # "why so few?": what the record says about why it ended small
            self._why_it_ended(w, q, s)

    @composes("dates")
    def _dates(self, w: AnswerWriter, q: str, s: FactSheet) -> None:
        for fact, name in ((s.start, "start"), (s.primary_completion, "primary"), (s.completion, "end")):
            when = _when(fact)
            if when and fact:
                on_or_in = "on" if re.search(r"\d{1,2}, \d{4}", when[0]) else "in"  # "on June 30, 2023", "in June 2023"
                w.say(f"dates.{name}_{'past' if when[1] else 'future'}", fact, date=when[0], when=f"{on_or_in} {when[0]}")
        if HOW_LONG.search(q):  # "how long does it follow patients?": each person's time, beside the calendar
            last_check(w, s)

    # ---- design ----
    @composes("design")
    def _design(self, w: AnswerWriter, q: str, s: FactSheet) -> None:
        if s.study_type:
            t = s.study_type.value.lower()
            key = "design.interventional" if t.startswith("interventional") else \
                "design.observational" if t.startswith("observational") else "design.other_type"
            w.say(key, s.study_type, study_type=s.study_type.value, registry="registry" in t)
            # "what's a registry? is it a drug trial?": the kind of study the question names, as the glossary says it
            for slug, named in KINDS_OF_STUDY:
                if named.search(q) and w.gloss("glossary.means", slug):
                    break
        if s.masking:
            if _is_open_label(s):
                w.say("design.open_label", s.masking)
                w.gloss("glossary.means", "open_label")
            else:
                level = _masking_level(s)
                roles = re.search(r"\(([^)]*)\)", s.masking.value)
                who = join_words([ROLE_WORDS.get(r.strip().lower(), r.strip().lower())
                                  for r in roles.group(1).split(",")]) if roles else ""
                label = f"{level.lower()}-blind"
                real = [i for i in s.interventions if "placebo" not in i.name.lower()]
                # (a study of one treatment against a placebo: who gets which, by name)
                which = f"who gets {real[0].name} and who gets the placebo" \
                    if placebo_arms(s) and len({i.name for i in real}) == 1 else "who gets which treatment"
                # a blinded study with groups that are not: said first when the question asks about them ("what does
                # open label mean for study 3?"), else after how the study is blinded
                open_arms = [a for a in s.arms if OPEN_ARM.search(a.label)][:MAX_LISTED]
                blinded = ("design.masked" if who else "design.masked_no_roles", s.masking,
                           {"level": label, "who": who, "which": which})
                opened = ("design.open_arm", open_arms,
                          {"n": len(open_arms), "labels": join_words([f"“{a.label}”" for a in open_arms])})
                for key, cites, words in (opened, blinded) if OPEN_ARM.search(q) else (blinded, opened):
                    if cites:
                        w.say(key, cites, **words)
                w.gloss("glossary.means", f"{level.lower()}_blind")
                # "would I find out which one I was given?": not during it (when those taking part are kept from knowing);
                # afterwards, the record is silent
                if TOLD_AFTER_Q.search(q) and (not roles or "participant" in roles.group(1).lower()):
                    w.say("design.told_after_not_stated", s.masking)
        else:  # a page with no masking field ("… a double-blind, placebo-controlled study, meaning that …"): its words
            self._masking_in_words(w, s)

    def _masking_in_words(self, w: AnswerWriter, s: FactSheet) -> None:
        """The description's sentence that says who knows which treatment people get, for a record with no masking
        field (a plain-language page)."""
        for path, text in field_bodies(self.chunks, s.study_id, DESCRIPTION_FIELDS):
            for sent in split_sentences(text):
                said = MASKING_WORDS.search(sent)
                if said and w.say("design.masking_quote", [(path, sent)], quote=sent.rstrip(" .")):
                    level = said.group(1).lower()
                    w.gloss("glossary.means", f"{level}_blind" if level != "open" else "open_label")
                    return

    @composes("randomization")
    def _randomization(self, w: AnswerWriter, q: str, s: FactSheet) -> None:
        if not s.allocation:
            if len(s.arms) == 1:
                w.say("randomization.single_group", s.arms[0])
            return
        a = s.allocation.value.lower()
        no_placebo = bool(PLACEBO_Q.search(q) and CHANCE_Q.search(q) and s.arms) and not placebo_arms(s)
        if no_placebo and a != "randomized":  # "what's the chance of a placebo?" where no group gets one: that first
            self._placebo_groups(w, s, [])
            w.say("randomization.non_randomized_also", s.allocation, allocation=s.allocation.value)
            return
        key = "randomization.randomized" if a == "randomized" else "randomization.non_randomized" \
            if a in ("non-randomized", "nonrandomized") else "randomization.single_group" \
            if a in NOT_APPLICABLE else "randomization.other"
        if key == "randomization.randomized" and CHOOSE_Q.search(q):  # "can I pick which group?": no, by chance
            w.say("randomization.chosen_randomized", s.allocation, allocation=s.allocation.value)
        else:
            w.say(key, s.allocation, allocation=s.allocation.value)  # the record's word follows the plain answer
        if key == "randomization.randomized":
            self._placebo_chance(w, q, s)
            w.gloss("glossary.means", "randomized")
        if PLACEBO_Q.search(q) and HOW_LONG_ON.search(q):
            # "so i could be taking a fake pill for a whole year?": how long the placebo group takes it
            for arm in [a for a in placebo_arms(s) if a.description and DURATION_WORDS.search(a.description)][:1]:
                w.say("time.quote", [(arm.path, arm.description)], about=f"the group “{arm.label}”",
                      quote=arm.description.rstrip(" ."))

    def _placebo_chance(self, w: AnswerWriter, q: str, s: FactSheet) -> None:
        """"How likely am I to get the placebo?": how many groups there are and which gets placebo, and the
        record's own ratio sentence when it gives one (never a computed percentage it does not state)."""
        if not (CHANCE_Q.search(q) or RATIO.search(q)):  # ("it says randomized 1:1:1 - what does that mean??")
            return
        placebo = placebo_arms(s)
        if placebo and len(s.arms) > 1:
            w.say("randomization.placebo_groups", list(s.arms), n=len(s.arms), placebo=len(placebo))
        for path in (*(a.path for a in s.arms), "protocolSection.descriptionModule.briefSummary",
                     "protocolSection.descriptionModule.detailedDescription"):
            texts = [a.description for a in s.arms if a.path == path] or \
                [t for _c, t, _m in self.chunks(s.study_id, path)]
            for text in texts:
                m = RATIO.search(text)
                if m:
                    sent = next((x for x in split_sentences(text) if m.group(0) in x), m.group(0))
                    if w.say("randomization.ratio", [(path, sent)], quote=sent.rstrip(" .")):
                        # an even split ("1:1:1") over as many groups: the chance in plain words, worked out
                        parts = re.findall(r"\d+", m.group(0)) if ":" in m.group(0) else []
                        if placebo and len(parts) == len(s.arms) and len(set(parts)) == 1:
                            w.say("randomization.even_chance", [(path, sent)], k=len(placebo), n=len(parts),
                                  ratio=m.group(0))
                        return
        self._placebo_share(w, s)

    def _placebo_share(self, w: AnswerWriter, s: FactSheet) -> None:
        """A finished study's posted flow: how many of those who started were on placebo (the share labelled
        as worked out from the record's numbers)."""
        flow = s.results.flow if s.results else None
        start = next((m for p in (flow.periods[:1] if flow else []) for m in p.milestones
                      if m.kind.lower() == "started"), None)
        if not flow or not start:
            return
        placebo_ids = {g.id for g in flow.groups if is_placebo(g)}
        counts = {n.group_id: n.count for n in start.numbers if n.count is not None}
        on_placebo, total = sum(counts.get(i, 0) for i in placebo_ids), sum(counts.values())
        if placebo_ids and total and 0 < on_placebo < total:
            w.say("randomization.placebo_share", [(start.path, start.quote)], n=on_placebo, total=total,
                  share=about(on_placebo, total))

    # ---- arms and treatment ----
    @composes("arms")
    def _arms(self, w: AnswerWriter, q: str, s: FactSheet) -> None:
        if not s.arms:
            return
        cites: list = list(s.arms)
        placebo = placebo_arms(s)
        # "is there a placebo?", "is there a control group or does everyone get the drug?"
        asks_placebo = bool(PLACEBO_Q.search(q) or CONTROL_Q.search(q))
        if asks_placebo:  # "is there a placebo?": its answer first, and what it is, then the groups
            self._placebo_groups(w, s, placebo)
            for i in [i for i in s.interventions if "placebo" in i.name.lower() and i.description][:1]:
                cites, words = _described(i)
                w.say("treatment.placebo", cites, name=i.name, description=words)
        if len(s.arms) == 1:
            w.say("arms.one", cites, name=s.arms[0].label)
        else:
            names = [f"“{a.label}”" for a in s.arms[:MAX_LISTED]]
            more = [f"{len(s.arms) - MAX_LISTED} more"] if len(s.arms) > MAX_LISTED else []
            w.say("arms.count", cites[:MAX_LISTED], n=len(s.arms), names=join_words(names + more))
        if placebo and not asks_placebo:
            self._placebo_groups(w, s, placebo)
        if asks_placebo and not placebo and s.masking and _is_open_label(s):
            w.say("design.open_label", s.masking)  # no placebo, and everyone knows what they get
        # (the groups' long descriptions answer a placebo question only when it asks about the groups too)
        bare = all(BARE_LABEL.match(a.label.strip()) for a in s.arms)
        for a in s.arms[:0 if asks_placebo and not GROUPS_Q.search(q) and not bare else 4]:
            if a.description:
                w.say("arms.group", [(a.path, a.description)], label=a.label, description=a.description)

    def _placebo_groups(self, w: AnswerWriter, s: FactSheet, placebo: list) -> None:
        if placebo:
            w.say("arms.placebo_yes", placebo, n=len(placebo))
            w.gloss("glossary.means", "placebo")
        else:  # every group experimental or active: then everyone is treated
            treated = all(a.type.lower() in ("experimental", "active comparator") for a in s.arms)
            w.say("arms.placebo_no_all_treated" if treated else "arms.placebo_no", list(s.arms))

    @composes("treatment")
    def _treatment(self, w: AnswerWriter, q: str, s: FactSheet) -> None:
        if s.study_type and s.study_type.value.lower().startswith("observational"):
            # a registry gives no study treatment: say so first
            w.say("design.observational", s.study_type, registry="registry" in s.study_type.value.lower())
        named, arms = named_treatments(q, s)  # "how much of the chamomile drops?": that treatment, its group
        # (a placebo asked about is described once, as the placebo: "the study tests Placebo" says nothing more)
        real = [i for i in named if not PLACEBO_Q.search(i.name)] if PLACEBO_Q.search(q) and named else named
        real = real or [i for i in s.interventions if "placebo" not in i.name.lower()] or s.interventions
        if ORIGIN_Q.search(q):  # "where do the cells come from?": the record's sentence that says, first
            for path, sent in self._origin_sentences(s)[:1]:
                w.say("treatment.origin", [(path, sent)], quote=sent.rstrip(" .;"))
        if PLACEBO_Q.search(q):  # "what was in the fake shot?": the placebo as the record describes it, first
            for i in [i for i in s.interventions if PLACEBO_Q.search(f"{i.name} {i.type} {i.other_names}")
                      and i.description][:1]:
                cites, words = _described(i)
                w.say("treatment.placebo", cites, name=i.name, description=words)
        if TIMES_Q.search(q):  # "just once or several times?": the record's word for a single dose, first
            texts = [(i.path, i.description) for i in real if i.description]
            texts += [(a.path, a.description) for a in s.arms if a.description and not PLACEBO_Q.search(a.label)]
            texts += field_bodies(self.chunks, s.study_id, ONE_DOSE_FIELDS)
            said = [(path, sent, one) for path, text in texts for sent in split_sentences(text)
                    if (one := ONE_DOSE.search(sent))]
            for path, sent, one in said[:1]:
                w.say("treatment.once", [(path, sent)], words=one.group(0))
                if real and not AMOUNT_TOO.search(q):  # what it is, and no more, unless an amount is asked too
                    # ("how many cells do they give, and is it more than one infusion?"); each group's dose
                    # description says the same again
                    w.say("treatment.tests", list(real), names=join_words([i.name for i in real]))
                    return
        if real:
            w.say("treatment.tests", list(real), names=join_words([i.name for i in real]))
        for i in [i for i in real if i.other_names][:MAX_TREATMENTS]:  # brand names and codes people know it by
            # ("Study treatment" is no name: it says nothing a person could look for)
            names = [n for n in i.other_names.split("; ") if content_terms(n) - NO_NAME_WORDS]
            if names:
                w.say("treatment.other_names", [(i.path, f"Other names: {i.other_names}")], name=i.name,
                      names=join_words(names))
        for i in [i for i in real if i.description][:MAX_TREATMENTS]:  # how it is given: form, dose, route
            cites, words = _described(i)
            w.say("treatment.given", cites, name=i.name, description=words)
        for a in [a for a in arms or s.arms if a.description][:MAX_GROUPS]:  # what each group gets, how often
            w.say("treatment.group", [(a.path, a.description)], label=a.label, description=a.description)

    def _origin_sentences(self, s: FactSheet) -> list[tuple[str, str]]:
        """The record's sentences that say where a treatment comes from (donors, umbilical cord, bone marrow)."""
        texts = [(i.path, i.description) for i in s.interventions if i.description]
        texts += [(a.path, a.description) for a in s.arms if a.description]
        texts += field_bodies(self.chunks, s.study_id, ORIGIN_FIELDS)
        return [(path, sent) for path, text in texts for sent in split_sentences(text)
                if ORIGIN.search(sent) and len(sent) <= 300]

    # ---- outcomes, sponsor, contact ----
    @composes("outcomes")
    def _outcomes(self, w: AnswerWriter, q: str, s: FactSheet) -> None:
        if DEFINES_Q.search(q) and self._defined(w, q, s):
            return
        if asks_checks(q) and tests_and_checks(w, q, s, self.rank):
            return  # "what kind of questions do they ask you?": the questionnaires, and when
        primary = [o for o in s.outcomes if o.primary]
        secondary = [o for o in s.outcomes if not o.primary]
        for o in primary[:3]:
            w.say("outcomes.primary" if len(primary) == 1 else "outcomes.primary_many", o,
                  measure=o.measure)
            if o.description and len(o.measure.split()) <= SHORT_MEASURE_WORDS and len(o.description) <= 300:
                # "rw-PFS": a measure named by its short form says little; the record's own definition does
                w.say("outcomes.described", [(o.path, o.description)], description=o.description.rstrip(" ."))
            if o.time_frame:
                w.say("outcomes.when", [(o.path, f"Time frame: {o.time_frame}")], time_frame=o.time_frame)
        if secondary:
            w.say("outcomes.secondary", secondary[0], n=len(secondary),
                  measure=secondary[0].measure)

    def _defined(self, w: AnswerWriter, q: str, s: FactSheet) -> bool:
        """"what counts as a response?": the measure the question's words name, as the record defines it."""
        asked = content_terms(q) - NOT_DEFINED
        scored = sorted(((len(asked & content_terms(f"{o.measure} {o.description}")), not o.primary, i)
                         for i, o in enumerate(s.outcomes) if o.description), key=lambda t: (-t[0], t[1], t[2]))
        if not scored or not scored[0][0]:
            return False
        o = s.outcomes[scored[0][2]]
        w.say("outcomes.defined", [o, (o.path, o.description)], measure=o.measure.rstrip(" :"),
              description=o.description.rstrip(" ."))
        if o.time_frame:
            w.say("outcomes.when", [(o.path, f"Time frame: {o.time_frame}")], time_frame=o.time_frame)
        return True

    @composes("sponsor")
    def _sponsor(self, w: AnswerWriter, q: str, s: FactSheet) -> None:
        if s.sponsor:
            w.say("sponsor.lead", s.sponsor, sponsor=s.sponsor.value)
        if s.collaborators:
            w.say("sponsor.collaborators", list(s.collaborators),
                  names=join_words([c.value for c in s.collaborators]))
        lead = next((p for p in s.officials if "principal" in p.role.lower() or "chair" in p.role.lower()), None)
        if lead:  # "who's running it?": the researcher in charge, besides the organisation that pays
            w.say("sponsor.official", lead, person=person_words(lead)[0] + (f", {lead.affiliation}"
                                                                           if lead.affiliation else ""))

    @composes("contact")
    def _contact(self, w: AnswerWriter, q: str, s: FactSheet) -> None:
        place, here = place_in(q, s, self.places)  # "who would I talk to in Chicago?": that site's own people
        for site in [x for x in here if x.contacts][:MAX_CONTACTS]:
            for person in site.contacts[:2]:
                w.say("contact.at_site", [(site.path, SITE_CONTACT + person)],
                      facility=SITE_CODE.sub("", site.facility) or site.city,
                      contact=", ".join(x for x in person.split(", ") if x not in SITE_ROLE_WORDS))
        # (a number may sit in an official's affiliation: "UCB Cares", "1-844-599-2273 (UCB)")
        reachable = any(x.contacts for x in here) or any(p.phone or p.email for p in s.contacts) \
            or any(PHONE_IN.search(p.affiliation) for p in s.officials)
        if not reachable and not any(x.contacts for x in s.sites):
            # "whats the phone number for the trial in germany?" of a record that lists none: it does not say (the
            # people who lead it answer "who do i ask?")
            w.say("contact.none_listed", s.officials[:1] or [s.status] if s.status else [], place=place or "")
            w.stops_short = bool(HOW_TO_REACH.search(q)) or not s.officials
        elif place and not any(x.contacts for x in here):
            w.say("contact.no_site_contact", here[:1] or s.contacts[:1] or s.officials[:1], place=place)
        intro = sentence("contact.list_intro")
        if s.contacts and intro not in w.sentences:  # the people to ask as a list: name, role, phone, e-mail on one
            # line each (once: "which cities and who do i call" asks where, and who, each of which lists them)
            w.sentences.append(intro)
            listed = [w.item("contact.line", p, **contact_words(contact_of(p, s.study_id)))
                      for p in s.contacts[:MAX_CONTACTS]]
            if not any(listed):
                w.sentences.pop()
        for p in s.officials[:2]:
            who, _ = person_words(p)
            w.say("contact.official", p, who=who + (f", {p.affiliation}" if p.affiliation else ""))

    def team_sentence(self, w: AnswerWriter, s: FactSheet, key: str = "can_i_join.team") -> bool:
        """Close an answer by naming who can say more (for eligibility: who decides), with their contact when
        the record has one."""
        for p in (s.contacts or s.officials)[:1]:
            who, how = person_words(p)
            return w.say(key, p, who=who, how=how)
        return False

    # ---- eligibility ----
    def _age_sex(self, w: AnswerWriter, s: FactSheet) -> None:
        low, high = _age_words(s.min_age), _age_words(s.max_age)
        cites: list = [f for f in (s.min_age, s.max_age) if f]
        if low and high:
            w.say("eligibility.age_range", cites, low=low, high=high)
        elif low:
            w.say("eligibility.age_min", cites, low=low)
        elif high:
            w.say("eligibility.age_max", cites, high=high)
        if s.sex:
            sex = s.sex.value.lower()
            key = "eligibility.sex_female" if sex.startswith(("female", "women")) else \
                "eligibility.sex_male" if sex.startswith(("male", "men")) else "eligibility.sex_all"
            w.say(key, s.sex)

    @composes("who_can_join")
    def _who_can_join(self, w: AnswerWriter, q: str, s: FactSheet) -> None:
        facts = patient_facts(q, w.earlier)
        own = patient_facts(q)  # this question's words alone, without the earlier turns
        named = PEOPLE_WITH.search(q) and (own.conditions or own.treatments)
        if (speaks_of_someone(q) and facts.said_anything(where=True)) or named:
            # "I live in Toronto. Is it only for Americans?", "do they take people with lupus?": the rules checked
            # against what the person said
            can_i_join(self, w, q, s)
        elif not rule_asked_about(self, w, q, s):  # "do I need any vaccines?": that rule; else the rules in general
            self.rules_for_all(w, q, s)

    def rules_for_all(self, w: AnswerWriter, q: str, s: FactSheet) -> None:
        """Who can join, for anyone: age, sex, healthy volunteers and the first rules of each kind."""
        self._not_open_note(w, s)
        self._age_sex(w, s)
        if s.healthy_volunteers:
            yes = s.healthy_volunteers.value.lower().endswith("yes")
            w.say("eligibility.healthy_yes" if yes else "eligibility.healthy_no", s.healthy_volunteers)
        for items, intro, more in ((s.inclusion, "include_intro", "include_more"),
                                   (s.exclusion, "exclude_intro", "exclude_more"),
                                   (s.criteria if not (s.inclusion or s.exclusion) else [], "criteria_intro",
                                    "include_more")):
            for i, item in enumerate(items[:SHOWN_CRITERIA]):
                words, cites = with_sub_items(s, item)  # a lead-in ("one of the following:") with its items
                w.say(f"eligibility.{intro if i == 0 else more}", cites, item=quoted(words))
        hidden = max(len(s.inclusion) - SHOWN_CRITERIA, 0) + max(len(s.exclusion) - SHOWN_CRITERIA, 0)
        if hidden and (s.inclusion or s.exclusion):
            last = (s.inclusion or s.exclusion)[-1]
            w.say("eligibility.more", last, n=hidden)
        self._stale_caveat(w, s)
        self.team_sentence(w, s)

    @composes("can_i_join")
    def _can_i_join(self, w: AnswerWriter, q: str, s: FactSheet) -> None:
        if not self._page_note(w, s):
            # every rule checked against what the person said: assistant/eligibility_answer.py
            can_i_join(self, w, q, s)

    def _page_note(self, w: AnswerWriter, s: FactSheet) -> bool:
        """A page with no rules that says itself whether it takes people ("not a clinical trial accepting patient
        enrollment"): its words, and who to ask."""
        if not s.enrollment_notes or s.inclusion or s.exclusion or s.criteria or s.status:
            return False
        for i, note in enumerate(s.enrollment_notes[:2]):
            w.say("can_i_join.page_note_more" if i else "can_i_join.page_note", note, quote=note.value.rstrip(" ."))
        self.team_sentence(w, s)
        return True

    def _condition(self, w: AnswerWriter, condition: str, s: FactSheet) -> None:
        condition_sentences(w, condition, s)

    @composes("results")
    def _results(self, w: AnswerWriter, q: str, s: FactSheet) -> None:
        compose_results(w, q, s, self.today())  # assistant/compose_results.py
        if w.stops_short:  # no results yet: who can say more
            self.team_sentence(w, s, "results.team")

    # ---- where ----
    @composes("where")
    def _where(self, w: AnswerWriter, q: str, s: FactSheet) -> None:
        if REMOTE_Q.search(q):  # "do i have to go somewhere, or is it all on my phone?": the record's own words first
            taking_part_remotely(self, w, q, s)
        if LIVE_NEAR_Q.search(q):  # "do i need to live near durham?": the rules on travel or where people live, first
            for rule in [f for f in (*s.inclusion, *s.exclusion, *s.criteria) if TRAVEL_RULE.search(f.value)][:2]:
                w.say("where.rule", rule, quote=rule.value.rstrip(" .;"),
                      excluded=any(rule is f for f in s.exclusion))
        if s.sites:
            if not near_sentences(w, q, s):  # "near Boston?", "in the Pacific Northwest?": assistant/nearby_answer.py
                where_sentences(w, q, s, self.places)
            if CONTACT_WORDS.search(q):  # "anything in Orlando, with a phone number?": who to call there
                self._contact(w, q, s)
            self._not_open_note(w, s)  # after the answer: where it is, then that it is not taking people
            self._stale_caveat(w, s)
        else:  # no site list: the description may still say where ("… by 3 Pediatric Gastroenterology units: …")
            described_places(w, field_bodies(self.chunks, s.study_id, DESCRIPTION_FIELDS))

# glossary entry (slug prefix) → the fact-sheet answer that says how this study uses the term
TERM_FACTS = (("open_label", "design"), ("single_blind", "design"), ("double_blind", "design"),
              ("triple_blind", "design"), ("quadruple_blind", "design"), ("masking", "design"),
              ("who_is_masked", "design"), ("phase", "phase"), ("early_phase", "phase"), ("randomized", "randomization"),
              ("non_randomized", "randomization"), ("allocation", "randomization"), ("placebo", "arms"),
              ("arm", "arms"), ("enrollment", "size"), ("actual_enrollment", "size"), ("anticipated_enrollment", "size"),
              ("recruit", "status"), ("not_yet_recruiting", "status"), ("active_not_recruiting", "status"),
              ("completed", "status"), ("terminated", "status"), ("healthy_volunteers", "who_can_join"),
              ("age_limits", "who_can_join"), ("sex_eligibility", "who_can_join"), ("sponsor", "sponsor"),
              ("primary_outcome", "outcomes"), ("secondary_outcome", "outcomes"), ("outcome_measure", "outcomes"),
              ("endpoint", "outcomes"), ("time_frame", "outcomes"),
              ("observational", "design"), ("interventional", "design"), ("registry", "design"))
# who is masked, in plain words, with the record's own word after it (so the reader can match the record)
ROLE_WORDS = {"participant": "the people taking part (participants)",
              "care provider": "their doctors and nurses (care providers)",
              "investigator": "the researchers (investigators)",
              "outcomes assessor": "the people who check the results (outcomes assessors)"}


def _masking_level(s: FactSheet) -> str:
    """The record's masking level without its roles ("Double (Participant, Investigator)" → "Double")."""
    return (s.masking_level.value if s.masking_level else s.masking.value if s.masking else "").split(" (")[0]


def _is_open_label(s: FactSheet) -> bool:
    """Whether nobody is masked (the record's masking says none or open label)."""
    return _masking_level(s).lower() in ("none", "open label")
