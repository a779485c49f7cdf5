"""Readers for legacy study-fields records, where every field is a list of strings (parallel columns)."""
from __future__ import annotations

from ingest.enums import to_code


def column(rec: dict, key: str) -> list[str]:
    v = rec.get(key)
    if isinstance(v, (str, int, float)):
        v = [v]
    return [str(x) for x in v if isinstance(x, (str, int, float))] if isinstance(v, list) else []


def first_of(rec: dict, key: str) -> str | None:
    v = column(rec, key)
    return v[0] if v and v[0].strip() else None


def code_of(rec: dict, key: str) -> str | None:
    return to_code(first_of(rec, key))


def yes_of(rec: dict, key: str) -> bool | None:
    v = (first_of(rec, key) or "").strip().lower()
    return {"yes": True, "no": False}.get(v)


def zip_columns(rec: dict, columns: dict[str, str]) -> list[dict]:
    """Parallel legacy lists → list of dicts; columns shorter than the longest are dropped."""
    cols = {k: column(rec, legacy) for k, legacy in columns.items()}
    n = max((len(c) for c in cols.values()), default=0)
    rows: list[dict] = [{} for _ in range(n)]
    for key, col in cols.items():
        if len(col) == n:
            for row, v in zip(rows, col):
                row[key] = v
    return rows
