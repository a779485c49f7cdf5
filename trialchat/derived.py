"""The indexes a data dir derives from Chroma: BM25 and the study catalog (one directory, swapped in whole),
the marker of writes they do not hold yet, and the checks of them (and of the fact-sheet files) against
the vector store. Reads no Chroma itself: the store passes the chunks, the count and the fingerprint."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from trialchat.catalog import CATALOG_FILE, CatalogFile, catalog_text, entries_of
from trialchat.fact_store import FactSheetStore
from trialchat.lexical import LexicalIndex, LexicalRow
from trialchat.store_port import CatalogEntry, StoredChunk


def _lexical_rows(rows: list[StoredChunk]) -> list[LexicalRow]:
    return [LexicalRow(r.id, r.study_id, str(r.metadata.get("content_hash", "")), r.text) for r in rows]


class DerivedIndexes:
    def __init__(self, lexical_dir: Path, fact_sheets: FactSheetStore):
        self.lexical = LexicalIndex(lexical_dir)
        self.catalog_file = CatalogFile(lexical_dir)  # written with the BM25 index, in one directory swap
        self.fact_sheets = fact_sheets
        self.pending_path = lexical_dir.with_name(lexical_dir.name + ".pending")

    # ---- the marker: set before a write to the vector store, cleared by a completed update ----
    def mark_pending(self) -> None:
        if not self.pending_path.exists():
            self.pending_path.parent.mkdir(parents=True, exist_ok=True)
            self.pending_path.touch()

    def pending(self) -> bool:
        return self.pending_path.exists()

    def clear_pending(self) -> None:
        self.pending_path.unlink(missing_ok=True)

    # ---- writing ----
    def rebuild(self, rows: Iterable[StoredChunk]) -> None:
        """BM25 and the catalog from every chunk (written with the fingerprint of what they hold, in one
        directory swapped in by a rename: a kill at any moment leaves the old set or the new one)."""
        ordered = sorted(rows, key=lambda r: r.id)
        self.lexical.rebuild(_lexical_rows(ordered), {CATALOG_FILE: catalog_text(entries_of(ordered).values())})

    def can_update(self) -> bool:
        return self.lexical.can_update()

    def update(self, study_ids: set[str], rows: Iterable[StoredChunk], catalog: list[CatalogEntry]) -> None:
        """Replace these studies' rows (their chunks now: ``rows``) in BM25 and ``catalog``; identical to a
        rebuild from every chunk."""
        ordered = sorted(rows, key=lambda r: r.id)
        entries = {e.study_id: e for e in catalog if e.study_id not in study_ids}
        entries.update(entries_of(ordered))
        self.lexical.update(study_ids, _lexical_rows(ordered), {CATALOG_FILE: catalog_text(entries.values())})

    # ---- checking against the vector store ----
    def orphan_fact_sheets(self) -> set[Path]:
        """Fact sheet files of studies the catalog (hence the vector store) does not hold."""
        return self.fact_sheets.orphan_files({e.study_id for e in self.catalog_file.read()})

    def mismatch(self, count: int, fingerprint: Callable[[], dict], thorough: bool) -> str | None:
        """Why BM25, the catalog or the fact-sheet files disagree with a vector store of ``count`` chunks (and,
        when ``thorough``, of this ``fingerprint``); None when they agree."""
        if self.pending():
            return "an earlier ingest or removal stopped before it had updated the lexical index and catalog"
        built = self.lexical.built_fingerprint()
        orphans = self.orphan_fact_sheets()
        if built is None and count == 0 and not orphans:
            return None  # an empty collection
        if built is None:
            return f"no valid lexical index or catalog for the {count:,} chunks in the vector store"
        if not self.lexical.can_update():
            return "the lexical index was written by an older version"
        if built.get("chunks") != count or (thorough and built != fingerprint()):
            return (f"the lexical index and catalog hold {built.get('chunks', 0):,} chunks, the vector store "
                    f"{count:,} (or other versions of them)")
        if orphans:
            return f"{len(orphans)} fact sheet(s) of studies no longer in the vector store"
        return None
