"""The person's facts from what they wrote: a number is an age only when the sentence says so."""
from __future__ import annotations

import pytest

from assistant.patient_facts import patient_facts


@pytest.mark.parametrize("question,age,whose", [
    ("can I join if I'm 52 and have diabetes?", 52, ""),
    ("I am 52 years old", 52, ""),
    ("Can I join at 70?", 70, ""),
    ("my daughter is 9, can she join?", 9, "daughter"),
    ("my 9-year-old son has asthma", 9, "son"),
    ("Can a 68-year-old with lupus nephritis join?", 68, ""),
    ("I'm a 45 year old woman with lupus", 45, ""),
    ("aged 30, could I take part?", 30, ""),
    ("I've had cluster headaches for 3 years, I'm 40", 40, ""),
])
def test_ages_said_as_ages(question, age, whose):
    facts = patient_facts(question)
    assert facts.age == age and facts.whose == whose


@pytest.mark.parametrize("question", [
    "I have a BMI of 31, can I join?",
    "my BMI is 31",
    "my hSLEDAI score is 6, can I join?",
    "I was diagnosed two years ago, can I join?",
    "I had cancer 5 years ago",
    "I've had it for 3 years",
    "I take 20 mg of prednisone",
    "my eGFR is 40",
    "is it 12 weeks long?",
    "I smoke 10 cigarettes a day",
])
def test_numbers_that_are_not_ages(question):
    assert patient_facts(question).age is None


def test_whose_facts_and_their_sex():
    facts = patient_facts("my daughter is 9, can she join?")
    assert (facts.whose, facts.sex, facts.who) == ("daughter", "female", "your daughter")
    assert patient_facts("I'm a 45 year old woman").sex == "female"
    assert patient_facts("can my husband join? he is 60").sex == "male"
    assert patient_facts("can I join? I'm 52").sex == ""  # nothing said about sex


def test_conditions_treatments_and_synonyms():
    facts = patient_facts("I have high blood pressure and take metformin for my type 2 diabetes")
    assert {m.concept for m in facts.conditions} == {"hypertension", "diabetes"}
    assert [m.concept for m in facts.treatments] == ["metformin"]
    free = patient_facts("I'm 30 and I have a bad knee")
    assert [m.words for m in free.conditions] == ["bad knee"] and free.conditions[0].concept == ""


def test_what_is_said_as_absent_is_left_out():
    facts = patient_facts("I don't have diabetes but I smoke")
    assert [m.concept for m in facts.conditions] == ["smoking"]
    assert patient_facts("I'm not pregnant").pregnant is False


def test_pregnancy_measurements_and_place():
    pregnant = patient_facts("I'm pregnant, can I take part?")
    assert pregnant.pregnant is True and pregnant.sex == "female"
    m = patient_facts("my eGFR is 40 and HbA1c 7.5%").measures
    assert [(x.concept, x.value, x.unit) for x in m] == [("egfr", 40.0, ""), ("hba1c", 7.5, "%")]
    assert patient_facts("I have a BMI of 31").measures[0].value == 31.0
    assert patient_facts("I live near Boston, any site?").location == "Boston"


def test_earlier_turns_count_and_the_newest_wins():
    facts = patient_facts("can I join?", ["I'm 52 and have diabetes"])
    assert facts.age == 52 and facts.conditions[0].concept == "diabetes"
    assert patient_facts("actually I'm 53", ["I'm 52"]).age == 53


def test_whose_illness_and_who_is_healthy():
    father = patient_facts("my dad had a stroke last year, could he join?")
    assert father.whose == "dad" and [m.concept for m in father.conditions] == ["stroke"]
    assert patient_facts("my dad had a stroke, can I join?").conditions == []  # his, not the asker's
    assert [m.words for m in patient_facts("I'm 40 with Behcet's, can I join?").conditions] == ["Behcet's"]
    assert [m.words for m in patient_facts("do you take people with Behcet's?").conditions] == ["Behcet's"]
    assert patient_facts("he has no symptoms now").conditions == []
    assert patient_facts("she is totally healthy").healthy and not patient_facts("not healthy at all").healthy
    # a turn about someone else starts over: the asker's illness is not the sister's
    sister = patient_facts("my sister is healthy, can she join?", ["I have lupus, what is this study?"])
    assert sister.healthy and sister.conditions == []
    # a place said in an earlier turn is kept when a later turn names none
    assert patient_facts("so can I sign up?", ["im 20 and live in san juan puerto rico", "what do you report"]).location


def test_what_the_person_lacks_and_an_age_to_come():
    lacks = patient_facts("I don't have French social security though, could I still be in it?").lacks
    assert [m.words for m in lacks] == ["social security"] or [m.concept for m in lacks] == ["health_insurance"]
    assert [m.concept for m in patient_facts("I don't have diabetes, can I join?").lacks] == ["diabetes"]
    assert patient_facts("what happens if I turn 65 while I'm still in it?").age is None
    assert patient_facts("I turn 18 next week, can I join?").age == 18
