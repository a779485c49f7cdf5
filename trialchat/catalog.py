"""The study catalog: one entry per study, derived from its chunks and kept as a JSON file beside the
BM25 index (written with it, in the same directory swap, so the two never disagree)."""
from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from trialchat.schema import ACRONYM_PATHS, split_chunk_text
from trialchat.store_port import CatalogEntry, StoredChunk

CATALOG_FILE = "studies.json"


def entries_of(rows: Iterable[StoredChunk]) -> dict[str, CatalogEntry]:
    """One entry per study of these chunks (read in ID order: the acronym is the last acronym chunk's)."""
    found: dict[str, dict] = {}
    for row in rows:
        meta = row.metadata
        sid = meta["study_id"]
        entry = found.setdefault(sid, {"study_id": sid, "title": meta.get("study_title", ""), "acronym": None,
                                       "source_url": meta.get("source_url", ""),
                                       "source_file": meta.get("source_file", ""),
                                       "source_location": meta.get("source_location", ""), "chunks": 0})
        entry["chunks"] += 1
        if meta.get("field_path", "") in ACRONYM_PATHS:
            entry["acronym"] = split_chunk_text(row.text)[1].strip()
    return {sid: CatalogEntry(**e) for sid, e in found.items()}


def catalog_text(entries: Iterable[CatalogEntry]) -> str:
    """The file's text: entries by study ID (the same bytes for the same studies, however they were built)."""
    return json.dumps([e.to_dict() for e in sorted(entries, key=lambda e: e.study_id)])


class CatalogFile:
    """The catalog as this data dir holds it (``directory`` is the BM25 index's, swapped in whole)."""

    def __init__(self, directory: Path):
        self.path = Path(directory) / CATALOG_FILE

    def read(self) -> list[CatalogEntry]:
        try:
            text = self.path.read_text()
        except FileNotFoundError:
            return []
        return [CatalogEntry.from_dict(d) for d in json.loads(text)]

    def stamp(self) -> float | None:
        """Changes whenever an ingest rewrites the catalog (None before the first one)."""
        try:
            return self.path.stat().st_mtime
        except FileNotFoundError:
            return None
