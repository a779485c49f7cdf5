"""A hand-checked dev set of personal eligibility and location questions over the bundled sample
(``benchmarks/eligibility_dev.jsonl``): each answer must contain the record words that decide it
(``expect``, regexes) and none of the wrong readings (``forbid``: a number read as an age, a shared word
read as a match, "Yes" for someone the record rules out). Judged on the answer text only, so any version
of the assistant can be run against the same set:

    TRIALCHAT_DATA_DIR=... python -m benchmarks.eligibility_dev --label after [--out docs/eval-runs/eligibility]
"""
from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

DEV = Path(__file__).with_name("eligibility_dev.jsonl")


def judge(item: dict, text: str) -> tuple[bool, bool]:
    """(correct, opens with yes although the record rules the person out)."""
    ok = all(re.search(p, text) for p in item["expect"]) and not any(re.search(p, text) for p in item["forbid"])
    yes_wrongly = bool(item.get("excluded")) and text.lower().lstrip().startswith("yes")
    return ok and not yes_wrongly, yes_wrongly


def main() -> None:
    from assistant.service import build_answer_service
    from trialchat.settings import Settings

    ap = argparse.ArgumentParser()
    ap.add_argument("--label", default="after")
    ap.add_argument("--out", default="docs/eval-runs/eligibility")
    args = ap.parse_args()
    service = build_answer_service(Settings())
    items = [json.loads(line) for line in DEV.read_text("utf-8").splitlines() if line.strip()]
    rows = []
    for item in items:
        text = service.ask(item["q"], item["study"], []).text
        ok, yes_wrongly = judge(item, text)
        rows.append({**item, "answer": text, "correct": ok, "yes_for_excluded": yes_wrongly})
    groups = {"eligibility": [r for r in rows if not r.get("place")], "location": [r for r in rows if r.get("place")]}
    summary = {name: {"n": len(rs), "correct": sum(r["correct"] for r in rs) / len(rs) if rs else 0.0,
                      "yes_for_excluded": sum(r["yes_for_excluded"] for r in rs)} for name, rs in groups.items()}
    summary["all"] = {"n": len(rows), "correct": sum(r["correct"] for r in rows) / len(rows),
                      "yes_for_excluded": sum(r["yes_for_excluded"] for r in rows)}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"dev-{args.label}.json").write_text(json.dumps({"summary": summary, "rows": rows}, indent=1, ensure_ascii=False))
    print(args.label, json.dumps(summary))
    for r in rows:
        if not r["correct"]:
            print("WRONG", r["study"], r["q"], "→", r["answer"][:300])


if __name__ == "__main__":
    main()
