"""ONNX Runtime vs sentence-transformers (torch) for the bundled embedder: same chunks, same run.

    .venv/bin/python benchmarks/bench_embed.py [--json] [--chunks 500] [--rounds 2] [--out benchmarks/out]

Goals (issue #11): min cosine ≥ 0.999 on every chunk (the existing index stays valid), bulk ratio
(ONNX chunks/s ÷ torch chunks/s) ≥ 1.5, single-query latency ratio (torch ms ÷ ONNX ms) ≥ 3.
The two backends run interleaved, round after round, and each keeps its best round: the machine is
shared, so the ratio of best rounds is the figure to read, not the absolute numbers.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from ingest.chunking import chunk_study  # noqa: E402
from ingest.pipeline import IngestReport, load_studies  # noqa: E402
from trialchat.embeddings import make_embeddings  # noqa: E402
from trialchat.settings import Settings  # noqa: E402

QUERIES = ["What does double-blind mean here?", "Can I join if I'm 70?", "Who can join?",
           "Where is it happening?", "Is it still recruiting?", "What are the side effects?",
           "How many people take part?", "Who runs this study and how do I contact them?"]


def sample_chunks(n: int) -> list[str]:
    studies = load_studies([REPO / "corpus" / "sample", REPO / "ingest" / "glossary"], IngestReport())
    texts = [c.text for s in studies for c in chunk_study(s)]
    return texts[:n]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object only")
    ap.add_argument("--chunks", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=2, help="interleaved bulk rounds per backend (best kept)")
    ap.add_argument("--queries", type=int, default=40, help="single-query encodes per backend")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out")
    args = ap.parse_args()

    texts = sample_chunks(args.chunks)
    cache = Settings().resolved_model_cache()
    backends = {"torch": make_embeddings(backend="torch"), "onnx": make_embeddings(backend="onnx", cache_dir=cache)}
    for emb in backends.values():  # load + warm up outside the timings
        emb.embed_documents(texts[:32])
        emb.embed_query(QUERIES[0])

    bulk: dict[str, list[float]] = {name: [] for name in backends}
    vectors: dict[str, np.ndarray] = {}
    for _ in range(args.rounds):
        for name, emb in backends.items():
            t = time.perf_counter()
            vecs = emb.embed_documents(texts)
            bulk[name].append(time.perf_counter() - t)
            vectors[name] = np.asarray(vecs, dtype=np.float32)
    query_ms: dict[str, list[float]] = {name: [] for name in backends}
    for i in range(args.queries):  # interleaved one by one: both see the same load
        for name, emb in backends.items():
            t = time.perf_counter()
            emb.embed_query(QUERIES[i % len(QUERIES)])
            query_ms[name].append((time.perf_counter() - t) * 1000)

    cos = np.sum(vectors["torch"] * vectors["onnx"], axis=1)
    torch_cps = len(texts) / min(bulk["torch"])
    onnx_cps = len(texts) / min(bulk["onnx"])
    q_torch, q_onnx = statistics.median(query_ms["torch"]), statistics.median(query_ms["onnx"])
    result = {
        "chunks": len(texts),
        "torch_chunks_per_s": round(torch_cps, 1),
        "onnx_chunks_per_s": round(onnx_cps, 1),
        "ratio": round(onnx_cps / torch_cps, 3),
        "query_ms_torch": round(q_torch, 2),
        "query_ms_onnx": round(q_onnx, 2),
        "query_ratio": round(q_torch / q_onnx, 2),
        "min_cosine": round(float(cos.min()), 6),
        "mean_cosine": round(float(cos.mean()), 6),
        "rounds": args.rounds, "queries": args.queries,
        "machine": f"{platform.machine()} {platform.python_version()}",
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "embed.json").write_text(json.dumps(result, indent=2) + "\n")
    goals = {"min_cosine ≥ 0.999": result["min_cosine"] >= 0.999, "bulk ratio ≥ 1.5": result["ratio"] >= 1.5,
             "query latency ratio ≥ 3": result["query_ratio"] >= 3}
    lines = ["# Embedder benchmark: ONNX Runtime vs torch", "",
             f"Same {len(texts)} chunks of the bundled sample, same run, {args.rounds} interleaved rounds (best kept); "
             f"{args.queries} single queries each, interleaved (median).", "",
             "| metric | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in result.items()]
    lines += ["", "Goals: " + "; ".join(f"{g} → {'met' if ok else 'NOT met'}" for g, ok in goals.items())]
    (args.out / "embed.md").write_text("\n".join(lines) + "\n")
    print(json.dumps(result) if args.json else "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
