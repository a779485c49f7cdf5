"""Format parsers of the ingest step: bytes of one file (or zip member) → ``Study`` objects.

``parse_document`` detects the format from the file name *and* the content, and raises
``ParseError`` (never another exception type) when the whole document is unusable. Per-record
problems in a multi-record document come back in ``record_errors`` while good records survive.
The exception types live in ``ingest.parsers.errors`` (a leaf module); ``ParseError`` is re-exported here.
"""
from __future__ import annotations

import codecs
import json
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from ingest.parsers.ctgov_xml import parse_xml, xml_to_v2
from ingest.parsers.errors import PageError, ParseError, RecordError, XmlError
from ingest.parsers.glossary import parse_glossary
from ingest.parsers.legacy import is_legacy_record, legacy_to_v2
from ingest.parsers.nli4ct import is_nli4ct_record, study_from_nli4ct
from ingest.parsers.page import parse_page
from ingest.parsers.v2 import study_from_v2
from trialchat.schema import Study

__all__ = ["ParseError", "ParsedDocument", "parse_document"]

JSON_EXTS = {".json", ".jsonl", ".ndjson"}
TEXT_EXTS = {".txt", ".md", ".markdown"}
GLOSSARY_MARKER = "# trialchat glossary"


@dataclass
class ParsedDocument:
    studies: list[Study]
    record_errors: list[str] = field(default_factory=list)  # e.g. "record 4: no NCT ID found"


def parse_document(name: str, data: bytes, source_file: str) -> ParsedDocument:
    ext = PurePosixPath(str(name).replace("\\", "/")).suffix.lower()
    if ext not in JSON_EXTS | TEXT_EXTS | {".xml"}:
        raise ParseError(f"unsupported file type {ext or '(no extension)'!r}: expected .json, "
                         ".jsonl, .ndjson, .xml, .txt or .md")
    text = _decode(data)
    head = text.lstrip()[:200]
    if ext in TEXT_EXTS:
        return ParsedDocument([_parse_text(text, source_file)])
    if head.lower().startswith(("<!doctype html", "<html")):
        raise ParseError("an HTML page, not a study record")
    # Content wins over a .json/.xml name when it is unmistakably the other format.
    if head.startswith("<"):
        return ParsedDocument([_parse_xml(data, source_file)])
    if ext in JSON_EXTS or head[:1] in ("{", "["):
        return _parse_json_text(text, ext, source_file)
    raise ParseError(f"not XML: content starts with {head[:20]!r}")


def _decode(data: bytes) -> str:
    if not isinstance(data, (bytes, bytearray)):
        raise ParseError("document content must be bytes")
    if not data:
        raise ParseError("empty file")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ParseError("UTF-16 text is not supported: save the file as UTF-8")
    if b"\x00" in data[:8192]:
        raise ParseError("binary data, not a text document")
    try:
        text = bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ParseError(f"not UTF-8 text (invalid byte 0x{data[e.start]:02x} at offset {e.start})") from None
    if not text.strip():
        raise ParseError("file contains only whitespace")
    return text


def _parse_text(text: str, source_file: str) -> Study:
    first = next(ln.strip() for ln in text.splitlines() if ln.strip())
    if first == GLOSSARY_MARKER:
        try:
            return parse_glossary(text, source_file)
        except ParseError:
            raise
        except ValueError as e:
            raise ParseError(f"glossary: {e}") from e
    try:
        return parse_page(text, source_file)
    except PageError as e:
        raise ParseError(str(e)) from None


def _parse_xml(data: bytes, source_file: str) -> Study:
    try:
        root = parse_xml(bytes(data))
        return study_from_v2(xml_to_v2(root), source_file)
    except (XmlError, RecordError) as e:
        raise ParseError(str(e)) from None
    except (TypeError, AttributeError, KeyError, IndexError, ValueError) as e:
        raise ParseError(f"unexpected XML structure ({type(e).__name__}: {e})") from None


# ---- JSON and JSON Lines ----
def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise ParseError("JSON nested too deeply") from None


def _parse_json_text(text: str, ext: str, source_file: str) -> ParsedDocument:
    if ext in (".jsonl", ".ndjson"):
        if _first_line_is_json(text):
            return _parse_jsonl(text, source_file)
        try:  # maybe one pretty-printed JSON document under a .jsonl name
            obj = _loads(text)
        except (json.JSONDecodeError, ParseError):
            return _parse_jsonl(text, source_file)  # a bad first line: a record error
    else:
        try:
            obj = _loads(text)
        except json.JSONDecodeError as e:
            # JSON Lines under a .json name shows up as "Extra data" after the first record
            if e.msg == "Extra data" and _first_line_is_json(text):
                return _parse_jsonl(text, source_file)
            raise ParseError(f"invalid JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    records, multi = _json_records(obj)
    if not multi:
        return ParsedDocument([_single(records[0], source_file)])
    return _collect([(f"record {i}", r) for i, r in enumerate(records, 1)], source_file)


def _lines(text: str) -> list[str]:
    # split on "\n" only: str.splitlines() would also break at U+2028/U+0085, which JSON strings
    # may contain unescaped
    return [ln.rstrip("\r") for ln in text.split("\n")]


def _first_line_is_json(text: str) -> bool:
    line = text.lstrip().split("\n", 1)[0]
    try:
        return isinstance(_loads(line), dict)
    except (json.JSONDecodeError, ParseError):
        return False


class _BadLine(str):
    """A JSON Lines line that did not parse; kept in place so errors stay in line order."""


def _parse_jsonl(text: str, source_file: str) -> ParsedDocument:
    items: list[tuple[str, Any]] = []
    for lineno, line in enumerate(_lines(text), 1):
        if not line.strip():
            continue
        try:
            obj = _loads(line)
        except json.JSONDecodeError as e:
            items.append((f"line {lineno}", _BadLine(f"invalid JSON: {e.msg} (column {e.colno})")))
            continue
        except ParseError as e:
            items.append((f"line {lineno}", _BadLine(str(e))))
            continue
        if isinstance(obj, dict) and ("studies" in obj or "StudyFieldsResponse" in obj):
            try:  # a whole page per line: unpack it
                recs, _ = _json_records(obj)
            except ParseError as e:
                items.append((f"line {lineno}", _BadLine(str(e))))
                continue
            items.extend((f"line {lineno} record {i}", r) for i, r in enumerate(recs, 1))
        else:
            items.append((f"line {lineno}", obj))
    return _collect(items, source_file)


def _json_records(obj: Any) -> tuple[list, bool]:
    """(records, is_multi_record) for the JSON shapes ClinicalTrials.gov produces."""
    if isinstance(obj, list):
        if not obj:
            raise ParseError("empty JSON array: no studies")
        return obj, True
    if not isinstance(obj, dict):
        raise ParseError(f"JSON {type(obj).__name__} is not a study record")
    if "protocolSection" in obj:
        return [obj], False
    if "studies" in obj:
        studies = obj["studies"]
        if not isinstance(studies, list) or not studies:
            raise ParseError("'studies' holds no list of studies")
        return studies, True
    if "StudyFieldsResponse" in obj:
        fields = obj["StudyFieldsResponse"].get("StudyFields") if isinstance(obj["StudyFieldsResponse"], dict) else None
        if not isinstance(fields, list) or not fields:
            raise ParseError("StudyFieldsResponse holds no StudyFields records")
        return fields, True
    if "FullStudiesResponse" in obj:
        raise ParseError("legacy FullStudiesResponse format is not supported: use API v2 JSON or study fields")
    if is_legacy_record(obj):
        return [obj], False
    if is_nli4ct_record(obj):
        return [obj], False
    raise ParseError("JSON object is not a ClinicalTrials.gov study "
                     "(no protocolSection, studies list, legacy study fields or NLI4CT trial report)")


def _to_study(record: Any, source_file: str) -> Study:
    """One record → Study; raises RecordError (a ValueError) for any unusable record."""
    if not isinstance(record, dict):
        raise RecordError(f"not a JSON object ({type(record).__name__})")
    try:
        if "protocolSection" in record:
            return study_from_v2(record, source_file)
        if is_legacy_record(record):
            return study_from_v2(legacy_to_v2(record), source_file)
        if is_nli4ct_record(record):
            return study_from_nli4ct(record, source_file)
    except RecordError:
        raise
    except (TypeError, AttributeError, KeyError, IndexError, ValueError) as e:
        # untrusted input: an odd structure is this record's problem, not a crash
        raise RecordError(f"unexpected record structure ({type(e).__name__}: {e})") from e
    raise RecordError("not a ClinicalTrials.gov study record")


def _single(record: Any, source_file: str) -> Study:
    try:
        return _to_study(record, source_file)
    except RecordError as e:
        raise ParseError(str(e)) from None


def _collect(items: list[tuple[str, Any]], source_file: str) -> ParsedDocument:
    studies: list[Study] = []
    errors: list[str] = []
    seen: dict[str, str] = {}
    for where, record in items:
        if isinstance(record, _BadLine):
            errors.append(f"{where}: {record}")
            continue
        try:
            study = _to_study(record, source_file)
        except RecordError as e:
            errors.append(f"{where}: {e}")
            continue
        if study.study_id in seen:
            errors.append(f"{where}: duplicate NCT ID {study.study_id} (first in {seen[study.study_id]}); skipped")
            continue
        seen[study.study_id] = where
        studies.append(study)
    if not studies:
        shown = "; ".join(errors[:3]) + (f" (and {len(errors) - 3} more)" if len(errors) > 3 else "")
        raise ParseError(f"no usable records: {shown or 'document holds no records'}")
    return ParsedDocument(studies, errors)
