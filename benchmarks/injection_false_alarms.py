"""False alarms of the poisoned-text detector (trialchat/injection.py) on real, clean records.

Every study record in the shared data and the bundled sample is parsed as ingest parses it, and every
field (label + text) and title is screened; the other real texts in the shared data (NLI4CT trial
sections, TREC patient topics, RePORTER abstracts, TrialQA questions) are screened string by string.
A clean record flagged is a false alarm. Writes benchmarks/out/injection.md and .json.

    python -m benchmarks.injection_false_alarms [SHARED_DATA_DIR]
    python -m benchmarks.injection_false_alarms --train [SHARED_DATA_DIR]

``--train`` refits the detector's classifier (trialchat/injection_bank/model.npz) on the bank beside it and
on the sentences of half of the real texts (split by study ID, or by file and position for other texts),
sets its threshold above the highest score of any known clean sentence (the other half, the training half and
the bank's clean sentences), and reports both halves.
"""
from __future__ import annotations

import csv
import json
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ingest.discovery import discover
from ingest.parsers import ParseError, parse_document
from trialchat import injection
from trialchat.injection import detect

REPO = Path(__file__).resolve().parents[1]
RECORD_DIRS = ("ctgov_v2", "ctgov_legacy_studyfields", "ctgov_xml", "seed")


def record_fields(roots: list[Path]) -> Iterator[tuple[str, str, str]]:
    """(study ID, field, text) of every field and title of every parsable study under ``roots``, as screened."""
    for doc in discover(roots):
        if doc.error:
            continue
        try:
            parsed = parse_document(doc.name, doc.data or b"", doc.source_file)
        except ParseError:
            continue
        for study in parsed.studies:
            for name, text in [("title", study.title), *((f.path, f"{f.label}\n{f.text}") for f in study.fields)]:
                yield study.study_id, name, text


def scan_records(roots: list[Path]) -> dict:
    """Screen every field of every parsable study under ``roots``."""
    studies = fields = 0
    alarms: list[dict] = []
    for study_id, name, text in record_fields(roots):
        studies += name == "title"  # each study's title comes first
        fields += 1
        finding = detect(text)
        if finding:
            alarms.append({"study_id": study_id, "field": name, "rule": finding.rule, "excerpt": finding.excerpt})
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


def real_texts(shared: Path) -> Iterator[tuple[str, str]]:
    """(key, text) of every real text: records by study ID, other texts by file and position."""
    roots = [shared / d for d in RECORD_DIRS if (shared / d).exists()] + [REPO / "corpus" / "sample", REPO / "ingest" / "glossary"]
    for study_id, _, text in record_fields(roots):
        yield study_id, text
    for i, (where, text) in enumerate(other_texts(shared)):
        yield f"{where}#{i // 50}", text


def half(key: str) -> int:
    """0: trains the classifier; 1: sets its threshold (a fixed split by key)."""
    return zlib.crc32(key.encode()) % 2


def train(shared: Path, margin: float = 0.01) -> dict:
    """Refit the classifier (see the module's docstring) and write its weights beside trialchat/injection.py."""
    t0 = time.perf_counter()
    halves: tuple[set[str], set[str]] = (set(), set())
    for key, text in real_texts(shared):
        halves[half(key)].update(injection.sentences(injection.normalise(text)) if text else [])
    held_out = injection.scored(sorted(halves[1] - halves[0]))  # a sentence in both halves is a training sentence
    model = injection.train(halves[0])
    scores = model.scores(held_out)
    order = np.argsort(-scores)
    bank = injection.load_bank()
    bank_scores = model.scores([injection.normalise(e.text) for e in bank])
    # the threshold sits above every known clean sentence: the unseen half (how well it generalises), and also
    # the training half and the bank's clean sentences, which a linear model does not always fit below it
    trained = model.scores(injection.scored(sorted(halves[0])))
    clean_max = max([float(scores.max(initial=0.0)), float(trained.max(initial=0.0))]
                    + [float(p) for e, p in zip(bank, bank_scores, strict=True) if e.kind == "clean"])
    threshold = float(min(0.99, max(0.5, clean_max + margin)))
    model = injection.Model(model.weights, model.bias, threshold, model.kind_weights, model.kind_bias, model.digest)
    model.save()
    injection.model.cache_clear()
    attacks = [(e, p) for e, p in zip(bank, bank_scores, strict=True) if e.kind != "clean"]
    report = {"train_sentences": len(halves[0]), "held_out_sentences": len(held_out), "threshold": threshold,
              "held_out_top": [[round(float(scores[i]), 4), held_out[i][:160]] for i in order[:15]],
              "bank_attacks_flagged": f"{sum(p > threshold for _, p in attacks)}/{len(attacks)}",
              "bank_attacks_missed": [e.text for e, p in attacks if p <= threshold],
              "bank_clean_flagged": [e.text for e, p in zip(bank, bank_scores, strict=True) if e.kind == "clean" and p > threshold],
              "seconds": round(time.perf_counter() - t0, 1)}
    (REPO / "benchmarks" / "out").mkdir(exist_ok=True)
    (REPO / "benchmarks" / "out" / "injection_train.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    return report


def main(argv: list[str]) -> int:
    if argv[:1] == ["--train"]:
        shared = Path(argv[1]) if argv[1:] else REPO.parent / "shared" / "data"
        print(json.dumps(train(shared), indent=1, ensure_ascii=False))
        return 0
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
