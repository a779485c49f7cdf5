"""Rebuild corpus/sample_vectors.npz: the bundled embedder's vectors for every text a first start embeds.

    .venv/bin/python corpus/build_sample_vectors.py      # from the repository root, after changing the
                                                         # sample, the glossary, chunking or the router bank

Vectors are computed with sentence-transformers (torch), the reference the ONNX path is checked
against. The table is keyed by each text's SHA-256, so a stale table is harmless (changed texts are
embedded as usual); `tests/test_first_start.py` says when it no longer covers the sample.
"""
from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from trialchat.vector_table import SHIPPED_TABLE, VectorTable  # noqa: E402


def first_start_texts() -> list[str]:
    """The sample's chunk texts and the router's example questions, as ingest and the router embed them."""
    from assistant.router import load_examples
    from ingest.chunking import chunk_study
    from ingest.pipeline import IngestReport, load_studies
    from cli.main import SAMPLE_PATHS

    report = IngestReport()
    studies = load_studies(SAMPLE_PATHS, report)
    if report.failed:
        raise SystemExit(f"the sample does not parse cleanly: {report.failed}")
    texts = [c.text for s in studies for c in chunk_study(s)]
    return texts + [e.text for e in load_examples()]


def main() -> int:
    from trialchat.embeddings import make_embeddings

    texts = list(dict.fromkeys(first_start_texts()))
    vectors = np.asarray(make_embeddings(backend="torch").embed_documents(texts), dtype=np.float32)
    VectorTable.build(texts, vectors).save(SHIPPED_TABLE)
    print(f"{len(texts)} vectors -> {SHIPPED_TABLE.relative_to(REPO)} ({SHIPPED_TABLE.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
