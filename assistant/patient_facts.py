"""What the person asking says about themselves (or the person they ask for): the facts an eligibility
check compares with a study's rules.

A number is an age only when the sentence says so ("I'm 52", "my daughter is 9", "a 9-year-old",
"aged 70", "can I join at 70?"): a BMI, a score, a dose or "two years ago" never is. Conditions,
treatments and measurements are found with the hand vocabulary (``assistant/vocab``) and, for a
condition it does not list, the words after "I have …"; anything said as absent ("I don't have
diabetes") is left out. Earlier user turns count too, the newest saying wins.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.eligibility_rules import months
from assistant.nearby import home_place
from assistant.textutil import content_terms
from assistant.vocab import vocabulary

_FEMALE_REL = {"daughter", "wife", "mother", "mom", "mum", "sister", "grandmother", "grandma", "girlfriend", "aunt",
               "niece", "stepdaughter", "granddaughter"}
_MALE_REL = {"son", "husband", "father", "dad", "brother", "grandfather", "grandpa", "boyfriend", "uncle", "nephew",
             "stepson", "grandson"}
_OTHER_REL = {"child", "kid", "baby", "partner", "spouse", "parent", "friend", "patient", "relative", "teen",
              "teenager", "toddler"}
RELATIONS = _FEMALE_REL | _MALE_REL | _OTHER_REL
_REL = "|".join(sorted(RELATIONS, key=len, reverse=True))
_NOT_AGE_AFTER = r"(?!\s*(?:%|kg|kilos?|lbs?|pounds|mg|mcg|g\b|ml|cm|mm|ft|feet|inches|weeks?|months?|days?|hours?|times|" \
                 r"points?|units?|/|\.\d|,\d|x\b|cigarettes|years?\s+ago|years?\s+since|years?\s+with|years?\s+of\b))"
_AGE_PATTERNS = (
    # "52 years old", "a 9-year-old", "52 yo"
    re.compile(r"\b(\d{1,3})\s*-?\s*(?:years?|yrs?)\s*-?\s*old\b|\b(\d{1,3})\s*(?:yo|y/o|y\.o\.)(?!\w)", re.IGNORECASE),
    # "aged 70", "at the age of 70", "turning 18", "age: 52"
    # (not "if I turn 65 while I'm in it": an age to come, during the study)
    re.compile(r"\b(?:aged?|at the age of|turning|turned|turn)\s*:?\s+(\d{1,3})\b" + _NOT_AGE_AFTER
               + r"(?![^.?!]{0,12}\b(?:while|during|before it|in the middle)\b)", re.IGNORECASE),
    # "I'm 52", "my daughter is 9", "she's 70"
    re.compile(r"(?:\b(?:i'?m|i am|he'?s|he is|she'?s|she is|they'?re|they are)|\bmy\s+(?P<rel>" + _REL + r")\s+(?:is|'s))"
               r"\s+(?:only\s+|just\s+|now\s+|almost\s+|nearly\s+|over\s+|under\s+)?(\d{1,3})\b(?:\s*(?:years?|yrs?)\b(?!\s+(?:ago|since)))?"
               + _NOT_AGE_AFTER, re.IGNORECASE),
    # "can I join at 70?"
    re.compile(r"\b(?:join|participate|take part|enrol+|be in it|qualify|eligible)\b[^.?!\d]{0,20}\bat\s+(\d{1,3})\s*(?=[?.!,]|$)",
               re.IGNORECASE),
    # "am I too old at 69?", "too young at 16 for it?"
    re.compile(r"\btoo (?:old|young)\b[^.?!\d]{0,12}\bat\s+(\d{1,3})\b" + _NOT_AGE_AFTER, re.IGNORECASE),
    # "29M here", "F, 34": an age with a sex letter, as people write it in forums
    re.compile(r"(?:^|(?<=[\s(,]))(\d{2})\s?[MF](?=[\s,.)!?/]|$)|(?:^|(?<=[\s(,]))[MF]\s?,?\s?(\d{2})(?=[\s,.)!?/]|$)"),
    # "is 68 too old for it?"
    re.compile(r"\b(\d{1,3})\s+(?:is\s+)?too (?:old|young)\b", re.IGNORECASE),
)
# a relative named, with any word before it ("could a baby who … be in it? I have asthma myself")
_FAMILY_WORD = re.compile(r"\b(?:" + "|".join(sorted(RELATIONS - {"patient", "friend", "relative"}, key=len, reverse=True))
                          + r")s?\b", re.IGNORECASE)
_MY_REL = re.compile(r"\b(?:my|our)\s+(?:\d{1,3}\s*-?\s*(?:(?:years?|yrs?)\s*-?\s*old|yo|y/o)\s+)?(?P<rel>" + _REL + r")\b",
                     re.IGNORECASE)
# "can my 15 year old join?": a child named by age alone
_MY_AGED = re.compile(r"\b(?:my|our)\s+\d{1,2}\s*-?\s*(?:(?:years?|yrs?)\s*-?\s*olds?|yo|y/o)\b", re.IGNORECASE)
_SELF = re.compile(r"\b(?:i'?m|i am|i have|i've|i had|i take|can i|could i|am i|do i|me)\b", re.IGNORECASE)
_ASKS_FOR_SELF = re.compile(r"\b(?:can|could|may|would|should|will) i\b|\bam i\b|\bdo i (?:qualify|fit|count)\b|"
                            r"\bmy \w+ and i\b|\bme and my\b", re.IGNORECASE)
_SELF_FEMALE = re.compile(r"\b(?:i'?m|i am|as)\s+an?\s+(?:[\w-]+\s+){0,3}(?:woman|female|girl|lady|mother|mom|mum)\b|\bi'?m\s+female\b"
                          r"|(?-i:(?:^|(?<=[\s(,]))\d{2}\s?F(?=[\s,.)!?/]|$))",
                          re.IGNORECASE)
_SELF_MALE = re.compile(r"\b(?:i'?m|i am|as)\s+an?\s+(?:[\w-]+\s+){0,3}(?:man|male|guy|boy|father|dad)\b|\bi'?m\s+male\b"
                        r"|(?-i:(?:^|(?<=[\s(,]))\d{2}\s?M(?=[\s,.)!?/]|$))", re.IGNORECASE)
_PRONOUN_FEMALE = re.compile(r"\b(?:she|her)\b", re.IGNORECASE)
_PRONOUN_MALE = re.compile(r"\b(?:he|him|his)\b", re.IGNORECASE)
_NEGATED = re.compile(r"\b(?:no|not|never|without|don'?t|doesn'?t|didn'?t|isn'?t|aren'?t|haven'?t|hasn'?t|free of|"
                      r"none|neither|nor|denies|denied|negative for|ruled out)\b(?:\W+\w+){0,3}\W*$", re.IGNORECASE)
# a relative's illness, not the person's ("her mother had breast cancer", "family history of diabetes")
_RELATIVE_BEFORE = re.compile(r"\b(?:family history|(?:his|her|my|their) (?:mother|father|mom|mum|dad|sister|brother|aunt|uncle|"
                              r"grandmother|grandfather|parents?|siblings?))\b[^.;]*$", re.IGNORECASE)
_CONDITION_PHRASE = re.compile(r"\b(?:(?:have|has|had)(?!\s+(?:been|to|got|gotten|done|tried|taken|me|him|her|us|them|you|"
                               r"no|not|never|any|nothing)\b)|got|diagnosed (?:me |him |her |them |us )?with|"
                               # "do they take people with Raynaud's?": the illness asked about, checked as the person's
                               r"(?:people|someone|somebody|anyone|anybody|patients?|kids|children|folks|those) with|"
                               # "I'm 31 with Sjogren's", "a 45 yo woman with lupus": an age, then the illness
                               r"\d{1,3}\s*(?:yo|y/o|-?\s*years?[- ]old|yrs?(?:[- ]old)?)?\s+(?:(?:wo)?man\s+|guy\s+|girl\s+|boy\s+)?with|"
                               r"suffer(?:s|ing)? from|living with|history of)\s+"
                               r"(?:a |an |the )?([a-z][a-z0-9 '\-]{2,48}?)"
                               r"(?=\s*(?:[,.?!;]|$|\bcan\b|\bcould\b|\bam\b|\bis\b|\bwould\b|\band\b|\bbut\b|\bdo\b|\bjoin\b|"
                               r"\bsince\b|\bfor\b|\blast\b|\brecently\b|\byears?\b|\btake part\b|\bparticipate\b|\bbe in\b|\bsign up\b|"
                               r"\btoo\b|\balso\b|\bas well\b|"
                               # ("diagnosed with fibromyalgia by my GP": the illness ends where who, where or when begins)
                               r"\bby\b|\bin\b|\bat\b|\bfrom\b|\bwhen\b|\babout\b|\bmy\b|\bwhich\b|\bthat\b|\bwho\b|\bso\b))", re.IGNORECASE)
# a medicine the vocabulary does not list, in the person's words: "i take verapamil every day", "she's on tacrolimus"
_TREATMENT_PHRASE = re.compile(r"\b(?:i|he|she|we|they)\s*(?:'m|'s|am|is|are|'ve been|ve been|have been|has been)?\s*"
                               r"(?:take|takes|taking|took|on|using|use|uses|used)\s+([a-z][a-z0-9\-]{4,30})\b(?!\s+(?:of|to|a|the|my|part|in|at)\b)", re.IGNORECASE)
# …not a medicine: "I'm on holiday", "she takes part", "I'm using the app"
_NOT_TREATMENTS = frozenset("part holiday holidays vacation leave break board call calls phone computer trains buses "
                            "about there these those their things something everything anything nothing medicine "
                            "medicines medication medications drugs pills tablets treatment treatments meds often "
                            "daily every twice three several both other another again still right first".split())
_NUMBER_UNIT = re.compile(r"\s*(?:is|was|of|=|:|at|around|about|~)?\s*(\d+(?:\.\d+)?)\s*"
                          r"(%|mg/dl|mmol/mol|mmol/l|ml/min(?:/1\.73\s*m2|/1\.73\s*m²)?|kg/m2|kg/m²|g/dl|u/l|kg|lbs?)?",
                          re.IGNORECASE)
_LOCATION = re.compile(r"\b(?:near|around|close to|lives? in|living in|based in|resident of|i'?m in|i am in|from|"
                       # "is it open to ppl in the UK?": asked for people where the person is
                       r"open to (?:people|ppl|patients|someone|anyone|residents|folks) (?:in|from|living in))\s+(?:the\s+)?"
                       r"([A-Z][\w.'-]+(?:[ ,]+[A-Z][\w.'-]+){0,3}|\d{5})")
PLANNED = frozenset({"planning_pregnancy"})  # what a person plans for later: when, against a rule's "within 6 months"
_LACKS = re.compile(r"\b(?:i|he|she|they|we)\s+(?:do not|don'?t|does not|doesn'?t|did not|didn'?t|have no|has no|"
                    r"haven'?t got|hasn'?t got)\s+(?:have\s+|got\s+)?(?:a |an |any |the )?([a-z][a-z '\-]{2,40}?)"
                    r"(?=\s*(?:[,.?!;—–]|$|\s-\s|\bthough\b|\bbut\b|\bso\b|\bcan\b|\bcould\b|\band\b|\bor\b|\byet\b))",
                    re.IGNORECASE)
# "would I have qualified?", "I'd have joined": "have" before a past participle, not an illness the person has
_MODAL_BEFORE = re.compile(r"\b(?:would|could|should|might|must|may|will|wo)(?:n'?t|\s+not)?(?:\s+(?:i|you|he|she|we|they|that|this|"
                           r"it))?\s*$|"
                           r"\b(?:i|you|he|she|we|they)'d\s*$", re.IGNORECASE)
_NOT_CONDITIONS = {"question", "questions", "kids", "children", "time", "child", "son", "daughter", "baby", "job",
                   "insurance", "car", "appointment", "doctor", "chance", "look", "idea"}
# when the person plans something ("in about 3 months", "next year", "sometime next year")
_AHEAD = re.compile(r"\bin\s+(?:about\s+|around\s+|roughly\s+|~\s*)?(?P<n>\d+(?:\.\d+)?|a|an|one|two|three|four|five|six|"
                    r"seven|eight|nine|ten|twelve|a few|a couple of)\s*(?P<unit>day|week|month|year|yr)s?\b|"
                    r"\bnext\s+(?P<next>week|month|year|spring|summer|fall|autumn|winter)\b", re.IGNORECASE)
_AGO = re.compile(r"\b(?P<n>\d+(?:\.\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve)\s*"
                  r"(?P<unit>day|week|month|year|yr)s?\s+ago\b|\blast\s+(?P<last>week|month|year)\b", re.IGNORECASE)
_TIME_WORDS = content_terms("a few years ago last year month months week weeks recently since now still yet it for long")


@dataclass
class Mention:
    """A condition or treatment the person named: the concept in the vocabulary, or their own words."""

    words: str  # as the person wrote it
    says: str  # how an answer names it
    concept: str = ""  # vocabulary key; "" when the vocabulary does not list it
    kind: str = "condition"  # condition | treatment
    months_ago: float | None = None  # "I stopped rituximab 8 months ago" → 8.0 (compared with a rule's time window)
    when: str = ""  # as the person said it ("8 months ago")
    mg: float | None = None  # "prednisone 30 mg a day" → 30.0 (compared with a rule's dose limit)
    months_ahead: float | None = None  # "want to get pregnant next year" → 12.0 (compared with "within 6 months")
    when_ahead: str = ""  # as the person said it ("next year")


@dataclass
class Measure:
    concept: str  # vocabulary key ("bmi", "egfr")
    says: str
    value: float
    unit: str = ""


@dataclass
class PatientFacts:
    age: float | None = None  # in years ("6 months old" is 0.5)
    age_said: str = ""  # the age as the person said it, when not in years ("6 months")
    whose: str = ""  # "" for the person asking; else the relation: "daughter"
    sex: str = ""  # "female" | "male" | ""
    pregnant: bool | None = None
    conditions: list[Mention] = field(default_factory=list)
    treatments: list[Mention] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    location: str = ""
    healthy: bool = False  # "she's totally healthy", "can healthy women join?": checked against healthy volunteers
    # what the person says they do not have ("I don't have French social security"): a rule to join that needs it
    lacks: list[Mention] = field(default_factory=list)
    # a relative named anywhere ("me and my husband both have asthma … our baby"): a rule on family history may be
    # about what they said
    relatives: bool = False

    def said_anything(self, where: bool = False, sex: bool = True) -> bool:
        """Any fact a rule can be checked against (``where``: where they live counts too; ``sex=False``: the sex
        a word such as "my husband" gives does not)."""
        return self.age is not None or bool((sex and self.sex) or self.healthy or self.conditions or self.treatments or self.measures
                                            or self.pregnant is not None or (where and self.location))

    @property
    def who(self) -> str:
        """'you' or 'your daughter': who the answer talks about."""
        return f"your {self.whose}" if self.whose else "you"


# "my baby is 6 months old", "a 3-week-old": a baby's age, in months or weeks
_BABY_AGE = re.compile(r"\b(\d{1,2})\s*-?\s*(months?|weeks?|mos?|wks?)\s*-?\s*old\b|"
                       # "my baby's 3 months", "she is just 5 weeks": an age without "old" after a baby or a pronoun
                       r"\b(?:baby|son|daughter|infant|newborn|she|he|kid|child)(?:'s|s| is)\s+(?:only\s+|just\s+|now\s+)?"
                       r"(\d{1,2})\s*(months?|weeks?|mos?|wks?)\b(?!\s+(?:ago|pregnant|premature|early|late|along|in\b))",
                       re.IGNORECASE)
_UNIT_YEARS = {"m": 1 / 12, "w": 1 / 52.18}


# "prednisone 30 mg", "30mg of prednisone": a dose said beside a treatment
_MG_AFTER = re.compile(r"\s*(?:at|of|:|,|-|\()?\s*(\d+(?:\.\d+)?)\s*(?:mg|milligrams?)\b", re.IGNORECASE)
_MG_BEFORE = re.compile(r"\b(\d+(?:\.\d+)?)\s*(?:mg|milligrams?)\s*(?:of\s+|a day of\s+)?$", re.IGNORECASE)


def _baby_age(text: str) -> tuple[float, str] | None:
    m = _BABY_AGE.search(text)
    if not m:
        return None
    n, unit = (int(m.group(1)), m.group(2).lower()) if m.group(1) else (int(m.group(3)), m.group(4).lower())
    word = "month" if unit.startswith("m") else "week"
    return n * _UNIT_YEARS[unit[0]], f"{n} {word}{'s' if n != 1 else ''}"


# "breastfeeding my 4 month old": a baby named by its age alone
_MY_BABY_AGED = re.compile(r"\b(?:my|our)\s+\d{1,2}\s*-?\s*(?:months?|weeks?|mos?|wks?)\s*-?\s*old\b", re.IGNORECASE)
_SELF_BEFORE = re.compile(r"\b(?:i'?m|im|i am)\s+(?:an?\s+)?$", re.IGNORECASE)


def _age(text: str) -> tuple[float | None, str]:
    """(age, relation it belongs to) from one text."""
    for pattern in _AGE_PATTERNS:
        for m in pattern.finditer(text):
            digits = next((g for g in m.groups() if g and g.isdigit()), None)
            if digits is None or int(digits) > 120:
                continue
            rel = (m.groupdict().get("rel") or "").lower()
            if not rel and (re.match(r"i'?m\b|i am\b", m.group(0), re.IGNORECASE)
                            or _SELF_BEFORE.search(text[max(0, m.start() - 12):m.start()])):
                # "I'm 58, my lupus went to my kidneys", "I'm a 31 yo woman … my partner and I": the asker's own age
                return float(digits), ""
            if not rel:  # "my 9-year-old daughter", "can my son join at 12?"
                window = text[max(0, m.start() - 12):m.end() + 25]
                after = _MY_REL.search(window)
                if after and window[after.end():after.end() + 1].isalpha():
                    after = None  # "my kid" cut out of "my kidneys" at the window's end
                named = _MY_REL.search(text)
                rel = (after.group("rel") if after else named.group("rel") if named and not
                       re.match(r"i'?m|i am", m.group(0), re.IGNORECASE) else "").lower()
            return float(digits), rel
    return None, ""


def _ago(text: str, start: int, end: int) -> tuple[float, str] | None:
    """How long ago the person had what is named at ``start:end``, when the same sentence says it ("had rituximab 8
    months ago", "my last dose of humira was two years ago", "last year I was on prednisone")."""
    left = max(text.rfind(c, 0, start) for c in ".;!?") + 1
    right = min([i for i in (text.find(c, end) for c in ".;!?") if i >= 0] or [len(text)])
    sentence_ = text[left:right]
    at = start - left
    found = [(abs(m.start() - at), m) for m in _AGO.finditer(sentence_)]
    if not found:
        return None
    return _months_ago(min(found, key=lambda t: t[0])[1])


_WORD_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "twelve": 12, "a few": 3, "a couple of": 2}
_UNIT_MONTHS = {"day": 1 / 30.4, "week": 1 / 4.35, "month": 1.0, "year": 12.0, "yr": 12.0}


def _ahead(text: str) -> tuple[float, str] | None:
    """How far ahead the person plans what they name ("in about 3 months" → 3.0, "next year" → 12.0)."""
    m = _AHEAD.search(text)
    if m is None:
        return None
    if m.group("next"):
        unit = m.group("next").lower()
        return {"week": 0.25, "month": 1.0}.get(unit, 12.0 if unit == "year" else 6.0), m.group(0)
    n = m.group("n").lower()
    amount = float(n) if n[0].isdigit() else float(_WORD_NUMBERS.get(n, 1))
    return amount * _UNIT_MONTHS[m.group("unit").lower()], m.group(0)


def _months_ago(m: re.Match[str]) -> tuple[float, str]:
    """(months, as said) of one ``_AGO`` match: "8 months ago" → (8.0, …), "last year" → (12.0, …)."""
    months_ = months("1", m.group("last")) if m.group("last") else months(m.group("n"), m.group("unit"))
    return months_, m.group(0)


def _clause_before(text: str, start: int) -> str:
    """The words of the clause before ``start`` ("I don't have diabetes but I smoke": "I smoke" is not negated)."""
    return re.split(r"[.;!?]|\bbut\b", text[:start])[-1]


def _negated(text: str, start: int, whose: str = "") -> bool:
    """Said as absent, or as someone else's (not of ``whose``, the relative the question is about: "my father had a
    heart attack …, could he join?" is his own)."""
    clause = _clause_before(text, start)
    relative = _RELATIVE_BEFORE.search(clause)
    return bool(_NEGATED.search(clause) or (relative and not (whose and whose in relative.group(0).lower())))


def _sex(text: str, whose: str) -> str:
    if whose:
        return "female" if whose in _FEMALE_REL else "male" if whose in _MALE_REL else ""
    if _SELF_FEMALE.search(text) or re.search(r"\bi'?m pregnant\b|\bi am pregnant\b", text, re.IGNORECASE):
        return "female"
    if _SELF_MALE.search(text):
        return "male"
    if not _SELF.search(text):  # "can she join?"
        female, male = bool(_PRONOUN_FEMALE.search(text)), bool(_PRONOUN_MALE.search(text))
        return "female" if female and not male else "male" if male and not female else ""
    return ""


# "I'm healthy", "she's totally healthy", "can healthy women join?" (not "healthy volunteers" as a study's word)
_HEALTHY = re.compile(r"\b(?<!not )(?<!un)healthy\b(?!\s+volunteers?\b)|\bno (?:health|medical) (?:problems|issues|conditions)\b",
                      re.IGNORECASE)


def _read(text: str, facts: PatientFacts) -> None:
    """Add what one text says to ``facts`` (a later text overrides an earlier one)."""
    facts.healthy = facts.healthy or bool(_HEALTHY.search(text))
    age, rel = _age(text)
    baby = _baby_age(text) if age is None else None
    my_baby = bool(_MY_BABY_AGED.search(text))
    if baby is not None and my_baby and _ASKS_FOR_SELF.search(text):
        pass  # "im breastfeeding my 4 month old, can i still join?": the baby's age, and the asker asks for themselves
    elif baby is not None:  # "my baby is 6 months old"
        facts.age, facts.age_said = baby
        facts.whose = facts.whose or (m.group("rel").lower() if (m := _MY_REL.search(text)) else
                                      "baby" if my_baby else "")
    elif age is not None:
        facts.age, facts.whose = age, rel or ("child" if _MY_AGED.search(text) else "")  # "my 15 year old"
    elif not facts.whose and (m := _MY_REL.search(text)) and not _ASKS_FOR_SELF.search(text):
        facts.whose = m.group("rel").lower()  # "can my husband join?", not "my husband and I … can I sign up?"
    facts.sex = _sex(text, facts.whose) or facts.sex
    facts.relatives = facts.relatives or bool(_FAMILY_WORD.search(text))
    vocab = vocabulary()
    covered: list[tuple[int, int]] = []
    for hit in vocab.find(text):
        covered.append((hit.start, hit.end))
        for key in sorted(hit.concepts):
            c = vocab.concepts[key]
            if c.kind == "side_effect":  # how a side effect is said ("redness"): for results, not a person's fact
                continue
            if c.kind == "measure":
                m = _NUMBER_UNIT.match(text, hit.end)
                if m and not _negated(text, hit.start, facts.whose):
                    facts.measures = [x for x in facts.measures if x.concept != key]
                    facts.measures.append(Measure(key, c.says, float(m.group(1)), (m.group(2) or "").lower()))
                continue
            if _negated(text, hit.start, facts.whose):
                if key == "pregnancy":
                    facts.pregnant = False
                elif _NEGATED.search(_clause_before(text, hit.start)) \
                        and all(x.concept != key for x in facts.lacks):
                    facts.lacks.append(Mention(text[hit.start:hit.end], c.says, key, c.kind))
                continue
            if key == "pregnancy":
                facts.pregnant = True
                facts.sex = facts.sex or "female"
            target = facts.treatments if c.kind == "treatment" else facts.conditions
            known = next((x for x in target if x.concept == key), None)
            if known is not None and known.months_ago is None and (again := _ago(text, hit.start, hit.end)):
                # "cellcept and benlysta both failed. my last benlysta infusion was 3 weeks ago": when, said later
                known.months_ago, known.when = again
            if known is None:
                ago = _ago(text, hit.start, hit.end)
                # (the dose said after the name first: "plaquenil 200mg and prednisone 15mg" gives prednisone 15)
                dose = (_MG_AFTER.match(text, hit.end) or _MG_BEFORE.search(text[max(0, hit.start - 16):hit.start])) \
                    if c.kind == "treatment" else None
                months_ago, when = ago or (None, "")
                ahead = _ahead(text) if key in PLANNED else None
                target.append(Mention(hit.phrase, c.says, key, c.kind, months_ago, when,
                                      mg=float(dose.group(1)) if dose else None,
                                      months_ahead=ahead[0] if ahead else None, when_ahead=ahead[1] if ahead else ""))
    for m in _CONDITION_PHRASE.finditer(text):  # a condition the vocabulary does not list: the person's words
        words = m.group(1).strip()
        terms = content_terms(words) - _TIME_WORDS
        if _MODAL_BEFORE.search(text[:m.start()]) or any(s < m.end(1) and m.start(1) < e for s, e in covered) or not terms or re.search(r"\d", words) \
                or words.lower() in _NOT_CONDITIONS or _negated(text, m.start(), facts.whose) or words.split()[0].lower() in RELATIONS:
            continue
        if all(x.words.lower() != words.lower() for x in facts.conditions):
            facts.conditions.append(Mention(words, words))
    for m in _TREATMENT_PHRASE.finditer(text):
        words = m.group(1)
        if words.lower() in _NOT_TREATMENTS or any(s < m.end(1) and m.start(1) < e for s, e in covered) \
                or _negated(text, m.start(), facts.whose) or any(x.words.lower() == words.lower() for x in facts.treatments):
            continue
        facts.treatments.append(Mention(words, words, kind="treatment"))
    for m in _LACKS.finditer(text):  # "I don't have French social security": in the person's words
        words = m.group(1).strip(" '-")
        if not any(s < m.end(1) and m.start(1) < e for s, e in covered) and content_terms(words) \
                and all(x.words.lower() != words.lower() for x in facts.lacks):
            facts.lacks.append(Mention(words, words))
    loc = _LOCATION.search(text)
    if loc:
        facts.location = re.split(r"[.!?]\s", loc.group(1))[0].strip(" ,.")  # "Toronto. Is it …" → "Toronto"
    else:  # "i live in manchester uk": a place typed in lower case, when the gazetteer knows it (a turn that
        # names no place keeps the one said before)
        facts.location = home_place(text) or facts.location


_NUMBER_WORDS = content_terms("one two three four five six seven eight nine ten twelve few several couple")


def named_illnesses(text: str) -> set[str]:
    """The stems of the illnesses and medicines the person names in their own words ("my partner was diagnosed with
    non small cell lung cancer three weeks ago" → non, small, cell, lung, cancer), vocabulary terms or not: what a
    long personal question is about, among all its other words."""
    words = [hit.phrase for hit in vocabulary().find(text)
             if any(vocabulary().concepts[k].kind in ("condition", "treatment") for k in hit.concepts)]
    words += [m.group(1) for m in _CONDITION_PHRASE.finditer(text)]
    return {t for t in content_terms(" ".join(words)) - _TIME_WORDS - _NUMBER_WORDS if not t.isdigit()}


# asking to take part, in any words: "can I sign up through here?", "is this taking patients?", "anything I'm allowed to
# join?" (one pattern for every place that asks it)
ASKS_TO_JOIN_RE = re.compile(r"\b(?:join|sign(?:ing)? ?up|enrol+(?:ing|ment)?|take part|participate|volunteer|allowed|"
                             r"eligible|qualify|(?:taking|accepting|looking for|recruiting) (?:patients|people|volunteers|"
                             r"participants)|recruiting|get in|get into)\b", re.IGNORECASE)
_SPEAKS_OF_SOMEONE = re.compile(r"\b(?:i|i'?m|im|i'?ve|my|me|we|our|us|he|she|his|her|him)\b", re.IGNORECASE)


def speaks_of_someone(text: str) -> bool:
    """Whether the text says something of the asker or someone they know ("I live in Toronto", "my son"), not
    only of the study ("Who can join this lupus nephritis trial?")."""
    return bool(_SPEAKS_OF_SOMEONE.search(text))


def patient_facts(question: str, history: Sequence[str] = ()) -> PatientFacts:
    """The person's facts from the question and the earlier user turns (oldest first); a turn about someone else
    than the turns before it ("I have lupus …" then "my sister is pregnant but healthy, can she join?") starts over."""
    facts = PatientFacts()
    for text in [*history, question]:
        if facts.said_anything(sex=False):  # (nothing said before: nothing to start over from)
            alone = PatientFacts()
            _read(text, alone)
            # (someone named anew: "my sister …" after the asker's own facts, or "can I …" after a relative's; "she"
            # or "her" goes on with the person before)
            someone_else = (alone.whose and alone.whose != facts.whose) or (
                not alone.whose and facts.whose and _ASKS_FOR_SELF.search(text))
            if someone_else and alone.said_anything(sex=False):
                facts = PatientFacts()
        said_before = [*facts.treatments, *facts.conditions]
        _read(text, facts)
        ago = _AGO.search(text)
        if ago and said_before and not vocabulary().find(text):
            # "what if it was two years ago?": when, for what the person named last
            last = said_before[-1]
            last.months_ago, last.when = _months_ago(ago)
    return facts
