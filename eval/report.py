"""report.md: configurations side by side, by kind, the plots, and the worst questions with what was retrieved."""
from __future__ import annotations

from pathlib import Path

from eval.metrics import METRIC_KEYS

LABELS = {
    "n": "questions", "study_recall_at_k": "study recall@k", "field_recall_at_k": "field recall@k",
    "mrr": "MRR (first field hit)", "answer_correct": "answer correct", "expect_accuracy": "expected status",
    "citation_precision": "citation precision", "sentence_citation_coverage": "sentences cited",
    "reading_grade": "reading grade (FK)", "context_chars": "context chars (top k)",
    "sources_ms_p50": "sources ms p50", "sources_ms_p95": "sources ms p95",
    "first_token_ms_p50": "first token ms p50", "first_token_ms_p95": "first token ms p95",
    "answer_ms_p50": "answer ms p50", "answer_ms_p95": "answer ms p95",
    "opening_contradictions": "yes/no opening against the record", "errors": "errors",
}
KIND_KEYS = ("n", "study_recall_at_k", "field_recall_at_k", "mrr", "answer_correct", "expect_accuracy",
             "citation_precision", "sentence_citation_coverage")
LEGEND = """\
- **study recall@k**: share of the target studies (pinned + `expected_studies`) among the top-k chunks.
- **field recall@k**: share of `expected_fields` covered by a top-k chunk of a target study (prefix rule,
  list indices ignored). A vanilla split counts for every field whose value it overlaps.
- **MRR**: mean of 1/rank of the first field hit (0 when none) over questions with `expected_fields`.
- **answer correct**: all `expected_answer` strings in the answer (case/whitespace-insensitive; `a|b` = either).
- **expected status**: `Answer.status` equals `expect` (answered / abstained / declined).
- **citation precision**: citations whose quote is verbatim in the cited chunk, that chunk having been retrieved.
- **sentences cited**: sentences of answered answers carrying a marker `[n]` of a real citation.
- **yes/no opening against the record**: answers opening with "Yes"/"No" opposite to the question's gold
  `opening` (only questions that carry one).
- **reading grade**: Flesch–Kincaid grade of answered answers (lower is plainer).
- **context chars**: characters of the top-k chunks (what the LLM may read).
- latencies: ms from the call to the sources event / first token / final answer; first token only over answers
  that streamed text (abstentions and declines often stream none, so its p50 can exceed the answer p50).
- `–`: not measurable for that configuration (e.g. no generation, no citations)."""


def fmt(key: str, v) -> str:
    if v is None:
        return "–"
    if key in ("n", "errors"):
        return str(int(v))
    if key.endswith(("_ms_p50", "_ms_p95")) or key == "context_chars":
        return f"{v:,.0f}"
    if key == "reading_grade":
        return f"{v:.1f}"
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def side_by_side(results: dict, keys=METRIC_KEYS) -> str:
    names = list(results["configs"])
    rows = [[LABELS.get(key, key)] + [fmt(key, results["configs"][n]["metrics"].get(key)) for n in names]
            for key in keys]
    rows.append(["setup s (build service / index)"] + [fmt("reading_grade", results["configs"][n].get("setup_s"))
                                                       for n in names])
    return _table(["metric"] + [f"`{n}`" for n in names], rows)


def by_kind_tables(results: dict) -> str:
    names = list(results["configs"])
    kinds = sorted({k for c in results["configs"].values() for k in c.get("by_kind", {})})
    out = []
    for kind in kinds:
        rows = [[LABELS[key]] + [fmt(key, results["configs"][n].get("by_kind", {}).get(kind, {}).get(key))
                                 for n in names] for key in KIND_KEYS]
        out.append(f"### {kind}\n\n" + _table(["metric"] + [f"`{n}`" for n in names], rows))
    return "\n\n".join(out)


def by_intent_table(results: dict) -> str:
    """Answer correctness, reading grade and first-text latency per routed intent, configurations side by side."""
    names = list(results["configs"])
    intents = sorted({i for c in results["configs"].values() for i in c.get("by_intent", {})})
    if not intents:
        return ""
    keys = ("n", "answer_correct", "reading_grade", "first_token_ms_p50")
    header = ["intent"] + [f"{LABELS.get(k, k)} `{n}`" for n in names for k in keys]
    rows = [[intent] + [fmt(k, results["configs"][n].get("by_intent", {}).get(intent, {}).get(k))
                        for n in names for k in keys] for intent in intents]
    return _table(header, rows)


def badness(q: dict) -> float:
    """Higher = worse: errors, then wrong status / answer, then retrieval misses."""
    if q.get("error"):
        return 10.0
    bad = 0.0
    if q.get("expect_ok") is False:
        bad += 3
    if q.get("correct") is False:
        bad += 2
    if q.get("expected_fields"):
        bad += 1 - (q.get("field_recall") or 0.0)
        bad += 0 if q.get("hit_rank") else 1
    return bad


def _clip(text: str | None, n: int = 400) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


def worst_questions(cfg: dict, limit: int) -> str:
    ranked = sorted((q for q in cfg["questions"] if badness(q) > 0), key=lambda q: (-badness(q), q["id"]))
    if not ranked:
        return "_No question missed anything measured._"
    out = []
    for q in ranked[:limit]:
        why = []
        if q.get("error"):
            why.append("error")
        if q.get("expect_ok") is False:
            why.append(f"status {q.get('status')} ≠ expected {q.get('expect')}")
        if q.get("correct") is False:
            why.append("expected text missing")
        if q.get("expected_fields") and not q.get("hit_rank"):
            why.append("no field hit")
        elif q.get("field_recall") is not None and q["field_recall"] < 1:
            why.append(f"field recall {q['field_recall']:.2f}")
        lines = [f"#### `{q['id']}` ({q.get('kind', '')}) — {', '.join(why)}", "",
                 f"- question: {_clip(q.get('question'), 300)}" + (f" · pinned `{q['study_id']}`" if q.get("study_id") else "")]
        if q.get("expected_fields"):
            lines.append("- expected fields: " + ", ".join(f"`{f}`" for f in q["expected_fields"]))
        if q.get("expected_answer"):
            lines.append("- expected answer: " + ", ".join(f"“{a}”" for a in q["expected_answer"]))
        if q.get("error"):
            lines.append(f"- error: `{_clip(q['error'], 300)}`")
        if q.get("answer") is not None:
            lines.append(f"- answer ({q.get('status')}): {_clip(q.get('answer'))}")
        if q.get("retrieved"):
            lines.append("- retrieved:")
            for i, r in enumerate(q["retrieved"], 1):
                extra = f" (+{len(r['field_paths']) - 1} more fields)" if len(r.get("field_paths", [])) > 1 else ""
                lines.append(f"  {i}. `{r['study_id']}` · `{r['field_path']}`{extra} · {r['score']:.3f} — "
                             f"{_clip(r.get('snippet'), 120)}")
        out.append("\n".join(lines))
    return "\n\n".join(out)


def render_report(results: dict, worst: int = 8) -> str:
    names = list(results["configs"])
    parts = [
        "# Evaluation report", "",
        f"Questions: `{results.get('questions_file', '')}` ({results.get('n_questions')}) · k = {results['k']} · "
        f"collection `{results.get('collection')}` in `{results.get('data_dir')}` · {results.get('created', '')}",
        "", "## Configurations", "",
    ]
    for n in names:
        s = results["configs"][n]["settings"]
        line = (f"- `{n}`: llm={s['llm']}, retrieval={s['retrieval_mode']}, k={s['retrieve_k']}"
                + ("" if s.get("generates", True) else " — retrieval only (no language model)"))
        if results["configs"][n].get("error"):
            line += f" — **could not start**: {_clip(results['configs'][n]['error'], 200)}"
        parts.append(line)
    parts += ["", side_by_side(results), "", LEGEND, ""]
    plots = results.get("plots") or {}
    if plots:
        parts += ["## Plots", ""] + [f"![{name}]({file})" for name, file in plots.items()] + [""]
    parts += ["## By kind", "", by_kind_tables(results), ""]
    intent_table = by_intent_table(results)
    if intent_table:
        parts += ["## By intent (as routed; `none` = not routed or no router)", "", intent_table, ""]
    parts += ["## Worst questions", ""]
    for n in names:
        parts += [f"### `{n}`", "", worst_questions(results["configs"][n], worst), ""]
    return "\n".join(parts).rstrip() + "\n"


def write_report(results: dict, path: Path, worst: int = 8) -> Path:
    path.write_text(render_report(results, worst), encoding="utf-8")
    return path
