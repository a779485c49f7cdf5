"""Fact sheets: JSON documents in Chroma (the truth every replica shares) and one file each on this
process's data dir (the cache answers read, rebuilt from Chroma when the collection's version moved).

A sheet holds everything typed an answer composes from: the facts, the posted results
(``trialchat.results``) and the criteria with their sub-items (``trialchat.criteria_tree``).
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from trialchat.chroma_client import GuardedCollection
from trialchat.facts import FactSheet

FACTS_SUFFIX = "__facts"  # the collection of fact sheets beside each chunk collection
BATCH = 200


class FactSheetStore:
    def __init__(self, docs: GuardedCollection, directory: Path):
        self.docs = docs
        self.directory = directory

    # ---- writing (a writer, under the collection's lock) ----
    def save(self, sheets: Iterable[FactSheet], before_change: Callable[[], None] = lambda: None) -> int:
        """Store the sheets that differ from what Chroma holds (and refresh their files); returns how many did."""
        texts = [(sheet.study_id, sheet.model_dump_json(exclude_defaults=True)) for sheet in sheets]
        self.directory.mkdir(parents=True, exist_ok=True)
        changed = 0
        for i in range(0, len(texts), BATCH):
            batch = dict(texts[i:i + BATCH])
            got = self.docs.get(ids=list(batch), include=["documents"])
            stored = dict(zip(got["ids"], got["documents"]))
            new = {sid: text for sid, text in batch.items() if stored.get(sid) != text}
            if new:
                before_change()
                self.docs.upsert(ids=list(new), documents=list(new.values()), embeddings=[[1.0]] * len(new),
                                 metadatas=[{"study_id": sid} for sid in new])
                changed += len(new)
            for sid, text in batch.items():
                path = self.path(sid)
                if not path.exists() or path.read_text() != text:
                    self._write_file(sid, text)
        return changed

    def delete(self, study_ids: Iterable[str]) -> None:
        ids = sorted(set(study_ids))
        for i in range(0, len(ids), BATCH):
            self.docs.delete(ids=ids[i:i + BATCH])
        for sid in ids:
            self.path(sid).unlink(missing_ok=True)

    def stored_ids(self) -> set[str]:
        """Study IDs of the sheets in Chroma."""
        out: set[str] = set()
        offset = 0
        while True:
            got = self.docs.get(include=[], limit=5000, offset=offset)
            if not got["ids"]:
                return out
            out.update(got["ids"])
            offset += len(got["ids"])

    # ---- the cache on this data dir ----
    def reload_from_store(self) -> None:
        """Make the files exactly the sheets Chroma holds (a replica catching up, a fresh data dir)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        keep: set[str] = set()
        offset = 0
        while True:
            got = self.docs.get(include=["documents"], limit=BATCH, offset=offset)
            if not got["ids"]:
                break
            for sid, text in zip(got["ids"], got["documents"]):
                path = self.path(sid)
                keep.add(path.name)
                if not path.exists() or path.read_text() != text:
                    self._write_file(sid, text)
            offset += len(got["ids"])
        for path in self.directory.glob("*.json"):
            if path.name not in keep:
                path.unlink(missing_ok=True)

    def orphan_files(self, known: set[str]) -> set[Path]:
        """Sheet files of studies not in ``known`` (the catalog)."""
        names = {self.path(sid).name for sid in known}
        return {p for p in self.directory.glob("*.json") if p.name not in names} if self.directory.exists() else set()

    def _write_file(self, study_id: str, text: str) -> None:
        path = self.path(study_id)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text)
        os.replace(tmp, path)  # each file replaced atomically

    def path(self, study_id: str) -> Path:
        return self.directory / (re.sub(r"[^A-Za-z0-9._-]", "_", study_id) + ".json")

    # ---- reading (answers) ----
    def get(self, study_id: str) -> FactSheet | None:
        path = self.path(study_id)
        return FactSheet.model_validate_json(path.read_text()) if path.exists() else None

    def all(self) -> list[FactSheet]:
        paths = sorted(self.directory.glob("*.json")) if self.directory.exists() else []
        return [FactSheet.model_validate_json(p.read_text()) for p in paths]
