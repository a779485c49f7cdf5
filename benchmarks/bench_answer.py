"""Answer latency with the local model: time to sources and to the first token (p50/p95), prompt tokens.

Routed intents (answers composed from the fact sheet: where, who can join, status, phase, …) are
reported on their own: their first text should come within 2× of their sources, with no model work.

    .venv/bin/python benchmarks/bench_answer.py [--questions eval/questions/dev.jsonl] [--n 24]

Runs against the current data dir (ingest the sample first: `trialchat demo --no-serve`).
Goals on a 2-core machine: sources ≤ 300 ms, first token ≤ 3 s. The baseline in the same run is the
same questions with the extractive configuration (no generative model), so the model's share shows.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.chain import AnswerChain  # noqa: E402
from assistant.compose import COMPOSED_INTENTS  # noqa: E402
from assistant.service import build_answer_service  # noqa: E402
from assistant.types import FinalEvent, HistoryTurn, SourcesEvent, TokenEvent  # noqa: E402
from trialchat.settings import Settings  # noqa: E402

ROUTED = COMPOSED_INTENTS | {"term"}


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return round(values[min(len(values) - 1, int(round(q * (len(values) - 1))))], 1)


def run(service, questions: list[dict], token_counter=None) -> dict:
    sources_ms, first_ms, total_ms, prompt_tokens = [], [], [], []
    routed_sources, routed_first = [], []
    statuses: dict[str, int] = {}
    for q in questions:
        history = [HistoryTurn(**h) for h in q.get("history") or []]
        t0 = time.perf_counter()
        first = source_at = None
        routed = False
        for ev in service.stream(q["question"], q.get("study_id"), history):
            now = (time.perf_counter() - t0) * 1000
            if isinstance(ev, SourcesEvent):
                sources_ms.append(now)
                source_at = now
            elif isinstance(ev, TokenEvent) and first is None:
                first = now
            elif isinstance(ev, FinalEvent):
                total_ms.append(now)
                statuses[ev.answer.status] = statuses.get(ev.answer.status, 0) + 1
                routed = ev.answer.intent in ROUTED
                if token_counter and ev.answer.sources and ev.answer.status != "declined":
                    msgs = AnswerChain.build_messages(ev.answer.standalone_question or q["question"],
                                                      ev.answer.study_id, ev.answer.sources)
                    prompt_tokens.append(token_counter("\n".join(str(m.content) for m in msgs)))
        if first is not None:
            first_ms.append(first)
            if routed and source_at is not None:
                routed_sources.append(source_at)
                routed_first.append(first)
    return {"n": len(questions), "statuses": statuses,
            "sources_ms_p50": pct(sources_ms, .5), "sources_ms_p95": pct(sources_ms, .95),
            "first_token_ms_p50": pct(first_ms, .5), "first_token_ms_p95": pct(first_ms, .95),
            "answer_ms_p50": pct(total_ms, .5), "answer_ms_p95": pct(total_ms, .95),
            "prompt_tokens_mean": round(statistics.mean(prompt_tokens), 1) if prompt_tokens else None,
            "prompt_tokens_max": max(prompt_tokens) if prompt_tokens else None,
            "routed_n": len(routed_first),
            "routed_sources_ms_p50": pct(routed_sources, .5), "routed_first_text_ms_p50": pct(routed_first, .5),
            "routed_first_text_ms_p95": pct(routed_first, .95),
            "routed_first_text_vs_sources": round(pct(routed_first, .5) / max(pct(routed_sources, .5), 1e-9), 2)
            if routed_first else None}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--questions", type=Path, default=REPO / "eval" / "questions" / "dev.jsonl")
    ap.add_argument("--n", type=int, default=24)
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out")
    args = ap.parse_args()
    rows = [json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()]
    questions = [r for r in rows if r.get("expect") in ("answered", "abstain")][: args.n]

    settings = Settings()
    local = build_answer_service(settings.model_copy(update={"llm": "local"}))
    import llama_cpp

    from assistant.llm import local_model_path

    vocab = llama_cpp.Llama(str(local_model_path(settings)), vocab_only=True, verbose=False)
    counter = lambda text: len(vocab.tokenize(text.encode("utf-8")))  # noqa: E731
    local.ask("warm up: what is a placebo?")  # model load is a one-off, not per answer
    baseline = run(build_answer_service(settings.model_copy(update={"llm": "extractive"}), store=local.store), questions)
    measured = run(local, questions, counter)
    report = {"questions": len(questions), "local": measured, "extractive_baseline": baseline,
              "first_token_ratio_local_vs_extractive": round(measured["first_token_ms_p50"] /
                                                             max(baseline["first_token_ms_p50"], 1e-9), 1)}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "answer.json").write_text(json.dumps(report, indent=2))
    lines = ["# Answer latency benchmark", "", "| metric | local model | extractive (same run) |", "|---|---|---|"]
    for k in measured:
        if k != "statuses":
            lines.append(f"| {k} | {measured[k]} | {baseline.get(k)} |")
    lines += ["", f"statuses (local): {measured['statuses']}",
              "Goals: sources ≤ 300 ms, first token ≤ 3000 ms (2 cores); routed intents: first text ≤ 2× sources."]
    (args.out / "answer.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
