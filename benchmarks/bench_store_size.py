"""What each chunk costs the store, measured without embedding: parse + chunk time, BM25 memory per replica,
Chroma write speed, server memory and disk. The figures behind the full-registry projection in docs/deploy.md.

    nice -n 10 .venv/bin/python benchmarks/bench_store_size.py [--sources v2 legacy xml nli4ct] [--out benchmarks/out]

1. Parse, screen and chunk the chosen sources of the shared corpus (default: all), the bundled sample and the
   glossary, as `trialchat ingest` does, without embedding.
2. BM25 (`trialchat.lexical.LexicalIndex`) over half and over all of those chunks: build time, disk, and the
   memory a serving process holds once it has loaded the index (VmRSS of a fresh process after its first
   search, minus the same process before it); the slope between the two sizes is the per-chunk figure.
3. A `chroma run` server on an empty dir: every chunk upserted through `trialchat.vector_store.VectorStore`
   (the ingest's own write path, batches of 128) with random unit vectors of MiniLM's 384 dimensions in
   place of embeddings: write speed (the ingest's floor when embedding costs nothing, e.g. a GPU endpoint),
   then 20 pinned and 20 unpinned queries, the server's resident and peak memory, its disk.
Writes store_size.json and store_size.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.bench_scale import SAMPLE, SOURCES, ChromaServer  # noqa: E402

DIM = 384
BATCH = 128  # as ingest.pipeline.EMBED_BATCH

MEASURE_BM25 = r"""
import json, sys
from pathlib import Path
def rss():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
import bm25s, Stemmer, numpy  # imports are not the index
from trialchat.lexical import LexicalIndex, english_stemmer
english_stemmer()
idx = LexicalIndex(Path(sys.argv[1]))
before = rss()
hits = idx.search("placebo randomized lupus", 5)
pinned = idx.search("who can take part", 5, {"NCT02552212"})
print(json.dumps({"rss_before": before, "rss_after": rss(), "hits": len(hits)}))
"""


def rss_of(pid: int, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def tree_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def load_chunks(sources: list[str]):
    from ingest.chunking import chunk_study
    from ingest.pipeline import IngestReport, load_studies

    t = time.perf_counter()
    studies = load_studies([*(SOURCES[s] for s in sources), *SAMPLE], IngestReport())
    chunks = [c for s in studies for c in chunk_study(s.answerable())]
    return studies, chunks, time.perf_counter() - t


def bm25_at(chunks, directory: Path) -> dict:
    from trialchat.lexical import LexicalIndex, LexicalRow

    rows = [LexicalRow(c.id, c.study_id, c.content_hash, c.text) for c in chunks]
    t = time.perf_counter()
    LexicalIndex(directory).rebuild(rows)
    build = time.perf_counter() - t
    out = subprocess.run([sys.executable, "-c", MEASURE_BM25, str(directory)], capture_output=True, text=True,
                         cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, check=True)
    m = json.loads(out.stdout.strip().splitlines()[-1])
    return {"chunks": len(chunks), "build_s": round(build, 1), "disk_mb": round(tree_bytes(directory) / 1e6, 1),
            "rss_mb": round((m["rss_after"] - m["rss_before"]) / 1e6, 1)}


def chroma_at(chunks, workdir: Path) -> dict:
    import numpy as np

    from trialchat.chroma_client import ChromaHandle
    from trialchat.settings import Settings
    from trialchat.vector_store import VectorStore

    rng = np.random.default_rng(0)
    with ChromaServer(workdir / "chroma") as url:
        handle = ChromaHandle(Settings(data_dir=workdir / "data", chroma_url=url))
        vs = VectorStore(handle.collection("size"), embeddings=None, embedded=False)  # type: ignore[arg-type]
        pid = _server_pid(url)
        idle = rss_of(pid, "VmRSS")
        t = time.perf_counter()
        for i in range(0, len(chunks), BATCH):
            batch = chunks[i:i + BATCH]
            v = rng.standard_normal((len(batch), DIM)).astype(np.float32)
            v /= np.linalg.norm(v, axis=1, keepdims=True)
            vs.upsert(batch, v.tolist())
        write = time.perf_counter() - t
        q = rng.standard_normal((20, DIM)).astype(np.float32)
        studies = sorted({c.study_id for c in chunks})
        t = time.perf_counter()
        for i in range(20):
            vs.search("", 5, None, q[i].tolist())
            vs.search("", 5, {studies[i * 7 % len(studies)]}, q[i].tolist())
        query = (time.perf_counter() - t) / 40
        rss, peak = rss_of(pid, "VmRSS"), rss_of(pid, "VmHWM")
    return {"chunks": len(chunks), "write_s": round(write, 1), "write_chunks_per_s": round(len(chunks) / write, 1),
            "query_ms": round(query * 1000, 1), "server_idle_mb": round((idle or 0) / 1e6, 1),
            "server_rss_mb": round((rss or 0) / 1e6, 1), "server_peak_mb": round((peak or 0) / 1e6, 1),
            "disk_mb": round(tree_bytes(workdir / "chroma") / 1e6, 1)}


def _server_pid(url: str) -> int:
    """The `chroma run` process listening on the URL's port (a child of this process)."""
    port = url.rsplit(":", 1)[1]
    me = os.getpid()
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text().split()
            cmd = (d / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if int(stat[3]) == me and b"run" in cmd and port.encode() in cmd:
            return int(d.name)
    raise RuntimeError("chroma server process not found")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sources", nargs="+", choices=sorted(SOURCES), default=sorted(SOURCES))
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out")
    args = ap.parse_args()
    studies, chunks, parse_s = load_chunks(args.sources)
    print(f"{len(studies)} studies, {len(chunks)} chunks parsed and chunked in {parse_s:.1f}s", flush=True)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        half = chunks[: len(chunks) // 2]
        bm25 = [bm25_at(half, tmp / "bm25-half"), bm25_at(chunks, tmp / "bm25-full")]
        print(json.dumps(bm25), flush=True)
        chroma = chroma_at(chunks, tmp)
        print(json.dumps(chroma), flush=True)
    d_chunks = bm25[1]["chunks"] - bm25[0]["chunks"]
    per_chunk = {
        "parse_chunk_ms": round(parse_s / len(chunks) * 1000, 3),
        "bm25_rss_bytes": round((bm25[1]["rss_mb"] - bm25[0]["rss_mb"]) * 1e6 / d_chunks),
        "bm25_disk_bytes": round((bm25[1]["disk_mb"] - bm25[0]["disk_mb"]) * 1e6 / d_chunks),
        "bm25_build_ms": round(bm25[1]["build_s"] / bm25[1]["chunks"] * 1000, 3),
        "chroma_write_ms": round(1000 / chroma["write_chunks_per_s"], 3),
        "chroma_rss_bytes": round((chroma["server_rss_mb"] - chroma["server_idle_mb"]) * 1e6 / chroma["chunks"]),
        "chroma_disk_bytes": round(chroma["disk_mb"] * 1e6 / chroma["chunks"]),
    }
    machine = f"{platform.machine()} {platform.python_version()}, {os.cpu_count()} cores (shared)"
    result = {"studies": len(studies), "chunks": len(chunks), "parse_s": round(parse_s, 1), "bm25": bm25,
              "chroma": chroma, "per_chunk": per_chunk, "machine": machine}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "store_size.json").write_text(json.dumps(result, indent=1))
    lines = ["# What a chunk costs the store (no embedding)", "",
             f"{len(studies):,} studies, {len(chunks):,} chunks (shared corpus: {', '.join(args.sources)}; the sample "
             "and the glossary), "
             f"parsed, screened and chunked in {parse_s:.0f} s.", "",
             "BM25 (`LexicalIndex`): a fresh serving process's resident memory after its first search, minus before.", "",
             "| chunks | build s | disk MB | resident MB |", "|---|---|---|---|"]
    lines += [f"| {b['chunks']:,} | {b['build_s']} | {b['disk_mb']} | {b['rss_mb']} |" for b in bm25]
    lines += ["", "Chroma (`chroma run`, the ingest's write path with random 384-d unit vectors for embeddings):", "",
              "| chunks | write s | chunks/s | query ms | server idle MB | server resident MB | peak MB | disk MB |",
              "|---|---|---|---|---|---|---|---|",
              f"| {chroma['chunks']:,} | {chroma['write_s']} | {chroma['write_chunks_per_s']} | {chroma['query_ms']} | "
              f"{chroma['server_idle_mb']} | {chroma['server_rss_mb']} | {chroma['server_peak_mb']} | {chroma['disk_mb']} |",
              "", "Per chunk:", "", "| figure | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in per_chunk.items()]
    lines += ["", f"Measured on {machine}."]
    (args.out / "store_size.md").write_text("\n".join(lines) + "\n")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
