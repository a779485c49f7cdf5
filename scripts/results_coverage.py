"""Parse coverage of posted results, per format: how many studies have results, and how many results models are
complete (issue #17).

    python scripts/results_coverage.py [DATA_DIR]    # default ../shared/data; prints a Markdown table

A study's model is *complete* when everything its format can hold was read, citable, with nothing reported in
``problems``:
- flow (not in NLI4CT reports): every period has "Started" and "Completed" numbers for its groups, each line quoted;
- outcomes: every posted primary outcome (NLI4CT: every outcome) has a number for each of its groups, quoted;
- adverse events: every group has its totals quoted (serious and other, or NLI4CT's "Total").
Each part is counted on its own too, so what keeps a model incomplete shows.
"""
from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from ingest.parsers import parse_document
from trialchat.results import StudyResults

FORMATS = ("ctgov_v2", "ctgov_xml", "ctgov_legacy", "nli4ct")
PARTS = ("flow", "outcomes", "adverse events", "no problems")


def _files(data: Path) -> Iterator[Path]:
    yield from sorted((data / "ctgov_v2").rglob("*.json"))
    yield from sorted((data / "ctgov_xml").glob("*.xml"))
    yield from sorted((data / "ctgov_legacy_studyfields").glob("*.jsonl"))
    yield from sorted((data / "nli4ct" / "CT_json").glob("*.json"))


def flow_complete(r: StudyResults) -> bool:
    if r.source_format == "nli4ct":
        return True  # the format has no participant flow
    if not (r.flow and r.flow.periods):
        return False
    n = len(r.flow.groups)
    for p in r.flow.periods:
        kinds = {m.kind: m for m in p.milestones}
        if not all(k in kinds and kinds[k].quote and len(kinds[k].numbers) == n for k in ("Started", "Completed")):
            return False
    return True


def outcomes_complete(r: StudyResults) -> bool:
    wanted = [o for o in r.outcomes if (o.primary or r.source_format == "nli4ct") and o.posted]
    if not wanted:
        return False
    for o in wanted:
        ids = {g.id for g in o.groups}
        read = {x.group_id for row in o.rows if row.quote for x in row.numbers if x.value and x.value != "NA"}
        if not ids or not ids <= read:
            return False
    return True


def adverse_complete(r: StudyResults) -> bool:
    ae = r.adverse
    if ae is None or not ae.groups:
        return False
    if r.source_format == "nli4ct":
        return all(g.quote and g.any_affected is not None and g.any_at_risk for g in ae.groups)
    return all(g.quote and g.serious_affected is not None and g.other_affected is not None for g in ae.groups)


def coverage(data: Path) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = {f: Counter() for f in FORMATS}
    for path in _files(data):
        for study in parse_document(path.name, path.read_bytes(), str(path)).studies:
            r = study.results
            if r is None:
                continue
            parts = {"flow": flow_complete(r), "outcomes": outcomes_complete(r),
                     "adverse events": adverse_complete(r), "no problems": not r.problems}
            c = out[r.source_format]
            c["with results"] += 1
            c.update(k for k, ok in parts.items() if ok)
            c["complete"] += all(parts.values())
    return out


def table(cov: dict[str, Counter[str]]) -> str:
    head = ["format", "studies with results", "model complete", *PARTS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for f in FORMATS:
        c = cov[f]
        lines.append("| " + " | ".join([f, str(c["with results"]), f"**{c['complete']}**", *(str(c[p]) for p in PARTS)])
                     + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "data"
    print(table(coverage(root)))
