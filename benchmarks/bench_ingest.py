"""Ingest throughput vs the raw embedder on the same chunks, in the same run; and unchanged re-ingest.

    .venv/bin/python benchmarks/bench_ingest.py [--studies N] [--out benchmarks/out]

Goal: ingest chunks/s ≥ 0.9 × raw embedder chunks/s; re-ingesting an unchanged corpus takes a small
fraction of the first ingest. Absolute times drift on shared machines, so read the ratios.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ingest.chunking import chunk_study  # noqa: E402
from ingest.pipeline import IngestReport, ingest_paths, load_studies  # noqa: E402
from trialchat.embeddings import SentenceTransformerEmbeddings  # noqa: E402
from trialchat.settings import Settings  # noqa: E402
from trialchat.store import open_store  # noqa: E402

DEFAULT_INPUT = REPO.parent / "shared" / "data" / "ctgov_v2" / "ctg_downloads" / "dgg32__graph_bigquery__ctg-studies.json"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("inputs", nargs="*", type=Path, default=[DEFAULT_INPUT, REPO / "corpus" / "sample"])
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out")
    args = ap.parse_args()

    studies = load_studies(args.inputs, IngestReport())
    texts = [c.text for s in studies for c in chunk_study(s)]
    emb = SentenceTransformerEmbeddings()
    emb.embed_documents(texts[:32])  # load + warm up outside the timings

    t = time.perf_counter()
    for i in range(0, len(texts), 128):
        emb.embed_documents(texts[i:i + 128])
    raw_s = time.perf_counter() - t

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Settings(data_dir=Path(tmp)), emb)
        t = time.perf_counter()
        first = ingest_paths(args.inputs, store)
        first_s = time.perf_counter() - t
        t = time.perf_counter()
        again = ingest_paths(args.inputs, store)
        again_s = time.perf_counter() - t

    result = {
        "machine": f"{platform.machine()} {platform.python_version()}",
        "studies": len(studies), "chunks": len(texts),
        "raw_embed_s": round(raw_s, 2), "raw_embed_chunks_per_s": round(len(texts) / raw_s, 1),
        "ingest_s": round(first_s, 2), "ingest_chunks_per_s": round(first.chunks_added / first_s, 1),
        "throughput_ratio": round((first.chunks_added / first_s) / (len(texts) / raw_s), 3),
        "reingest_unchanged_s": round(again_s, 2), "reingest_fraction": round(again_s / first_s, 4),
        "reingest_added": again.chunks_added, "reingest_unchanged": again.chunks_unchanged,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "ingest.json").write_text(json.dumps(result, indent=2))
    lines = ["# Ingest benchmark", "", "| metric | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in result.items()]
    lines += ["", f"Goal: throughput_ratio ≥ 0.9 → {'met' if result['throughput_ratio'] >= 0.9 else 'NOT met'}; "
              f"re-ingest of an unchanged corpus = {result['reingest_fraction']:.1%} of the first ingest."]
    (args.out / "ingest.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
