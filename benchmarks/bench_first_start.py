"""A newcomer's first start: `trialchat demo` on a fresh data dir until the chat answers a question.

    .venv/bin/python benchmarks/bench_first_start.py [--variant NAME]... [--out benchmarks/out]

Each variant starts `python -m cli demo` with an empty data dir on a free loopback port and
records, from the moment the command is launched: when `/healthz` first answers 200, and when
`POST /api/ask` returns the first answer ("Who can join?" pinned to NCT02552212). Variants (same run):
`default` (what ships), `torch` (TRIALCHAT_EMBEDDING_BACKEND=torch, no shipped vectors: the old path).
Goal (issue #9): ≤ 60 s from the command to a working chat on this 2-core machine.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VARIANTS = {
    "default": {},
    "torch": {"TRIALCHAT_EMBEDDING_BACKEND": "torch", "TRIALCHAT_SHIPPED_VECTORS": "false"},
}
QUESTION = {"question": "Who can join?", "study_id": "NCT02552212"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status
    except (urllib.error.URLError, OSError):
        return 0


def run_variant(name: str, timeout: float) -> dict:
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, **VARIANTS[name], "TRIALCHAT_DATA_DIR": str(Path(tmp) / "data"),
               "PYTHONPATH": str(REPO)}
        log_path = Path(tmp) / "demo.log"
        with open(log_path, "wb") as log:
            t0 = time.perf_counter()
            proc = subprocess.Popen([sys.executable, "-m", "cli", "demo", "--port", str(port)],
                                    cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
            healthy_s = answer_s = None
            answer = {}
            try:
                while time.perf_counter() - t0 < timeout and proc.poll() is None:
                    if healthy_s is None and _get(f"http://127.0.0.1:{port}/healthz") == 200:
                        healthy_s = time.perf_counter() - t0
                    if healthy_s is not None:
                        req = urllib.request.Request(f"http://127.0.0.1:{port}/api/ask", method="POST",
                                                     data=json.dumps(QUESTION).encode(),
                                                     headers={"Content-Type": "application/json"})
                        with urllib.request.urlopen(req, timeout=timeout) as r:
                            answer = json.loads(r.read())
                        answer_s = time.perf_counter() - t0
                        break
                    time.sleep(0.25)
            finally:
                proc.terminate()
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
        tail = log_path.read_text(errors="replace")[-600:]
    return {"variant": name, "healthz_s": round(healthy_s, 1) if healthy_s else None,
            "first_answer_s": round(answer_s, 1) if answer_s else None,
            "answer_status": answer.get("status"), "answer_text": (answer.get("text") or "")[:160],
            "log_tail": None if answer_s else tail}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variant", action="append", choices=sorted(VARIANTS))
    ap.add_argument("--timeout", type=float, default=400)
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out")
    args = ap.parse_args()
    rows = [run_variant(v, args.timeout) for v in (args.variant or ["default", "torch"])]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "first_start.json").write_text(json.dumps(rows, indent=2) + "\n")
    lines = ["# First start: `trialchat demo` on a fresh data dir", "",
             "| variant | /healthz 200 (s) | first answer (s) | answer |", "|---|---|---|---|"]
    lines += [f"| {r['variant']} | {r['healthz_s']} | {r['first_answer_s']} | {r['answer_text'][:80]}… |" for r in rows]
    ok = [r for r in rows if r["variant"] == "default" and r["first_answer_s"] and r["first_answer_s"] <= 60]
    lines += ["", f"Goal: first answer ≤ 60 s with the default settings → {'met' if ok else 'NOT met'}."]
    (args.out / "first_start.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    for r in rows:
        if r["log_tail"]:
            print(f"\n{r['variant']} log tail:\n{r['log_tail']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
