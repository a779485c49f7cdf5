"""Build eval/questions/nli4ct_retrieval.jsonl from the NLI4CT data in ../shared/data/nli4ct.

NLI4CT (SemEval-2023 Task 7) gives statements about breast-cancer trial reports together with
the section they are about and the indices of the gold evidence lines in that section. We keep
only "Single" statements (one trial) from dev.json and Gold_test.json and turn each into a
retrieval-only question:

    {"id", "question": <statement>, "study_id": <Primary_id>, "expected_fields": [<v2 path>],
     "expected_evidence": [<gold line texts>], "expect": null, "kind": "nli4ct_<section>",
     "nli_label": "Entailment"|"Contradiction", "source": "<file>#<uuid>"}

The statement is a claim, not a question, and half of them are false (Contradiction), so only
retrieval is scored: does the retriever bring back the right study section / evidence lines?
`expect` is null because answer behaviour is not judged on this set.

The sample is deterministic: statements are sorted by UUID and drawn with a fixed seed, the
same number from each of the four sections.

Usage (from the repository root):
    python eval/questions/build_nli4ct.py [--data ../shared/data/nli4ct] [--n 100] [--seed 7]
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "nli4ct"
DEFAULT_OUT = Path(__file__).resolve().parent / "nli4ct_retrieval.jsonl"
SPLITS = ("dev.json", "Gold_test.json")

SECTION_PATHS = {
    "Intervention": "protocolSection.armsInterventionsModule",
    "Eligibility": "protocolSection.eligibilityModule",
    "Results": "resultsSection.outcomeMeasuresModule",
    "Adverse Events": "resultsSection.adverseEventsModule",
}


def section_kind(section: str) -> str:
    return "nli4ct_" + section.lower().replace(" ", "_")


def load_candidates(data: Path) -> dict[str, list[dict]]:
    """All usable Single statements, grouped by section, each with its evidence texts."""
    by_section: dict[str, list[dict]] = {s: [] for s in SECTION_PATHS}
    reports: dict[str, dict] = {}
    for split in SPLITS:
        statements = json.loads((data / split).read_text(encoding="utf-8"))
        for uuid in sorted(statements):
            st = statements[uuid]
            if st.get("Type") != "Single":
                continue
            section, nct = st["Section_id"], st["Primary_id"]
            if nct not in reports:
                reports[nct] = json.loads((data / "CT_json" / f"{nct}.json").read_text(encoding="utf-8"))
            lines = reports[nct].get(section, [])
            idx = st.get("Primary_evidence_index") or []
            if not idx or any(i < 0 or i >= len(lines) for i in idx):
                continue  # no usable gold evidence
            evidence = [lines[i].strip() for i in idx]
            if not all(evidence):
                continue
            by_section[section].append({
                "id": f"nli4ct-{Path(split).stem.lower()}-{uuid[:8]}",
                "question": st["Statement"].strip(),
                "study_id": nct,
                "expected_fields": [SECTION_PATHS[section]],
                "expected_evidence": evidence,
                "expect": None,
                "kind": section_kind(section),
                "nli_label": st["Label"],
                "source": f"nli4ct/{split}#{uuid}",
            })
    return by_section


def sample(by_section: dict[str, list[dict]], n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    per = n // len(by_section)
    extra = n - per * len(by_section)
    picked: list[dict] = []
    for i, section in enumerate(SECTION_PATHS):
        pool = by_section[section]
        k = min(len(pool), per + (1 if i < extra else 0))
        picked.extend(sorted(rng.sample(pool, k), key=lambda d: d["id"]))
    return picked


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with dev.json, Gold_test.json, CT_json/")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--n", type=int, default=100, help="number of statements (split evenly over sections)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    rows = sample(load_candidates(args.data), args.n, args.seed)
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "id clash: lengthen the UUID prefix"
    with open(args.out, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["kind"]] = counts.get(r["kind"], 0) + 1
    print(f"wrote {len(rows)} statements to {args.out}: {counts}")


if __name__ == "__main__":
    main()
