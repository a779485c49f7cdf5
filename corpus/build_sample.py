"""Rebuild corpus/sample/ from ../shared/data (run from the repository root).

Every file is copied or cut out of the shared data without changing a byte of the record:
- API v2 studies from `ctg_downloads/*.json` arrays: the exact text span of the study object;
- API v2 single-study files, classic XML and the plain-language page: copied whole;
- legacy study-fields records: the original JSONL lines, unchanged, in NCT order.
See corpus/SOURCES.md for where each one came from.
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

DATA = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
OUT = Path(__file__).resolve().parent / "sample"

V2_FROM_ARRAYS = {
    "NCT07247227": "vrinda2019__NSCLCBench__ctg-studies.json",
    "NCT04318938": "vrinda2019__NSCLCBench__ctg-studies.json",
    "NCT05843643": "dgg32__clinical-trials-public__ctg-studies(5).json",
    "NCT06589271": "scampbe3__my-website__ctg-studies.json",
    "NCT03840928": "unl-stat351__screencast-public-data-jesusrod44__ctg-studies.json",
    "NCT04066023": "unl-stat351__screencast-public-data-jesusrod44__ctg-studies.json",
}
V2_SINGLE = ["NCT02552212.json"]
LEGACY_IDS = ["NCT02633163", "NCT03562065", "NCT03673748"]
LEGACY_OUT = "msc_lupus_legacy_studyfields.jsonl"
XML = ["NCT00513591.xml", "NCT02708238.xml"]
PAGES = ["nih-11159694-misle.txt"]


def study_spans(text: str):
    """Yield (nct_id, start, end) for every study object of a JSON array file."""
    dec = json.JSONDecoder()
    i = text.index("[") + 1
    while True:
        while text[i] in " \t\r\n,":
            i += 1
        if text[i] == "]":
            return
        obj, end = dec.raw_decode(text, i)
        yield obj["protocolSection"]["identificationModule"]["nctId"], i, end
        i = end


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    by_file: dict[str, list[str]] = {}
    for nct, fname in V2_FROM_ARRAYS.items():
        by_file.setdefault(fname, []).append(nct)
    for fname, wanted in by_file.items():
        text = (DATA / "ctgov_v2" / "ctg_downloads" / fname).read_text(encoding="utf-8")
        found = {nct: text[a:b] for nct, a, b in study_spans(text) if nct in wanted}
        for nct in wanted:
            (OUT / f"{nct}.json").write_text(found[nct] + "\n", encoding="utf-8")
    for fname in V2_SINGLE:
        shutil.copyfile(DATA / "ctgov_v2" / "single_studies" / fname, OUT / fname)
    lines = {}
    with open(DATA / "ctgov_legacy_studyfields" / "mapClinical_msc_trials_studyfields.jsonl", encoding="utf-8") as fh:
        for line in fh:
            nct = json.loads(line)["NCTId"][0]
            if nct in LEGACY_IDS:
                lines[nct] = line if line.endswith("\n") else line + "\n"
    with open(OUT / LEGACY_OUT, "w", encoding="utf-8") as fh:
        for nct in LEGACY_IDS:
            fh.write(lines[nct])
    for fname in XML:
        shutil.copyfile(DATA / "ctgov_xml" / fname, OUT / fname)
    for fname in PAGES:
        shutil.copyfile(DATA / "seed" / fname, OUT / fname)
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"{len(list(OUT.iterdir()))} files, {total} bytes in {OUT}")


if __name__ == "__main__":
    main()
