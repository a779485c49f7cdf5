"""Every study we have in one collection on a `chroma run` server: ingest, size, retrieval at scale, updates.

    nice -n 10 .venv/bin/python benchmarks/bench_scale.py [--dir /tmp/trialchat-scale] [--phase all|ingest|measure]

Phases (one run does both; `--phase measure` reuses the store and ingest figures a previous `ingest` left in
--dir, so retrieval and update figures can be taken again without an hour of embedding):
- ingest: the whole shared corpus (API v2, legacy study fields, classic XML, NLI4CT trial reports) plus the
  bundled sample and glossary into collection `scale_full` of a `chroma run` server started on --dir;
  the bundled sample alone into `scale_sample`. Records studies, chunks, seconds, chunks/s, peak RSS.
- measure: retrieval p50/p95 (dense, BM25, hybrid) on the same 50 dev questions (pinned as the app pins
  them) at sample size and at full size; a one-study change applied to the full store, as a share of the
  first ingest; disk size. Writes benchmarks/out/scale.json and scale.md.
Goals (issue #11): retrieval p50 full ÷ sample ≤ 2; one-study update ≤ 1% of the first ingest.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SHARED = REPO.parent / "shared" / "data"
SOURCES = {"v2": SHARED / "ctgov_v2", "legacy": SHARED / "ctgov_legacy_studyfields", "xml": SHARED / "ctgov_xml",
           "nli4ct": SHARED / "nli4ct" / "CT_json"}
SAMPLE = [REPO / "corpus" / "sample", REPO / "ingest" / "glossary"]
FULL, SMALL = "scale_full", "scale_sample"
UPDATE_STUDY = SHARED / "ctgov_v2" / "single_studies" / "NCT02552212.json"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ChromaServer:
    """`chroma run` on a loopback port over --dir/chroma (the data survives between phases)."""

    def __init__(self, path: Path):
        self.path, self.port = path, free_port()

    def __enter__(self) -> str:
        chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
        self.log = open(self.path.parent / "chroma-server.log", "ab")
        self.proc = subprocess.Popen([chroma, "run", "--path", str(self.path), "--host", "127.0.0.1",
                                      "--port", str(self.port)], stdout=self.log, stderr=subprocess.STDOUT,
                                     env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
        deadline = time.time() + 120
        while time.time() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return f"http://127.0.0.1:{self.port}"
            if self.proc.poll() is not None:
                raise RuntimeError("chroma run exited; see chroma-server.log")
            time.sleep(0.3)
        raise TimeoutError("chroma run did not start")

    def peak_rss_mb(self) -> float | None:
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
        except OSError:
            return None
        return None

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def settings_for(workdir: Path, url: str, collection: str):
    from trialchat.settings import Settings

    # shipped_vectors off: the full ingest must embed what it stores, like a user's own corpus
    return Settings(data_dir=workdir / "data", chroma_url=url, collection=collection, llm="extractive",
                    shipped_vectors=False)


def open_at(workdir: Path, url: str, collection: str):
    from trialchat.embeddings import embeddings_for
    from trialchat.store import open_store

    s = settings_for(workdir, url, collection)
    return open_store(s, embeddings_for(s))


def phase_ingest(workdir: Path, sources: list[str]) -> dict:
    from ingest.pipeline import ingest_paths

    server = ChromaServer(workdir / "chroma")
    with server as url:
        small = open_at(workdir, url, SMALL)
        ingest_paths(SAMPLE, small, progress=True)
        store = open_at(workdir, url, FULL)
        store.embeddings.embed_query("warm up")  # model load is not ingest time
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t = time.perf_counter()
        report = ingest_paths([SOURCES[name] for name in sources] + SAMPLE, store, progress=True)
        ingest_s = time.perf_counter() - t
        chunks = store.count()
        result = {"studies": report.studies, "chunks": chunks, "ingest_s": round(ingest_s, 1),
                  "chunks_per_s": round((report.chunks_added + report.chunks_updated) / ingest_s, 1),
                  "chunks_embedded": report.chunks_added + report.chunks_updated,
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                  "peak_rss_mb_before_ingest": round(rss_before, 1),
                  "chroma_server_peak_rss_mb": server.peak_rss_mb(), "failed": report.failed[:20],
                  "embedding_backend": type(store.embeddings).__name__, "sources": sources}
    (workdir / "ingest.json").write_text(json.dumps(result, indent=2))
    return result


def dev_questions(n: int) -> list[dict]:
    rows = [json.loads(line) for line in (REPO / "eval" / "questions" / "dev.jsonl").read_text().splitlines() if line]
    return [r for r in rows if r.get("kind") != "decline"][:n]


def time_retrieval(store, questions: list[dict], k: int = 5) -> dict:
    from assistant.retrieval import HybridRetriever
    from trialchat.schema import GLOSSARY_ID

    out = {}
    for mode in ("dense", "bm25", "hybrid"):
        retriever = HybridRetriever(store=store, k=k, mode=mode)
        retriever.search(questions[0]["question"])  # warm caches (BM25 load) outside the timings
        ms = []
        for q in questions:
            scope = {q["study_id"], GLOSSARY_ID} if q.get("study_id") else None
            t = time.perf_counter()
            retriever.search(q["question"], study_ids=scope)
            ms.append((time.perf_counter() - t) * 1000)
        ms.sort()
        out[mode] = {"p50_ms": round(statistics.median(ms), 2), "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 2)}
    return out


def du_mb(*paths: Path) -> float:
    total = sum(f.stat().st_size for p in paths if p.exists() for f in p.rglob("*") if f.is_file())
    return round(total / 1e6, 1)


def one_study_update(workdir: Path, store) -> dict:
    """A changed copy of one study (its status and summary edited), ingested into the full store; then the
    original again, so the store ends as it was."""
    from ingest.pipeline import ingest_paths

    record = json.loads(UPDATE_STUDY.read_text())
    ps = record["protocolSection"]
    ps["statusModule"]["overallStatus"] = "ACTIVE_NOT_RECRUITING"
    ps["descriptionModule"]["briefSummary"] += " (Edited for the scale benchmark.)"
    changed = workdir / "update" / UPDATE_STUDY.name
    changed.parent.mkdir(exist_ok=True)
    changed.write_text(json.dumps(record))
    t = time.perf_counter()
    report = ingest_paths([changed], store)
    update_s = time.perf_counter() - t
    t = time.perf_counter()
    ingest_paths([UPDATE_STUDY], store)
    restore_s = time.perf_counter() - t
    return {"one_study_update_s": round(update_s, 2), "one_study_restore_s": round(restore_s, 2),
            "one_study_chunks_changed": report.chunks_updated + report.chunks_added + report.chunks_deleted}


def phase_measure(workdir: Path, n_questions: int, out_dir: Path) -> dict:
    ingest = json.loads((workdir / "ingest.json").read_text())
    questions = dev_questions(n_questions)
    with ChromaServer(workdir / "chroma") as url:
        small, full = open_at(workdir, url, SMALL), open_at(workdir, url, FULL)
        for store in (small, full):
            store.embeddings.embed_query("warm up")
            store.repair_derived()  # an index from an older version is rebuilt here, outside the timings
        t = time.perf_counter()
        full.rebuild_lexical()  # what a change would cost if the derived indexes were rebuilt from every chunk
        rebuild_s = time.perf_counter() - t
        sample_t = time_retrieval(small, questions)
        full_t = time_retrieval(full, questions)
        update = one_study_update(workdir, full)
        chunks_full, chunks_small = full.count(), small.count()
    result = {
        "studies": ingest["studies"], "chunks": chunks_full, "ingest_s": ingest["ingest_s"],
        "chunks_per_s": ingest["chunks_per_s"],
        "disk_mb": du_mb(workdir / "chroma", workdir / "data"),
        "peak_rss_mb": ingest["peak_rss_mb"],
        "retrieval_p50_ms_sample": sample_t["hybrid"]["p50_ms"],
        "retrieval_p50_ms_full": full_t["hybrid"]["p50_ms"],
        "retrieval_ratio": round(full_t["hybrid"]["p50_ms"] / sample_t["hybrid"]["p50_ms"], 2),
        "one_study_update_s": update["one_study_update_s"],
        "one_study_update_share": round(update["one_study_update_s"] / ingest["ingest_s"], 5),
        # extras
        "sample_chunks": chunks_small, "questions": len(questions),
        "retrieval_sample": sample_t, "retrieval_full": full_t,
        "retrieval_ratio_by_mode": {m: round(full_t[m]["p50_ms"] / sample_t[m]["p50_ms"], 2) for m in full_t},
        **{k: v for k, v in update.items() if k != "one_study_update_s"},
        "derived_full_rebuild_s": round(rebuild_s, 2),
        "derived_full_rebuild_share": round(rebuild_s / ingest["ingest_s"], 5),
        "embedding_backend": ingest.get("embedding_backend"), "sources": ingest.get("sources"),
        "machine": f"{platform.machine()} {platform.python_version()}, {os.cpu_count()} cores (shared)",
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "scale.json").write_text(json.dumps(result, indent=2) + "\n")
    (out_dir / "scale.md").write_text(report_md(result))
    return result


def report_md(r: dict) -> str:
    lines = ["# Scale benchmark: the whole shared corpus on a `chroma run` server", "",
             f"{r['studies']:,} studies, {r['chunks']:,} chunks in one collection (sources: "
             f"{', '.join(r.get('sources') or [])}, plus the bundled sample and glossary); "
             f"embedder: {r['embedding_backend']}.", "",
             "| metric | value |", "|---|---|"]
    for key in ("studies", "chunks", "ingest_s", "chunks_per_s", "disk_mb", "peak_rss_mb",
                "retrieval_p50_ms_sample", "retrieval_p50_ms_full", "retrieval_ratio",
                "one_study_update_s", "one_study_update_share"):
        lines.append(f"| {key} | {r[key]} |")
    lines += ["", f"Retrieval on the same {r['questions']} dev questions (pinned as the app pins them), "
              f"sample ({r['sample_chunks']:,} chunks) vs full:", "",
              "| mode | sample p50 / p95 ms | full p50 / p95 ms | p50 ratio |", "|---|---|---|---|"]
    for m in ("dense", "bm25", "hybrid"):
        s, f = r["retrieval_sample"][m], r["retrieval_full"][m]
        lines.append(f"| {m} | {s['p50_ms']} / {s['p95_ms']} | {f['p50_ms']} / {f['p95_ms']} | "
                     f"{r['retrieval_ratio_by_mode'][m]} |")
    lines += ["", "At full size a pinned dense search scores the pinned studies' chunks exactly (`EXACT_SEARCH_MIN_CHUNKS`): "
              "their vectors are read once per study and kept while the catalog is unchanged, so the dense p50 is a "
              "warm pinned session and its p95 includes the first question of a study (one metadata lookup); "
              "the filtered ANN query it replaces took 211 / 419 ms p50 / p95 here. BM25 still scores every "
              "document under a study mask, so it grows with the collection.",
              "", f"Measured on the shared 2-core machine ({r['machine']}); the embedding ran while other jobs used the "
              "cores, so `ingest_s` and `chunks_per_s` are lower than on an idle machine (~39 chunks/s in embed.md)."]
    lines += ["", f"A one-study update reads and re-tokenises that study only (`ChunkStore.update_derived`); rebuilding "
              f"the lexical index and catalog from every chunk instead takes {r['derived_full_rebuild_s']} s "
              f"({r['derived_full_rebuild_share']:.2%} of the first ingest)."]
    lines += ["", f"Goals: retrieval ratio ≤ 2 → {'met' if r['retrieval_ratio'] <= 2 else 'NOT met'}; "
              f"one-study update ≤ 1% of the first ingest → "
              f"{'met' if r['one_study_update_share'] <= 0.01 else 'NOT met'} ({r['one_study_update_share']:.2%})."]
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=Path("/tmp/trialchat-scale"))
    ap.add_argument("--phase", choices=("all", "ingest", "measure"), default="all")
    ap.add_argument("--questions", type=int, default=50)
    ap.add_argument("--sources", default=",".join(SOURCES),
                    help=f"comma-separated subset of {', '.join(SOURCES)} (default: all)")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out")
    args = ap.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    if args.phase in ("all", "ingest"):
        print(json.dumps(phase_ingest(args.dir, [x for x in args.sources.split(",") if x]), indent=2), flush=True)
    if args.phase in ("all", "measure"):
        print(report_md(phase_measure(args.dir, args.questions, args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
