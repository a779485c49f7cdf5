"""Composed answers about a finished study's results (issue #17), through the real store.

Real parts: the bundled sample ingested into real Chroma with the bundled embedder (tests/conftest.py),
fact sheets read back from the store, citations resolved against the stored chunks, and for the routed
questions the real router and answer chain (extractive: no generative model). Numbers were read by hand
from corpus/sample/NCT02552212.json, NCT04066023.json and NCT02708238.xml.
"""
from __future__ import annotations

import re
from datetime import date

import pytest
from test_answering import assert_quotes_verbatim

from assistant.answer_writer import AnswerWriter
from assistant.compose import Composer
from assistant.compose_results import compose_results
from assistant.service import build_answer_service

AXSPAND, HEADACHE, COLIC, NOT_YET = "NCT02552212", "NCT04066023", "NCT02708238", "NCT05843643"
WORKED, SIDE, SERIOUS, FLOW = ("did it work?", "what side effects did people get?",
                               "how many had serious side effects in each group?", "how many people dropped out?")
SENTENCE_END = re.compile(r"(?<=\]\.)\s+|\n")
OURS = re.compile(r"\(?about \d+(?:\.\d)?%\)?|less than 1%|added up over the groups, \d+ of the \d+ people who started finished, and \d+",
                  re.IGNORECASE)  # our own percentages and sums, labelled as such


@pytest.fixture(scope="module")
def composer(sample_store):
    return Composer(sample_store.chunks_of_field, today=lambda: date(2026, 12, 1))


@pytest.fixture(scope="module")
def service(sample_settings, sample_store):
    return build_answer_service(sample_settings.model_copy(update={"llm": "extractive"}), store=sample_store)


@pytest.fixture(scope="module")
def ask(composer, sample_store):
    def ask(study_id: str, question: str):
        sheet = sample_store.facts(study_id)
        assert sheet is not None
        answer = composer.compose("results", question, sheet)
        assert answer is not None, (study_id, question)
        return answer
    return ask


def assert_cited_and_checkable(answer) -> None:
    """Every sentence (and list line) has a citation; every number in it is in a quote it cites, or is ours
    and labelled ("about 37%"); every quote is verbatim in its chunk."""
    chunks = {s.chunk_id: s.text for s in answer.sources}
    for c in answer.citations:
        assert c.quote and c.quote in chunks[c.chunk_id], c
    for sentence in filter(str.strip, SENTENCE_END.split(answer.text)):
        marks = {int(n) for n in re.findall(r"\[(\d+)\]", sentence)}
        assert marks, f"uncited: {sentence!r}"
        quotes = " ".join(c.quote for c in answer.citations if c.n in marks)
        for number in re.findall(r"\d+(?:\.\d+)?", re.sub(r"\[\d+\]", "", OURS.sub("", sentence))):
            assert number in quotes, (number, sentence, quotes)


def test_did_it_work_gives_each_groups_number_the_time_and_the_records_test(ask):
    a = ask(AXSPAND, WORKED)
    # group codes said in plain words: "Q2W" → "every 2 weeks", the analysis-set tag "(FAS)" left out
    assert "7.0% in the Placebo group and 47.2% in the CZP 200 mg every 2 weeks group" in a.text
    # the long title said in plain words, the time from the time frame; the title line is still what is cited
    assert "measured was how many people had an ASDAS-MI response, checked at: Week 52" in a.text
    assert any(c.quote.endswith("(ASDAS-MI) Response Criteria Response at Week 52") for c in a.citations)
    assert "p-value <0.001" in a.text
    assert "not likely to be chance" in a.text
    assert "Plasma Concentration" not in a.text.split("more results")[0]  # not a list of outcome titles
    assert_cited_and_checkable(a)


def test_did_it_work_without_a_posted_test_says_the_difference_could_be_chance(ask):
    a = ask(HEADACHE, WORKED)
    assert "3 of 8 people in the Placebo group, 5 of 9 people in the C213 1.9 mg group and 5 of 5 people" in a.text
    assert "no test for this" in a.text and "could be chance" in a.text
    assert "did better than people on placebo, and" not in a.text  # never more than the record's analysis
    assert_cited_and_checkable(a)


def test_did_it_work_with_generic_group_names_says_what_each_group_got(ask):
    a = ask(COLIC, WORKED)
    assert "a middle value (median) of 50 minutes in Group A" in a.text
    assert "80 minutes in Group C" in a.text
    assert "no test for this result" in a.text
    assert "In Group C: “All enrolled infants randomized to Group C will receive simethicone …”" in a.text
    assert_cited_and_checkable(a)


def test_placebo_doing_as_well_is_said(sample_store):
    """The headache record's table with its numbers changed so placebo does as well: the answer must say so."""
    sheet = sample_store.facts(HEADACHE).model_copy(deep=True)
    outcome = sheet.results.outcomes[0]
    row = outcome.rows[0]
    for x in row.numbers:
        x.value = {"OG000": "6", "OG001": "5", "OG002": "2"}[x.group_id]
    row.quote = "Placebo 6; C213 1.9 mg 5; C213 3.8mg 2"
    text = f"Results › Pain relief\n{outcome.quote}\n{row.quote}\n{outcome.analysed.quote}"
    meta = {"study_id": HEADACHE, "field_path": outcome.path, "field_label": "Results › Pain relief"}
    w = AnswerWriter(HEADACHE, lambda sid, path: [("c1", text, meta)] if path == outcome.path else [])
    compose_results(w, WORKED, sheet)
    said = " ".join(w.sentences)
    assert "people on placebo did as well as or better than people in the C213 1.9 mg group" in said, said
    assert "did better than people on placebo" not in said


def test_side_effects_per_group_with_the_most_common_serious_and_deaths(ask):
    a = ask(AXSPAND, SIDE)
    assert "Placebo: 59 of 158 people (about 37%) had side effects that were not serious; " \
           "4 of 158 (about 2.5%) had a serious one" in a.text
    assert "CZP 200 mg every 2 weeks: 75 of 159 people" in a.text
    assert "in the CZP 200 mg every 2 weeks group were upper respiratory tract infection (30 of 159 people), " \
           "nasopharyngitis (21 of 159 people) and headache (11 of 159 people)" in a.text
    assert "more common in the CZP 200 mg every 2 weeks group: 75 of 159 people (about 47%), against " \
           "59 of 158 people (about 37%) on placebo" in a.text
    assert "glaucoma (1 person)" in a.text
    assert "no deaths in any group" in a.text
    assert_cited_and_checkable(a)


def test_side_effects_of_the_headache_study_leave_no_group_out(ask):
    a = ask(HEADACHE, SIDE)
    assert "in the C213 1.9 mg group were application site erythema (2 of 9 people)" in a.text
    assert "in the Placebo group were application site erythema (1 of 9 people)" in a.text
    assert "in the C213 3.8mg group were corona virus infection (1 of 7 people)" in a.text  # the third arm too
    assert "No one in any group had a serious side effect" in a.text
    assert_cited_and_checkable(a)


def test_serious_side_effects_in_each_group_as_sentences(ask):
    a = ask(AXSPAND, SERIOUS)
    for line in ("Placebo: 4 of 158 people (about 2.5%)", "CZP 200 mg every 2 weeks: 8 of 159 people (about 5%)",
                 "SFE open-label CZP 200 mg every 2 weeks: 15 of 243 people (about 6.2%)"):
        assert line in a.text
    assert_cited_and_checkable(a)
    a = ask(COLIC, SERIOUS)
    assert a.text.startswith("No one in any group had a serious side effect")
    assert_cited_and_checkable(a)


def test_who_finished_and_why_people_left(ask):
    a = ask(AXSPAND, FLOW)
    assert "In the Placebo group, 158 people started, 143 finished and 15 did not finish" in a.text
    assert "In the CZP 200 mg every 2 weeks group, 159 people started, 142 finished and 17 did not finish" in a.text
    assert "they chose to leave (10 people), side effects (9 people)" in a.text
    assert_cited_and_checkable(a)
    a = ask(COLIC, "how many finished the study?")
    assert "In Group C, 60 people started, 57 finished and 3 did not finish" in a.text
    assert_cited_and_checkable(a)


def test_a_study_without_results_says_so_with_its_status_and_end_date(ask):
    a = ask(NOT_YET, WORKED)
    assert re.match(r"The study record has no posted results yet \[\d+\]\. The study's status is: Not yet recruiting", a.text)
    assert "expected to end on October 31, 2027" in a.text
    assert_cited_and_checkable(a)


@pytest.mark.parametrize("question,expect", [
    (WORKED, "47.2% in the CZP 200 mg every 2 weeks group"), (SIDE, "75 of 159 people"),
    (SERIOUS, "8 of 159 people (about 5%)"), ("how many finished the study?", "143 finished"),
    ("did anybody die?", "no deaths in any group")])
def test_patient_questions_are_routed_to_the_composed_results(service, sample_store, question, expect):
    answer = service.chain.invoke(question, study_id=AXSPAND)
    assert answer.intent == "results" and expect in answer.text, answer.text
    assert_quotes_verbatim(answer, sample_store)


def test_a_question_naming_another_result_gets_that_result(ask):
    a = ask(COLIC, "How many infants responded to each treatment?")
    assert a.text.startswith("Another measure was “Number of Responders”")
    assert "57 responders in Group A, 47 responders in Group B and 38 responders" in a.text
    assert_cited_and_checkable(a)


def test_results_questions_it_cannot_compose_are_left_to_retrieval(composer, sample_store):
    assert composer.compose("results", "were the results published?", sample_store.facts(AXSPAND)) is None


def test_limitations_and_why_so_few_are_the_records_own_notes(composer, sample_store):
    for study_id, question, words in (
            (COLIC, "What limitations did the researchers report?", "absence of a placebo group"),
            (HEADACHE, "Why did the study end up with so few participants?", "Enrollment was hampered")):
        answer = composer.compose("results", question, sample_store.facts(study_id))
        assert answer is not None and answer.text.startswith("The record's own notes on these results say:"), question
        assert words in answer.text
        assert_cited_and_checkable(answer)


def test_how_many_got_better_is_the_count_of_those_who_did(ask):
    # the colic study's main result is a median with no test; "got better" is its responder count (57, 47, 38)
    answer = ask(COLIC, "how many babies got better in each group?")
    assert "Number of Responders" in answer.text and all(n in answer.text for n in ("57", "47", "38")), answer.text
    assert "Median Daily Crying" not in answer.text and "median" not in answer.text.lower(), answer.text
    assert_cited_and_checkable(answer)
    # "did it work?" gives the main result first, then how many did better, since the main one has no test
    worked = ask(COLIC, "did the chamomile drops actually work?")
    assert worked.text.index("50 minutes") < worked.text.index("57 responders"), worked.text
    assert_cited_and_checkable(worked)
