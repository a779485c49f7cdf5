"""TREC Clinical Trials 2021/2022: does "can I join?" rule out the patients the judges found excluded?

For every judged patient–trial pair (1 = excluded, 2 = eligible) whose trial record is in ../shared/data
(API v2 JSON, legacy study fields, classic XML), the patient description is checked against the trial's
fact sheet (assistant/eligibility_check.py) and the verdict (excluded vs not) compared with the judgment.
The baseline, in the same run, is the previous can-I-join logic (age fields plus the one best-overlapping
criterion for a condition named after "I have …"), kept here verbatim in spirit so the two are comparable.

    python -m benchmarks.trec_eligibility [--out docs/eval-runs/eligibility]

Not TrialGPT's measure: TrialGPT reports criterion-level accuracy (87.3% with GPT-4); this is the
patient-level excluded-vs-not verdict, offline, with no model.
"""
from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

from assistant.eligibility_check import assess
from assistant.patient_facts import patient_facts
from assistant.textutil import content_terms, overlap
from ingest.discovery import discover
from ingest.facts import fact_sheet
from ingest.parsers import ParseError, parse_document
from trialchat.facts import FactSheet, age_in_years
from trialchat.schema import Study

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SOURCES = ("ctgov_v2", "ctgov_legacy_studyfields", "ctgov_xml")
YEARS = ("trec_2021", "trec_2022")

# ---- the previous can-I-join logic (assistant/compose.py before this change), for the baseline ----
_AGE_Q = re.compile(r"(?:\b(?:i'?m|i am|at|aged?|is|turning|turned|he's|she's|of)\s+(\d{1,3})\b(?!\s*(?:%|kg|lb|mg|cm)))"
                    r"|\b(\d{1,3})\s*-?\s*(?:years?|yrs?|yo|y/o)\b", re.IGNORECASE)
_CONDITION_Q = re.compile(r"\b(?:with|have|has|had|got|diagnosed with)\s+(?:a |an |the )?([a-z][a-z0-9 '\-]{2,48}?)"
                          r"(?=\s*(?:[,.?!;]|$|\bcan\b|\bcould\b|\bam\b|\bis\b|\bwould\b|\band\b|\bdo\b|\bjoin\b|"
                          r"\btake part\b|\bparticipate\b|\bbe in\b|\bsign up\b))", re.IGNORECASE)


def baseline_excluded(text: str, s: FactSheet) -> bool:
    m = _AGE_Q.search(text)
    age = int(m.group(1) or m.group(2)) if m else None
    low = age_in_years(s.min_age.value) if s.min_age else None
    high = age_in_years(s.max_age.value) if s.max_age else None
    if age is not None and age <= 120 and ((low is not None and age < low) or (high is not None and age > high)):
        return True
    cm = _CONDITION_Q.search(text)
    terms = content_terms(cm.group(1)) - {"diseas", "condit", "problem", "histori"} if cm else set()
    if not terms:
        return False
    scored = [(overlap(terms, content_terms(f.value)), f) for f in s.exclusion + s.inclusion]
    top = max(scored, key=lambda t: t[0], default=(0.0, None))
    return top[0] >= 0.5 and top[1] in s.exclusion


def _scores(pairs: list[tuple[bool, bool]]) -> dict[str, float]:
    tp = sum(p and g for p, g in pairs)
    fp = sum(p and not g for p, g in pairs)
    fn = sum(g and not p for p, g in pairs)
    return {"accuracy": sum(p == g for p, g in pairs) / len(pairs), "precision_excluded": tp / (tp + fp) if tp + fp else 0.0,
            "recall_excluded": tp / (tp + fn) if tp + fn else 0.0, "said_excluded": tp + fp}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="docs/eval-runs/eligibility")
    args = ap.parse_args()
    t0 = time.time()
    studies: dict[str, Study] = {}
    for doc in discover([DATA / x for x in SOURCES]):  # parsed only: the injection screen is not needed to read criteria
        try:
            studies.update({s.study_id: s for s in parse_document(doc.name, doc.data or b"", doc.source_file).studies})
        except ParseError:
            continue
    rows = []
    for year in YEARS:
        topics = {json.loads(ln)["_id"]: json.loads(ln)["text"] for ln in (DATA / "trec_ct" / year / "queries.jsonl").open()}
        for line in (DATA / "trec_ct" / year / "qrels_test.tsv").read_text().splitlines()[1:]:
            qid, nct, label = line.split("\t")
            if label in ("1", "2") and nct in studies and qid in topics:
                rows.append((year, qid, nct, label == "1", topics[qid]))
    sheets = {nct: fact_sheet(studies[nct]) for nct in {r[2] for r in rows}}
    ours, base, detail = [], [], []
    for year, qid, nct, excluded, text in rows:
        a = assess(sheets[nct], patient_facts(text))
        said = a.eligibility.verdict == "excluded"
        ours.append((said, excluded))
        base.append((baseline_excluded(text, sheets[nct]), excluded))
        detail.append({"year": year, "topic": qid, "trial": nct, "judged_excluded": excluded, "ours": a.eligibility.verdict,
                       "reasons": [f.key for f in a.findings if f.group == "rules_out"]})
    result = {"pairs": len(rows), "judged_excluded": sum(r[3] for r in rows), "ours": _scores(ours),
              "baseline_previous_logic": _scores(base), "seconds": round(time.time() - t0, 1), "detail": detail}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "trec.json").write_text(json.dumps(result, indent=1))
    table = ["| | pairs | accuracy | precision (excluded) | recall (excluded) | said excluded |", "|---|---|---|---|---|---|"]
    for name in ("baseline_previous_logic", "ours"):
        r = result[name]
        table.append(f"| {name} | {len(rows)} | {r['accuracy']:.3f} | {r['precision_excluded']:.3f} | "
                     f"{r['recall_excluded']:.3f} | {r['said_excluded']} |")
    (out / "trec.md").write_text(
        "# TREC CT 2021/2022 — excluded vs not, patient level\n\n"
        f"{len(rows)} judged pairs whose trial record is in ../shared/data "
        f"({result['judged_excluded']} judged excluded). Both rows from one run.\n\n" + "\n".join(table) +
        "\n\nTrialGPT (GPT-4) reports 87.3% criterion-level accuracy: a different measure (per criterion, with an LLM), "
        "shown for scale only.\n")
    print("\n".join(table))


if __name__ == "__main__":
    main()
