"""An outcome measure's title in plain words, for the "did it work?" answer.

Registry titles are long and in title case ("Percentage of Subjects With Ankylosing Spondylitis Disease
Activity Score Major Improvement (ASDAS-MI) Response Criteria Response at Week 52"). Said as they are they
push an answer's reading grade up; the answer says instead what the record allows without guessing:
"how many people had ASDAS-MI response". Only the record's own words are kept — a long name is replaced by
the short name the title itself gives for it, the time is said from the time frame, and a count or share of
people is said as "how many people". The sentence still cites the title line, so the reader sees the record's
words. A title that is already short is quoted as it is (``None`` here).
"""
from __future__ import annotations

import re

from assistant.textutil import content_terms

MAX_QUOTED_WORDS = 8  # a title this short (no short name in brackets, not a count of people) is quoted as it is
MIN_LONG_NAME = 5  # words of a name that its short name stands in for; shorter names stay ("Overall Survival (OS)")
STOP = {"with", "who", "of", "in", "for", "and", "or", "to", "at", "by", "on", "the", "a", "an", "from", "after",
        "achieving", "having", "showing", "experiencing", "reporting", "as", "vs", "versus"}
# "(ASDAS-MI)", "(ASAS40)", "(pCR)": a short name has two capitals or more and no spaces
SHORT_NAME = re.compile(r"\(([A-Za-z][\w/-]*)\)")
PEOPLE = (r"(?:subjects|participants|patients|people|persons|individuals|children|infants|babies|women|men|"
          r"adults|mothers|parents)")
# "Percentage of Subjects With …", "Number of Participants Who Achieve …": a count or share of people
HOW_MANY = re.compile(rf"^(?:the\s+)?(?:percentage|percent|proportion|number|count|rate|share)\s+of\s+{PEOPLE}\s+"
                      r"(?P<how>with|who had|who have|who|that|achieving|having|showing|experiencing|reporting|"
                      r"responding)\b\s*(?P<rest>.*)$", re.IGNORECASE)
VERBS = {"with": "had", "who had": "had", "who have": "had", "who": "", "that": "", "achieving": "achieved",
         "having": "had", "showing": "showed", "experiencing": "had", "reporting": "reported",
         "responding": "responded"}
PAST = {"achieve": "achieved", "have": "had", "had": "had", "experience": "had", "report": "reported",
        "reach": "reached", "respond": "responded", "complete": "completed", "develop": "developed",
        "require": "needed", "need": "needed", "remain": "remained", "are": "were", "is": "was"}
CHANGE = re.compile(r"^(?:mean\s+|absolute\s+)?change\s+(?:from\s+baseline\s+)?in\s+(?P<rest>.+)$", re.IGNORECASE)
# "… at Week 52", "… After 12 Weeks": the time, said from the outcome's time frame instead
TIME_TAIL = re.compile(r"[,:]?\s+(?:at|after|by|through|until|up to|over|during|in|on)\s+(?:the\s+)?(?:end\s+of\s+)?"
                       r"(?:\d+[\s-]*)?(?:week|day|month|year|hour|minute|cycle|visit|follow|baseline)\S*(?:\s+[\w-]+)?\s*$",
                       re.IGNORECASE)
# how it was measured or against what: the record's title keeps it (cited); the groups are said with the numbers
METHOD_TAIL = re.compile(r"\s*[(,]?\s*\b(?:as (?:measured|assessed|determined|defined|evaluated) by|assessed by|"
                         r"measured by|according to|compared (?:to|with)|vs\.?|versus)\b.*$", re.IGNORECASE)
ONE_THING = re.compile(r"\b(response|improvement|reduction|remission|relapse|recurrence|flare|event)$", re.IGNORECASE)
REPEAT = re.compile(r"\b(\w+) Criteria \1\b", re.IGNORECASE)  # "Response Criteria Response" → "Response"


def _capitals(word: str) -> str:
    """The letters a short name takes from a word: its initial and inner capitals ("SpondyloArthritis" → "SA",
    "Treatment-Emergent" → "TE")."""
    parts = [p for p in re.split(r"[-/]", word) if p]
    return "".join(p[0].upper() + "".join(ch for ch in p[1:] if ch.isupper()) for p in parts if p[0].isalpha())


def _stands_for(words: list[str], short: str) -> int:
    """How many of the last ``words`` the short name stands for: the nearest run, beginning with a word whose
    initial is the short name's first letter, whose capitals hold the short name's letters in order; 0 if none."""
    letters = [ch for ch in (short[:-1] if short.endswith("s") else short).upper() if ch.isalpha()]  # "TEAEs"
    for start in range(len(words) - 1, -1, -1):
        w = words[start]
        if not w or w.lower() in STOP or not (w[0].isupper() or w[0].isdigit()):
            return 0  # the name ends at a small word ("With", "of") or a lower-case one
        if w[0].upper() != letters[0]:
            continue
        caps = iter("".join(_capitals(x) for x in words[start:]))
        if all(ch in caps for ch in letters):  # a subsequence, in order
            return len(words) - start
    return 0


def _short_names(title: str) -> str:
    """A long name followed by its short name → the short name; a short name after a short name → dropped."""
    out = title
    for m in reversed(list(SHORT_NAME.finditer(title))):
        short = m.group(1)
        if sum(ch.isupper() for ch in short) < 2:
            continue
        words = out[:m.start()].rstrip().split(" ")
        n = _stands_for(words, short)
        if n >= MIN_LONG_NAME:
            out = " ".join([*words[:-n], short]) + out[m.end():]
        elif n:
            out = out[:m.start()].rstrip() + out[m.end():]
    return out


def _lower(text: str) -> str:
    """Title case to sentence case: "Pain Relief" → "pain relief", "Disease-Free" → "disease-free"; "ASDAS-MI",
    "SpondyloArthritis", "Ki67" stay."""
    def word(w: str) -> str:
        return "-".join(p.lower() if p[:1].isupper() and (p[1:].islower() or len(p) == 1) else p for p in w.split("-"))
    return " ".join(word(w) for w in text.split(" "))


def measure_words(title: str, has_time_frame: bool) -> str | None:
    """What an outcome measured, in plain words ("how many people had ASDAS-MI response"); None to quote the title.

    ``has_time_frame``: the answer says the time from the time frame, so a time at the title's end is left out.
    """
    t = " ".join(title.split()).rstrip(" .;")
    if len(t.split()) <= MAX_QUOTED_WORDS and not SHORT_NAME.search(t) and not HOW_MANY.match(t) \
            and not CHANGE.match(t):
        return None
    t = METHOD_TAIL.sub("", REPEAT.sub(r"\1", _short_names(t))) or t
    if has_time_frame:
        t = TIME_TAIL.sub("", t)
    if (m := HOW_MANY.match(t)) and m.group("rest"):
        verb, rest = VERBS[m.group("how").lower()], _lower(m.group("rest"))
        if verb == "had" and ONE_THING.search(rest) and not re.match(r"(a|an|the|any|at|no)\b", rest):
            rest = ("an " if rest[:1].lower() in "aeiou" or re.match(r"[AEFHILMNORSX][A-Z]", rest) else "a ") + rest
        if not verb:  # "Who Achieve Pain Relief": said in the past, as the study is over
            rest = re.sub(r"^(\w+)", lambda w: PAST.get(w.group(1).lower(), w.group(1)), rest)
        words = f"how many people {verb} {rest}" if verb else f"how many people {rest}"
    elif (m := CHANGE.match(t)):
        words = f"the change in {_lower(m.group('rest'))}"
    else:
        words = _lower(t)
    return " ".join(words.split()) or None


# "what counts as a response tho?", "how do they define relief?": what the study measures, as the record defines it
DEFINES_Q = re.compile(r"\bwhat (?:counts|counted|would count|qualifies) as\b|\bhow (?:do|did|does|will|would) (?:they|you|the study|it) "
                       r"(?:define|decide|judge|tell|know|work out)\b|\b(?:defin(?:e|ed|ition) of|what do they mean by|"
                       r"what is meant by)\b", re.IGNORECASE)
NOT_DEFINED = content_terms("counts count counted qualifies define defined definition mean meant decide judge tell know "
                            "work out tho though exactly actually")
