"""The bundled glossary parses into one Study with one field per term."""
from __future__ import annotations

import re

import pytest

from ingest.parsers import ParseError
from ingest.parsers.glossary import GLOSSARY_PATH, load_glossary, parse_glossary
from ingest.parsers.textutil import section_slug, slugify
from trialchat.schema import GLOSSARY_ID

# Terms the assistant relies on (slugs of the headings in ingest/glossary/glossary.md).
REQUIRED = [
    # masking and who can be masked
    "masking", "open_label", "single_blind", "double_blind", "triple_blind", "quadruple_blind",
    "who_is_masked", "participant", "care_provider", "investigator", "outcomes_assessor",
    # design
    "placebo", "placebo_comparator", "active_comparator", "randomized", "non_randomized",
    "allocation", "arm", "experimental_arm", "control_group", "intervention",
    "intervention_model", "parallel_assignment", "crossover_assignment",
    "single_group_assignment", "factorial_assignment", "sequential_assignment",
    # phases
    "phase_0", "early_phase_1", "phase_1", "phase_1_2", "phase_2", "phase_2_3", "phase_3",
    "phase_4", "phase_not_applicable",
    # disease course
    "refractory", "relapsed", "remission",
    # eligibility and outcomes
    "inclusion_criteria", "exclusion_criteria", "eligibility_criteria", "primary_outcome",
    "secondary_outcome", "endpoint", "enrollment", "actual_enrollment", "anticipated_enrollment",
    "informed_consent", "adverse_event", "serious_adverse_event", "side_effect",
    "healthy_volunteers", "child", "adult", "older_adult",
    # study types
    "observational_study", "interventional_study", "registry", "cohort_study",
    "case_control_study", "expanded_access",
    # people and oversight
    "sponsor", "collaborator", "principal_investigator", "study_coordinator",
    "institutional_review_board", "data_safety_monitoring_board",
    # status
    "recruiting", "not_yet_recruiting", "active_not_recruiting", "completed", "terminated",
    "withdrawn", "suspended",
    # registry words
    "nct_number", "clinicaltrials_gov", "multicenter",
    # treatment and measurement
    "efficacy", "safety", "dose", "dose_escalation", "maximum_tolerated_dose",
    "pharmacokinetics", "biomarker", "standard_of_care", "mesenchymal_stromal_cells",
    "allogeneic", "autologous", "infusion", "quality_of_life", "follow_up", "time_frame",
    # statistics and data
    "intention_to_treat", "per_protocol", "statistical_significance", "p_value",
    "confidence_interval", "hazard_ratio", "individual_participant_data_sharing",
]


@pytest.fixture(scope="module")
def glossary():
    return load_glossary()


def test_bundled_glossary_has_at_least_70_terms(glossary):
    assert glossary.study_id == GLOSSARY_ID == "glossary"
    assert glossary.title == "Glossary of clinical-trial terms"
    assert glossary.source_url == ""
    assert glossary.source_file == "ingest/glossary/glossary.md"
    assert len(glossary.fields) >= 70


def test_required_terms_present(glossary):
    paths = {f.path for f in glossary.fields}
    missing = [slug for slug in REQUIRED if f"glossary.{slug}" not in paths]
    assert not missing


def test_paths_unique_and_well_formed(glossary):
    paths = [f.path for f in glossary.fields]
    assert len(paths) == len(set(paths))
    for f in glossary.fields:
        assert re.fullmatch(r"glossary\.[a-z0-9]+(_[a-z0-9]+)*", f.path), f.path
        assert f.label.startswith("Glossary › ")


def test_definitions_not_empty_and_short(glossary):
    for f in glossary.fields:
        term = f.label.removeprefix("Glossary › ")
        assert f.text.startswith(term), f.path
        head, _, definition = f.text.partition(": ")
        assert definition.strip(), f.path
        sentences = re.findall(r"[.!?](?:\s|$)", definition)
        assert 1 <= len(sentences) <= 3, f.path


def test_synonyms_are_searchable(glossary):
    by_path = {f.path: f for f in glossary.fields}
    double = by_path["glossary.double_blind"]
    assert double.label == "Glossary › Double-blind"
    assert double.text.startswith("Double-blind (also called double-masked")
    assert "also called" in by_path["glossary.masking"].text
    assert "blinding" in by_path["glossary.masking"].text
    assert "mesenchymal stem cells" in by_path["glossary.mesenchymal_stromal_cells"].text
    assert "IRB" in by_path["glossary.institutional_review_board"].text


def test_slugify():
    assert slugify("Double-blind") == "double_blind"
    assert slugify("Phase 1/2") == "phase_1_2"
    assert slugify("Active, not recruiting") == "active_not_recruiting"
    assert slugify("ClinicalTrials.gov") == "clinicaltrials_gov"
    assert slugify("---") == ""  # glossary: an all-punctuation term keeps an empty slug
    assert section_slug("---") == "section" and section_slug("Who can join?") == "who_can_join"


def test_small_glossary_without_synonyms():
    study = parse_glossary("# g\nintro\n\n## Arm\nA group.\n\n## Dose\nHow much.\nMore.\n", "x.md")
    assert [f.path for f in study.fields] == ["glossary.arm", "glossary.dose"]
    assert study.fields[0].text == "Arm: A group."
    assert study.fields[1].text == "Dose: How much. More."
    assert study.source_file == "x.md"


@pytest.mark.parametrize("text", [
    "",
    "# trialchat glossary\nJust an introduction, no terms.\n",
    "# trialchat glossary\n### Not a term heading\ntext\n",
])
def test_no_terms_is_an_error(text):
    with pytest.raises(ParseError):
        parse_glossary(text, "empty.md")


@pytest.mark.parametrize("text", [
    "## Placebo\nOne.\n\n## Placebo\nTwo.\n",
    "## Double-blind\nOne.\n\n## Double blind\nTwo.\n",  # same slug
])
def test_duplicate_terms_are_an_error(text):
    with pytest.raises(ParseError, match="duplicate"):
        parse_glossary(text, "dup.md")


def test_term_without_definition_is_an_error():
    with pytest.raises(ParseError):
        parse_glossary("## Placebo\nAlso called: dummy\n\n## Arm\nA group.\n", "bad.md")


def test_glossary_file_is_packaged_next_to_ingest():
    assert GLOSSARY_PATH.name == "glossary.md"
    assert GLOSSARY_PATH.parent.name == "glossary"
    assert GLOSSARY_PATH.read_text(encoding="utf-8").startswith("# trialchat glossary\n")
