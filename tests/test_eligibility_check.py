"""Every rule checked against what the person said, over the real sample: the logic on the sample's fact
sheets, and the answers as a user gets them through the ingested sample store (real Chroma, real router)."""
from __future__ import annotations

import re

import pytest
from test_answering import assert_quotes_verbatim

from assistant.eligibility_check import assess, tree_of
from assistant.eligibility_rules import FAMILY, age_bounds, negation
from assistant.patient_facts import patient_facts
from assistant.service import build_answer_service
from assistant.vocab import vocabulary


@pytest.fixture(scope="module")
def service(sample_settings, sample_store):
    return build_answer_service(sample_settings.model_copy(update={"llm": "extractive"}), store=sample_store)


@pytest.fixture(scope="module")
def sheets(sample_store):
    ids = [e.study_id for e in sample_store.catalog() if e.study_id != "glossary"]
    return {sid: sample_store.facts(sid) for sid in ids}


# ---------------- reading one rule ----------------
@pytest.mark.parametrize("text,section,bounds", [
    ("Women or men 18 to 65 years of age", "inclusion", (18, 65)),
    ("At least 18 years old at the start of Screening Visit", "inclusion", (18, None)),
    ("Male or female ≥ 18 years of age NOTE: There are no data", "inclusion", (18, None)),
    ("Age: 18-60 years old;", "inclusion", (18, 60)),
    ("who are nineteen (19) years or older (for Puerto Rico residents, you must be 21 years or older)", "inclusion",
     (19, None)),
    ("Under 19 years old", "exclusion", (19, None)),
    ("Greater than 1-year history of cluster headache with onset prior to 50 years of age", "inclusion", None),
    ("Family history of premature CAD (< 55 years of age in male first-degree relatives)", "exclusion", None),
])
def test_ages_written_in_the_rules(text, section, bounds):
    assert age_bounds(text, section) == bounds


def test_negated_and_other_than_terms():
    assert negation("Women of child-bearing potential must not be pregnant", 46) == "near"
    assert negation("No previous history of spinal surgery", 23) == "near"
    assert negation("malignant disease (other than adequately treated basal cell carcinoma", 58) == "except"  # the rule exempts it
    assert negation("Diagnosis of AS or any other Inflammatory Arthritis", 13) == ""


# ---------------- the checks ----------------
def test_diabetes_is_read_with_its_parent_three_or_more(sheets):
    a = assess(sheets["NCT04066023"], patient_facts("can I join if I'm 52 and have diabetes?"))
    assert a.eligibility.verdict == "not_excluded_so_far"
    some = [f for f in a.findings if f.key == "some_of_excluded"]
    assert len(some) == 1 and "Three or more of the following CAD risk factors" in str(some[0].variables["parent"])
    sub = [c for c in a.eligibility.checks if c.item.endswith("› Diabetes mellitus")]
    assert sub and sub[0].section == "exclusion" and sub[0].verdict == "met"
    # three of the five: the rule applies
    three = assess(sheets["NCT04066023"], patient_facts("I'm 52, I smoke, have diabetes and high blood pressure"))
    assert three.eligibility.verdict == "excluded"


def test_a_shared_word_is_not_a_match(sheets):
    # "kidney stones" shares "kidney" with the kidney-disease exclusion and nothing else
    a = assess(sheets["NCT04066023"], patient_facts("I have kidney stones, can I join?"))
    assert a.eligibility.verdict != "excluded"
    assert [f.key for f in a.findings] == ["not_mentioned"]


def test_synonyms_and_abbreviations_find_the_rule(sheets):
    stroke = assess(sheets["NCT04066023"], patient_facts("I had a stroke"))  # the rule says "cerebral vascular accident (CVA)"
    assert stroke.eligibility.verdict == "excluded"
    spondylitis = assess(sheets["NCT02552212"], patient_facts("I have ankylosing spondylitis"))  # the rule says "AS"
    assert spondylitis.eligibility.verdict == "excluded"


def test_measurements_against_thresholds_and_never_as_ages(sheets):
    kidney = assess(sheets["NCT04066023"], patient_facts("my eGFR is 40"))
    assert kidney.eligibility.verdict == "excluded"
    fine = assess(sheets["NCT04066023"], patient_facts("my eGFR is 90"))
    assert fine.eligibility.verdict != "excluded"
    for sheet in sheets.values():
        a = assess(sheet, patient_facts("I have a BMI of 31, can I join?"))
        assert a.facts.age is None and not any(c.fact.startswith("age") for c in a.eligibility.checks)


def test_every_exclusion_naming_a_condition_is_found(sheets):
    """Property over every sample study: a question naming the condition (by another of its words) finds the rule."""
    vocab = vocabulary()
    tried = 0
    for sid, sheet in sheets.items():
        tree = tree_of(sheet)
        for item, parents in tree.walk():
            if item.section != "exclusion" or FAMILY.search(item.text):
                continue
            for hit in vocab.find(item.text):
                for key in hit.concepts:
                    concept = vocab.concepts[key]
                    if concept.kind != "condition" or negation(item.text, hit.start) or \
                            re.match(r"\s*(?:disease activity\s+)?(?:index|score|scale)", item.text[hit.end:], re.I):
                        continue
                    top = parents[0] if parents else item
                    said = next((t for t in concept.terms if t.lower() != hit.phrase.lower()), concept.terms[0])
                    a = assess(sheet, patient_facts(f"I have {said}, can I join?"))
                    check = next(c for c in a.eligibility.checks if c.quote == top.quote and c.section == "exclusion")
                    assert check.fact, (sid, item.text, said)
                    tried += 1
    assert tried >= 10


def test_age_outside_the_fields_and_the_written_rule(sheets):
    a = assess(sheets["NCT03840928"], patient_facts("I'm 17, can I join?"))
    assert a.eligibility.verdict == "excluded"
    assert {c.verdict for c in a.eligibility.checks if c.fact == "age 17"} <= {"met", "not_met"}


# ---------------- the answers as a user gets them ----------------
def test_can_i_join_with_diabetes_names_the_parent_rule(service, sample_store):
    answer = service.ask("can I join if I'm 52 and have diabetes?", "NCT04066023")
    assert "Three or more of the following CAD risk factors" in answer.text and "Diabetes mellitus" in answer.text
    assert "inside its age range" in answer.text and "study team" in answer.text
    assert not answer.text.lower().startswith("yes")
    e = answer.model_dump()["eligibility"]
    assert e["verdict"] == "not_excluded_so_far"
    assert set(e["checks"][0]) >= {"item", "section", "verdict", "quote", "field_path"}
    assert_quotes_verbatim(answer, sample_store)


def test_someone_elses_age_and_a_bmi(service):
    daughter = service.ask("my daughter is 9, can she join?", "NCT05843643")
    assert "at 9, your daughter would be outside" in daughter.text and daughter.eligibility.verdict == "excluded"
    bmi = service.ask("I have a BMI of 31, can I join?", "NCT04066023")
    assert "at 31" not in bmi.text and "do not mention BMI" in bmi.text and bmi.eligibility.verdict == "unknown"


def test_what_rules_out_comes_first_and_no_answer_opens_with_yes(service, sheets):
    for sid in sheets:
        answer = service.ask("I'm 70 and pregnant, can I join?", sid)
        assert not answer.text.lower().startswith("yes"), (sid, answer.text)
        if answer.eligibility and answer.eligibility.verdict == "excluded":
            rules_out = [m.start() for m in re.finditer(r"outside its age range|cannot join|does not fit", answer.text)]
            fits = [m.start() for m in re.finditer(r"which you mentioned|inside its age range", answer.text)]
            assert rules_out and (not fits or min(rules_out) < min(fits)), (sid, answer.text)


def test_a_sub_item_is_never_cited_without_its_parent(service, sheets):
    for sid, sheet in sheets.items():
        children = {i.quote: ps for i, ps in tree_of(sheet).walk() if ps}
        for q in ("can I join? I have diabetes, high blood pressure and I smoke", "I have lupus and take prednisone"):
            answer = service.ask(q, sid)
            quotes = {c.quote for c in answer.citations if c.study_id == sid}
            for quote in quotes & set(children):
                assert all(p.quote in quotes for p in children[quote]), (sid, quote, answer.text)


def test_who_can_join_shows_a_lead_in_with_its_items(service, sample_store):
    answer = service.ask("who can join?", "NCT05843643")
    assert "must have at least one of the following: antinuclear antibody (ANA) positive" in answer.text
    assert "anti-Smith positive" in answer.text
    assert_quotes_verbatim(answer, sample_store)


def test_a_rule_said_in_other_words_is_found_by_meaning(service, sample_store):
    # "trying for a baby" names no vocabulary term; the cross-encoder finds the pregnancy rule
    answer = service.ask("My wife and I are trying for a baby this year. Could she still be in the study?", "NCT02552212")
    assert "plan to become pregnant" in answer.text and "do not mention" not in answer.text, answer.text
    answer = service.ask("I have tattoos on both upper arms. is that a problem?", "NCT04066023")
    assert "tattoos covering the entire" in answer.text and "do not mention" not in answer.text, answer.text
    chunks = sample_store.get_chunks([c.chunk_id for c in answer.citations])
    assert all(c.quote in chunks[c.chunk_id].text for c in answer.citations)


def test_when_no_rule_stands_out_the_rules_are_said_not_to_mention_it(service):
    answer = service.ask("I'm 3 months pregnant, can I still do this?", "NCT05843643")  # its rules never name it
    assert "do not mention pregnancy" in answer.text and "seems to be about" not in answer.text, answer.text


def test_closest_rule_needs_a_clear_score_or_a_clear_lead():
    from assistant.closest_rule import closest_rule
    from trialchat.criteria_tree import CriteriaTree, CriterionItem

    items = [CriterionItem(text=t, quote=t, path="p", section="exclusion") for t in ("Known heart disease", "Pregnant women",
                                                                                  "Prior chemotherapy")]
    tree = CriteriaTree(exclusion=items)
    assert closest_rule("q", tree, lambda q, xs: [-8.0, -8.5, -12.0]) is None  # close call between two rules
    assert closest_rule("q", tree, lambda q, xs: [-8.0, -9.5, -12.0]).item.text == "Known heart disease"
    assert closest_rule("q", tree, lambda q, xs: [-10.0, -12.0, -12.0]) is None  # nothing scores high enough
    assert closest_rule("q", tree, lambda q, xs: [-4.0, -4.5, -12.0]).item.text == "Known heart disease"
    assert closest_rule("q", tree, None) is None


# ---------------- where the person lives, and when they had a treatment ----------------
def test_a_rule_that_names_where_the_person_lives(sheets, service, sample_store):
    registry = sheets["NCT03840928"]
    toronto = assess(registry, patient_facts("I live in Toronto. Is it only for Americans?"))
    named = [f for f in toronto.findings if f.key == "place_within"]
    assert named and named[0].variables["place"] == "Canada" and "Canada" in str(named[0].variables["item"])
    # the place's own age (Puerto Rico: 21) is checked instead of the general one (19)
    pr = assess(registry, patient_facts("I'm 20 and live in Puerto Rico, can I sign up?"))
    assert [f.key for f in pr.findings if f.group == "rules_out"] == ["place_age_outside"]
    assert not any(f.key == "age_inside" for f in pr.findings) and pr.eligibility.verdict == "excluded"
    ok = assess(registry, patient_facts("I'm 25 and live in Puerto Rico, can I sign up?"))
    assert [f.key for f in ok.findings if f.key.startswith("place_age")] == ["place_age_inside"]
    answer = service.ask("I live in Toronto. Is PatientSpot only for Americans?", "NCT03840928")
    assert answer.status == "answered" and "names Canada, which Toronto is in" in answer.text, answer.text
    assert_quotes_verbatim(answer, sample_store)
    # a place no rule names says nothing about it (the general rules instead)
    boston = service.ask("I live in Boston, can I join?", "NCT03673748")
    assert "Boston" not in boston.text and "cannot join" in boston.text, boston.text


@pytest.mark.parametrize("question,rules_out", [
    ("Does the study take people who got rituximab 8 months ago?", True),
    ("I had my last rituximab two years ago, can I join?", False),
])
def test_a_rule_with_a_time_window_against_when_the_person_had_it(sheets, question, rules_out):
    a = assess(sheets["NCT03673748"], patient_facts(question))
    window = [f for f in a.findings if f.key.startswith("window_")]
    assert len(window) == 1 and "within 1 year" in str(window[0].variables["window"])
    assert (window[0].key == "window_inside") == rules_out and (a.eligibility.verdict == "excluded") == rules_out


def test_time_windows_read_from_rules_and_from_people():
    from assistant.eligibility_rules import time_window

    assert time_window("Treatment with cyclophosphamide in the last 6 months", 15) == (6.0, "in the last 6 months")
    assert time_window("biologics 3 months prior to screening", 0)[0] == 3.0
    assert time_window("Known heart disease", 0) is None
    facts = patient_facts("I stopped humira two years ago, and last month I took prednisone")
    assert {m.words: m.months_ago for m in facts.treatments} == {"humira": 24.0, "prednisone": 1.0}


def test_the_vocabulary_s_words_are_not_spelled_away(service):
    # "mets" is no English word and no record's word, but the vocabulary's ("brain mets"): not "corrected" to "gets"
    answer = service.ask("I have brain mets from my lung cancer, not treated yet. am i allowed in?", "NCT07247227")
    assert "cancer that has spread to the brain" in answer.text and "active brain metastases" in answer.text, answer.text


def test_a_residence_rule_that_does_not_name_where_the_person_lives(sheets):
    # a country the rule leaves out does not fit; a city it may be in is for the team to say
    a = assess(sheets["NCT03840928"], patient_facts("I live in the UK, can I use the app for the research?"))
    found = [f for f in a.findings if f.key == "place_outside"]
    assert found and found[0].group == "rules_out" and found[0].variables["where"] == "the UK"
    a = assess(sheets["NCT03840928"], patient_facts("I live in London, can I use the app for the research?"))
    found = [f for f in a.findings if f.key == "place_not_named"]
    assert found and found[0].group == "may_rule_out"


def test_everyday_words_for_insurance_and_a_doctor_s_diagnosis(sheets):
    a = assess(sheets["NCT03562065"], patient_facts("Do I need French health insurance to take part?"))
    assert any(f.key == "fits" and "social security" in str(f.variables["item"]) for f in a.findings)
    b = assess(sheets["NCT03840928"], patient_facts("Do I need an actual doctor's diagnosis to join?"))
    assert any(f.key == "fits" and "physician has given a diagnosis" in str(f.variables["item"]) for f in b.findings)


def test_a_follow_up_changes_when_and_an_allowed_rule_is_not_a_requirement(service):
    from assistant.types import HistoryTurn

    first = "Does this study take people who got rituximab 8 months ago?"
    a = service.ask(first, "NCT03673748")
    assert a.intent == "can_i_join" and "8 months ago is inside that time" in a.text, a.text
    b = service.ask("what if it was two years ago?", "NCT03673748",
                    [HistoryTurn(role="user", content=first), HistoryTurn(role="assistant", content=a.text)])
    assert "two years ago is longer ago than that" in b.text, b.text
    mets = service.ask("I have brain mets, am i allowed in?", "NCT07247227")
    assert "The rules allow this, and it names cancer that has spread to the brain" in mets.text, mets.text


def test_a_place_typed_in_lower_case_is_where_the_person_lives():
    from assistant.patient_facts import patient_facts

    assert patient_facts("Im 20, live in puerto rico, have fibromyalgia").location == "puerto rico"
    assert patient_facts("i live in manchester uk and have psoriatic arthritis").location == "manchester uk"
    assert patient_facts("i am in pain most days").location == ""


def test_a_rule_to_join_that_needs_what_the_person_lacks(sheets):
    a = assess(sheets["NCT02552212"], patient_facts("I don't have back pain anymore, could I join?"))
    lacked = [f for f in a.findings if f.key == "lacks_needed"]
    assert lacked and "back pain" in str(lacked[0].variables["item"]) and a.eligibility.verdict == "excluded"


def test_a_rule_opened_by_no_negates_its_treatments_not_its_illness_nor_a_limit():
    rule = "No prior therapy for metastatic ALK+ NSCLC including therapy with ALK inhibitors"
    assert negation(rule, rule.index("ALK inhibitors"), treatment=True) == "near"
    assert negation(rule, rule.index("NSCLC")) != "near"
    limit = "No more than 2 prior lines of therapy including chemotherapy"
    assert negation(limit, limit.index("chemotherapy"), treatment=True) != "near"


def test_a_long_short_form_typed_in_lower_case_is_the_term():
    found = {k for h in vocabulary().find("im 60 with squamous nsclc") for k in h.concepts}
    assert found == {"lung_cancer"}
    assert not vocabulary().find("my egfr is 45")  # eGFR and EGFR share it: neither
