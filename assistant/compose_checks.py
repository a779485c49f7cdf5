"""What the study checks, and when: "when did they take the blood tests for drug levels?", "how often do they check
you, is there an MRI?", "what kind of questions do they ask you?".

The record's outcomes name each test or questionnaire and when it is done (the time frame; often a schedule in the
description too). The outcomes the question is about are found by meaning (the cross-encoder) and by the plain
words people use for them ("blood test" for a plasma concentration, "questions" for a questionnaire); outcomes
that repeat one measure at several times ("… at Week 1", "… at Week 2") are said once, with all their times.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.answer_writer import AnswerWriter, join_words
from assistant.closest_rule import Scorer
from assistant.textutil import content_terms, split_sentences
from trialchat.facts import FactSheet, Outcome

# a question about a test, a scan, a questionnaire or a check-up, in the person's words
CHECKS_Q = re.compile(
    r"\b(?:check ?-?ups?|blood ?(?:tests?|draws?|work|samples?|levels?)|bloods|lab (?:tests?|work)|labs|mris?|"
    r"x-?rays?|scans?|questionnaires?|surveys?|e-?diar(?:y|ies)|diar(?:y|ies)|fill (?:\w+ ){0,2}(?:out|in)|"
    r"questions (?:do|will|would|did) they ask|what (?:do|will|would|did) they (?:measure|check|test|ask|look at|track)|"
    r"how (?:often|many times) (?:do|will|would|did) they (?:check|see|test|examine|look at|scan|measure)|"
    r"(?:tests?|exams?) (?:do|will|would|did) they (?:do|run|take))\b", re.IGNORECASE)

CHECK_UPS = re.compile(r"\bcheck ?-?ups?\b|\bvisits?\b", re.IGNORECASE)
# the plain words people use for a kind of check → the record's words for it (stemmed when read)
PLAIN_WORDS: dict[str, str] = {
    "blood": "blood plasma serum concentration laboratory sample",
    "bloods": "blood plasma serum concentration laboratory sample",
    "lab": "laboratory blood plasma serum sample",
    "labs": "laboratory blood plasma serum sample",
    "question": "questionnaire diary score scale self-reported report rating instrument",
    "questions": "questionnaire diary score scale self-reported report rating instrument",
    "survey": "questionnaire diary score scale self-reported report instrument",
    "form": "questionnaire diary score scale self-reported report",
    "fill": "questionnaire diary score scale self-reported report recorded",
    "diary": "diary ediary recorded record",
    "scan": "mri magnetic resonance imaging x-ray radiograph ct image",
    "scans": "mri magnetic resonance imaging x-ray radiograph ct image",
    "mri": "mri magnetic resonance imaging image",
    "xray": "x-ray radiograph image",
}
# the question's words that ask "when / how often" rather than name the check
ASKING_WORDS = content_terms("how often when what which kind sort do does did they you me i check checks checked "
                             "test tests take taken ask asked many times study trial is there any after before "
                             "actually really exactly just even my get have need usually typically each every")
FLOOR = -8.0  # below this the cross-encoder finds no outcome about the question (and no plain word names one)
CLOSE = 1.0  # a second outcome is said when it scores this close to the first and names what was asked
MAX_SAID = 2
TIMES_IN_TEXT = re.compile(r"\b(?:day|week|month|year|visit|baseline)s?\b[^.]{0,80}\d|\d+\s*(?:days?|weeks?|months?)\b",
                           re.IGNORECASE)
AT_TIME = re.compile(r"\s+(?:at|on)\s+(?:baseline|week|day|month|follow-up|the end)\b.*$", re.IGNORECASE)
CLEAR = -5.0  # at or above this the cross-encoder's outcome is about the question though it shares no word with it
MAX_LISTED = 5  # measures named when the question asks what is checked in general


@dataclass
class _Check:
    """One measure, with every outcome that measures it at a different time."""
    name: str
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def words(self) -> str:
        first = self.outcomes[0]
        return f"{self.name}. {split_sentences(first.description)[0] if first.description else ''}".strip()


def asks_checks(question: str) -> bool:
    return bool(CHECKS_Q.search(question))


def _checks(s: FactSheet) -> list[_Check]:
    """The outcomes grouped by what they measure ("Plasma Concentration at Week 1/2/4" → one check)."""
    grouped: dict[str, _Check] = {}
    for o in s.outcomes:
        name = AT_TIME.sub("", o.measure).strip(" :") or o.measure
        grouped.setdefault(name.lower(), _Check(name)).outcomes.append(o)
    return list(grouped.values())


# the plain words that ask what is checked in general ("what kind of questions do they ask?"), not for one check
GENERAL_WORDS = content_terms("question questions questionnaire survey surveys form forms fill out in stuff things "
                              "app apps phone online website web computer measure measured track kind sort")


def _asked_terms(question: str) -> tuple[set[str], set[str]]:
    """The check the question names, in its own words and with the record's words for them; and its own words
    alone that name a particular check (none for "what kind of questions do they ask?")."""
    plain = question.lower().replace("x-ray", "xray").replace("x ray", "xray")
    said = content_terms(plain) - ASKING_WORDS
    more = " ".join(v for k, v in PLAIN_WORDS.items() if re.search(rf"\b{k}\b", plain))
    return said | content_terms(more) - ASKING_WORDS, said - GENERAL_WORDS


def tests_and_checks(w: AnswerWriter, q: str, s: FactSheet, rank: Scorer | None, unnamed_said: bool = True) -> bool:
    """The checks the question is about, each with when it is done; False when no outcome is about it (or, with
    ``unnamed_said``, that the record does not name it, with what it does check)."""
    checks = _checks(s)
    if not checks:
        return False
    asked, particular = _asked_terms(q)
    if CHECK_UPS.search(q):  # "how many check ups?": the visits' own sentences say (assistant/compose_overview.py)
        return False
    if not particular:  # "what kind of questions do they ask you?": what it checks, and when
        return _list_checks(w, checks)
    naming = [bool(asked & content_terms(c.words)) for c in checks]
    scores = rank(q, [c.words for c in checks]) if rank else [0.0 if n else FLOOR - 1 for n in naming]
    ranked = sorted(range(len(checks)), key=lambda i: (naming[i], scores[i]), reverse=True)
    best = ranked[0]
    if not naming[best] and scores[best] < CLEAR:
        if not unnamed_said:
            return False
        # "will I get scans?" where no outcome is a scan: the record does not say; what it does check
        primary = [c for c in checks if c.outcomes[0].primary] or checks
        w.say("checks.not_named", [c.outcomes[0] for c in primary[:MAX_LISTED]],
              measures=join_words([c.name.rstrip(" .") for c in primary[:MAX_LISTED]]))
        w.stops_short = True
        return True
    said = 0
    for i in ranked:
        if said >= MAX_SAID or (said and not (naming[i] and scores[i] >= scores[best] - CLOSE)):
            break
        said += _say_check(w, checks[i])
    return said > 0


def _say_check(w: AnswerWriter, check: _Check) -> bool:
    """One check: its schedule in the record's words when the description gives one, else its time frames."""
    first = check.outcomes[0]
    schedule = next((x for x in split_sentences(first.description or "") if TIMES_IN_TEXT.search(x)), None) \
        if len(check.outcomes) == 1 else None
    if schedule:
        return bool(w.say("checks.schedule", [(first.path, schedule)], measure=check.name.rstrip(" ."),
                          quote=schedule.rstrip(" .")))
    timed = [o for o in check.outcomes if o.time_frame]
    if not timed:
        return bool(w.say("checks.measured", first, measure=check.name.rstrip(" .")))
    times = join_words(list(dict.fromkeys(o.time_frame.rstrip(" .") for o in timed)))
    return bool(w.say("checks.when", [(o.path, f"Time frame: {o.time_frame}") for o in timed],
                      measure=check.name.rstrip(" ."), times=times))


def _list_checks(w: AnswerWriter, checks: list[_Check]) -> bool:
    """What the study checks, by name (its main checks first), with when."""
    shown = sorted(checks, key=lambda c: not c.outcomes[0].primary)[:MAX_LISTED]
    times = list(dict.fromkeys(o.time_frame.rstrip(" .") for c in shown for o in c.outcomes[:1] if o.time_frame))
    key = "checks.list_when" if len(times) == 1 else "checks.list"
    return bool(w.say(key, [c.outcomes[0] for c in shown], measures=join_words([c.name.rstrip(" .") for c in shown]),
                      n=len(checks), time_frame=times[0] if times else ""))
