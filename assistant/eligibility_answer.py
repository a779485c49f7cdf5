"""The answer to "Can I join? I'm 52 and have diabetes": what rules the person out first (cited), then what
may, then what fits, then what only the study team can check, and who to ask. Never a personal yes.

Called from ``Composer._can_i_join``; the sentences are ``[eligibility_check]`` in prompts/answers.toml.
"""
from __future__ import annotations

import re
from typing import Protocol

from assistant.answer_writer import AnswerWriter, Cite
from assistant.closest_rule import CLEAR_SCORE, RuleMatch, Scorer, closest_rule
from assistant.eligibility_check import Assessment, Finding, assess, tree_of
from assistant.nearby import closest_site, resolve, study_countries
from assistant.nearby_answer import distance_words, place_words, site_words
from assistant.patient_facts import Mention, PatientFacts, patient_facts
from assistant.textutil import content_terms
from assistant.types import Eligibility, EligibilityCheck
from trialchat.criteria_tree import CriterionItem
from trialchat.facts import ENDED_STATUSES, Fact, FactSheet

MAX_SUB_ITEMS = 6  # sub-items said with their lead-in before "and N more"
MAX_SAID = 6  # rule sentences in one answer before the rest is left to the team
KEY = "eligibility_check."
# findings from the age and sex fields: they say nothing of the other things a question names
AGE_SEX_KEYS = frozenset({"age_inside", "age_outside", "age_rule_inside", "age_rule_outside", "age_rule_differs",
                          "sex_fits", "sex_not", "place_age_inside", "place_age_outside"})
# the words of "can I join if I'm 70?" that ask to join or say an age or sex: what the typed checks read whole
JOIN_ASK_TERMS = content_terms("can could would join joining take part participate eligible qualify allowed sign up "
                               "enrol enroll if im i'm am be old year years age aged woman man female male still")


class _Composer(Protocol):  # what this needs of assistant/compose.py's Composer
    rank: Scorer | None  # the cross-encoder's scores, to find the rule a question is about
    def rules_for_all(self, w: AnswerWriter, q: str, s: FactSheet) -> None: ...
    def _not_open_note(self, w: AnswerWriter, s: FactSheet) -> None: ...
    def _stale_caveat(self, w: AnswerWriter, s: FactSheet) -> None: ...
    def team_sentence(self, w: AnswerWriter, s: FactSheet, key: str = ...) -> bool: ...


def can_i_join(c: _Composer, w: AnswerWriter, q: str, s: FactSheet, history: tuple[str, ...] = ()) -> None:
    facts = patient_facts(q, history or w.earlier)
    # a rule the question is about, unless it says nothing but an age or sex (the age and sex checks read those;
    # the cross-encoder over every rule takes half a second)
    says_more = content_terms(q) - JOIN_ASK_TERMS - {t for t in content_terms(q) if t.isdigit()}
    match = closest_rule(q, tree_of(s), c.rank, frozenset(says_more - GENERAL_RULE_TERMS)) \
        if says_more or not facts.said_anything() else None
    a = assess(s, facts)
    # a rule that only stands out from the others (not one clearly about the question) says less than the rules
    # that name what the person said: with those, it is left out ("not pregnant yet but trying" is the pregnancy
    # rule, not "Unable to travel to Duke")
    # (what this question says, not what earlier turns told: "she mostly speaks spanish, is that a problem?" after
    # "my wife has lupus and is pregnant" is about the language rule)
    own = a.findings if not (history or w.earlier) else assess(s, patient_facts(q)).findings
    if match is not None and match.score < CLEAR_SCORE \
            and any(f.group not in ("not_mentioned", "none") and f.key not in AGE_SEX_KEYS for f in own):
        match = None
    # nothing personal to compare (or only a place no rule names): the general rules
    if not facts.said_anything() and match is None and not a.findings:
        c.rules_for_all(w, q, s)
        w.eligibility = unchecked(s)
        return
    w.eligibility = a.eligibility
    # all the person said goes unmentioned by the rules, and no rule is about it: the record does not answer
    w.stops_short = match is None and any(f.group == "not_mentioned" for f in a.findings) \
        and all(f.group in ("not_mentioned", "none") for f in a.findings)
    c._not_open_note(w, s)
    # a study that took its last people long ago: what its rules say, without "the team checks the others with you"
    closed = bool(s.status and s.status.value in ENDED_STATUSES)
    write_findings(w, a, match, checks_others=not closed)
    _nearest_site(w, facts, s)
    _age_during_study(w, q, s)
    c._stale_caveat(w, s)
    if not c.team_sentence(w, s, key="results.team" if closed else "can_i_join.team"):
        w.say("can_i_join.team_no_contact", [f for f in (s.min_age, s.sex) if f] or
              [(i.path, i.quote) for i in a.unchecked[:1]])


# the words of "who can join this study, what are the rules?" that ask for the rules in general, not for one of them
GENERAL_RULE_TERMS = JOIN_ASK_TERMS | content_terms("who what which need needs needed have has do does study trial this "
                                                    "people person requirements requirement criteria criterion rules "
                                                    "rule eligibility get in into accepted accept let only just "
                                                    # who, by kind: the age and sex fields answer these
                                                    "babies baby infants infant kids kid children child adults adult "
                                                    "teens teenagers women men girls boys patients folks anyone "
                                                    "someone everyone anybody")


AGE_ASKED = re.compile(r"\b(?:how old|how young|ages?|aged|years? old|old enough|too old|too young)\b", re.IGNORECASE)


def rule_asked_about(c: _Composer, w: AnswerWriter, q: str, s: FactSheet) -> bool:
    """"do you need French social security for this?", "do I need any vaccines beforehand?": the one rule the
    question asks about, when one stands out (said with the study's status and who to ask). False when the
    question asks for the rules in general, or no rule stands out."""
    # (nor the study's own illness and treatment: "is this lupus study only for women?" asks who, not a lupus rule)
    own = content_terms(" ".join([*(c.value for c in s.conditions), *(i.name for i in s.interventions)]))
    asked = frozenset(content_terms(q) - GENERAL_RULE_TERMS - own - {t for t in content_terms(q) if t.isdigit()})
    if not asked or AGE_ASKED.search(q):  # ("how old can you be?": the age fields answer it, with the rules)
        return False
    match = closest_rule(q, tree_of(s), c.rank, asked)
    if match is None:
        return False
    c._not_open_note(w, s)
    write_findings(w, Assessment(PatientFacts(), [], unchecked(s), [match.top]), match, checks_others=False)
    c._stale_caveat(w, s)
    c.team_sentence(w, s)
    return True


# "what happens if she turns 65 while she's still in it?": an age reached during the study
TURNS_DURING = re.compile(r"\b(?:turns?|turning|reach(?:es)?|gets? to|hits?)\s+(\d{2})\b[^.?!]{0,40}\b(?:while|during|still|in the middle)\b",
                          re.IGNORECASE)


def _age_during_study(w: AnswerWriter, q: str, s: FactSheet) -> None:
    """What the record's groups say of people who reach the age the question names during the study."""
    m = TURNS_DURING.search(q)
    if not m:
        return
    said = re.compile(rf"(?:>=|≥|at least|reach\w*|turn\w*|age[ds]?)\s*{m.group(1)}\b", re.IGNORECASE)
    for a in [a for a in s.arms if a.description and said.search(a.description)][:1]:
        w.say("time.quote", [(a.path, a.description)], about=f"the group “{a.label}”",
              quote=a.description.rstrip(" ."))


def _nearest_site(w: AnswerWriter, facts: PatientFacts, s: FactSheet) -> None:
    """"I live in Chicago, can I join?": where the person would go, the study's site nearest to them."""
    origin = resolve(facts.location, study_countries(s.sites)) if facts.location and s.sites else None
    closest = closest_site(origin, s.sites) if origin else None
    if origin and closest:
        site, km = closest
        w.say("can_i_join.nearest", site, place=place_words(origin), site=site_words(site),
              distance=distance_words(km, origin))


def write_findings(w: AnswerWriter, a: Assessment, match: RuleMatch | None = None, checks_others: bool = True) -> None:
    """What rules the person out first, then the rule the question is about (when no finding cites it
    already), then what may rule them out, what fits, what the rules mention; then what the team checks."""
    findings = a.findings
    if match is not None:
        cited = {path_quote for f in findings for path_quote in f.cites}
        # said unless a finding cites it or a check already read it (the age rule for "I'm 70")
        if (match.item.path, match.item.quote) not in cited and any(i is match.top for i in a.unchecked):
            # the rule said may name what the person said in other words: "they do not mention it" would be wrong
            findings = [f for f in findings if f.group != "not_mentioned"]
            at = sum(f.group == "rules_out" for f in findings)
            key = {"exclusion": "closest_excluded", "inclusion": "closest_needed"}.get(match.item.section, "closest")
            whole = match.whole()  # (with the rest of its short list: "BASDAI >= 4" and "spinal pain >= 4")
            findings.insert(at, Finding("closest", key, whole.cites, {"item": f"“{whole.words.rstrip(' .;:')}”"}))
    said = 0
    for f in findings:
        if f.group == "none" or said >= MAX_SAID and f.group not in ("rules_out", "closest"):
            continue
        said += w.say(KEY + f.key, f.cites, **f.variables)
    others = [i for i in a.unchecked if match is None or i is not match.top]
    if others and checks_others:
        w.say(KEY + "others", (others[0].path, others[0].quote), n=len(others), whom="them" if a.facts.whose else "you")


def condition_sentences(w: AnswerWriter, condition: str, s: FactSheet) -> None:
    """What the rules say about one condition the person named (without the rest of the answer)."""
    facts = patient_facts(f"I have {condition}")
    if not (facts.conditions or facts.treatments):
        facts = PatientFacts(conditions=[Mention(condition, condition)])
    write_findings(w, Assessment(facts, assess(s, facts).findings, Eligibility(verdict="unknown"), []))


def unchecked(s: FactSheet) -> Eligibility:
    """Nothing the person said to check: every rule, not stated."""
    a = assess(s, PatientFacts())
    return Eligibility(verdict="unknown", checks=[EligibilityCheck(**{**c.model_dump(), "verdict": "not_stated"})
                                                  for c in a.eligibility.checks])


def with_sub_items(s: FactSheet, fact: Fact) -> tuple[str, list[Cite]]:
    """A criterion as said in a list of rules: with its sub-items after its lead-in, so "must have at least one
    of the following:" is never shown without what follows ("…: ANA positive; anti-Smith positive")."""
    item = next((i for i in tree_of(s).items() if i.text == fact.value and i.path == fact.path), None) \
        if s.criteria_tree else None
    if item is None or not item.children:
        return fact.value, [fact]
    subs: list[CriterionItem] = [c for c, _ in item.walk()][1:]
    shown = subs[:MAX_SUB_ITEMS]
    more = f"; and {len(subs) - len(shown)} more" if len(subs) > len(shown) else ""
    words = item.text.rstrip(" :") + ": " + "; ".join(c.text.rstrip(" ;.") for c in shown) + more
    return words, [fact, *[(c.path, c.quote) for c in shown]]
