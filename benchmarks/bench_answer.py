"""Answer latency with the local model: time to sources and to the first text (p50/p95).

Composed answers (from the fact sheet: where, who can join, status, …) are reported on their own: their
first text should come within 2× of their sources, with no model work. Questions no composer answers get
the record's best sentence first (goal: first text ≤ 1.5 s p50) and the model's plain rewrite after it;
the model's extra time (final answer − first text) is reported apart.

    .venv/bin/python benchmarks/bench_answer.py [--questions eval/questions/dev.jsonl] [--n 24]

Runs against the current data dir (ingest the sample first: `trialchat demo --no-serve`).
Goals on a 2-core machine: sources ≤ 300 ms, first text ≤ 1.5 s for record answers. The baseline in the same run is the
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

from assistant.compose import COMPOSED_INTENTS  # noqa: E402
from assistant.prompting import render_prompt  # noqa: E402
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
    record_first, record_extra = [], []  # answers from the record's sentences: first text, and the model's extra
    statuses: dict[str, int] = {}
    for q in questions:
        history = [HistoryTurn(**h) for h in q.get("history") or []]
        t0 = time.perf_counter()
        first = source_at = None
        for ev in service.stream(q["question"], q.get("study_id"), history):
            now = (time.perf_counter() - t0) * 1000
            if isinstance(ev, SourcesEvent):
                sources_ms.append(now)
                source_at = now
            elif isinstance(ev, TokenEvent) and first is None:
                first = now
            elif isinstance(ev, FinalEvent):
                total_ms.append(now)
                answer = ev.answer
                statuses[answer.status] = statuses.get(answer.status, 0) + 1
                if first is not None and answer.step in ("composed", "overview") and source_at is not None:
                    routed_sources.append(source_at)
                    routed_first.append(first)
                if first is not None and answer.step == "record_sentences":
                    record_first.append(first)
                    record_extra.append(now - first)
                    if token_counter and answer.citations:
                        prompt_tokens.append(token_counter(render_prompt("rewrite.txt", quote=answer.citations[0].quote)))
        if first is not None:
            first_ms.append(first)
    return {"n": len(questions), "statuses": statuses,
            "sources_ms_p50": pct(sources_ms, .5), "sources_ms_p95": pct(sources_ms, .95),
            "first_token_ms_p50": pct(first_ms, .5), "first_token_ms_p95": pct(first_ms, .95),
            "answer_ms_p50": pct(total_ms, .5), "answer_ms_p95": pct(total_ms, .95),
            "rewrite_prompt_tokens_mean": round(statistics.mean(prompt_tokens), 1) if prompt_tokens else None,
            "routed_n": len(routed_first),
            "routed_sources_ms_p50": pct(routed_sources, .5), "routed_first_text_ms_p50": pct(routed_first, .5),
            "routed_first_text_ms_p95": pct(routed_first, .95),
            "routed_first_text_vs_sources": round(pct(routed_first, .5) / max(pct(routed_sources, .5), 1e-9), 2)
            if routed_first else None,
            "record_n": len(record_first), "record_first_text_ms_p50": pct(record_first, .5),
            "record_first_text_ms_p95": pct(record_first, .95),
            "record_model_extra_ms_p50": pct(record_extra, .5), "record_model_extra_ms_p95": pct(record_extra, .95)}


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
              "Goals (2 cores): sources ≤ 300 ms; composed answers: first text ≤ 2× sources; answers from the "
              "record's sentences: first text ≤ 1500 ms p50 (the model's plain rewrite comes after, its time apart)."]
    (args.out / "answer.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
