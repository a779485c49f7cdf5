"""Tolerant readers for JSON study records: records are untrusted input, so wrong types read as absent."""
from __future__ import annotations

from typing import Any

from ingest.parsers.textutil import clean_text, unescape_markdown


def sub_dict(obj: Any, *keys: str) -> dict:
    for k in keys:
        obj = obj.get(k) if isinstance(obj, dict) else None
    return obj if isinstance(obj, dict) else {}


def list_at(obj: Any, key: str) -> list:
    v = obj.get(key) if isinstance(obj, dict) else None
    return v if isinstance(v, list) else []


def dicts_at(obj: Any, key: str) -> list[dict]:
    return [x for x in list_at(obj, key) if isinstance(x, dict)]


def text_at(obj: Any, key: str) -> str:
    """A scalar as clean text ('' when absent); v2 Markdown escapes removed."""
    v = obj.get(key) if isinstance(obj, dict) else None
    if v is None or isinstance(v, (dict, list)):
        return ""
    if isinstance(v, bool):
        return "Yes" if v else "No"
    return clean_text(unescape_markdown(v))


def texts_at(obj: Any, key: str) -> list[str]:
    return [clean_text(unescape_markdown(x)) for x in list_at(obj, key)
            if isinstance(x, (str, int, float)) and str(x).strip()]


def yes_no(v: Any) -> str:
    return ("Yes" if v else "No") if isinstance(v, bool) else ""
