"""The store: one collection's chunks, fact sheets, catalog and lexical index behind one object.

``ChunkStore`` implements the port in ``trialchat.store_port`` (``StoreReader`` for answering,
``StoreWriter`` for ingest). Its parts, each in its own module:

- the chunks and search by meaning: ``trialchat.vector_store.VectorStore`` (Chroma);
- search by words: ``trialchat.lexical.LexicalIndex`` (BM25, a file cache on this data dir);
- the study catalog: ``trialchat.catalog`` (a file written with the BM25 index);
- the fact sheets: ``trialchat.fact_store.FactSheetStore`` (JSON documents in Chroma, files here).

What is left here is keeping them one state: one writer per collection (``writing``), the version every
commit advances in Chroma (``trialchat.store_version``), a serving process catching up with commits made
elsewhere (``sync``), and the derived caches checked and repaired against Chroma (``repair_derived``).

Chroma is embedded (``PersistentClient`` under the data dir) unless ``TRIALCHAT_CHROMA_URL`` points
at a server (``chroma run --path DIR --port N``). Our embedder is always passed explicitly (Chroma's
default one would download a model) and telemetry is off.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from langchain_core.embeddings import Embeddings

from trialchat import disk_space
from trialchat.catalog import CATALOG_FILE as CATALOG_FILE  # tests read the file by this name
from trialchat.chroma_client import ChromaHandle, StoreUnavailable
from trialchat.chroma_client import (
    make_chroma_client as make_chroma_client,  # its old home: eval/vanilla.py imports it here
)
from trialchat.derived import DerivedIndexes
from trialchat.disk_space import DiskFull
from trialchat.embedder_check import EmbedderMismatch, check_embedder
from trialchat.fact_store import FACTS_SUFFIX, FactSheetStore
from trialchat.facts import FactSheet
from trialchat.schema import Chunk
from trialchat.settings import Settings
from trialchat.store_port import CatalogEntry, ChunkVersion, DenseHit, LexicalHit, StoredChunk, StoreWriter
from trialchat.store_version import STATE_SUFFIX, CacheVersion, StoreState, VersionStamp
from trialchat.vector_store import VectorStore, batched
from trialchat.writer_lock import WriterBusy, WriterLock

log = logging.getLogger(__name__)

# a study's share of the collection above which an update reads everything instead of study by study
FULL_REBUILD_SHARE = 0.5
VERSION_POLL_S = 1.0  # how often a serving process asks Chroma whether another process committed


class StoreBusy(StoreUnavailable):
    """Another live process is writing the collection (it was waited for as long as allowed)."""


def _mtime(path: Path) -> float | None:
    return path.stat().st_mtime if path.exists() else None


class ChunkStore:
    """One collection: its chunks (``vector``), BM25 index (``lexical``), catalog and fact sheets."""

    def __init__(self, settings: Settings, embeddings: Embeddings, collection: str | None = None, client=None):
        self.collection_name = collection or settings.collection
        self.embeddings = embeddings
        self._chroma = ChromaHandle(settings, client)
        # Chroma's collection API with our own vectors (never Chroma's embedding function), every call bounded
        # in time and a server that cannot answer raised as StoreUnavailable
        self.vector = VectorStore(self._chroma.collection(self.collection_name), embeddings, self._chroma.embedded,
                                  before_write=self._mark_pending, catch_up=lambda: self.sync(force=True))
        self._version_state = self._chroma.collection(self.collection_name + STATE_SUFFIX)
        self._version = VersionStamp(self._version_state)
        self._embedder_label = (f"{settings.embeddings_url_model} at {settings.embeddings_url}" if settings.embeddings_url
                                else settings.embedding_model)
        self._seen_version = self._version.read()
        self._version_checked = time.monotonic()
        self._dirty = False  # this writer changed something: its lock is released with a new version
        self._begun = False  # this writer has marked the version record "writing"
        self._foreign_writer = False  # another process had the version record marked when this writer began
        self._sync_lock = threading.Lock()
        self.lexical_dir = settings.bm25_dir(self.collection_name)
        # the committed version this data dir's caches (BM25, catalog, fact-sheet files) hold
        self.cache_version = CacheVersion(self.lexical_dir.with_name(self.lexical_dir.name + ".version"))
        self.facts_dir = settings.facts_dir(self.collection_name)  # not in lexical_dir: that one is replaced whole
        self.fact_sheets = FactSheetStore(self._chroma.collection(self.collection_name + FACTS_SUFFIX), self.facts_dir)
        self.derived = DerivedIndexes(self.lexical_dir, self.fact_sheets)  # BM25 and the catalog
        self.lexical, self.catalog_file = self.derived.lexical, self.derived.catalog_file
        self._data_dir = settings.data_dir
        self.writer = WriterLock(settings.data_dir / "locks" / f"{self.collection_name}.lock", self.collection_name)
        self._write_wait = settings.write_lock_wait
        # an earlier run's marker: its changes are not in the index yet, so this run's update must be a full one
        # (read again when the writer lock is taken: before that, a marker may be a live writer's)
        self._pending_before = False

    # ---------- writing (ingest) ----------
    @contextmanager
    def writing(self, wait: float | None = None, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        """Hold the collection's writer lock for the block (one writer per collection, across processes).

        Waits up to ``wait`` seconds (default ``TRIALCHAT_WRITE_LOCK_WAIT``) for a live writer, then raises
        StoreBusy; a dead writer's lock is free at once. Once held, a pending marker can only be a crashed
        run's, so it is read here. The first change marks the version record ``writing``; a block that
        changed anything ends by committing a new version."""
        first = not self.writer.held
        try:
            with self.writer.hold(self._write_wait if wait is None else wait, on_wait):
                if first:
                    self._pending_before = self.derived.pending()
                    # an embedded client opened before an earlier writer finished holds a vector index without
                    # that writer's vectors, and would write it back without them: read it afresh first
                    self._chroma.reopen()
                    state = self._version.read_state()
                    self._seen_version = state.version
                    self._begun = False
                    # another data dir's writer (another replica) marked the collection: its half-written
                    # fact sheets are no orphans to this one, and its mark is its own to clear
                    self._foreign_writer = state.marked_by_live_other()
                    # a crashed writer's mark: this run commits the repair
                    self._dirty = not state.committed and not self._foreign_writer
                    check_embedder(self._version_state, self.embeddings, self._embedder_label, self.collection_name)
                    # this data dir's caches must be the committed state before they are updated in place
                    if state.version and self.cache_version.read() != state.version:
                        self._rebuild_caches()
                        self._pending_before = False
                yield
                if first and self._dirty:  # the commit: readers elsewhere reload when they see it
                    self._seen_version = self._version.advance()
                    self.cache_version.write(self._seen_version)
                elif first and self._begun:
                    self._version.clear()
        except WriterBusy as e:
            raise StoreBusy(str(e)) from None
        except (StoreUnavailable, DiskFull, EmbedderMismatch):
            raise
        except Exception as e:
            if first and disk_space.looks_full(e, self._data_dir):  # Chroma says "Error in compaction: ..."
                raise disk_space.full_during_write(self._data_dir) from None
            raise
        finally:
            if first:
                self._begun = self._dirty = False

    def check_space(self, new_chunks: int, new_bytes: int) -> None:
        """Before an ingest changes anything: room for its chunks (when Chroma is embedded here), a second copy
        of the BM25 index while the new one is swapped in, and ``new_bytes`` of fact sheets; else DiskFull."""
        chroma = new_chunks * disk_space.BYTES_PER_CHUNK if self._chroma.embedded else 0
        disk_space.require(self._data_dir, chroma + disk_space.tree_bytes(self.lexical_dir) + 2 * new_bytes)

    def _changing(self) -> None:
        """Before every change to Chroma or the derived indexes: mark the version record once per writer."""
        if not self._begun and self.writer.held:
            self._version.begin(self.writer.describe_self())
            self._begun = True
        self._dirty = True

    @property
    def client(self):
        return self._chroma.client

    def close(self) -> None:
        self._chroma.close()

    def version(self) -> int:
        """The committed version of the collection, as this process last saw it."""
        return self._seen_version

    def writer_elsewhere(self) -> str | None:
        """Who is marked as writing the collection in Chroma when it may be another live process (another
        replica's data dir, which this data dir's lock does not see); None otherwise."""
        state = self._version.read_state()
        return state.writing if state.marked_by_live_other() else None

    def sync(self, force: bool = False) -> bool:
        """Catch up with what other processes committed (at most once a second unless forced): an embedded
        client is reopened so their vectors are found, and this data dir's caches (BM25, catalog, fact-sheet
        files) are rebuilt from Chroma when another data dir's writer committed. Never while a writer here
        is live (its files are in flux): the state committed before it is served meanwhile."""
        now = time.monotonic()
        if not force and now - self._version_checked < VERSION_POLL_S:
            return False
        if not self._sync_lock.acquire(blocking=False):  # another thread is catching up: go on with what is
            return False
        try:
            self._version_checked = now
            return self._catch_up()
        finally:
            self._sync_lock.release()

    def _catch_up(self) -> bool:
        if self.writer.held:  # this process is the writer: it is up to date by construction
            return False
        try:
            with self.writer.hold(0):
                return self._catch_up_locked()
        except WriterBusy:
            return False  # try again at the next call after the writer here is done

    def _catch_up_locked(self) -> bool:
        state = self._version.read_state()
        stale = bool(state.version) and self.cache_version.read() != state.version
        if state.version == self._seen_version and not stale:
            return False
        if self._chroma.embedded and state.version != self._seen_version:
            self._chroma.reopen()
        # a fresh data dir builds its caches even while a writer elsewhere is marked (or crashed) mid-way;
        # otherwise only a committed state is cached
        if stale and (state.committed or self.cache_version.read() is None):
            self._rebuild_caches(state)
        self._seen_version = state.version
        self.vector.forget_vectors()
        return True

    def _rebuild_caches(self, state: StoreState | None = None) -> None:
        """This data dir's BM25 index, catalog and fact-sheet files, from what Chroma holds (touches no Chroma).

        Marked as holding ``state``'s version only when no writer was marked and nothing moved while reading
        (a sequence lock): a cache built across a commit is rebuilt at the next call."""
        state = state or self._version.read_state()
        self._rebuild_lexical_files()
        self.fact_sheets.reload_from_store()
        if state.committed and self._version.read_state() == state:
            self.cache_version.write(state.version)

    # ---------- the chunks (trialchat.vector_store) ----------
    def existing_versions(self, ids: list[str]) -> dict[str, ChunkVersion]:
        """The stored version (content hash, source file and location) of each of these chunks held."""
        return self.vector.existing_versions(ids)

    def update_metadata(self, chunks: list[Chunk]) -> None:
        """New metadata for chunks whose content is unchanged (a record now read from another file): no re-embedding."""
        self.vector.update_metadata(chunks)

    def ids_of_studies(self, study_ids: Iterable[str]) -> set[str]:
        return self.vector.ids_of_studies(study_ids)

    def upsert(self, chunks: list[Chunk], embeddings: list[list[float]] | None = None) -> None:
        """Upsert chunks; pass precomputed vectors to keep embedding in the caller's big batches."""
        self.vector.upsert(chunks, embeddings)

    def delete(self, ids: Iterable[str]) -> None:
        self.vector.delete(ids)

    def all_chunks(self, page: int = 2000) -> Iterator[StoredChunk]:
        return self.vector.all_chunks(page)

    def count(self) -> int:
        return self.vector.count()

    def ping(self) -> None:
        """A real round trip to the vector store (raises StoreUnavailable): what a health check asks."""
        self.sync()
        self.vector.count()

    def lexical_ready(self) -> bool:
        """Whether the BM25 index (and the catalog written with it) exists."""
        return self.lexical.exists()

    def lexical_ids(self) -> list[str]:
        return self.lexical.ids()

    def rebuild_lexical(self) -> None:
        """Rebuild BM25 and the study catalog from everything Chroma holds (the single source of truth)."""
        self._rebuild_lexical_files()
        self.derived.clear_pending()

    def _rebuild_lexical_files(self) -> None:
        self.derived.rebuild(self.all_chunks())
        self.vector.forget_vectors()

    def update_derived(self, study_ids: Iterable[str]) -> None:
        """Bring BM25 and the catalog up to date after changes to these studies' chunks only.

        Reads and re-tokenises just those studies; the result is identical to ``rebuild_lexical``. Falls
        back to the full rebuild when the index cannot be updated or most of the collection changed.
        """
        study_ids = set(study_ids)
        catalog = self.catalog()
        if (not self.derived.can_update() or self._pending_before
                or len(study_ids) > FULL_REBUILD_SHARE * max(len(catalog), 1)):
            self.rebuild_lexical()
            return
        rows = [r for batch in batched(sorted(study_ids), 100) for r in self.chunks_of_studies(batch)]
        self.derived.update(study_ids, rows, catalog)
        self.vector.forget_vectors()
        self.derived.clear_pending()

    # ---------- derived indexes vs the vector store ----------
    def fingerprint(self) -> dict:
        """Count and digest of (chunk id, content hash) over everything the vector store holds."""
        return self.vector.fingerprint()

    def derived_mismatch(self, thorough: bool = False) -> str | None:
        """Why the BM25 index, catalog or fact sheets disagree with the vector store; None when they agree.

        Every write to the vector store first leaves a marker that only a completed index update removes, so
        a run killed anywhere in between is caught by the marker; the chunk count catches a store changed
        under us. ``thorough`` also compares the digest of every (chunk id, content hash) — a full read.
        """
        return self.derived.mismatch(self.count(), self.fingerprint, thorough)

    def repair_derived(self, thorough: bool = False) -> str | None:
        """Rebuild the derived indexes when they disagree with the vector store; says what was wrong.

        A writer (under the lock) also deletes from Chroma the fact sheets of studies it holds no chunks of
        (a crashed writer's). A reader (``serve``, ``ask``) repairs this data dir's files only, never Chroma:
        it takes the lock without waiting, and when a live writer holds it, repairs nothing (its marker and
        half-written state are work in progress, not a crash; what it swaps in at the end is picked up then)."""
        if not self.writer.held:
            check_embedder(self._version_state, self.embeddings, self._embedder_label, self.collection_name)
            try:
                with self.writer.hold(0):
                    problem = self.derived_mismatch(thorough)
                    if problem:
                        self._rebuild_caches()
                        self.derived.clear_pending()
                    else:
                        self._catch_up_locked()
                    return problem
            except WriterBusy:
                log.info("not checking the derived indexes: %s is writing collection '%s'",
                         self.writer.holder(), self.collection_name)
                return None
        problem = self.derived_mismatch(thorough)
        if problem:
            self.rebuild_lexical()
            for path in self.derived.orphan_fact_sheets():
                path.unlink(missing_ok=True)
        known = {e.study_id for e in self.catalog()}
        orphan_docs = set() if self._foreign_writer else self.fact_sheets.stored_ids() - known
        if orphan_docs:
            self._changing()
            self.fact_sheets.delete(orphan_docs)
            problem = problem or f"{len(orphan_docs)} fact sheet(s) in Chroma of studies without chunks"
        self._pending_before = False
        return problem

    def _mark_pending(self) -> None:
        """Before a write to the vector store: the derived indexes are stale until an update removes this."""
        self._changing()
        self.derived.mark_pending()

    # ---------- removing studies ----------
    def remove_studies(self, study_ids: Iterable[str]) -> set[str]:
        """Delete the studies' chunks and fact sheets (not the derived indexes: call update_derived after)."""
        study_ids = list(study_ids)
        ids = self.ids_of_studies(study_ids)
        self.delete(ids)
        self.delete_facts(study_ids)
        return ids

    def delete_facts(self, study_ids: Iterable[str]) -> None:
        study_ids = list(study_ids)
        if study_ids:
            self._changing()
            self.fact_sheets.delete(study_ids)

    def save_facts(self, sheets: Iterable[FactSheet]) -> None:
        """Each study's fact sheet (trialchat.facts.FactSheet) as a JSON document in Chroma and its file here."""
        self.fact_sheets.save(sheets, before_change=self._changing)

    # ---------- reading (assistant): trialchat.store_port.StoreReader ----------
    def facts(self, study_id: str) -> FactSheet | None:
        """The study's fact sheet, or None for a study ingested before fact sheets existed."""
        return self.fact_sheets.get(study_id)

    def all_facts(self) -> list[FactSheet]:
        """Every study's fact sheet, by study ID."""
        return self.fact_sheets.all()

    def chunks_of_field(self, study_id: str, field_path: str) -> list[StoredChunk]:
        """The chunks of one field of a study, in chunk order."""
        self.sync()
        return self.vector.chunks_of_field(study_id, field_path)

    def chunks_of_studies(self, study_ids: Iterable[str]) -> list[StoredChunk]:
        """Every chunk of these studies."""
        self.sync()
        return self.vector.chunks_of_studies(study_ids)

    def get_chunks(self, ids: list[str]) -> dict[str, StoredChunk]:
        self.sync()
        return self.vector.get_chunks(ids)

    def catalog_stamp(self) -> float | None:
        """Changes whenever an ingest rewrites the catalog (None before the first one); asking it is also
        when a serving process catches up with commits made elsewhere (at most once a second)."""
        self.sync()
        return self.catalog_file.stamp()

    def facts_stamp(self) -> float | None:
        """Changes whenever an ingest adds or replaces a fact sheet."""
        self.sync()
        return _mtime(self.facts_dir)

    def catalog(self) -> list[CatalogEntry]:
        """Every study the collection holds, by study ID."""
        return self.catalog_file.read()

    def dense_search(self, query: str, k: int, study_ids: set[str] | None = None,
                     query_vector: list[float] | None = None) -> list[DenseHit]:
        """Top-k chunks by meaning (cosine similarity), within ``study_ids`` when given."""
        self.sync()
        return self.vector.search(query, k, study_ids, query_vector)

    def lexical_search(self, query: str, k: int, study_ids: set[str] | None = None) -> list[LexicalHit]:
        """Top-k chunks by words (BM25), within ``study_ids`` when given."""
        return self.lexical.search(query, k, study_ids)


if TYPE_CHECKING:
    def _implements_the_port(store: ChunkStore) -> StoreWriter:  # mypy checks ChunkStore against the Protocol
        return store


def open_store(settings: Settings, embeddings: Embeddings, collection: str | None = None) -> ChunkStore:
    return ChunkStore(settings, embeddings, collection)


def data_dir_ready(settings: Settings) -> bool:
    return Path(settings.bm25_dir()).exists()
