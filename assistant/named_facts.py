"""A question that names one of the study's own facts says what it asks: an amount of a named treatment is a
treatment question ("how much of the chamomile drops did they get?"), "what is C213?" asks what that treatment
is, and a measure the posted results name is a results question ("the crying time at the end for each group").
Read from the fact sheet, after the router: these override a route that guessed from the words alone."""
from __future__ import annotations

import re

from assistant.compose import CHANCE_Q, CHANCE_WORDS, ORIGIN_Q, PLACEBO_Q
from assistant.compose_results import FLOW_Q, GENERIC_TERMS, USED_Q
from assistant.compose_side_effects import asked_events
from assistant.router import Route
from assistant.textutil import content_terms
from assistant.treatment_names import asks_dose_of_named, names_a_treatment
from trialchat.facts import FactSheet

WHAT_IS_RE = re.compile(r"^\W*what(?:'s| is| are| even is| exactly is)\b", re.IGNORECASE)  # "what is C213?": what a named thing is
# words a results question shares with an outcome title that name no measure of their own
NOT_A_MEASURE = GENERIC_TERMS | content_terms("time end week weeks month months day days study during after before while "
                                                  "throughout over")


# "is certolizumab the same thing as cimzia?", "what's the brand name": a treatment's other names
# "is this cimzia?", "isn't it the humira one?": a short question naming what the study may test
IS_THIS_RE = re.compile(r"^\W*(?:is|isn'?t|is n't)\s+(?:this|it|that)\b", re.IGNORECASE)
IS_THIS_WORDS = 7
OTHER_NAME_Q = re.compile(r"\bsame (?:thing|drug|medicine|medication|as)\b|\b(?:also|otherwise) (?:called|known)\b|"
                          r"\bbrand(?:ed)?\b|\bgeneric\b|\b(?:another|other|real|proper) names?\b|\bsold as\b",
                          re.IGNORECASE)


HOW_MANY_RE = re.compile(r"\bhow many\b|\bwhat (?:number|percent\w*|share)\b", re.IGNORECASE)
FINISHED_Q = re.compile(r"\b(?:finish\w*|complet\w*|drop\w*\s?out|dropouts?|quit|ma(?:de|ke) it|stay(?:ed)?|left)\b", re.IGNORECASE)


def names_an_outcome(question: str, s: FactSheet) -> bool:
    """Whether the question names a measure of the study's posted results by its own words ("crying")."""
    if s.results is None:
        return False
    asked = content_terms(question) - NOT_A_MEASURE
    return any(asked & (content_terms(o.title) - NOT_A_MEASURE) for o in s.results.outcomes if o.posted)


def names_an_event(question: str, s: FactSheet) -> bool:
    """Whether the question names a side effect the posted results list ("a heart block?? who got that")."""
    events = s.results.adverse if s.results else None
    if events is None:
        return False
    asked = content_terms(question) - NOT_A_MEASURE
    # (by most of its words, or as the same thing in other words: "heart block" is "Atrioventricular block first degree")
    return any(len(asked & content_terms(e.term)) >= min(2, len(content_terms(e.term))) for e in events.events) \
        or bool(asked_events(question, events))


def route_by_named_fact(text: str, s: FactSheet | None, route: Route | None) -> Route | None:
    """The route the question's named fact gives, or ``route`` unchanged."""
    if s is None or route is None:
        return route
    # ("did the 3.8 mg patch beat placebo?" names a dose to ask about results: a sure results route stays)
    sure_results = route.intent == "results" and route.confident
    if route.intent not in ("treatment", "arms", "can_i_join") and not sure_results and asks_dose_of_named(text, s):
        return Route("treatment", route.score, "dose")
    if (route.intent == "term" or not route.confident) and WHAT_IS_RE.search(text) and names_a_treatment(text, s):
        return Route("treatment", route.score, "named")
    if route.intent in ("design", "other", "overview", "term") and IS_THIS_RE.search(text) \
            and len(text.split()) <= IS_THIS_WORDS and names_a_treatment(text, s):
        return Route("treatment", route.score, "is_this")  # "is this cimzia?": the treatment, by its other names
    if not (route.intent == "treatment" and route.confident) and OTHER_NAME_Q.search(text) \
            and any(i.other_names for i in s.interventions):
        return Route("treatment", route.score, "other_name")
    if route.intent in ("size", "treatment", "other") and s.results and USED_Q.search(text):
        return Route("results", route.score, "used")  # "how many people actually used the patch?": the flow
    # ("how many finished the whole 3 years?" too: a count of who finished, not the calendar)
    if route.intent in ("size", "dates", "time_in_study") and s.results and FLOW_Q.search(text) \
            and FINISHED_Q.search(text) and HOW_MANY_RE.search(text):
        return Route("results", route.score, "flow")  # "how many babies finished?": who finished, not the enrollment
    # ("chance of getting the dummy patch?" however sure another route is; "how many ended up on placebo …" if unsure)
    by_chance = CHANCE_WORDS.search(text) or not route.confident
    if by_chance and CHANCE_Q.search(text) and PLACEBO_Q.search(text) and s.arms and route.intent != "randomization":
        return Route("randomization", route.score, "chance")  # "whats the chance i end up on the sugar pill??"
    if not route.confident and ORIGIN_Q.search(text) and s.interventions:
        return Route("treatment", route.score, "origin")  # "are those cells from umbilical cord too?"
    if not route.confident and (names_an_outcome(text, s) or names_an_event(text, s)):
        return Route("results", route.score, "outcome")
    return route
