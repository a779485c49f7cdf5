"""The question router's accuracy per intent on the blind question sets, beside its held-out set.

The intent labels (``eval/questions/blind_intents.jsonl``, ``blind2_intents.jsonl``) were written by hand by a
helper who never saw the code or the router's example bank, from the intent names and a line on each
(``assistant/intent_registry.py``). A question the router does not trust itself on is read whole by the
chain; it counts as right only when its label is ``other``.

    .venv/bin/python benchmarks/router_blind.py [--data-dir DIR] [--out benchmarks/out/router_blind.md]

Runs against an ingested data dir (the sample: `trialchat demo --no-serve`), for its speller and catalog.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.service import build_answer_service  # noqa: E402
from trialchat.settings import Settings  # noqa: E402

Q = REPO / "eval" / "questions"
SETS = (("blind", Q / "blind.jsonl", Q / "blind_intents.jsonl"), ("blind2 (held out)", Q / "blind2.jsonl",
                                                                    Q / "blind2_intents.jsonl"))


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out" / "router_blind.md")
    args = ap.parse_args()
    settings = Settings(llm="extractive", **({"data_dir": args.data_dir} if args.data_dir else {}))
    chain = build_answer_service(settings, llm_from_settings=False).chain
    router, speller, catalog = chain.p.router, chain.p.speller, chain.p.catalog_loader()
    assert router is not None and speller is not None
    lines = ["# Router accuracy on the blind sets", ""]
    held = read(Q / "router_heldout.jsonl")
    ok_held = sum(router.route(q["question"]).intent == q["intent"] for q in held)
    lines += [f"Held-out router set (`router_heldout.jsonl`, {len(held)}): top intent right {ok_held / len(held):.3f}.", ""]
    for name, questions, labels in SETS:
        label = {x["id"]: x for x in read(labels)}
        total, right, routed, right_routed = Counter(), Counter(), Counter(), Counter()
        for q in read(questions):
            gold = label[q["id"]]
            route = router.route(catalog.without_names(speller.correct(q["question"])))
            got = route.intent if route and route.confident else None
            intent = gold["intent"]
            total[intent] += 1
            right[intent] += got in {intent, *gold.get("also", [])} or (got is None and intent == "other")
            if got is not None:
                routed[intent] += 1
                right_routed[intent] += got in {intent, *gold.get("also", [])}
        n, r = sum(total.values()), sum(routed.values())
        lines += [f"## {name}: {n} questions", "",
                  f"Right {sum(right.values()) / n:.3f} · routed {r / n:.2f} · right when routed "
                  f"{sum(right_routed.values()) / max(r, 1):.3f}", "",
                  "| intent | questions | right | routed | right when routed |", "|---|---|---|---|---|"]
        lines += [f"| {k} | {v} | {right[k] / v:.2f} | {routed[k]} | {right_routed[k] / max(routed[k], 1):.2f} |"
                  for k, v in total.most_common()]
        lines.append("")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines), "utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
