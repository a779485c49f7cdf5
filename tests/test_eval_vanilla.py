"""The vanilla-RAG baseline: study rendering with spans, offset mapping of splits back to fields, and its
own Chroma collection (real Chroma, the bundled embedder) kept in step with the main one."""
from __future__ import annotations

import json

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant.types import FinalEvent, SourcesEvent, TokenEvent
from eval import metrics as M
from eval.vanilla import (
    FINGERPRINT_KEY,
    FieldSpan,
    VanillaRAG,
    build_vanilla_service,
    field_overlaps,
    make_splitter,
    path_sort_key,
    render_studies,
    split_study,
)
from trialchat.schema import GLOSSARY_ID, Chunk
from trialchat.store import open_store

MASKING = "protocolSection.designModule.designInfo.maskingInfo"
ELIG = "protocolSection.eligibilityModule.eligibilityCriteria"
TITLE = "protocolSection.identificationModule.briefTitle"


def chunk(sid: str, path: str, label: str, text: str, index: int = 0, title: str = "A lupus study") -> Chunk:
    c = Chunk(text=f"{label}\n{text}", study_id=sid, study_title=title, field_path=path, field_label=label,
              source_file="f.json", source_url=f"https://clinicaltrials.gov/study/{sid}", chunk_index=index)
    c.content_hash = c.compute_hash()
    return c


def as_rows(chunks: list[Chunk]) -> list[tuple[str, str, dict]]:
    return [(c.id, c.text, c.metadata()) for c in chunks]


CRITERIA = " ".join(f"Inclusion criterion {i}: adults aged 18 to 65 with active disease score above {i}."
                    for i in range(40))  # ~3,300 characters: several 1000-character splits
STUDY = [
    chunk("NCT1", ELIG, "Eligibility › Criteria", CRITERIA[:1800], 0),
    chunk("NCT1", ELIG, "Eligibility › Criteria", CRITERIA[1800:], 1),  # a long field in two pieces
    chunk("NCT1", MASKING, "Design › Masking", "Double (Participant, Investigator)"),
    chunk("NCT1", TITLE, "Brief title", "A lupus study"),
    chunk("NCT1", "protocolSection.contactsLocationsModule.locations[10]", "Locations › Atlanta", "Emory, Atlanta"),
    chunk("NCT1", "protocolSection.contactsLocationsModule.locations[2]", "Locations › Charleston",
          "MUSC, Charleston, South Carolina"),
    chunk("NCT2", MASKING, "Design › Masking", "None (Open Label)", title="A headache study"),
    chunk("NCT2", "protocolSection.conditionsModule.conditions", "Conditions", "Cluster headache",
          title="A headache study"),
    chunk(GLOSSARY_ID, "glossary.double_blind", "Glossary › Double-blind",
          "Neither the participants nor the researchers know who gets which treatment.", title="Glossary"),
]


def test_render_studies_records_spans_in_module_and_natural_order():
    studies = {s.study_id: s for s in render_studies(as_rows(STUDY))}
    st = studies["NCT1"]
    assert st.text.startswith("Study NCT1: A lupus study\n")
    paths = [s.field_path for s in st.spans]
    assert paths.index(TITLE) < paths.index(MASKING) < paths.index(ELIG)
    assert paths.index("protocolSection.eligibilityModule.eligibilityCriteria") < paths.index(
        "protocolSection.contactsLocationsModule.locations[2]") < paths.index(
        "protocolSection.contactsLocationsModule.locations[10]")  # locations[2] before [10]
    for span in st.spans:
        line = st.text[span.start:span.end]
        assert line.startswith(span.field_label + ": ")
        assert st.text[span.value_start:span.end] == line[len(span.field_label) + 2:]
    elig = next(s for s in st.spans if s.field_path == ELIG)
    assert st.text[elig.value_start:elig.end] == CRITERIA[:1800].strip() + "\n" + CRITERIA[1800:].strip()
    assert GLOSSARY_ID in studies and studies["NCT2"].text.count("\n") == 3


def test_path_sort_key_natural_order():
    assert path_sort_key("x.locations[2]") < path_sort_key("x.locations[10]")
    assert path_sort_key("protocolSection.identificationModule.briefTitle") < path_sort_key(
        "protocolSection.statusModule.overallStatus") < path_sort_key("resultsSection.adverseEventsModule")


def test_field_overlaps_hand_made():
    #            0         1         2         3
    #            0123456789012345678901234567890123456
    # text:     "Study X\nMasking: Double\nPhase: Phase 2\n"
    spans = [FieldSpan("m", "Masking", 8, 23, 17), FieldSpan("p", "Phase", 24, 38, 31)]
    assert field_overlaps(0, 17, spans) == []  # only the header and the label "Masking: ": no value
    got = field_overlaps(10, 33, spans)
    assert [(o.field_path, o.start, o.end, o.chars) for o in got] == [("m", 17, 23, 6), ("p", 31, 33, 2)]
    got = field_overlaps(20, 38, spans)
    assert [o.field_path for o in got] == ["p", "m"]  # largest overlap first
    assert field_overlaps(23, 24, spans) == []  # just the newline between the fields


def test_splits_keep_offsets_and_cover_every_field():
    st = next(s for s in render_studies(as_rows(STUDY)) if s.study_id == "NCT1")
    splits = split_study(st, make_splitter())
    assert len(splits) >= 4
    covered = set()
    for _cid, text, meta in splits:
        assert len(text) <= 1000
        assert st.text[meta["start_index"]:meta["end_index"]] == text  # the offsets are exact
        fields = json.loads(meta["fields"])
        assert fields and meta["field_path"] == fields[0][0]
        for path, _label, start, end in fields:
            assert meta["start_index"] <= start < end <= meta["end_index"]
            covered.add(path)
    assert covered == {s.field_path for s in st.spans}


@pytest.fixture
def vanilla_store(settings, embeddings):
    store = open_store(settings, embeddings)
    store.upsert(STUDY)
    store.rebuild_lexical()
    return store


def test_vanilla_index_builds_once_rebuilds_on_change_and_maps_back_to_fields(settings, vanilla_store):
    said: list[str] = []
    svc = build_vanilla_service(settings, store=vanilla_store, log=said.append)  # llm=extractive here
    coll = vanilla_store.client.get_collection(f"{settings.collection}__vanilla")
    fp = coll.metadata[FINGERPRINT_KEY]
    assert fp != "building" and coll.count() >= 5

    hits = svc.index.search("Is this study double-blind? Who is masked?", 5, {"NCT1", GLOSSARY_ID})
    assert hits and {h.study_id for h in hits} <= {"NCT1", GLOSSARY_ID}
    assert all(h.text and h.end_index - h.start_index == len(h.text) for h in hits)
    items = [M.Retrieved(h.study_id, tuple(h.field_paths), h.score) for h in hits]
    assert M.hit_rank(items, {"NCT1"}, [MASKING], 5) is not None  # scored like every configuration

    events = list(svc.stream("Is this study double-blind?", "NCT2"))
    assert isinstance(events[0], SourcesEvent) and {s.study_id for s in events[0].sources} <= {"NCT2", GLOSSARY_ID}
    assert isinstance(events[-1], FinalEvent) and events[-1].answer.citations == []

    again = build_vanilla_service(settings, store=vanilla_store, log=said.append)  # unchanged: reused
    assert again.index.client.get_collection(again.index.name).metadata[FINGERPRINT_KEY] == fp
    assert said[0].startswith(f"vanilla: index '{settings.collection}__vanilla' built for store fingerprint {fp[:12]}")
    assert said[1] == f"vanilla: index '{settings.collection}__vanilla' reused (store fingerprint {fp[:12]} unchanged)"

    vanilla_store.upsert([chunk("NCT2", MASKING, "Design › Masking", "Single (Outcomes Assessor)",
                                title="A headache study")])
    changed = build_vanilla_service(settings, store=vanilla_store)
    assert changed.index.client.get_collection(changed.index.name).metadata[FINGERPRINT_KEY] != fp
    docs = changed.index.vectors.get(where={"study_id": "NCT2"})["documents"]
    assert any("Outcomes Assessor" in d for d in docs) and not any("Open Label" in d for d in docs)


def test_vanilla_rag_streams_tokens_and_abstains_when_it_does_not_know(settings, vanilla_store):
    svc = build_vanilla_service(settings, store=vanilla_store)
    llm = GenericFakeChatModel(messages=iter([
        AIMessage(content="The study is double-blind: participants and investigators are masked."),
        AIMessage(content="I don't know."),
    ]))
    rag = VanillaRAG(svc.index, llm, k=3)
    events = list(rag.stream("Is this study double-blind?", "NCT1"))
    assert isinstance(events[0], SourcesEvent) and len(events[0].sources) == 3
    assert sum(isinstance(e, TokenEvent) for e in events) > 1
    answer = events[-1].answer
    assert answer.status == "answered" and "double-blind" in answer.text and answer.citations == []
    assert rag.ask("Will they pay for my travel?", "NCT1").status == "abstained"
