"""`trialchat eval QUESTIONS.jsonl [--config NAME]... [--k 5] [--out DIR] [--limit N]` (also `python -m eval`).

Runs against the current data dir / collection (TRIALCHAT_DATA_DIR, TRIALCHAT_COLLECTION): it
ingests nothing itself. Writes DIR/results.json, DIR/report.md and PNG plots.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from eval.configs import DEFAULT_CONFIGS, ConfigError, describe_presets, parse_configs
from eval.questions_io import QuestionFileError, load_questions


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="trialchat eval", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run the same questions through several configurations (vanilla-RAG baseline included) "
                    "and write results.json, report.md and plots.",
        epilog="configurations:\n" + describe_presets() + "\n\nAdd overrides with NAME:key=value,...  e.g. "
               "--config bm25:llm=extractive\nDefault: " + " ".join(DEFAULT_CONFIGS))
    p.add_argument("questions", type=Path, help="question file (JSONL)")
    p.add_argument("--config", "-c", action="append", dest="configs", metavar="NAME",
                   help="configuration to run (repeatable, in this order)")
    p.add_argument("--k", type=int, default=5, help="chunks retrieved per question, and the k of the metrics (default 5)")
    p.add_argument("--out", type=Path, help="output folder (default: eval_out/<questions file stem>)")
    p.add_argument("--limit", type=int, help="only the first N questions (after --kind)")
    p.add_argument("--kind", action="append", dest="kinds", metavar="KIND", help="only questions of this kind (repeatable)")
    p.add_argument("--per-kind", type=int, metavar="N",
                   help="only the first N questions of each kind: a small run that still covers every kind")
    p.add_argument("--collection", help="collection to evaluate (default: TRIALCHAT_COLLECTION or trialchat)")
    p.add_argument("--data-dir", type=Path, help="data dir (default: TRIALCHAT_DATA_DIR or ./data)")
    p.add_argument("--worst", type=int, default=8, help="worst questions listed per configuration in report.md")
    p.add_argument("--min", action="append", dest="thresholds", default=[], metavar="METRIC=VALUE",
                   help="fail (exit 1) when a non-baseline configuration scores below VALUE, "
                        "e.g. --min field_recall_at_k=0.6 (repeatable; for CI)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def _thresholds(items: list[str]) -> dict[str, float]:
    from eval.metrics import METRIC_KEYS

    out = {}
    for item in items:
        key, eq, value = item.partition("=")
        if not eq or key not in METRIC_KEYS:
            raise ConfigError(f"--min expects METRIC=VALUE with METRIC one of {', '.join(METRIC_KEYS)}; got {item!r}")
        try:
            out[key] = float(value)
        except ValueError as e:
            raise ConfigError(f"--min {item!r}: {value!r} is not a number") from e
    return out


def select_questions(questions: list, kinds: list[str] | None = None, per_kind: int | None = None,
                     limit: int | None = None) -> list:
    """--kind, then --per-kind (the first N of each kind, file order kept), then --limit."""
    if kinds:
        questions = [q for q in questions if q.kind in set(kinds)]
    if per_kind is not None:
        taken: dict[str, int] = {}
        kept = []
        for q in questions:
            taken[q.kind] = taken.get(q.kind, 0) + 1
            if taken[q.kind] <= per_kind:
                kept.append(q)
        questions = kept
    if limit is not None:
        questions = questions[: max(0, limit)]
    return questions


def check_thresholds(results: dict, thresholds: dict[str, float]) -> list[str]:
    """Failures as lines; the vanilla baseline is reported, never gated."""
    failures = []
    for name, cfg in results["configs"].items():
        if cfg["settings"]["kind"] == "vanilla":
            continue
        for key, floor in thresholds.items():
            v = cfg["metrics"].get(key)
            if v is not None and v < floor:
                failures.append(f"{name}: {key} = {v:.3f} < {floor}")
    return failures


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    from trialchat.settings import Settings
    from trialchat.store import data_dir_ready

    overrides = {k: v for k, v in (("collection", args.collection), ("data_dir", args.data_dir)) if v}
    base = Settings(**overrides)
    try:
        questions = load_questions(args.questions)
        configs = parse_configs(args.configs, base, args.k)
        thresholds = _thresholds(args.thresholds)
    except (QuestionFileError, ConfigError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.k < 1:
        print("error: --k must be at least 1", file=sys.stderr)
        return 2
    questions = select_questions(questions, args.kinds, args.per_kind, args.limit)
    if not questions:
        print("error: no questions left to run (check --kind / --per-kind / --limit)", file=sys.stderr)
        return 2
    if not base.chroma_url and not data_dir_ready(base):
        print(f"error: nothing ingested in collection {base.collection!r} under {base.data_dir} — run "
              "`trialchat ingest PATH...` (or `trialchat demo --no-serve`) first; eval ingests nothing itself.",
              file=sys.stderr)
        return 2

    from eval.report import side_by_side
    from eval.runner import run_eval

    out = args.out or Path("eval_out") / args.questions.stem
    results = run_eval(questions, configs, args.k, out, questions_file=str(args.questions),
                       progress=not args.no_progress, base=base, worst=args.worst)
    print(side_by_side(results))
    print(f"\nwrote {out / 'results.json'}, {out / 'report.md'} and plots", file=sys.stderr)
    failures = check_thresholds(results, thresholds)
    for f in failures:
        print(f"below threshold: {f}", file=sys.stderr)
    return 1 if failures else 0
