"""False alarms of the poisoned-text detector (trialchat/injection.py) on real, clean records.

Every study record in the shared data and the bundled sample is parsed as ingest parses it, and every
field (label + text) and title is screened; the other real texts in the shared data (NLI4CT trial
sections, TREC patient topics, RePORTER abstracts, TrialQA questions) are screened string by string.
A clean record flagged is a false alarm. Writes benchmarks/out/injection.md and .json.

    python -m benchmarks.injection_false_alarms [SHARED_DATA_DIR]
"""
from __future__ import annotations

import csv
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from ingest.discovery import discover
from ingest.parsers import ParseError, parse_document
from trialchat.injection import detect

REPO = Path(__file__).resolve().parents[1]
RECORD_DIRS = ("ctgov_v2", "ctgov_legacy_studyfields", "ctgov_xml", "seed")


def scan_records(roots: list[Path]) -> dict:
    """Screen every field of every parsable study under ``roots``."""
    studies = fields = 0
    alarms: list[dict] = []
    for doc in discover(roots):
        if doc.error:
            continue
        try:
            parsed = parse_document(doc.name, doc.data or b"", doc.source_file)
        except ParseError:
            continue
        for study in parsed.studies:
            studies += 1
            for name, text in [("title", study.title), *((f.path, f"{f.label}\n{f.text}") for f in study.fields)]:
                fields += 1
                finding = detect(text)
                if finding:
                    alarms.append({"study_id": study.study_id, "field": name, "rule": finding.rule, "excerpt": finding.excerpt})
    return {"studies": studies, "fields": fields, "alarms": alarms}


def _strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        # NLI4CT keeps a section as a list of lines: screen it as one text, as a record field would be
        if value and all(isinstance(v, str) for v in value):
            yield "\n".join(value)
        else:
            for v in value:
                yield from _strings(v)


def other_texts(shared: Path) -> Iterator[tuple[str, str]]:
    """(where, text) of the shared data's other real texts."""
    for path in sorted((shared / "nli4ct" / "CT_json").glob("*.json")):
        for text in _strings(json.loads(path.read_text())):
            yield f"nli4ct/{path.name}", text
    for path in sorted((shared / "trec_ct").glob("*/queries.jsonl")) + sorted((shared / "trialqa_labbench2").glob("*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip():
                for text in _strings(json.loads(line)):
                    yield str(path.relative_to(shared)), text
    for path in sorted((shared / "nih_reporter").glob("*.csv")):
        with path.open(newline="", encoding="utf-8", errors="replace") as fh:
            for row in csv.reader(fh):
                for text in row:
                    yield str(path.relative_to(shared)), text


def scan_texts(shared: Path) -> dict:
    texts = 0
    alarms = []
    for where, text in other_texts(shared):
        texts += 1
        finding = detect(text)
        if finding:
            alarms.append({"where": where, "rule": finding.rule, "excerpt": finding.excerpt})
    return {"texts": texts, "alarms": alarms}


def main(argv: list[str]) -> int:
    shared = Path(argv[0]) if argv else REPO.parent / "shared" / "data"
    t0 = time.perf_counter()
    records = scan_records([shared / d for d in RECORD_DIRS if (shared / d).exists()] + [REPO / "corpus" / "sample",
                                                                                      REPO / "ingest" / "glossary"])
    texts = scan_texts(shared)
    out = {"records": records, "other_texts": texts, "seconds": round(time.perf_counter() - t0, 1)}
    (REPO / "benchmarks" / "out").mkdir(exist_ok=True)
    (REPO / "benchmarks" / "out" / "injection.json").write_text(json.dumps(out, indent=1))
    r, t = records, texts
    lines = ["# Poisoned-text detector: false alarms on real records", "",
             "| what | screened | flagged | false-alarm rate |", "|---|---:|---:|---:|",
             f"| study records (v2 JSON, legacy JSONL, XML, page; sample; glossary) | {r['studies']:,} studies | "
             f"{len({a['study_id'] for a in r['alarms']})} | {len({a['study_id'] for a in r['alarms']}) / max(r['studies'], 1):.2%} |",
             f"| their fields and titles | {r['fields']:,} fields | {len(r['alarms'])} | {len(r['alarms']) / max(r['fields'], 1):.3%} |",
             f"| other real texts (NLI4CT, TREC, RePORTER, TrialQA) | {t['texts']:,} texts | {len(t['alarms'])} | "
             f"{len(t['alarms']) / max(t['texts'], 1):.3%} |", ""]
    lines += [f"- {a.get('study_id', a.get('where'))} {a.get('field', '')}: {a['rule']}: “{a['excerpt']}”"
              for a in r["alarms"] + t["alarms"]]
    (REPO / "benchmarks" / "out" / "injection.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
