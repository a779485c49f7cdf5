"""What a "how big / how long" question measures: "how long does each visit take?" asks the length of a visit, not
of the study; "how big are the needles?" the size of a needle, not of the study.

The study's size, its dates and a person's time in it answer such a question only when it measures the study or
the person's part in it; otherwise the record's own sentences must name the thing and give a number.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.textutil import content_terms

# "how long does each visit take", "how big are the needles", "how long is the infusion"
HOW_MEASURE = re.compile(r"\bhow (big|large|long|heavy|small|thick|wide|deep)\s+(?:(?:is|are|was|were|does|do|did|will|would|"
                         r"can|could)\s+)?(?:(?P<det>the|each|a|an|one|my|this|that|these|those|every)\s+)?"
                         r"([a-z][\w'-]*(?:\s+(?!(?:take|takes|last|lasts|go|for|of|in|be|is|are|take)\b)[a-z][\w'-]*){0,3})",
                         re.IGNORECASE)
# "what size needle do they use?", "what gauge are the needles": a size asked another way
WHAT_SIZE = re.compile(r"\bwhat (?:size|gauge|width|thickness)\s+(?:of\s+)?(?:(?:the|a|an|is|are)\s+)*"
                       r"([a-z][\w'-]*(?:\s+(?!(?:do|does|did|is|are|was|were|will|would|they|you|we|i)\b)[a-z][\w'-]*)?)",
                       re.IGNORECASE)
SIZE = re.compile(r"\d+(?:\.\d+)?\s*(?:mm|cm|millimet\w+|centimet\w+|inch\w*|gauge|g|mg|ml|mcg|µg|kg|cells?)\b|\b\d+\s*-?\s*gauge\b",
                  re.IGNORECASE)
# what the study's size, dates and time-in-study answers measure: the study, or a person's time in it
THE_STUDY = frozenset("study studies trial trials it this research registry program programme project they i we you he "
                      "she participation part people patients participants enrollment enrolment person patient "
                      "participant subject subjects someone one everyone follow-up followup baby babies child children "
                      "kid kids son daughter thing whole "  # ("the whole thing": the study)
                      # the person asked for ("how long would my dad be on it?") and words that name nothing ("for how
                      # long though?")
                      "dad mom mum father mother husband wife partner sister brother grandma grandpa grandmother "
                      "grandfather friend spouse though tho then exactly roughly again overall total".split())
# the composed intents that describe the study as a whole (its size, span, treatment, groups), and so answer no
# question that measures one thing in it
MEASURES_THE_STUDY = frozenset({"size", "time_in_study", "dates", "treatment", "arms", "overview", "design"})
NUMBER = re.compile(r"\d")
LENGTH = re.compile(r"\d+(?:\.\d+)?\s*(?:(?:-|to)\s*\d+(?:\.\d+)?\s*)?(?:minutes?|mins?|hours?|hrs?|h|days?|weeks?|"
                    r"months?|years?)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Focus:
    measure: str  # "long", "big"
    thing: str  # "visit", "needles"
    each: bool = False  # "how long does each one take?": one of several things, not a person

    @property
    def words(self) -> set[str]:
        return set(self.thing.lower().split())

    @property
    def about_the_study(self) -> bool:
        """"how long is the MiSLE study", "how long would I be in it": a word of the phrase names the study or a
        person in it."""
        return bool(self.words & THE_STUDY) and not (self.each and self.words == {"one"})


def question_focus(question: str) -> Focus | None:
    m = HOW_MEASURE.search(question)
    if m:
        return Focus(m.group(1).lower(), m.group(3).lower(), (m.group("det") or "").lower() in ("each", "every"))
    size = WHAT_SIZE.search(question)
    return Focus("big", size.group(1).lower()) if size else None


# what is given: a person's time in the study reads its length from the treatment's own description ("how long
# does the drip take?" → "during 30min to 1h by intravenous infusion")
GIVEN = frozenset("drip drips infusion infusions injection injections shot shots patch patches pill pills tablet tablets "
                  "dose doses treatment treatments therapy cycle cycles course courses drops".split())


def answers_the_measure(question: str, intent: str | None) -> bool:
    """False when a composed answer about the study would answer "how long does each visit take?"."""
    focus = question_focus(question)
    if focus is None or focus.about_the_study or intent not in MEASURES_THE_STUDY:
        return True
    return intent == "time_in_study" and focus.measure == "long" and bool(focus.words & GIVEN)


def quotes_give_the_measure(question: str, quotes: list[str]) -> bool:
    """A record sentence answers "how long is each visit?" only when it names the visit and gives a number."""
    focus = question_focus(question)
    if focus is None or focus.about_the_study:
        return True
    thing = content_terms(focus.thing)
    # "how long": a length of time, not "on days 7, 14"; "how big": a size, not "remains for 1 minute"
    amount = LENGTH if focus.measure == "long" else SIZE if focus.measure in ("big", "large", "small", "thick", "wide") \
        else NUMBER
    return any(thing & content_terms(q) and amount.search(q) for q in quotes)  # one of the phrase's words named
