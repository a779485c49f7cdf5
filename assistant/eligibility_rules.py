"""Reading one criterion's words: the ages it sets, the thresholds it puts on a measurement, whether a
term in it is negated ("No sacroiliitis", "other than basal cell carcinoma") or qualified ("clinically
significant", "within 5 years": only the study team can tell whether it applies)."""
from __future__ import annotations

import operator
import re
from collections.abc import Callable

_YEARS = r"\s*\)?\s*(?:years?|yrs?)\b"
_AGE_RANGE = re.compile(r"(\d{1,3})\s*(?:-|–|to|and)\s*(\d{1,3})" + _YEARS, re.IGNORECASE)
_AGE_MIN = re.compile(r"(?:≥|>=|=>|>|at least|aged?\s*(?:≥|>=|over|above)?|older than|over|above)\s*\(?(\d{1,3})" + _YEARS
                      + r"|(\d{1,3})" + _YEARS + r"(?:\s+(?:of age|old))?\s*(?:or|and)\s*(?:older|over|above)", re.IGNORECASE)
_AGE_MAX = re.compile(r"(?:≤|<=|=<|<|up to|no older than|not older than|younger than|under|below)\s*\(?(\d{1,3})" + _YEARS
                      + r"|(\d{1,3})" + _YEARS + r"(?:\s+(?:of age|old))?\s*(?:or|and)\s*(?:younger|under|less)", re.IGNORECASE)
# words before an age that make it someone else's or a disease's ("onset prior to 50 years of age")
_NOT_PERSON_AGE = re.compile(r"onset|diagnos|history|prior|before|since|duration|relative|family|after|within|ago|"
                             r"symptom|menopaus|first-degree|child(?:ren)? (?:aged|under)|born|months? of age|pregnan",
                             re.IGNORECASE)
# (not "… and not planned for irradiation": a plan for the lesion, not the person's history of it)
_NEAR_NEGATION = re.compile(r"\b(?:no|not(?!\s+(?:planned|scheduled|intended|expected|anticipated)\b)|never|without|free of|"
                            r"absence of|negative for|other than|except|excluding|non)\b(?:\W+[\w/+-]+){0,3}\W*$", re.IGNORECASE)
# a rule that opens with "No" negates the treatments of its whole first sentence: "No prior therapy for metastatic ALK+
# NSCLC including therapy with ALK inhibitors" (not the illness the therapy was for; not "No more than 2 prior lines …",
# a limit)
_RULE_NEGATED = re.compile(r"^\W*(?:\d+[.)]\s*)?(?:no|never|without)\b(?!\s+(?:more|less|fewer|longer|greater|later|earlier)\b)"
                           r"[^.;:]*$", re.IGNORECASE)
_FAR_NEGATION = re.compile(r"\b(?:no|not|never|without|other than|except|excluding)\b", re.IGNORECASE)
_OTHER_THAN = re.compile(r"\((?:[^()]*\b(?:other than|except|excluding)\b[^()]*)$", re.IGNORECASE)
QUALIFIED = re.compile(r"\b(?:clinically (?:significant|relevant)|significant|uncontrolled|unstable|severe|active|acute|"
                       r"recent|within|requiring|requires|poorly controlled|untreated|symptomatic|opinion|judge?ment|"
                       r"would|might|may|in the (?:past|last)|prior to screening|class\s+I{1,3}V?|grade\s*\d|stage\s*[IV\d])\b",
                       re.IGNORECASE)
# "If an acute myocardial infarction has ensued in the past 6 months, successful reperfusion has to be documented":
# a rule that names the thing only to ask more of those who have it, not to keep them out
CONDITIONAL = re.compile(r"^\W*(?:if|when|in case|where)\b[^.;]{3,200}?,\s*\w", re.IGNORECASE)
FAMILY = re.compile(r"\bfamily history\b|\brelatives?\b|\bhousehold member\b|\bpartner\b", re.IGNORECASE)
_COMPARE = re.compile(r"^[^\d;\[\]]{0,30}?(≥|>=|=>|≤|<=|=<|>|<|greater than or equal to|less than or equal to|greater than|"
                      r"more than|less than|above|below|over|under|at least|at most|between|of)\s*(\d+(?:\.\d+)?)"
                      r"(?:\s*(?:and|to|-|–)\s*(\d+(?:\.\d+)?))?", re.IGNORECASE)
_RANGE = re.compile(r"^\s*(?:of\s*|:\s*)?(\d+(?:\.\d+)?)\s*(?:-|–|to)\s*(\d+(?:\.\d+)?)")
_OPS: dict[str, Callable[[float, float], bool]] = {
    "≥": operator.ge, ">=": operator.ge, "=>": operator.ge, "at least": operator.ge, "greater than or equal to": operator.ge,
    "≤": operator.le, "<=": operator.le, "=<": operator.le, "at most": operator.le, "less than or equal to": operator.le,
    ">": operator.gt, "greater than": operator.gt, "more than": operator.gt, "above": operator.gt, "over": operator.gt,
    "<": operator.lt, "less than": operator.lt, "below": operator.lt, "under": operator.lt}


# "age ≥2 weeks to 4 months": a baby's ages, each with its own unit, in years
_BABY_RANGE = re.compile(r"\bage[ds]?\s*(?:of\s*|from\s*|between\s*|≥|>=|:)?\s*(\d{1,2})\s*(days?|weeks?|wks?|months?)\s*"
                         r"(?:-|–|to|and)\s*(\d{1,2})\s*(days?|weeks?|wks?|months?)", re.IGNORECASE)
_IN_YEARS = {"d": 1 / 365.25, "w": 1 / 52.18, "m": 1 / 12}


def age_bounds(text: str, section: str) -> tuple[float | None, float | None] | None:
    """The ages a criterion allows, as (lowest, highest): "Women or men 18 to 65 years of age" → (18, 65);
    in an exclusion, "Under 19 years old" → (19, None). None when it sets no age of the person."""
    def person(m: re.Match[str]) -> bool:
        return not _NOT_PERSON_AGE.search(text[:m.start()]) and not _NOT_PERSON_AGE.search(text[m.end():m.end() + 25])
    baby = _BABY_RANGE.search(text)
    if baby and section != "exclusion":
        return (int(baby.group(1)) * _IN_YEARS[baby.group(2)[0].lower()],
                int(baby.group(3)) * _IN_YEARS[baby.group(4)[0].lower()])
    r = _AGE_RANGE.search(text)
    if r and person(r) and int(r.group(1)) < int(r.group(2)):
        return (float(r.group(1)), float(r.group(2))) if section != "exclusion" else None
    low = next((m for m in _AGE_MIN.finditer(text) if person(m)), None)
    high = next((m for m in _AGE_MAX.finditer(text) if person(m)), None)
    lo = float(low.group(1) or low.group(2)) if low else None
    hi = float(high.group(1) or high.group(2)) if high else None
    if lo is None and hi is None:
        return None
    return (lo, hi) if section != "exclusion" else (hi, lo)  # excluded when younger than hi / older than lo


def negation(text: str, start: int, treatment: bool = False) -> str:
    """"near" when a negation governs the term at ``start`` ("No sacroiliitis"), "except" when the term is in the
    rule's own exception ("(other than …)"), "far" when a negation comes earlier in the rule and may or may not
    govern it, "" when none does."""
    before = text[:start]
    if _OTHER_THAN.search(before):
        return "except"  # "previously untreated (excluding … palliative radiotherapy)": the rule exempts it
    if _NEAR_NEGATION.search(before) or (treatment and _RULE_NEGATED.search(before)):
        return "near"
    return "far" if _FAR_NEGATION.search(before) else ""


def threshold(text: str, end: int) -> Callable[[float], bool] | None:
    """The test a measurement must pass, read just after its name ends at ``end``: "eGFR < 60" → value < 60."""
    rest = text[end:end + 80]
    m = _RANGE.match(rest)
    if m:
        lo, hi = float(m.group(1)), float(m.group(2))
        return lambda v: lo <= v <= hi
    m = _COMPARE.match(rest)
    if not m:
        return None
    word, a = m.group(1).lower(), float(m.group(2))
    if word == "between" and m.group(3):
        b = float(m.group(3))
        return lambda v: a <= v <= b
    if word == "of" and m.group(3):
        b = float(m.group(3))
        return lambda v: a <= v <= b
    op = _OPS.get(word)
    return (lambda v: op(v, a)) if op else None


_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "twelve": 12, "eighteen": 18, "twenty-four": 24}
_UNIT_MONTHS = {"day": 1 / 30.4, "week": 12 / 52.18, "month": 1.0, "mo": 1.0, "year": 12.0, "yr": 12.0}
_AMOUNT = r"(\d+(?:\.\d+)?|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")\s*(day|week|month|mo|year|yr)s?\b"
# "within 1 yr before treatment", "in the last 6 months", "during the 3 months prior to screening"
_WINDOW = re.compile(r"\b(?:within|in|during)\s+(?:the\s+)?(?:last\s+|past\s+|previous\s+|preceding\s+)?" + _AMOUNT +
                     r"|\b" + _AMOUNT + r"\s+(?:before|prior)", re.IGNORECASE)


def months(amount: str, unit: str) -> float:
    """"8", "month" → 8.0; "one", "yr" → 12.0."""
    n = float(amount) if amount[:1].isdigit() else float(_NUMBER_WORDS[amount.lower()])
    return n * _UNIT_MONTHS[unit.lower()]


_UNIT_WORDS = {"yr": "year", "mo": "month", "wk": "week"}


def time_window(text: str, start: int) -> tuple[float, str] | None:
    """The time before the study a rule looks back over, read after the term at ``start`` ("rituximab … within 1
    yr before treatment" → (12.0, "within 1 yr")); None when it sets none."""
    m = _WINDOW.search(text, start)
    if m is None:
        return None
    amount, unit = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    # said in plain words: "within 1 yr" → "within 1 year", "within 6 mo." → "within 6 months"
    words = re.sub(r"\b(\d+(?:\.\d+)?)\s*(yrs?|mos?\.?|wks?)(?=\W|$)",
                   lambda u: f"{u.group(1)} {_UNIT_WORDS[u.group(2).rstrip('.s').lower()]}"
                   f"{'' if u.group(1) == '1' else 's'}", m.group(0).strip())
    return months(amount, unit), words


# "prednisone (or prednisone-equivalent) (<= 20 mg daily)": a rule's dose limit (not one per kg of body weight)
_DOSE_LIMIT = re.compile(r"(<=|≤|=<|<|up to|no more than|not more than|maximum of|max\.?|>=|≥|>|more than|greater than|"
                         r"at least)\s*(\d+(?:\.\d+)?)\s*(?:mg|milligrams?)\b(?!\s*(?:/|per)\s*kg)", re.IGNORECASE)
_AT_MOST = ("<=", "≤", "=<", "no more than", "not more than", "maximum of", "max", "max.")


def dose_limit(text: str, start: int) -> tuple[Callable[[float], bool], str] | None:
    """The dose limit a rule sets just after a treatment's name (at ``start``): the test a dose in mg passes,
    and the limit in words ("at most 20 mg")."""
    m = _DOSE_LIMIT.search(text, start, start + 80)
    if m is None:
        return None
    word, mg = m.group(1).lower(), float(m.group(2))
    if word in ("<", "up to") or word in _AT_MOST:
        strict = word == "<"
        return (lambda v: v < mg) if strict else (lambda v: v <= mg), f"{'under' if strict else 'at most'} {mg:g} mg"
    strict = word in (">", "more than", "greater than")
    return (lambda v: v > mg) if strict else (lambda v: v >= mg), f"{'over' if strict else 'at least'} {mg:g} mg"
