"""Where chunks live: Chroma (dense, its collection API, every call bounded in time) + a BM25 index.

Chroma is embedded (``PersistentClient`` under the data dir) unless ``TRIALCHAT_CHROMA_URL`` points
at a server (``chroma run --path DIR --port N``). Our embedder is always passed explicitly (Chroma's
default one would download a model) and telemetry is off.
"""
from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from trialchat import disk_space
from trialchat.chroma_client import ChromaHandle, StoreUnavailable
from trialchat.chroma_client import (
    make_chroma_client as make_chroma_client,  # its old home: eval/vanilla.py imports it here
)
from trialchat.disk_space import DiskFull
from trialchat.embedder_check import EmbedderMismatch, check_embedder
from trialchat.fact_store import FACTS_SUFFIX, FactSheetStore
from trialchat.facts import FactSheet
from trialchat.lexical import LexicalIndex, LexicalRow, fingerprint
from trialchat.schema import ACRONYM_PATHS, Chunk, split_chunk_text
from trialchat.settings import Settings
from trialchat.store_version import STATE_SUFFIX, StoreState, VersionStamp
from trialchat.writer_lock import WriterBusy, WriterLock

log = logging.getLogger(__name__)

GET_BATCH = 500  # ids per Chroma get/delete call (keeps requests small against a server)
CATALOG_FILE = "studies.json"
# In a large collection, pinned searches over at most this many studies score their chunks exactly instead
# of a filtered ANN query (which slows with the whole collection: 6.7x from 1,293 to 129,636 chunks); in a
# small one the ANN query is the faster of the two.
EXACT_SEARCH_STUDIES = 20
EXACT_SEARCH_MIN_CHUNKS = 20_000
VECTOR_CACHE_STUDIES = 64  # studies whose chunk vectors an exact search keeps (a chat pins one study at a time)
# a study's share of the collection above which an update reads everything instead of study by study
FULL_REBUILD_SHARE = 0.5
VERSION_POLL_S = 1.0  # how often a serving process asks Chroma whether another process committed


class StoreBusy(StoreUnavailable):
    """Another live process is writing the collection (it was waited for as long as allowed)."""


def _mtime(path: Path) -> float | None:
    return path.stat().st_mtime if path.exists() else None


def _in_studies(study_ids: Iterable[str]) -> Any:
    """Chroma filter for chunks of these studies (typed Any: Chroma's Where type rejects a built list)."""
    return {"study_id": {"$in": sorted(set(study_ids))}}


def _batched(items: list, n: int) -> Iterator[list]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


class ChunkStore:
    """One collection: the vector store plus its lexical twin and a small study catalog."""

    def __init__(self, settings: Settings, embeddings: Embeddings, collection: str | None = None, client=None):
        self.collection_name = collection or settings.collection
        self.embeddings = embeddings
        self._chroma = ChromaHandle(settings, client)
        # Chroma's collection API with our own vectors (never Chroma's embedding function), every call bounded
        # in time and a server that cannot answer raised as StoreUnavailable
        self._collection = self._chroma.collection(self.collection_name)
        self.vectors = self._collection
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
        self.lexical = LexicalIndex(self.lexical_dir)
        self.facts_dir = settings.facts_dir(self.collection_name)  # not in lexical_dir: that one is replaced whole
        self.fact_sheets = FactSheetStore(self._chroma.collection(self.collection_name + FACTS_SUFFIX), self.facts_dir)
        self._data_dir = settings.data_dir
        self.writer = WriterLock(settings.data_dir / "locks" / f"{self.collection_name}.lock", self.collection_name)
        self._write_wait = settings.write_lock_wait
        # an earlier run's marker: its changes are not in the index yet, so this run's update must be a full one
        # (read again when the writer lock is taken: before that, a marker may be a live writer's)
        self._pending_before = False
        self._count_at: tuple[float, int] | None = None  # (when, chunk count): whether exact pinned search pays
        self._vectors_cache: dict[str, list[tuple[str, str, dict, np.ndarray]]] = {}
        self._vectors_stamp: float | None = None

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
                    self._pending_before = self._pending_path.exists()
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
                    if state.version and self._cache_version() != state.version:
                        self._rebuild_caches()
                        self._pending_before = False
                yield
                if first and self._dirty:  # the commit: readers elsewhere reload when they see it
                    self._seen_version = self._version.advance()
                    self._set_cache_version(self._seen_version)
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
        stale = bool(state.version) and self._cache_version() != state.version
        if state.version == self._seen_version and not stale:
            return False
        if self._chroma.embedded and state.version != self._seen_version:
            self._chroma.reopen()
        # a fresh data dir builds its caches even while a writer elsewhere is marked (or crashed) mid-way;
        # otherwise only a committed state is cached
        if stale and (state.committed or self._cache_version() is None):
            self._rebuild_caches(state)
        self._seen_version = state.version
        self._vectors_cache.clear()
        return True

    def _rebuild_caches(self, state: StoreState | None = None) -> None:
        """This data dir's BM25 index, catalog and fact-sheet files, from what Chroma holds (touches no Chroma).

        Marked as holding ``state``'s version only when no writer was marked and nothing moved while reading
        (a sequence lock): a cache built across a commit is rebuilt at the next call."""
        state = state or self._version.read_state()
        self._rebuild_lexical_files()
        self.fact_sheets.reload_from_store()
        if state.committed and self._version.read_state() == state:
            self._set_cache_version(state.version)

    @property
    def _cache_version_path(self) -> Path:
        return self.lexical_dir.with_name(self.lexical_dir.name + ".version")

    def _cache_version(self) -> int | None:
        """The committed version this data dir's caches hold (None: unknown, e.g. a fresh data dir)."""
        try:
            return int(self._cache_version_path.read_text())
        except (OSError, ValueError):
            return None

    def _set_cache_version(self, version: int) -> None:
        self._cache_version_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._cache_version_path.with_suffix(".tmp")
        tmp.write_text(str(version))
        os.replace(tmp, self._cache_version_path)

    def existing_versions(self, ids: list[str]) -> dict[str, tuple[str, str, str]]:
        """id → (content hash, source file, source location) of the chunks the store already holds."""
        out: dict[str, tuple[str, str, str]] = {}
        for batch in _batched(ids, GET_BATCH):
            got = self.vectors.get(ids=batch, include=["metadatas"])
            for cid, meta in zip(got["ids"], got["metadatas"]):
                meta = meta or {}
                out[cid] = (str(meta.get("content_hash", "")), str(meta.get("source_file", "")),
                            str(meta.get("source_location", "")))
        return out

    def update_metadata(self, chunks: list[Chunk]) -> None:
        """New metadata for chunks whose content is unchanged (a record now read from another file): no re-embedding."""
        if chunks:
            self._mark_pending()
        for batch in _batched(chunks, GET_BATCH):
            self._collection.update(ids=[c.id for c in batch], metadatas=[c.metadata() for c in batch])

    def ids_of_studies(self, study_ids: Iterable[str]) -> set[str]:
        out: set[str] = set()
        for batch in _batched(sorted(set(study_ids)), 100):
            got = self.vectors.get(where=_in_studies(batch), include=[])
            out.update(got["ids"])
        return out

    def upsert(self, chunks: list[Chunk], embeddings: list[list[float]] | None = None) -> None:
        """Upsert chunks; pass precomputed vectors to keep embedding in the caller's big batches."""
        if not chunks:
            return
        vecs = embeddings if embeddings is not None else self.embeddings.embed_documents([c.text for c in chunks])
        self._mark_pending()
        self._collection.upsert(ids=[c.id for c in chunks], documents=[c.text for c in chunks],
                    metadatas=[c.metadata() for c in chunks], embeddings=vecs)

    def delete(self, ids: Iterable[str]) -> None:
        ids = sorted(ids)
        if ids:
            self._mark_pending()
        for batch in _batched(ids, GET_BATCH):
            self.vectors.delete(ids=batch)

    def all_chunks(self, page: int = 2000) -> Iterator[tuple[str, str, dict]]:
        offset = 0
        while True:
            got = self.vectors.get(include=["documents", "metadatas"], limit=page, offset=offset)
            if not got["ids"]:
                return
            yield from zip(got["ids"], got["documents"], got["metadatas"])
            offset += len(got["ids"])

    def count(self) -> int:
        return self._collection.count()

    def ping(self) -> None:
        """A real round trip to the vector store (raises StoreUnavailable): what a health check asks."""
        self.sync()
        self._collection.count()

    def lexical_ready(self) -> bool:
        """Whether the BM25 index (and the catalog written with it) exists."""
        return self.lexical.exists()

    def lexical_ids(self) -> list[str]:
        return self.lexical.ids()

    def rebuild_lexical(self) -> None:
        """Rebuild BM25 and the study catalog from everything Chroma holds (the single source of truth).

        Both are written, with the fingerprint of the content they were built from, in one directory
        swapped in by a rename: a kill at any moment leaves the old set or the new one, never a mix.
        """
        self._rebuild_lexical_files()
        self._pending_path.unlink(missing_ok=True)

    def _rebuild_lexical_files(self) -> None:
        rows = sorted(self.all_chunks(), key=lambda r: r[0])
        catalog = _catalog_entries(rows)
        self.lexical.rebuild(_lexical_rows(rows), {CATALOG_FILE: _catalog_text(catalog)})

    def update_derived(self, study_ids: Iterable[str]) -> None:
        """Bring BM25 and the catalog up to date after changes to these studies' chunks only.

        Reads and re-tokenises just those studies; the result is identical to ``rebuild_lexical``. Falls
        back to the full rebuild when the index cannot be updated or most of the collection changed.
        """
        study_ids = set(study_ids)
        catalog = {e["study_id"]: e for e in self.catalog()}
        if (not self.lexical.can_update() or self._pending_before
                or len(study_ids) > FULL_REBUILD_SHARE * max(len(catalog), 1)):
            self.rebuild_lexical()
            return
        rows = sorted((r for batch in _batched(sorted(study_ids), 100) for r in self.chunks_of_studies(batch)),
                      key=lambda r: r[0])
        for sid in study_ids:
            catalog.pop(sid, None)
        catalog.update(_catalog_entries(rows))
        self.lexical.update(study_ids, _lexical_rows(rows), {CATALOG_FILE: _catalog_text(catalog)})
        self._pending_path.unlink(missing_ok=True)

    # ---------- derived indexes vs the vector store ----------
    def fingerprint(self) -> dict:
        """Count and digest of (chunk id, content hash) over everything the vector store holds."""
        versions: list[tuple[str, str]] = []
        offset = 0
        while True:
            got = self.vectors.get(include=["metadatas"], limit=5000, offset=offset)
            if not got["ids"]:
                break
            versions.extend((cid, (meta or {}).get("content_hash", "")) for cid, meta in zip(got["ids"], got["metadatas"]))
            offset += len(got["ids"])
        return fingerprint(versions)

    def derived_mismatch(self, thorough: bool = False) -> str | None:
        """Why the BM25 index, catalog or fact sheets disagree with the vector store; None when they agree.

        Every write to the vector store first leaves a marker that only a completed index update removes, so
        a run killed anywhere in between is caught by the marker; the chunk count catches a store changed
        under us. ``thorough`` also compares the digest of every (chunk id, content hash) — a full read.
        """
        if self._pending_path.exists():
            return "an earlier ingest or removal stopped before it had updated the lexical index and catalog"
        built = self.lexical.built_fingerprint()
        count = self.count()
        orphans = self._orphan_fact_sheets()
        if built is None and count == 0 and not orphans:
            return None  # an empty collection
        if built is None:
            return f"no valid lexical index or catalog for the {count:,} chunks in the vector store"
        if not self.lexical.can_update():
            return "the lexical index was written by an older version"
        if built.get("chunks") != count or (thorough and built != self.fingerprint()):
            return (f"the lexical index and catalog hold {built.get('chunks', 0):,} chunks, the vector store "
                    f"{count:,} (or other versions of them)")
        if orphans:
            return f"{len(orphans)} fact sheet(s) of studies no longer in the vector store"
        return None

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
                        self._pending_path.unlink(missing_ok=True)
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
            for path in self._orphan_fact_sheets():
                path.unlink(missing_ok=True)
        known = {e["study_id"] for e in self.catalog()}
        orphan_docs = set() if self._foreign_writer else self.fact_sheets.stored_ids() - known
        if orphan_docs:
            self._changing()
            self.fact_sheets.delete(orphan_docs)
            problem = problem or f"{len(orphan_docs)} fact sheet(s) in Chroma of studies without chunks"
        self._pending_before = False
        return problem

    @property
    def _pending_path(self) -> Path:
        return self.lexical_dir.with_name(self.lexical_dir.name + ".pending")

    def _mark_pending(self) -> None:
        """Before a write to the vector store: the derived indexes are stale until an update removes this."""
        self._changing()
        if not self._pending_path.exists():
            self._pending_path.parent.mkdir(parents=True, exist_ok=True)
            self._pending_path.touch()

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

    def _orphan_fact_sheets(self) -> set[Path]:
        """Fact sheet files of studies the catalog (hence the vector store) does not hold."""
        return self.fact_sheets.orphan_files({e["study_id"] for e in self.catalog()})

    def save_facts(self, sheets: Iterable[FactSheet]) -> None:
        """Each study's fact sheet (trialchat.facts.FactSheet) as a JSON document in Chroma and its file here."""
        self.fact_sheets.save(sheets, before_change=self._changing)

    # ---------- reading (assistant) ----------
    def facts(self, study_id: str) -> FactSheet | None:
        """The study's fact sheet, or None for a study ingested before fact sheets existed."""
        return self.fact_sheets.get(study_id)

    def all_facts(self) -> list[FactSheet]:
        """Every study's fact sheet, by study ID."""
        return self.fact_sheets.all()

    def chunks_of_field(self, study_id: str, field_path: str) -> list[tuple[str, str, dict]]:
        """(id, text, metadata) of the chunks of one field of a study, in chunk order."""
        self.sync()
        got = self.vectors.get(where={"$and": [{"study_id": study_id}, {"field_path": field_path}]},
                               include=["documents", "metadatas"])
        rows = list(zip(got["ids"], got["documents"], got["metadatas"]))
        return sorted(rows, key=lambda r: int(r[2].get("chunk_index", 0)))

    def chunks_of_studies(self, study_ids: Iterable[str]) -> list[tuple[str, str, dict]]:
        """(id, text, metadata) of every chunk of these studies."""
        self.sync()
        got = self.vectors.get(where=_in_studies(study_ids), include=["documents", "metadatas"])
        return list(zip(got["ids"], got["documents"], got["metadatas"]))

    def catalog_stamp(self) -> float | None:
        """Changes whenever an ingest rewrites the catalog (None before the first one); asking it is also
        when a serving process catches up with commits made elsewhere (at most once a second)."""
        self.sync()
        return _mtime(self.lexical_dir / CATALOG_FILE)

    def facts_stamp(self) -> float | None:
        """Changes whenever an ingest adds or replaces a fact sheet."""
        self.sync()
        return _mtime(self.facts_dir)

    def catalog(self) -> list[dict]:
        path = self.lexical_dir / CATALOG_FILE
        return json.loads(path.read_text()) if path.exists() else []

    def get_chunks(self, ids: list[str]) -> dict[str, tuple[str, dict]]:
        self.sync()
        out: dict[str, tuple[str, dict]] = {}
        for batch in _batched(list(dict.fromkeys(ids)), GET_BATCH):  # Chroma refuses repeated ids
            got = self.vectors.get(ids=batch, include=["documents", "metadatas"])
            for cid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"]):
                out[cid] = (doc, meta)
        return out

    def dense_search(self, query: str, k: int, study_ids: set[str] | None = None,
                     query_vector: list[float] | None = None) -> list[tuple[str, str, dict, float]]:
        """Top-k (id, text, metadata, cosine similarity)."""
        self.sync()
        vec = query_vector if query_vector is not None else self.embeddings.embed_query(query)
        if study_ids and len(study_ids) <= EXACT_SEARCH_STUDIES and self._large():
            return self._exact_search(vec, k, study_ids)
        where = _in_studies(study_ids) if study_ids else None
        request: dict[str, Any] = {"query_embeddings": [vec], "n_results": k, "where": where,
                                   "include": ["documents", "metadatas", "distances"]}
        try:
            res = self._collection.query(**request)
        except Exception as e:
            # within a second of another process's commit an embedded index may not hold its vectors yet:
            # catch up at once and ask again (anything else is raised as it was)
            if not (self._chroma.embedded and "Error finding id" in str(e) and self.sync(force=True)):
                raise
            res = self._collection.query(**request)
        return [(cid, doc, meta, 1.0 - dist) for cid, doc, meta, dist in
                zip(res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0])]

    def _large(self) -> bool:
        now = time.monotonic()
        if self._count_at is None or now - self._count_at[0] > 30:  # re-read at most every 30 s
            self._count_at = (now, self.count())
        return self._count_at[1] >= EXACT_SEARCH_MIN_CHUNKS

    def _exact_search(self, vec: list[float], k: int, study_ids: set[str]) -> list[tuple[str, str, dict, float]]:
        """Cosine over every chunk of a few studies: their vectors read once (a metadata lookup) and kept while
        the catalog is unchanged, where a filtered ANN query slows down with the size of the whole collection."""
        rows = [r for sid in sorted(study_ids) for r in self._study_vectors(sid)]
        if not rows:
            return []
        m = np.stack([r[3] for r in rows])
        q = np.asarray(vec, dtype=np.float32)
        sims = (m @ q) / (np.linalg.norm(m, axis=1) * float(np.linalg.norm(q)) + 1e-12)
        top = np.argsort(-sims, kind="stable")[:k]
        return [(rows[i][0], rows[i][1], dict(rows[i][2]), float(sims[i])) for i in top]

    def _study_vectors(self, study_id: str) -> list[tuple[str, str, dict, np.ndarray]]:
        """(id, text, metadata, vector) of one study's chunks, in ID order; cached per catalog version."""
        stamp = self.catalog_stamp()
        if stamp != self._vectors_stamp:
            self._vectors_cache.clear()
            self._vectors_stamp = stamp
        rows = self._vectors_cache.pop(study_id, None)
        if rows is None:
            got = self._collection.get(where={"study_id": study_id}, include=["embeddings", "documents", "metadatas"])
            docs, metas = got["documents"] or [], got["metadatas"] or []
            vectors = got["embeddings"] if got["embeddings"] is not None else []
            rows = sorted(((cid, docs[i], dict(metas[i] or {}), np.asarray(vectors[i], dtype=np.float32))
                           for i, cid in enumerate(got["ids"])), key=lambda r: r[0])
        self._vectors_cache[study_id] = rows  # most recently used last
        while len(self._vectors_cache) > VECTOR_CACHE_STUDIES:
            self._vectors_cache.pop(next(iter(self._vectors_cache)))
        return rows

    def lexical_search(self, query: str, k: int, study_ids: set[str] | None = None) -> list[tuple[str, float]]:
        return self.lexical.search(query, k, study_ids)


def _catalog_entries(rows: list[tuple[str, str, dict]]) -> dict[str, dict]:
    """One catalog entry per study of these (id-ordered) chunks."""
    catalog: dict[str, dict] = {}
    for _cid, text, meta in rows:
        sid = meta["study_id"]
        entry = catalog.setdefault(sid, {"study_id": sid, "title": meta.get("study_title", ""),
                                         "acronym": None, "source_url": meta.get("source_url", ""),
                                         "source_file": meta.get("source_file", ""),
                                         "source_location": meta.get("source_location", ""), "chunks": 0})
        entry["chunks"] += 1
        if meta.get("field_path", "") in ACRONYM_PATHS:
            entry["acronym"] = split_chunk_text(text)[1].strip()
    return catalog


def _catalog_text(catalog: dict[str, dict]) -> str:
    return json.dumps(sorted(catalog.values(), key=lambda e: e["study_id"]))


def _lexical_rows(rows: list[tuple[str, str, dict]]) -> list[LexicalRow]:
    return [LexicalRow(cid, meta["study_id"], meta.get("content_hash", ""), text) for cid, text, meta in rows]


def open_store(settings: Settings, embeddings: Embeddings, collection: str | None = None) -> ChunkStore:
    return ChunkStore(settings, embeddings, collection)


def data_dir_ready(settings: Settings) -> bool:
    return Path(settings.bm25_dir()).exists()
