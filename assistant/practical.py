"""Practical questions a record rarely answers (payment, parking, where to buy): what they ask, and whether an
answer names it. A quote answers one only when it names the same thing: a sentence about travelling to the
clinic does not say whether travel is paid for, nor one about a patch where to buy it."""
from __future__ import annotations

import re

# (what the question asks, what an answer to it must name)
PRACTICAL: tuple[tuple[re.Pattern, re.Pattern], ...] = tuple((re.compile(asked, re.I), re.compile(says, re.I)) for asked, says in (
    (r"\b(paid|pay|pays|paying|payment|compensat\w*|money|stipend|reimburs\w*|costs?|free|charged?|insurance|afford\w*|"
     r"price|expens\w*|tickets?|fares?|mileage|taxis?|cabs?|uber|gas money|parking fees?|"
     r"travel (?:costs?|expenses|money)|cover\w* (?:my |the |our |your )?(?:travel|trips?|transport\w*|flights?|bills?))\b",
     r"\b(paid|pay|payment|compensat\w*|stipend|reimburs\w*|costs?|free of charge|no charge|charged?|insurance|"
     r"social security|health (?:coverage|plan)|medicaid|medicare|"
     r"expens\w*|price|financial)\b"),
    (r"\b(parking|childcare|child care|babysit\w*|meals?|overnight|hotel|accommodation|inpatient|"
     r"stay (?:in|at) (?:the )?hospital|hospital stay|admitted|nights? in (?:the )?hospital)\b",
     r"\b(parking|childcare|child care|babysit\w*|meals?|overnight|hotel|accommodation|inpatient|hospitali[sz]\w*|"
     r"admitted|admission|stay (?:in|at) (?:the )?hospital|hospital stay|nights?)\b"),
    (r"\b(pharmac\w+|drugstore|buy|sold|on the market|prescribe)\b|\b(?:is it|is the \w+(?: \w+){0,3}|been|get|got|"
     r"it) approved\b|\bapproved (?:now|yet|by the fda|by fda|in the)\b|\bfda\b",
     r"\b(pharmac\w+|drugstore|buy|sold|market\w*|prescri\w+|approv\w+|commercially)\b"),
    # "is the app in Spanish?", "do they have interpreters?": only a quote naming a language or interpreting answers it
    # ("in plain English" asks for simple words, not a language)
    # (a language spoken, read or written in; not a study pointed at by its country, "the Spanish one", nor a thing of
    # the country, "French social security")
    (r"\b(?:in|speaks?|speaking|spoke|reads?|understands?|only|into)\s+(?:spanish|french|chinese|mandarin|arabic|"
     r"portuguese)\b|\b(?:speaks?|speaking|spoke|understands?)\s+(?:\w+\s+)?english\b|\bparle\b|\bhabla\b|\b(?:spanish|french|chinese|mandarin|arabic|portuguese)[\s-]+(?:version|forms?|materials?|speak\w*|"
     r"interpret\w*|translat\w*|questionnaires?|surveys?|app|paperwork|documents?|consent)\b|"
     r"\b(?:languages?|translat\w*|interpreters?|bilingual)\b|\b(?:spanish|french|chinese|mandarin|arabic|portuguese)\W*$",
     r"\b(spanish|english|french|chinese|mandarin|arabic|portuguese|languages?|translat\w*|interpret\w*|"
     r"bilingual)\b"),
    # "does the study set up a ride?", "is there a shuttle?": getting there, only a quote naming transport answers
    (r"\b(rides?|lifts?|shuttles?|transport\w*|drivers?|pick (?:me|him|her|us) up|taxis?|cabs?|uber)\b",
     r"\b(rides?|shuttles?|transport\w*|drivers?|taxis?|cabs?|travel\w*)\b"),
    # "is the hospital wheelchair accessible?": only a quote naming access for disabled people answers
    (r"\b(wheelchairs?|accessible|accessibility|disabled|disabilit\w*|handicap\w*|elevators?|lifts?|ramps?|"
     r"mobility)\b",
     r"\b(wheelchairs?|accessib\w*|disabled|disabilit\w*|handicap\w*|elevators?|ramps?|mobility)\b"),
    # "does the patch hurt?": how it feels, only a quote naming pain or discomfort answers
    (r"\b(hurts?|hurting|painful|sting|stings|uncomfortable)\b",
     r"\b(pain\w*|hurt\w*|discomfort|sting\w*|irritat\w*|erythema|tolerab\w*|reactions?)\b"),
    # "what colour are the pills?": a look or taste only a quote naming it answers
    (r"\b(colou?rs?|shapes?|tastes?|flavou?rs?|smells?)\b", r"\b(colou?r\w*|shape\w*|tast\w*|flavou?r\w*|smell\w*)\b"),
    # "what brand did they use? mylicon?": only a brand or maker named answers it, not the drug's own name
    (r"\b(brand|brands|brand-name|made by|maker|manufactur\w*)\b",
     r"\b(brand\w*|made by|manufactur\w*|®|™)|\(R\)"),
))
# an amount asked in a unit ("what is dose A in mg?"): only a number in such a unit answers it
AMOUNT_ASKED = re.compile(r"\b(?:in|how many|how much|what)\s+(?:mg|milligrams?|ml|millilit\w+|mcg|micrograms?)\b",
                          re.IGNORECASE)
AMOUNT_SAID = re.compile(r"\d\s*(?:mg|ml|mcg|µg|milligrams?|millilit\w+|micrograms?)\b", re.IGNORECASE)


def gives_the_amount(question: str, answer: str) -> bool:
    """False when the question asks for an amount in a unit and the answer gives none."""
    return not AMOUNT_ASKED.search(question) or bool(AMOUNT_SAID.search(answer))

# intents whose composed answer describes the treatment or the study (or its sites: "where can I buy it?" is not
# where the study runs), and so answers no practical question
ABOUT_THE_TREATMENT = frozenset({"treatment", "arms", "overview", "time_in_study", "design", "outcomes", "where"})


def asks_practical(question: str) -> bool:
    """Whether the question asks a practical thing (payment, parking, where to buy, a language, …)."""
    return any(asked.search(question) for asked, _ in PRACTICAL)


def names_what_is_asked(question: str, quotes: list[str]) -> bool:
    """False when the question asks a practical thing (payment, parking, where to buy) no quote names."""
    return all(any(says.search(q) for q in quotes) for asked, says in PRACTICAL if asked.search(question))
