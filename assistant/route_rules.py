"""What the question asks, when the router's label alone would get it wrong: ordered, named rules read after the
router, each with the question's words and the person's facts in front of it.

The router labels a question by its words; these rules know what the words leave out. A fact the person tells is
checked against the rules ("I've only tried one NSAID so far"), "can I …" about something else is not joining
("can I drive home after the infusion?"), "how long would my mum be on it?" is her time in it, not whether she can
join. First the rules about who is asked about (the first that applies wins), then those about what is measured
(each applies in turn).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from assistant.compose_checks import asks_checks
from assistant.compose_overview import AFTER_Q, REMOTE_Q, asks_access
from assistant.guard import Verdict
from assistant.nearby import asked_place, site_pointed_at
from assistant.outcome_words import DEFINES_Q, NOT_DEFINED
from assistant.patient_facts import PatientFacts
from assistant.router import PART_CONFIDENCE, Route, asked_parts
from assistant.scoping import Scope, asks_across_studies
from assistant.textutil import content_terms

# a decline is only as good as its certainty: "my MRI shows the disc bulging …" (0.57) tells facts for the rules,
# "is my back pain bad enough for surgery?" (0.84) asks for advice; below this, the question is read as any other
ADVICE_CONFIDENCE = 0.6
DECLINED_INTENTS: dict[str, Verdict] = {"advice": "medical_advice", "off_topic": "off_topic"}
PART_OF_ALL = 0.6  # a sure "across studies" route on a study's page asks about all of them
ASKS_SOMETHING_RE = re.compile(r"\b(where|when|who|whom|whose|why|how|which|can|could|will|would|should|does|did|do|"
                               r"any|is it|are they|is there|are there)\b", re.IGNORECASE)
# asking what to do ("should i switch from humira?"): advice, though the person names their medicines
SHOULD_RE = re.compile(r"\bshould (?:i|we|he|she|they|my)\b|\bis it (?:ok|okay|safe|wise|a good idea) (?:to|for)\b",
                       re.IGNORECASE)
PERSON_TIME_RE = re.compile(r"\bhow long\b(?=.*\b(?:i|me|my|each|every|someone|a person|people|participants?|"
                            r"patients?|you|he|she|him|her|they|whole thing)\b)|"
                            # "and they stop it when?", "when do they stop the drug?": the treatment's length
                            r"\bwhen (?:do|will|would|does) (?:they|you|i|we|he|she|the (?!study|trial|research|registry)\w+) "
                            r"(?:stop|end|finish)\b|"
                            r"\b(?:stop|end|finish)(?:s|ed)? (?:it|the (?!study|trial|research|registry)\w+|giving it|"
                            r"taking it)\s+when\b", re.IGNORECASE)
# asking to get in, in any words ("could i get in?", "am i good to sign up?"): with the person's facts, can I join
JOIN_ASK_RE = re.compile(r"\b(?:join|sign(?:ing)? ?up|get in|get into|qualify|eligible|enrol+|take part|be in it|"
                         r"good to go|allowed in)\b", re.IGNORECASE)
# asks whether someone is let in ("does it take people who…", "would they accept…", "am I allowed"): with the
# person's facts said, an unsure route is an eligibility question
ASKS_IN_RE = re.compile(r"\b(?:take|takes|accept|accepts|allow|allows|let)\b.{0,20}\b(?:people|patients|someone|anyone|"
                        r"me|him|her|them|us|kids?|children|babies|adults)\b|"
                        # "do they even take psoriatic arthritis or just lupus?": an illness they let in
                        r"\b(?:do|does|will|would) (?:they|it|the (?:study|trial|registry)|this (?:study|trial|registry))\s+"
                        r"(?:even\s+|also\s+|still\s+|only\s+)?(?:take|accept|allow|include|cover|want)\b|\ballowed\b|\beligib|\bqualif|\bjoin|"
                        r"\bsign (?:me |him |her )?up\b|\benrol|\bparticipat|\btake part\b|\bbe (?:in|part of) (?:it|this|the)\b|"
                        r"\bdo (?:it|this|the (?:study|trial))\b|\b(?:right|good|suitable|fit) for (?:me|him|her|us)\b|\bapply\b|\b(?:keep|rule|shut)s? (?:me|him|her|them|us) out\b|"
                        r"\b(?:kept|ruled|shut) (?:me|him|her|them|us) out\b|"
                        r"\bexclude[sd]? (?:me|him|her|them|us)\b|\bdisqualif|\bcount against\b", re.IGNORECASE)
TELLS_RE = re.compile(r"^\W*(?:i|i'm|im|i've|ive|i'd|my|we|we're|we've|our)\b", re.IGNORECASE)
# "would my vitiligo keep me out?": the person names a thing of their own, which the rules may name
OWN_THING_RE = re.compile(r"\b(?:my|his|her|our)\s+[a-z]{4,}", re.IGNORECASE)
HOW_LONG_START_RE = re.compile(r"^\W*how long\b", re.IGNORECASE)
# how many times the treatment is given ("how many rounds of chemo?", "just once or several times?", "what was the
# injection schedule?"): the treatment as each group gets it, not the study's results or calendar
DOSES_Q = re.compile(r"\bhow many (?:rounds|cycles|doses|shots|injections|infusions|courses|pills|tablets|patches|times)\b"
                     r"(?!.{0,30}\bvisit)|\bonce or (?:several|more|multiple|many|twice)\b|\bjust once\b|"
                     r"\b(?:injection|dosing|dose|infusion|treatment|chemo) schedule\b", re.IGNORECASE)
# "would the parents have known which drops their baby got?": who knows who gets what (the masking)
KNOWS_WHICH_RE = re.compile(r"\b(?:know|knows|known|knew|find out|found out|told|tell)\b.{0,30}\bwhich (?:one|treatment|"
                            r"drug|drops|group|arm|pill|patch|shot|injection|infusion|medicine|dose|kind)s?\b.{0,40}"
                            r"\b(?:got|get|gets|getting|given|received|receiving|on|taking|took)\b", re.IGNORECASE)
# "which SELECT-SLE sites are recruiting right now?": one study's sites and whether each takes people
SITES_OPEN_RE = re.compile(r"\b(?:sites?|locations?|hospitals?|centers?|centres?|clinics?)\b.{0,40}\b(?:recruiting|open|"
                           r"enrolling|taking|accepting|active)\b", re.IGNORECASE)
# "i take verapamil, does that matter?", "is that a problem for this study?": whether a fact told counts against joining
MATTERS_RE = re.compile(r"\b(?:does|would|will|could|might) (?:that|this|it) (?:have )?(?:matter|mattered|count|counted|change anything|affect|stop|"
                        r"be a problem|be an issue|rule)\b|\b(?:is|are) (?:that|this|it|those|these) (?:a |an )?"
                        r"(?:problem|issue|deal ?breaker|ok|okay|fine|allowed)\b|\bmatter for\b|"
                        # "my clusters didnt start till i was 55. matter?": the bare word, after what the person told
                        r"(?:^|[.!?,]\s*)(?:does (?:that|this|it) )?(?:matter|a problem|problem|ok|okay)\s*\?+\s*$",
                        re.IGNORECASE)
# "what stage of lung cancer is this for?": how far the illness has gone, which the rules say (not the study's phase;
# "what stage is the study at?" asks the phase)
DISEASE_STAGE_RE = re.compile(r"\bstages?\s+(?:of\s+)?(?:(?:my|his|her|the|their)\s+)?(?:\w+\s+){0,2}(?:cancer|disease|"
                              r"illness|tumou?rs?|lupus|nephritis|ckd|kidney|nsclc|condition)\b|\b(?:cancer|disease|"
                              r"tumou?r|nsclc|ckd)\s+stages?\b|\bstage\s+(?:[1-4]|i{1,3}v?|iv)\b", re.IGNORECASE)
# "where does my data go?", "where are the blood samples sent?": where a thing goes, not where the sites are
THING_GOES_RE = re.compile(r"\bwhere (?:does|do|will|would|is|are|did)\s+(?:all\s+)?(?:my|the|our|your|his|her|their|"
                           r"this|that)?\s*(?:personal\s+|health\s+)?(?:data|information|info|answers|records?|samples?|"
                           r"blood|results?|details|stuff|cells?|tissue|scans?)\b", re.IGNORECASE)
# "did that ever finish?", "is the study over yet?": the study's own status, not who finished it
STUDY_ENDED_RE = re.compile(r"\b(?:did|has|is|was|have)\s+(?:that|it|this|they|(?:the|that|this)\s+(?:[\w-]+\s+){0,4}?(?:study|"
                            r"trial|registry|one)(?:\s+(?:from|by|in|of|at)\s+[\w-]+)?)\s+(?:ever |already |even |actually |finally )?"
                            r"(?:finish(?:ed)?|end(?:ed)?|done|"
                            r"over|complete[d]?|wrap(?:ped)? up|close[d]?)\b(?!\s+(?:the|it|treatment|their|his|her))",
                            re.IGNORECASE)
# "do they take blood?", "will I need an MRI?": a test or procedure done on people, which the record's own sentences
# say (not what the study's treatment is)
PROCEDURE_Q = re.compile(r"\b(?:take|taking|draw|drawing|need|needs|have|get|do|does|doing|any)\s+(?:my\s+|your\s+|some\s+|a\s+|an\s+)?"
                         r"(?:blood|bloods|blood tests?|biopsy|biopsies|mri|scans?|x-?rays?|urine|samples?|ecg|ekg|"
                         r"spinal tap|lumbar puncture|swabs?)\b", re.IGNORECASE)
# "is it open to ppl in the UK?", "open to kids?": who may join, not whether it is recruiting
OPEN_TO_RE = re.compile(r"\bopen to (?!new\b|the public\b)(?:(?:\w+\s+){0,2}?(?:in|from|with|who|living|outside|over|under|aged)\b|"
                        r"(?:kids|children|teens|women|men|adults|foreigners|non-?\w+|people like me|me|him|her|us)\b)",
                        re.IGNORECASE)
# "who led it?", "which doctor headed the study": who runs it (the router reads "led" as an outcome's word)
LED_Q = re.compile(r"\bwho\s+(?:\w+\s+)?(?:led|leads|headed|heads|is leading|was leading|was in charge of|is in charge of)\b|"
                   r"\b(?:which|what) doctor (?:led|leads|headed|heads|ran|runs)\b|"
                   # "who makes the patch?": the company behind the study's product, its sponsor
                   r"\bwho\s+(?:makes|made|manufactures|manufactured|produces|developed|develops|owns)\b|"
                   r"\b(?:which|what) (?:company|companies|firm|drug ?maker|pharma\w*)\b|"
                   # "who pays for that one?": who funds the study (not who pays the person's costs)
                   r"\bwho(?:'s| is)?\s+(?:pays|paying|paid|funds|funding|funded|sponsors|sponsoring|sponsored)\s+(?:for\s+)?"
                   r"(?:it|this|that|the (?:study|trial|research|work)|this (?:study|trial|one)|that one)\b", re.IGNORECASE)
# "would I have to stop my usual lupus meds for this?": what the study asks of the person, which its rules say (no advice)
REQUIRED_STOP_RE = re.compile(r"\b(?:have to|need to|required to|must i|must we|asked to|make me)\s+(?:stop|quit|come off|go off|"
                              r"pause|change|switch|give up|taper)\b", re.IGNORECASE)
WHERE_RE = re.compile(r"\bwhere\b", re.IGNORECASE)  # ("where is it and is the site open?" asks where first)
# "did cimzia actually work … or is it hype": what the study found, however unsure the router is
DID_IT_WORK_RE = re.compile(r"\b(?:did|has|have)\b.{0,40}\b(?:work|help|beat|do anything)\b|\bhype\b", re.IGNORECASE)


@dataclass(frozen=True)
class Asked:
    """The question as the rules read it."""

    routed: str  # as routed: the study's names said as "the study"
    text: str  # as asked (spelling fixed)
    scope: Scope
    facts: PatientFacts  # the person's facts in this question
    told_before: PatientFacts  # … with their earlier turns
    takes_part_remotely: Callable[[], bool]  # whether the study's record says people take part from home
    measured_words: Callable[[], set[str]] = set  # the words of what the study measures and how it defines them

    def unsure(self, route: Route) -> bool:
        """Not routed surely; an advice route not sure enough to decline is as unsure as any ("I take
        hydroxychloroquine 400 mg, is that ok?" asks about the rules, with the person's facts)."""
        return not route.confident or (route.intent in DECLINED_INTENTS and route.score < ADVICE_CONFIDENCE)


Rule = Callable[[Route, Asked], "Route | None"]


def _tells_a_fact(route: Route, q: Asked) -> Route | None:
    """"I've only tried one NSAID so far": a fact of the person's own, asking nothing, on a study's page: checked
    against its rules, whatever the words look like (a fact told is no request for advice either)."""
    told = bool(q.scope.study_id and "?" not in q.routed and TELLS_RE.search(q.routed)
                and not ASKS_SOMETHING_RE.search(q.routed) and (q.facts.said_anything() or route.intent == "advice"))
    return Route("can_i_join", route.score, "facts") if told else None


# "would that have kept me out?", "does that rule her out?": whether a fact told keeps the person out, whatever
# else the question's words recall (a results word, a treatment)
KEPT_OUT_RE = re.compile(r"\b(?:keep|keeps|kept|rule|rules|ruled|shut|shuts)\s+(?:me|him|her|them|us|my \w+)\s+out\b|"
                         r"\bdisqualif\w*\b|\bexclude[sd]? (?:me|him|her|them|us)\b", re.IGNORECASE)


def _kept_out(route: Route, q: Asked) -> Route | None:
    """"i'd been on one TNF blocker … would that have kept me out?": the rules, against what the person said."""
    return Route("can_i_join", route.score, "kept_out") \
        if q.scope.study_id and KEPT_OUT_RE.search(q.routed) and route.intent not in DECLINED_INTENTS \
        and not SHOULD_RE.search(q.routed) else None


def _unsure_with_facts(route: Route, q: Asked) -> Route | None:
    """An unsure "can I join?" that names the person's facts ("take people who got rituximab 8 months ago")."""
    if q.unsure(route) and not SHOULD_RE.search(q.routed) \
            and (route.intent in ("can_i_join", "who_can_join", "advice") or ASKS_IN_RE.search(q.routed)) \
            and (q.facts.said_anything(where=True) or (ASKS_IN_RE.search(q.routed) and OWN_THING_RE.search(q.routed))):
        return Route("can_i_join", route.score, "facts")
    return None


OWN_WORDS_RE = re.compile(r"\b(?:my|i|i'?m|i'?ve|i'?d|he|she|his|her|he'?s|she'?s)\b", re.IGNORECASE)


def _does_it_matter(route: Route, q: Asked) -> Route | None:
    """"my clusters didn't start till I was 52, does that matter?": a fact of the person's, asked against the rules."""
    # ("pain shoots down both my legs, does that matter": a fact no vocabulary names, asked against the rules all
    # the same; "does it matter" asks what the study's rules say, not what the person should do)
    if q.scope.study_id and MATTERS_RE.search(q.routed) and not SHOULD_RE.search(q.routed) \
            and (route.intent in ("other", "advice") or q.unsure(route)) \
            and (q.facts.said_anything() or OWN_WORDS_RE.search(q.routed)):
        return Route("can_i_join", route.score, "facts")
    return None


def _open_to(route: Route, q: Asked) -> Route | None:
    """"is arthritispower open to ppl in the UK? I've got psoriatic arthritis": its rules, with what they said."""
    return Route("can_i_join", route.score, "facts") \
        if q.scope.study_id and route.intent in ("status", "where", "other") and OPEN_TO_RE.search(q.routed) else None


def _what_the_study_asks(route: Route, q: Asked) -> Route | None:
    """"would I have to stop my usual lupus meds for this?": the rules on it, however sure an advice route is."""
    return Route("can_i_join", route.score, "facts") \
        if q.scope.study_id and route.intent in ("advice", "other", "treatment") and REQUIRED_STOP_RE.search(q.routed) \
        and not SHOULD_RE.search(q.routed) else None


def _join_after_facts(route: Route, q: Asked) -> Route | None:
    """"could i get in?", "cool so im good to sign up?" after the person told their facts in an earlier turn."""
    if q.unsure(route) and JOIN_ASK_RE.search(q.routed) and not SHOULD_RE.search(q.routed) \
            and q.told_before.said_anything():
        return Route("can_i_join", route.score, "facts")
    return None


def _own_condition_on_a_page(route: Route, q: Asked) -> Route | None:
    """"is lupus on the list?" on a registry's page: a condition of the person's, checked against this study."""
    if route.intent == "corpus" and q.scope.reason == "pinned" and route.score < PART_OF_ALL \
            and not asks_across_studies(q.text) and q.facts.said_anything():
        return Route("can_i_join", route.score, "facts")
    return None


def _not_joining(route: Route, q: Asked) -> Route | None:
    """"can I drive home after the infusion?": "can I …" about something other than joining, with nothing of the
    person to check, here or earlier ("what if it was two years ago?" after "… rituximab 8 months ago?" is; "my
    husband" alone tells nothing to check)."""
    # ("… my spine pain is only 3 out of 10. would that have counted as active disease?" asks the rules)
    if route.intent == "can_i_join" and not ASKS_IN_RE.search(q.routed) and not MATTERS_RE.search(q.routed) \
            and not q.told_before.said_anything(where=True, sex=False):
        return Route("other", route.score, "not_joining")
    return None


def _sites_open(route: Route, q: Asked) -> Route | None:
    """"which SELECT-SLE sites are recruiting right now?" of one study: its sites' own statuses, not a list of
    studies (nor a place: "is the Boston site open?" is that site's status, said first)."""
    if q.scope.study_id and (route.intent == "corpus" or (route.intent == "where" and not WHERE_RE.search(q.routed))) \
            and SITES_OPEN_RE.search(q.routed) \
            and not asks_across_studies(q.text) and not asked_place(q.routed):
        return Route("status", route.score, "sites")
    return None


def _where_it_goes(route: Route, q: Asked) -> Route | None:
    """"where does my data go, is it kept on my phone?": the record's own words on it, not the study's sites."""
    return Route("other", route.score, "thing") \
        if route.intent in ("where", "contact") and THING_GOES_RE.search(q.routed) else None


# words that ask where: without one of them (or a place), a weak where route guessed from a word like "local"
WHERE_WORDS_RE = re.compile(r"\b(?:where|wheres|sites?|locations?|located|hospitals?|clinics?|centers?|centres?|cit(?:y|ies)|"
                            r"countr(?:y|ies)|states?|near|nearby|close|far|travel|drive|miles?|km|address|map|in person|"
                            r"anywhere|somewhere|go to|come to|go in|come in)\b",
                            re.IGNORECASE)
WEAK_WHERE = 0.5


def _where_with_no_place(route: Route, q: Asked) -> Route | None:
    """"is the procedure done under general anaesthetic or local?": a weak where route with no place or where-word
    in the question is no question about the sites."""
    return Route("other", route.score, "not_where") \
        if route.intent == "where" and route.by == "classifier" and route.score < WEAK_WHERE \
        and not WHERE_WORDS_RE.search(q.routed) and not asked_place(q.routed) and not site_pointed_at(q.routed) else None


def _a_place_of_the_named_study(route: Route, q: Asked) -> Route | None:
    """"the MiSLE stem cell lupus trial, is there a site in chicago": one study named, its sites there (not a list)."""
    return Route("where", route.score, "place") \
        if route.intent == "corpus" and q.scope.reason == "question" and q.scope.study_id and asked_place(q.routed) \
        and not asks_across_studies(q.routed) else None


def _a_place(route: Route, q: Asked) -> Route | None:
    """An unsure question that names a place ("cluster headache patch trial in texas??"): where, there; and on a
    study's page, a site pointed at by its place ("which is the hamburg one?")."""
    return Route("where", route.score, "place") if (q.unsure(route) and asked_place(q.routed)) or (
        q.scope.study_id and route.intent in ("other", "overview") and site_pointed_at(q.routed)) else None


def _how_long_for_someone(route: Route, q: Asked) -> Route | None:
    """"how long would my mum be on the sugemalimab and chemo?": her time on it, not whether she can join."""
    if route.intent == "can_i_join" and not ASKS_IN_RE.search(q.routed) and HOW_LONG_START_RE.match(q.routed):
        return Route("time_in_study", route.score, "person")
    return None


def _after_the_first_part(route: Route, q: Asked) -> Route | None:
    """"what happens after the first year?", "if I was on placebo do I ever get upadacitinib?": what follows."""
    # ("and after the first year, do the placebo people get the real drug?" reads as a question about the groups)
    if AFTER_Q.search(q.routed) and (route.intent in ("dates", "arms", "randomization", "treatment")
                                     or not route.confident or route.by == "facts"):
        return Route("time_in_study", route.score, "after")
    return None


def _how_many_doses(route: Route, q: Asked) -> Route | None:
    """"How many rounds of chemo?", "just once or several times?": how the treatment is given, group by group."""
    if DOSES_Q.search(q.routed) and not (route.confident and route.intent in ("treatment", "arms", "can_i_join")):
        # ("how many infusions would i get and how long do they watch you after": the time asked too)
        also = (route.intent,) if route.confident and route.intent == "time_in_study" else ()
        return Route("treatment", route.score, "doses", (*also, *route.also))
    return None


def _did_it_work(route: Route, q: Asked) -> Route | None:
    """"did cimzia actually work for axspa or is it hype": an unsure results route asks what the study found."""
    return Route("results", route.score, "worked") \
        if route.intent == "results" and not route.confident and DID_IT_WORK_RE.search(q.routed) else None


def _knows_which(route: Route, q: Asked) -> Route | None:
    """"would I find out which one I was given?", "would the parents have known which drops their baby got?"."""
    return Route("design", route.score, "knows") if KNOWS_WHICH_RE.search(q.routed) else None


CHECK_ASKED_RE = re.compile(r"\b(?:when|how often|how many|how much|what|which|is there|are there|do they|will they|"
                            r"would they|did they|do i|will i|would i|do you)\b", re.IGNORECASE)
NOT_A_CHECK_RE = re.compile(r"\b(?:results?|count|counts|counted|positive|negative|normal|abnormal)\b", re.IGNORECASE)


# "when exactly, during the surgery?": a moment of the procedure, which the record's sentences on it say (not the
# study's calendar)
IN_A_PROCEDURE_RE = re.compile(r"\b(?:during|before|after|while|in)\s+(?:the\s+|my\s+|that\s+)?(?:surgery|operation|"
                               r"procedure|injection|infusion|op|transplant\w*|biopsy|scan)\b", re.IGNORECASE)


def _when_in_a_procedure(route: Route, q: Asked) -> Route | None:
    return Route("other", route.score, "in_procedure") \
        if q.scope.study_id and route.intent == "dates" and IN_A_PROCEDURE_RE.search(q.routed) else None


def _a_check(route: Route, q: Asked) -> Route | None:
    """"when did they take the blood tests?", "how many check ups were there?": the study's checks and when (its
    outcomes), not its treatment, its size or its calendar."""
    # (not whether a test's result counts for joining, "does a positive anti-Ro blood test count?", nor whether
    # people are given their results)
    return Route("time_in_study", route.score, "checks") \
        if q.scope.study_id and asks_checks(q.routed) and (q.unsure(route) or route.intent in (
            "treatment", "size", "arms", "other", "overview", "dates", "design", "where")) \
        and CHECK_ASKED_RE.search(q.routed) and not NOT_A_CHECK_RE.search(q.routed) \
        and not ASKS_IN_RE.search(q.routed) else None


def _a_persons_time(route: Route, q: Asked) -> Route | None:
    """"how long was each person in it?", "how long is the whole thing for me?": a person's time, not the calendar."""
    return Route("time_in_study", route.score, "person") \
        if route.intent == "dates" and PERSON_TIME_RE.search(q.routed) else None


def _disease_stage(route: Route, q: Asked) -> Route | None:
    """"what stage of lung cancer is this for?": who the rules let in, not the study's phase."""
    return Route("can_i_join", route.score, "stage") \
        if route.intent == "phase" and DISEASE_STAGE_RE.search(q.routed) else None


# "is it taking people?", "are they still recruiting?", "is that one open yet?": the study's status
TAKING_PEOPLE_RE = re.compile(r"\b(?:is|are)\s+(?:it|they|this|that|this one|that one|the study|the trial)\s+(?:still\s+|even\s+)?"
                              r"(?:taking|accepting|enrolling|enroll?ing|recruiting|looking for|open)\b"
                              r"(?!\s+(?:to|for)\s+(?:people|patients|kids|children|women|men|someone|anyone)\s+(?:with|who|in|over|"
                              r"under|from|aged))", re.IGNORECASE)


# "what was in the placebo shot?", "what's the dummy pill made of?": the placebo as the record describes it
PLACEBO_IN_RE = re.compile(r"\bwhat(?:'s|s| is| was| were| are)? (?:in|inside) (?:the |that |a |their )?(?:placebo|dummy|fake|"
                           r"sugar|sham)\b|\b(?:placebo|dummy|fake|sham)\b.{0,25}\b(?:made of|made from|contains?|"
                           r"consists? of|ingredients?)\b", re.IGNORECASE)


def _whats_in_the_placebo(route: Route, q: Asked) -> Route | None:
    return Route("arms", route.score, "placebo_in") \
        if PLACEBO_IN_RE.search(q.routed) and route.intent not in ("arms", *DECLINED_INTENTS) else None


def _taking_people(route: Route, q: Asked) -> Route | None:
    """"the spanish one - is it taking people?": whether the study takes people now (its status), read unsurely."""
    return Route("status", route.score, "taking") \
        if q.unsure(route) and route.intent in ("status", "other", "where", "overview", "size") \
        and TAKING_PEOPLE_RE.search(q.routed) and not q.facts.said_anything(where=True) else None


def _study_ended(route: Route, q: Asked) -> Route | None:
    """"did that cluster headache study ever finish?": whether the study ended (its status), not its participant flow."""
    return Route("status", route.score, "ended") \
        if route.intent in ("results", "other") and STUDY_ENDED_RE.search(q.routed) \
        and not re.search(r"\b(?:people|patients|babies|participants|most|many|everyone|who|when)\b", q.routed, re.IGNORECASE) \
        else None


def _keeps_getting(route: Route, q: Asked) -> Route | None:
    """"can ppl keep getting it after?": the treatment after or outside the study (its expanded access)."""
    return Route("time_in_study", route.score, "access") \
        if asks_access(q.routed) and route.intent not in ("results", "time_in_study", *DECLINED_INTENTS) \
        and not (route.intent == "can_i_join" and (route.by == "facts" or route.confident and route.score >= WEAK_WHERE)) \
        else None


def _a_procedure(route: Route, q: Asked) -> Route | None:
    """"do they take blood?": the record's sentences on it, not the study's treatment or groups."""
    return Route("other", route.score, "procedure") \
        if PROCEDURE_Q.search(q.routed) and (route.intent in ("treatment", "arms", "overview") or (
            route.intent == "can_i_join" and route.by == "facts" and not JOIN_ASK_RE.search(q.routed))) else None


def _who_led(route: Route, q: Asked) -> Route | None:
    """"that italian colic study with the chamomile drops, who led it?": the sponsor and its lead researcher."""
    return Route("sponsor", route.score, "led") \
        if LED_Q.search(q.routed) and route.intent not in ("sponsor", "contact", *DECLINED_INTENTS) else None


def _from_home(route: Route, q: Asked) -> Route | None:
    """"do i have to go somewhere for visits?" of a study people take part in from home: the record's words first
    ("would I have to travel to Duke for visits?" of a study at a site is left to its rules)."""
    if q.scope.study_id and REMOTE_Q.search(q.routed) and route.intent in ("other", "where") \
            and not THING_GOES_RE.search(q.routed) and q.takes_part_remotely():
        return Route("where", route.score, "remote")
    return None


DEFINES_SCORE = 0.6


def _what_counts(route: Route, q: Asked) -> Route | None:
    """"what counts as a response tho" after what the study measures: its outcome, as the record defines it."""
    if q.scope.study_id and DEFINES_Q.search(q.routed) and route.intent not in DECLINED_INTENTS \
            and content_terms(q.routed) - NOT_DEFINED & q.measured_words():
        return Route("outcomes", max(route.score, DEFINES_SCORE), "defines")
    return None


# who is asked about, and whether it is joining: the first rule that applies decides
WHO_RULES: tuple[Rule, ...] = (_what_the_study_asks, _kept_out, _unsure_with_facts, _does_it_matter, _open_to, _join_after_facts, _own_condition_on_a_page, _not_joining, _sites_open,
                               _where_it_goes, _a_place_of_the_named_study, _a_place, _where_with_no_place)
# what is measured or asked after that: each rule in turn
WHAT_RULES: tuple[Rule, ...] = (_disease_stage, _whats_in_the_placebo, _taking_people, _study_ended, _keeps_getting, _a_procedure, _who_led, _how_long_for_someone, _after_the_first_part, _a_persons_time, _from_home,
                                _how_many_doses, _did_it_work, _knows_which, _what_counts, _a_check, _when_in_a_procedure)


def fix_route(route: Route | None, q: Asked) -> Route | None:
    """The route the rules give the question (``route`` itself when none applies)."""
    if route is None:  # no router: a fact told on a study's page is still checked against its rules
        return _tells_a_fact(Route("other", 0.0, "none"), q)
    fixed = _tells_a_fact(route, q) or next((r for rule in WHO_RULES if (r := rule(route, q)) is not None), route)
    for rule in WHAT_RULES:
        fixed = rule(fixed, q) or fixed
    return _other_asks_kept(route, fixed, q)


# what the router read that a rule may pass on as a second ask: a fact of the study, not a guess at the whole
KEPT_ASKS = frozenset({"phase", "sponsor", "contact", "where", "status", "dates", "size", "design", "masking",
                       "randomized", "arms", "treatment", "outcomes", "results", "side_effects", "time_in_study"})


def _other_asks_kept(before: Route, after: Route, q: Asked) -> Route:
    """"is this an early phase thing? and who makes the cells": a rule that reads one part of a question anew (who
    makes it: the sponsor) keeps what the router read surely in the other part (the phase) as a second ask."""
    if after.intent == before.intent or before.intent not in KEPT_ASKS or before.score < PART_CONFIDENCE \
            or len(asked_parts(q.routed)) < 2:
        return after
    also = tuple(dict.fromkeys(i for i in (before.intent, *before.also, *after.also) if i != after.intent))
    return replace(after, also=also[:2])
