"""NLI4CT trial reports (SemEval-2023 Task 7) → ``Study`` with API v2 field paths.

An NLI4CT report is a ClinicalTrials.gov record cut into four sections of text lines:

    {"Clinical Trial ID": "NCT00001832", "Intervention": ["INTERVENTION 1: ", "  <arm title>", "  <arm
     description>", ...], "Eligibility": ["INCLUSION CRITERIA", "  <item>", ...], "Results": ["Outcome
     Measurement: ", "  <title>", ..., "Results 1: ", "  Arm/Group Title: ...", ...], "Adverse Events":
     ["Adverse Events 1:", "  Total: 0/3 (0.00%)", "  <term> 1/3 (33.33%)", ...]}

Mapped to the v2 paths of the same data: each ``INTERVENTION i`` block is an arm group
(``protocolSection.armsInterventionsModule.armGroups[i]``: in the registry these blocks are the arm/group
title and description); the eligibility lines are ``protocolSection.eligibilityModule.eligibilityCriteria``
(split into inclusion and exclusion like any registry's criteria); each ``Outcome Measurement`` with its
``Results k`` groups is ``resultsSection.outcomeMeasuresModule.outcomeMeasures[i]``; each ``Adverse Events k``
block is ``resultsSection.adverseEventsModule.eventGroups[k]``. The report has no title: the study is named
by its NCT ID. Every line's words are kept (no results are cut), so the dataset's gold evidence lines stay
findable.
"""
from __future__ import annotations

import re
from typing import Any

from ingest.parsers.errors import RecordError
from ingest.parsers.nli4ct_results import nli4ct_results
from ingest.parsers.textutil import clean_text, short
from ingest.parsers.v2 import study_from_v2
from trialchat.schema import Study, StudyField

ID_KEY = "Clinical Trial ID"
SECTIONS = ("Intervention", "Eligibility", "Results", "Adverse Events")
R = "resultsSection"
_INTERVENTION = re.compile(r"^INTERVENTION\s+(\d+)\s*:?\s*$", re.IGNORECASE)
_OUTCOME = re.compile(r"^Outcome Measurement\s*:?\s*$", re.IGNORECASE)
_RESULT_GROUP = re.compile(r"^Results\s+(\d+)\s*:?\s*$", re.IGNORECASE)
_AE_GROUP = re.compile(r"^Adverse Events\s+(\d+)\s*:?\s*$", re.IGNORECASE)


def is_nli4ct_record(obj: Any) -> bool:
    return isinstance(obj, dict) and ID_KEY in obj and any(s in obj for s in SECTIONS)


def _lines(record: dict, section: str) -> list[str]:
    value = record.get(section)
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordError(f"NLI4CT section {section!r} is not a list of lines")
    return [str(x) for x in value if isinstance(x, (str, int, float))]


def _blocks(lines: list[str], head: re.Pattern) -> list[tuple[str, list[str]]]:
    """(the heading's number, the stripped non-empty lines under it) for each heading line ``head`` matches;
    lines before the first heading form a block of their own (numbered "")."""
    blocks: list[tuple[str, list[str]]] = []
    for raw in lines:
        line = clean_text(raw).strip()
        m = head.match(line)
        if m:
            blocks.append((m.group(1) if head.groups else "", []))
        elif line:
            if not blocks:
                blocks.append(("", []))
            blocks[-1][1].append(line)
    return [(n, body) for n, body in blocks if body]


def _arm_groups(lines: list[str]) -> list[dict]:
    groups = []
    for _, body in _blocks(lines, _INTERVENTION):
        title, rest = body[0], body[1:]
        if rest and rest[0] == title:  # some reports repeat the title line
            rest = rest[1:]
        groups.append({"label": title, "description": "\n".join(rest)})
    return groups


def _outcome_fields(lines: list[str]) -> list[StudyField]:
    out = []
    for i, (_, body) in enumerate(_blocks(lines, _OUTCOME)):
        # the "Results k:" lines stay in the text: they say which group the numbers that follow are for
        title = next((x for x in body if not _RESULT_GROUP.match(x)), "Outcome")
        out.append(StudyField(path=f"{R}.outcomeMeasuresModule.outcomeMeasures[{i}]",
                              label=f"Results › {short(title, 70)}", text="\n".join(body)))
    return out


def _adverse_fields(lines: list[str]) -> list[StudyField]:
    out = []
    for i, (number, body) in enumerate(_blocks(lines, _AE_GROUP)):
        group = number or str(i + 1)
        out.append(StudyField(path=f"{R}.adverseEventsModule.eventGroups[{i}]",
                              label=f"Results › Adverse events › Group {group}",
                              text=f"Adverse events, group {group}\n" + "\n".join(body)))
    return out


def study_from_nli4ct(record: Any, source_file: str) -> Study:
    if not is_nli4ct_record(record):
        raise RecordError("not an NLI4CT trial report")
    nct = str(record.get(ID_KEY) or "").strip().upper()
    eligibility = "\n".join(x.strip() for x in _lines(record, "Eligibility"))
    v2 = {"protocolSection": {
        "identificationModule": {"nctId": nct},
        "armsInterventionsModule": {"armGroups": _arm_groups(_lines(record, "Intervention"))},
        "eligibilityModule": {"eligibilityCriteria": eligibility},
    }}
    study = study_from_v2(v2, source_file)  # validates the NCT ID; criteria split as for any registry
    extra = _outcome_fields(_lines(record, "Results")) + _adverse_fields(_lines(record, "Adverse Events"))
    study.fields.extend(extra)
    study.results = nli4ct_results(extra)
    if not any(f.path != "protocolSection.identificationModule" for f in study.fields):
        raise RecordError(f"NLI4CT report {nct} has no text in any section")
    return study


__all__ = ["is_nli4ct_record", "study_from_nli4ct"]
