"""The ONNX Runtime embedder: an export of the bundled weights that gives the same vectors as torch."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from conftest import SAMPLE_PATHS


@pytest.fixture(scope="module")
def sample_texts() -> list[str]:
    from ingest.chunking import chunk_study
    from ingest.pipeline import IngestReport, load_studies

    studies = load_studies(SAMPLE_PATHS, IngestReport())
    texts = [c.text for s in studies for c in chunk_study(s)]
    return texts[::8][:150]  # every 8th chunk: all formats, short and long


@pytest.fixture(scope="module")
def torch_embeddings():
    from trialchat.embeddings import make_embeddings

    return make_embeddings(backend="torch")


def test_default_backend_is_onnx_and_gives_torch_vectors(embeddings, torch_embeddings, sample_texts):
    """The shared embedder every other test uses is the ONNX one, and its vectors are torch's."""
    from trialchat.onnx_embedder import OnnxEmbeddings

    assert isinstance(embeddings, OnnxEmbeddings)
    ours = np.asarray(embeddings.embed_documents(sample_texts))
    ref = np.asarray(torch_embeddings.embed_documents(sample_texts))
    assert ours.shape == ref.shape == (len(sample_texts), 384)
    cos = np.sum(ours * ref, axis=1)
    assert cos.min() >= 0.999, f"min cosine {cos.min():.5f}"
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    q = "Can I join if I'm 70?"
    assert float(np.dot(embeddings.embed_query(q), torch_embeddings.embed_query(q))) >= 0.999


def test_batch_order_does_not_change_a_vector(embeddings, sample_texts):
    """Texts are sorted by length into batches; each vector must come back at its own position."""
    alone = np.asarray([embeddings.embed_query(t) for t in sample_texts[:5]])
    mixed = np.asarray(embeddings.embed_documents(list(reversed(sample_texts[:40]))))[::-1][:5]
    assert np.allclose(alone, mixed, atol=1e-4)
    assert embeddings.embed_documents([]) == []


def test_settings_pick_the_backend(tmp_path):
    from trialchat.embeddings import SentenceTransformerEmbeddings, embeddings_for
    from trialchat.settings import Settings
    from trialchat.vector_table import TableBackedEmbeddings

    plain = embeddings_for(Settings(data_dir=tmp_path, embedding_backend="torch", shipped_vectors=False))
    assert isinstance(plain, SentenceTransformerEmbeddings)
    backed = embeddings_for(Settings(data_dir=tmp_path, embedding_backend="torch"))  # shipped vectors on
    assert isinstance(backed, TableBackedEmbeddings) and isinstance(backed.inner, SentenceTransformerEmbeddings)
    os.environ["TRIALCHAT_EMBEDDING_BACKEND"] = "onnx"
    try:
        assert Settings(data_dir=tmp_path).embedding_backend == "onnx"
    finally:
        del os.environ["TRIALCHAT_EMBEDDING_BACKEND"]


def test_a_damaged_export_is_made_again(embeddings, tmp_path):
    """A truncated model.onnx in the cache (full disk, killed copy) is replaced, not used."""
    from trialchat.embeddings import make_embeddings
    from trialchat.onnx_export import META_FILE, MODEL_FILE, export_dir

    model_dir = embeddings.model_dir
    cache = tmp_path / "cache"
    target = export_dir(model_dir, cache)
    target.mkdir(parents=True)
    (target / MODEL_FILE).write_bytes(Path(embeddings.onnx_file).read_bytes()[:1000])
    (target / META_FILE).write_text("{}")
    fresh = make_embeddings(backend="onnx", cache_dir=cache)
    assert float(np.dot(fresh.embed_query("placebo"), embeddings.embed_query("placebo"))) >= 0.9999
    meta = json.loads((target / META_FILE).read_text())
    assert meta["min_cosine_probes"] >= 0.9999 and meta["fused"] is True


def test_a_model_the_onnx_path_does_not_cover_falls_back_to_torch(embeddings, tmp_path, caplog):
    """CLS pooling is not what the ONNX path computes: auto keeps torch and says so; onnx is an error."""
    from trialchat.embeddings import ModelNotFoundError, SentenceTransformerEmbeddings, make_embeddings

    src = Path(embeddings.model_dir)
    model = tmp_path / "cls-model"
    for p in src.rglob("*"):
        dest = model / p.relative_to(src)
        if p.is_dir():
            dest.mkdir(parents=True, exist_ok=True)
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.symlink_to(p)
    pooling = model / "1_Pooling" / "config.json"
    cfg = json.loads(pooling.read_text())
    pooling.unlink()
    pooling.write_text(json.dumps({**cfg, "pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True}))

    auto = make_embeddings(str(model), backend="auto", cache_dir=tmp_path / "cache")
    assert isinstance(auto, SentenceTransformerEmbeddings)
    assert "mean pooling" in caplog.text
    with pytest.raises(ModelNotFoundError, match="TRIALCHAT_EMBEDDING_BACKEND=torch"):
        make_embeddings(str(model), backend="onnx", cache_dir=tmp_path / "cache")


def test_onnx_embedder_does_not_import_torch(embeddings):
    """Answering needs no torch once the export exists: a fresh process loads and embeds without it."""
    import subprocess
    import sys

    code = ("import sys; from trialchat.embeddings import make_embeddings; from pathlib import Path; "
            f"e = make_embeddings(backend='onnx', cache_dir=Path({str(Path(embeddings.onnx_file).parents[2])!r})); "
            "v = e.embed_query('who can join?'); print(len(v), 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["384", "False"]
