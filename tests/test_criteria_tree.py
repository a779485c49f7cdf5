"""Criteria as a tree, over the real sample records: sub-items kept under their parent, how they count,
and every line of the criteria in exactly one item."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.criteria import split_criteria
from ingest.criteria_tree import combine_of, count_items, parse_items
from ingest.facts import fact_sheet
from ingest.parsers.textutil import clean_text, unescape_markdown
from ingest.parsers.v2 import study_from_v2

SAMPLE = Path(__file__).resolve().parents[1] / "corpus" / "sample"
V2_SAMPLES = sorted(SAMPLE.glob("NCT*.json"))


def _sheet(nct: str):
    path = SAMPLE / f"{nct}.json"
    return fact_sheet(study_from_v2(json.loads(path.read_text("utf-8")), path.name))


def test_cad_risk_factors_keep_their_five_items_and_count_three_or_more():
    tree = _sheet("NCT04066023").criteria_tree
    risk = tree.exclusion[16]
    assert risk.text == "Three or more of the following CAD risk factors:"
    assert (risk.combine, risk.min_count) == ("at_least", 3)
    assert [c.text for c in risk.children][-1] == "Diabetes mellitus" and len(risk.children) == 5
    assert risk.children[4].number == "17.5" and risk.children[4].section == "exclusion"
    assert len(tree.exclusion) == 26 and len(tree.inclusion) == 7  # top-level rules as the record numbers them
    # three levels deep in the inclusions, each under its own lead-in
    symptoms = tree.inclusion[2].children[1].children[0]
    assert symptoms.combine == "any" and [c.text for c in symptoms.children][2] == "Eyelid edema"


def test_at_least_one_of_the_following_has_its_items():
    tree = _sheet("NCT05843643").criteria_tree
    lead = tree.inclusion[1]
    assert lead.text == "At Screening, must have at least one of the following:" and lead.combine == "any"
    assert [c.text for c in lead.children] == ["antinuclear antibody (ANA) positive (titer >= 1:80)",
                                               "anti-double stranded deoxyribonucleic acid (dsDNA) positive",
                                               "anti-Smith positive"]


def test_a_definition_keeps_its_parts():
    tree = _sheet("NCT02552212").criteria_tree
    active = next(i for i in tree.inclusion if i.text.startswith("Active disease at Screening"))
    assert len(active.children) == 2 and active.combine == ""
    assert active.children[0].text.startswith("Bath Ankylosing Spondylitis Disease Activity Index")


@pytest.mark.parametrize("path", V2_SAMPLES, ids=lambda p: p.stem)
def test_every_line_lands_in_exactly_one_item(path):
    record = json.loads(path.read_text("utf-8"))
    text = clean_text(unescape_markdown(record["protocolSection"]["eligibilityModule"].get("eligibilityCriteria", "")))
    for section in split_criteria(text):
        lines = [ln.strip() for ln in section.text.split("\n") if ln.strip()]
        items = parse_items(section.text, "p", section.kind)  # type: ignore[arg-type]
        assert [i.quote for top in items for i, _ in top.walk()] == lines
        assert count_items(items) == len(lines)


def test_same_indentation_list_after_a_lead_in_is_its_children():
    text = "* Must have one of the following:\n- ANA positive\n- anti-Smith positive\n* Age 18 or older\n* Signed consent"
    items = parse_items(text, "p", "inclusion")
    assert [i.text for i in items] == ["Must have one of the following:", "Age 18 or older", "Signed consent"]
    assert [c.text for c in items[0].children] == ["ANA positive", "anti-Smith positive"]
    lettered = parse_items("1. Any of:\n   a. asthma\n   b. COPD\n2. Next", "p", "exclusion")
    assert [c.text for c in lettered[0].children] == ["asthma", "COPD"] and lettered[1].text == "Next"


@pytest.mark.parametrize("lead,expected", [
    ("Three or more of the following CAD risk factors:", ("at_least", 3)),
    ("At least 2 of the following:", ("at_least", 2)),
    ("must have at least one of the following:", ("any", 1)),
    ("Either or both of the following:", ("any", 1)),
    ("that include all of the following criteria:", ("all", 0)),
    ("Subject has clinically significant ECG findings, defined by:", ("", 0)),
])
def test_how_children_count(lead, expected):
    assert combine_of(lead) == expected


def test_fact_sheet_keeps_the_flat_items_and_adds_the_tree():
    sheet = _sheet("NCT04066023")
    assert [i.text for i in sheet.criteria_tree.exclusion] == [f.value for f in sheet.exclusion]
    # the tree survives the sheet's JSON round trip (sheets are stored as JSON)
    again = type(sheet).model_validate_json(sheet.model_dump_json())
    assert again.criteria_tree == sheet.criteria_tree
