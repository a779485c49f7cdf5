"""The chat's Gradio API with the official client (``gradio_client``) against ``trialchat serve`` run as a
user runs it (a subprocess over the ingested sample corpus; extractive answers: real retrieval, real
citations)."""
from __future__ import annotations

import pytest
from conftest_web import ServedCli, real_corpus, served_cli  # noqa: F401,F811
from gradio_client import Client
from gradio_client.exceptions import AppError

MISLE, AXSPAND = "NCT02633163", "NCT02552212"
MASKING = "protocolSection.designModule.designInfo.maskingInfo"


@pytest.fixture(scope="module")
def client(served_cli: ServedCli) -> Client:  # noqa: F811
    return Client(served_cli.url + "/", verbose=False)


def test_view_api_shows_named_documented_endpoints_only(client, capsys):
    info = client.view_api(return_format="dict", print_info=False)
    assert set(info["named_endpoints"]) == {"/ask", "/find_studies", "/study"}  # the UI's own events are private
    assert not info["unnamed_endpoints"]
    ask = info["named_endpoints"]["/ask"]
    assert [p["parameter_name"] for p in ask["parameters"]] == ["question", "study_id", "history"]
    assert ask["parameters"][1]["python_type"]["type"] == "str"  # any study ID, not Literal[] of the picker
    assert [r["label"] for r in ask["returns"]] == ["answer"]
    assert "citation" in ask["description"]
    assert "citations" in ask["returns"][0]["python_type"]["type"]
    assert info["named_endpoints"]["/find_studies"]["description"].startswith("Find studies by ID, acronym")
    client.view_api()
    printed = capsys.readouterr().out
    assert "value_" not in printed and "Literal[]" not in printed


def test_ask_pinned_to_any_known_study_returns_plain_data(client):
    r = client.predict("What does double-blind mean here?", MISLE, api_name="/ask")
    assert r["status"] == "answered" and r["study_id"] == MISLE
    assert "<" not in r["text"] and "[1]" in r["text"]  # text, not an HTML fragment
    by_label = {c["label"]: c for c in r["citations"]}
    # a label for people, the field path for machines, and the record's own words
    assert by_label["Glossary › Double-blind"]["field_path"] == "glossary.double_blind"
    masking = by_label[f"{MISLE} · Design › Masking"]
    assert masking["field_path"] == MASKING and masking["quote"] == "Double (Participant, Investigator)"
    assert masking["source_url"] == f"https://clinicaltrials.gov/study/{MISLE}"

    # the study from the issue, pinned by an ID the picker never listed for this client, in lower case too
    r = client.predict("Who can join?", AXSPAND.lower(), api_name="/ask")
    assert r["status"] == "answered" and r["study_id"] == AXSPAND
    assert {c["study_id"] for c in r["citations"]} == {AXSPAND}


def test_ask_follow_up_with_history_and_abstention_with_contacts(client):
    history = [{"role": "user", "content": "Who can join the C-AXSPAND study?"},
               {"role": "assistant", "content": "Adults aged 18 or older could take part [1]."}]
    r = client.predict("Where is it happening?", "", history, api_name="/ask")
    assert r["study_id"] == AXSPAND and r["citations"][0]["field_label"].startswith("Locations")

    r = client.predict("Is there free parking for visitors?", MISLE, api_name="/ask")
    assert r["status"] == "abstained"
    assert r["contacts"] == [{"name": "Gary Gilkeson", "role": "Contact", "phone": "(843) 792 - 6043",
                              "email": "gilkeson@musc.edu", "affiliation": ""}]
    assert "• Gary Gilkeson (study contact) · phone: (843) 792 - 6043 · e-mail: gilkeson@musc.edu [1]" in r["text"]


def test_find_studies_by_acronym_id_or_title(client):
    assert [s["study_id"] for s in client.predict("MiSLE", api_name="/find_studies")] == [MISLE, "NIH-11159694"]
    assert [s["study_id"] for s in client.predict("c-axspand", 5, api_name="/find_studies")] == [AXSPAND]
    assert [s["study_id"] for s in client.predict("certolizumab", api_name="/find_studies")] == [AXSPAND]
    s = client.predict("nct02633163", api_name="/study")
    assert s == {"study_id": MISLE, "title": "Phase 2 Trial of Mesenchymal Stem Cells in Systemic Lupus "
                 "Erythematosus (MiSLE)", "acronym": "MiSLE", "names": ["MiSLE"],
                 "source_url": f"https://clinicaltrials.gov/study/{MISLE}"}


def test_bad_input_gets_a_clear_error_and_no_traceback(client, served_cli):  # noqa: F811
    before = served_cli.log()
    with pytest.raises(AppError, match=r"No study with ID 'NCT99999999' is in this collection: find one with "
                                       r"/find_studies"):
        client.predict("Who can join?", "NCT99999999", api_name="/ask")
    with pytest.raises(AppError, match="The question is empty"):
        client.predict("   ", MISLE, api_name="/ask")
    with pytest.raises(AppError, match=r"history\[0\] must look like"):
        client.predict("Where is it?", "", [{"role": "doctor", "content": "hi"}], api_name="/ask")
    with pytest.raises(AppError, match="No study with ID 'NOPE'"):
        client.predict("NOPE", api_name="/study")
    with pytest.raises(ValueError):  # the chat's own handler is not an endpoint
        client.predict("Who can join?", api_name="/respond")
    after = served_cli.log()[len(before):]
    assert "Traceback" not in after and "ERROR" not in after, after
