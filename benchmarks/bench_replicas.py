"""1 vs 2 `trialchat serve` replicas on one `chroma run` server, at several numbers of concurrent users.

    .venv/bin/python benchmarks/bench_replicas.py [--users 4 16 64] [--requests 96] [--llm extractive|local]
        [--model-users 4 16 64] [--model-requests N] [--out benchmarks/out]

Starts a Chroma server on loopback, ingests the bundled sample into it, then for 1 and 2 replicas (each
on its own empty data dir, started with `--no-glossary`) sends the same composed questions (pinned to
sample studies: who can join, where, status, phase, age, enrollment) from N concurrent users, spread round-robin over the
replicas (as a load balancer would). Records throughput, p50/p95 latency and errors per (replicas, users),
in one run so the two replica counts are compared on the same machine at the same time.

With `--llm local` the replicas load the local model and a second table is measured: model-answered
questions (dev-set questions on the sample that the chain answers from the record's sentences, then has the
model say the first one in plain words: step `record_sentences`, found by asking the dev set once). The
model takes seconds per answer on 2 cores, so each such cell sends `--model-requests` questions (default:
as many as there are users, each user asking once). With a model loaded, "Can I join if I'm 70?" of the
composed set has the model read the person's facts, so the composed table then mixes in model calls.
Writes `replicas.json` and `replicas.md` (the committed run with `--llm local`: `replicas_local.*`).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = [("Who can join?", "NCT02552212"), ("Where is it happening?", "NCT02552212"),
             ("Is it still recruiting?", "NCT02633163"), ("What phase is this study?", "NCT04318938"),
             ("Can I join if I'm 70?", "NCT02633163"), ("How many people take part?", "NCT07247227")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(url)


def env(data_dir: Path, chroma_url: str, llm: str) -> dict:
    return {**os.environ, "TRIALCHAT_DATA_DIR": str(data_dir), "TRIALCHAT_CHROMA_URL": chroma_url,
            "TRIALCHAT_LLM": llm, "TRIALCHAT_RATE_LIMIT_PER_MINUTE": "1000000", "PYTHONPATH": str(REPO),
            "ANONYMIZED_TELEMETRY": "False"}


def load(urls: list[str], users: int, requests: int, questions: list[tuple[str, str]] = QUESTIONS) -> dict:
    """``requests`` questions from ``users`` threads, round-robin over ``urls``."""
    latencies: list[float] = []
    errors = 0
    kinds: dict[str, int] = {}  # what each error was: an HTTP status or the client's exception
    lock = threading.Lock()
    counter = iter(range(requests))

    def user() -> None:
        nonlocal errors
        with httpx.Client(timeout=600) as client:
            for i in counter:
                q, sid = questions[i % len(questions)]
                t = time.perf_counter()
                try:
                    status = client.post(urls[i % len(urls)] + "/api/ask", json={"question": q, "study_id": sid}
                                         ).status_code
                    kind = "" if status == 200 else str(status)
                except httpx.HTTPError as e:
                    kind = type(e).__name__
                took = time.perf_counter() - t
                with lock:
                    latencies.append(took)
                    errors += bool(kind)
                    if kind:
                        kinds[kind] = kinds.get(kind, 0) + 1

    t0 = time.perf_counter()
    threads = [threading.Thread(target=user) for _ in range(users)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=20) if len(latencies) > 1 else latencies * 19
    return {"requests": len(latencies), "errors": errors, **({"error_kinds": kinds} if kinds else {}),
            "wall_s": round(wall, 2),
            "throughput_rps": round(len(latencies) / wall, 2), "p50_ms": round(statistics.median(latencies) * 1000, 1),
            "p95_ms": round(q[18] * 1000, 1)}


def model_questions(url: str, studies: set[str], n: int) -> list[tuple[str, str]]:
    """Dev-set questions on these studies that the model answers (step record_sentences, with citations)."""
    found = []
    for line in (REPO / "eval" / "questions" / "dev.jsonl").read_text().splitlines():
        row = json.loads(line) if line.strip() else {}
        if row.get("study_id") not in studies:
            continue
        body = httpx.post(url + "/api/ask", json={"question": row["question"], "study_id": row["study_id"]},
                          timeout=600).json()
        if body.get("step") == "record_sentences" and body.get("citations"):
            found.append((row["question"], row["study_id"]))
            if len(found) == n:
                break
    return found


def _errors(row: dict) -> str:
    kinds = ", ".join(f"{n}× {k}" for k, n in sorted(row.get("error_kinds", {}).items()))
    return f"{row['errors']} ({kinds})" if kinds else str(row["errors"])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, nargs="+", default=[4, 16, 64])
    ap.add_argument("--requests", type=int, default=96)
    ap.add_argument("--llm", default="extractive")
    ap.add_argument("--model-users", type=int, nargs="+", default=[4, 16, 64])
    ap.add_argument("--model-requests", type=int, default=0, help="per cell; 0: as many as users")
    ap.add_argument("--model-questions", type=int, default=4, help="distinct model-answered questions")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out")
    args = ap.parse_args()
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
    procs: list[subprocess.Popen] = []
    rows = []
    model_rows: list[dict] = []
    asked: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        port = free_port()
        chroma_url = f"http://127.0.0.1:{port}"
        try:
            procs.append(subprocess.Popen([chroma, "run", "--path", str(tmp / "chroma"), "--port", str(port)],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                          env={**os.environ, "ANONYMIZED_TELEMETRY": "False"}))
            wait_http(chroma_url + "/api/v2/heartbeat", procs[0])
            subprocess.run([sys.executable, "-m", "cli", "ingest", str(REPO / "corpus" / "sample")], check=True,
                           cwd=REPO, env=env(tmp / "ingest", chroma_url, args.llm), capture_output=True)
            replicas = []
            for i in range(2):
                rport = free_port()
                p = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--no-glossary", "--port", str(rport)],
                                     cwd=REPO, env=env(tmp / f"replica{i}", chroma_url, args.llm),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                procs.append(p)
                replicas.append(f"http://127.0.0.1:{rport}")
                wait_http(replicas[-1] + "/healthz", p)
            for url in replicas:  # warm each (router, reranker, caches) before timing
                load([url], 1, len(QUESTIONS))
            for users in args.users:
                for n in (1, 2):
                    row = {"replicas": n, "users": users, **load(replicas[:n], users, args.requests)}
                    rows.append(row)
                    print(json.dumps(row), flush=True)
            if args.llm != "extractive":
                studies = {sid for _, sid in QUESTIONS}
                asked = model_questions(replicas[0], studies, args.model_questions)
                print(f"model-answered questions: {asked}", flush=True)
                for url in replicas[1:]:  # the first replica was warmed by finding them
                    load([url], 1, len(asked), asked)
                for users in args.model_users:
                    for n in (1, 2):
                        row = {"replicas": n, "users": users,
                               **load(replicas[:n], users, args.model_requests or users, asked)}
                        model_rows.append(row)
                        print(json.dumps({"model": True, **row}), flush=True)
        finally:
            for p in reversed(procs):
                p.terminate()
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
    machine = f"{platform.machine()} {platform.python_version()}, {os.cpu_count()} cores (shared)"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "replicas.json").write_text(json.dumps({"llm": args.llm, "machine": machine, "rows": rows,
                                                        "model_questions": asked, "model_rows": model_rows}, indent=1))
    lines = [f"# 1 vs 2 replicas on one `chroma run` server ({args.llm} answers)", "",
             f"The bundled sample; {args.requests} composed questions per cell (pinned: who can join, where, status, "
             "phase, age, enrollment), round-robin over the replicas; every replica on its own empty data dir.",
             *(["With a model loaded, one of the six (\"Can I join if I'm 70?\") has it read the person's facts "
                "(~2 s on these cores), so this table mixes composed answers with model calls."]
               if args.llm != "extractive" else []), "",
             "| replicas | users | requests | errors | throughput (req/s) | p50 ms | p95 ms |", "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['replicas']} | {r['users']} | {r['requests']} | {_errors(r)} | {r['throughput_rps']} | "
              f"{r['p50_ms']} | {r['p95_ms']} |" for r in rows]
    if model_rows:
        lines += ["", f"Model-answered questions ({args.llm} model, in each replica): {len(asked)} dev-set questions the "
                  "chain answers from the record's sentences with the model's plain rewrite, each user asking once "
                  "per cell unless said:", "", *(f"- {q} ({sid})" for q, sid in asked), "",
                  "| replicas | users | requests | errors | throughput (req/s) | p50 ms | p95 ms |",
                  "|---|---|---|---|---|---|---|"]
        lines += [f"| {r['replicas']} | {r['users']} | {r['requests']} | {_errors(r)} | {r['throughput_rps']} | "
                  f"{r['p50_ms']} | {r['p95_ms']} |" for r in model_rows]
    lines += ["", f"Measured on {machine}; both replica counts in the same run."]
    (args.out / "replicas.md").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
