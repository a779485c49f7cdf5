"""First start: the bundled sample's vectors ship with it, are checked against the embedder, and are used."""
from __future__ import annotations

import numpy as np
import pytest
from conftest import SAMPLE_PATHS


@pytest.fixture(scope="module")
def first_start_texts() -> list[str]:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "corpus"))
    from build_sample_vectors import first_start_texts

    return first_start_texts()


@pytest.fixture(scope="module")
def table():
    from trialchat.vector_table import SHIPPED_TABLE, VectorTable

    loaded = VectorTable.load(SHIPPED_TABLE)
    assert loaded is not None, "corpus/sample_vectors.npz is missing: run corpus/build_sample_vectors.py"
    return loaded


def test_shipped_vectors_cover_the_sample_and_router_bank(table, first_start_texts):
    missing = [t for t in first_start_texts if table.get(t) is None]
    assert len(missing) <= 0.05 * len(first_start_texts), (
        f"{len(missing)} of {len(first_start_texts)} first-start texts have no shipped vector (e.g. "
        f"{missing[:2]!r}): run `python corpus/build_sample_vectors.py`")


def test_shipped_vectors_are_the_embedders_vectors(table, first_start_texts, embeddings):
    """Every 25th text: the shipped vector equals what the live embedder computes for it."""
    from trialchat.vector_table import TableBackedEmbeddings

    inner = embeddings.inner if isinstance(embeddings, TableBackedEmbeddings) else embeddings
    texts = [t for t in first_start_texts[::25] if table.get(t) is not None]
    live = np.asarray(inner.embed_documents(texts))
    shipped = np.asarray([table.get(t) for t in texts])
    assert np.sum(live * shipped, axis=1).min() >= 0.999
    assert table.agreement(inner) >= 0.999


def test_a_table_that_does_not_match_the_embedder_is_ignored(embeddings, caplog):
    """Foreign vectors (another model, a corrupted file) never reach a store: the embedder is used."""
    from trialchat.vector_table import TableBackedEmbeddings, VectorTable

    inner = embeddings.inner if isinstance(embeddings, TableBackedEmbeddings) else embeddings
    texts = ["Who can join?", "Where is it happening?", "Masking: Double"]
    rng = np.random.default_rng(0)
    wrong = rng.normal(size=(3, 384)).astype(np.float32)
    wrong /= np.linalg.norm(wrong, axis=1, keepdims=True)
    backed = TableBackedEmbeddings(inner, VectorTable.build(texts, wrong, probes=2))
    got = np.asarray(backed.embed_documents(texts))
    assert np.allclose(got, np.asarray(inner.embed_documents(texts)), atol=1e-5)
    assert "do not match this embedder" in caplog.text


def test_table_hits_and_misses_mix_in_order(embeddings):
    from trialchat.vector_table import TableBackedEmbeddings, VectorTable

    inner = embeddings.inner if isinstance(embeddings, TableBackedEmbeddings) else embeddings
    known = ["Who can join?", "Where is it happening?"]
    backed = TableBackedEmbeddings(inner, VectorTable.build(known, np.asarray(inner.embed_documents(known)), 2))
    texts = ["a text the table does not hold", known[1], "another new one", known[0]]
    got = np.asarray(backed.embed_documents(texts))
    want = np.asarray(inner.embed_documents(texts))
    assert np.sum(got * want, axis=1).min() >= 0.9999


def test_fresh_data_dir_ingests_the_sample_from_shipped_vectors(tmp_path, embeddings, table):
    """The demo's ingest: same chunks as always, vectors from the table, and retrieval works on them."""
    from ingest.pipeline import ingest_paths
    from trialchat.settings import Settings
    from trialchat.store import open_store
    from trialchat.vector_table import TableBackedEmbeddings

    inner = embeddings.inner if isinstance(embeddings, TableBackedEmbeddings) else embeddings
    calls = []

    class Counting(type(inner)):  # a real subclass: counts what still had to be embedded
        def embed_documents(self, texts):
            calls.append(len(texts))
            return super().embed_documents(texts)

    counting = Counting(inner.model_dir, inner.onnx_file)
    store = open_store(Settings(data_dir=tmp_path / "data"), TableBackedEmbeddings(counting, table))
    report = ingest_paths(SAMPLE_PATHS, store)
    assert report.ok and report.chunks_added > 1000
    embedded = sum(calls)
    assert embedded <= 0.05 * report.chunks_added + 16, f"{embedded} chunks embedded despite the shipped table"
    hits = store.dense_search("Can I join if I'm 70?", 5, {"NCT02633163"})
    assert hits and all(h[2]["study_id"] == "NCT02633163" for h in hits)
    assert any("ligibility" in h[2]["field_label"] for h in hits)


def test_service_warm_up_trains_the_router(sample_settings, sample_store):
    from assistant.service import build_answer_service

    service = build_answer_service(sample_settings, store=sample_store, llm_from_settings=False)
    router = service.chain.p.router
    assert router is not None and router._trained is None
    service.warm_up()
    assert router._trained is not None
