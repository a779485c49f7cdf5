"""The person's words read as typed facts: a medicine in their own words, "each one" as a thing, not a person."""
from __future__ import annotations

from assistant.patient_facts import patient_facts
from assistant.question_focus import question_focus


def test_a_medicine_the_vocabulary_does_not_list_is_read_in_the_persons_words():
    assert [m.words for m in patient_facts("i take verapamil every day, does that matter?").treatments] == ["verapamil"]
    assert patient_facts("ive been on alectinib for a year").treatments[0].concept == "alk_inhibitors"
    for not_a_medicine in ("im on holiday in june", "I take part in sports", "im using the app"):
        assert patient_facts(not_a_medicine).treatments == []


def test_each_one_is_a_thing_measured_not_the_person():
    assert not question_focus("how long does each one take to fill out").about_the_study
    assert question_focus("how long would each person be in it").about_the_study
