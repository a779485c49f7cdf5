"""The chunks in Chroma: writes, reads by study or field, and search by meaning.

Our vectors are always passed (never Chroma's embedding function). Every call goes through a
``GuardedCollection``: bounded in time, a server that cannot answer raised as ``StoreUnavailable``.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from trialchat.chroma_client import GuardedCollection
from trialchat.lexical import fingerprint
from trialchat.schema import Chunk
from trialchat.store_port import ChunkVersion, DenseHit, StoredChunk

GET_BATCH = 500  # ids per Chroma get/delete call (keeps requests small against a server)
# In a large collection, pinned searches over at most this many studies score their chunks exactly instead
# of a filtered ANN query (which slows with the whole collection: 6.7x from 1,293 to 129,636 chunks); in a
# small one the ANN query is the faster of the two.
EXACT_SEARCH_STUDIES = 20
EXACT_SEARCH_MIN_CHUNKS = 20_000
VECTOR_CACHE_STUDIES = 64  # studies whose chunk vectors an exact search keeps (a chat pins one study at a time)
COUNT_TTL_S = 30  # how long the chunk count that decides exact search is trusted


def in_studies(study_ids: Iterable[str]) -> Any:
    """Chroma filter for chunks of these studies (typed Any: Chroma's Where type rejects a built list)."""
    return {"study_id": {"$in": sorted(set(study_ids))}}


def batched(items: list, n: int) -> Iterator[list]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _rows(got: dict) -> list[StoredChunk]:
    return [StoredChunk(cid, doc, meta or {}) for cid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"])]


class VectorStore:
    """One Chroma collection of chunks.

    ``before_write`` runs before every change (the store marks its derived indexes stale there);
    ``catch_up`` is asked to pick up another process's commit when an embedded index misses a vector."""

    def __init__(self, collection: GuardedCollection, embeddings: Embeddings, embedded: bool,
                 before_write: Callable[[], None] = lambda: None, catch_up: Callable[[], bool] = lambda: False):
        self.collection = collection
        self.embeddings = embeddings
        self._embedded = embedded
        self._before_write = before_write
        self._catch_up = catch_up
        self._count_at: tuple[float, int] | None = None  # (when, chunk count): whether exact pinned search pays
        self._vectors_cache: dict[str, list[tuple[StoredChunk, np.ndarray]]] = {}
        self._cache_lock = threading.Lock()

    # ---- writing ----
    def upsert(self, chunks: list[Chunk], embeddings: list[list[float]] | None = None) -> None:
        """Upsert chunks; pass precomputed vectors to keep embedding in the caller's big batches."""
        if not chunks:
            return
        vecs = embeddings if embeddings is not None else self.embeddings.embed_documents([c.text for c in chunks])
        self._before_write()
        self.collection.upsert(ids=[c.id for c in chunks], documents=[c.text for c in chunks],
                               metadatas=[c.metadata() for c in chunks], embeddings=vecs)

    def update_metadata(self, chunks: list[Chunk]) -> None:
        """New metadata for chunks whose content is unchanged (a record now read from another file): no re-embedding."""
        if chunks:
            self._before_write()
        for batch in batched(chunks, GET_BATCH):
            self.collection.update(ids=[c.id for c in batch], metadatas=[c.metadata() for c in batch])

    def delete(self, ids: Iterable[str]) -> None:
        ids = sorted(ids)
        if ids:
            self._before_write()
        for batch in batched(ids, GET_BATCH):
            self.collection.delete(ids=batch)

    # ---- reading ----
    def existing_versions(self, ids: list[str]) -> dict[str, ChunkVersion]:
        """The stored version of each of these chunks the collection holds."""
        out: dict[str, ChunkVersion] = {}
        for batch in batched(ids, GET_BATCH):
            got = self.collection.get(ids=batch, include=["metadatas"])
            for cid, meta in zip(got["ids"], got["metadatas"]):
                meta = meta or {}
                out[cid] = ChunkVersion(str(meta.get("content_hash", "")), str(meta.get("source_file", "")),
                                        str(meta.get("source_location", "")))
        return out

    def ids_of_studies(self, study_ids: Iterable[str]) -> set[str]:
        out: set[str] = set()
        for batch in batched(sorted(set(study_ids)), 100):
            out.update(self.collection.get(where=in_studies(batch), include=[])["ids"])
        return out

    def all_chunks(self, page: int = 2000) -> Iterator[StoredChunk]:
        offset = 0
        while True:
            got = self.collection.get(include=["documents", "metadatas"], limit=page, offset=offset)
            if not got["ids"]:
                return
            yield from _rows(got)
            offset += len(got["ids"])

    def count(self) -> int:
        return self.collection.count()

    def fingerprint(self) -> dict:
        """Count and digest of (chunk id, content hash) over everything the collection holds."""
        versions: list[tuple[str, str]] = []
        offset = 0
        while True:
            got = self.collection.get(include=["metadatas"], limit=5000, offset=offset)
            if not got["ids"]:
                break
            versions.extend((cid, (meta or {}).get("content_hash", "")) for cid, meta in zip(got["ids"], got["metadatas"]))
            offset += len(got["ids"])
        return fingerprint(versions)

    def chunks_of_field(self, study_id: str, field_path: str) -> list[StoredChunk]:
        """The chunks of one field of a study, in chunk order."""
        got = self.collection.get(where={"$and": [{"study_id": study_id}, {"field_path": field_path}]},
                                  include=["documents", "metadatas"])
        return sorted(_rows(got), key=lambda r: r.chunk_index)

    def chunks_of_studies(self, study_ids: Iterable[str]) -> list[StoredChunk]:
        return _rows(self.collection.get(where=in_studies(study_ids), include=["documents", "metadatas"]))

    def get_chunks(self, ids: list[str]) -> dict[str, StoredChunk]:
        out: dict[str, StoredChunk] = {}
        for batch in batched(list(dict.fromkeys(ids)), GET_BATCH):  # Chroma refuses repeated ids
            out.update((r.id, r) for r in _rows(self.collection.get(ids=batch, include=["documents", "metadatas"])))
        return out

    # ---- search by meaning ----
    def search(self, query: str, k: int, study_ids: set[str] | None = None,
               query_vector: list[float] | None = None) -> list[DenseHit]:
        """Top-k chunks by cosine similarity, within ``study_ids`` when given."""
        vec = query_vector if query_vector is not None else self.embeddings.embed_query(query)
        if study_ids and len(study_ids) <= EXACT_SEARCH_STUDIES and self._large():
            return self._exact_search(vec, k, study_ids)
        request: dict[str, Any] = {"query_embeddings": [vec], "n_results": k,
                                   "where": in_studies(study_ids) if study_ids else None,
                                   "include": ["documents", "metadatas", "distances"]}
        try:
            res = self.collection.query(**request)
        except Exception as e:
            # within a second of another process's commit an embedded index may not hold its vectors yet:
            # catch up at once and ask again (anything else is raised as it was)
            if not (self._embedded and "Error finding id" in str(e) and self._catch_up()):
                raise
            res = self.collection.query(**request)
        return [DenseHit(cid, doc, meta or {}, 1.0 - dist) for cid, doc, meta, dist in
                zip(res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0])]

    def forget_vectors(self) -> None:
        """Drop the vectors kept for exact search (the collection changed)."""
        with self._cache_lock:
            self._vectors_cache.clear()

    def _large(self) -> bool:
        now = time.monotonic()
        if self._count_at is None or now - self._count_at[0] > COUNT_TTL_S:
            self._count_at = (now, self.count())
        return self._count_at[1] >= EXACT_SEARCH_MIN_CHUNKS

    def _exact_search(self, vec: list[float], k: int, study_ids: set[str]) -> list[DenseHit]:
        """Cosine over every chunk of a few studies: their vectors read once (a metadata lookup) and kept until
        the collection changes, where a filtered ANN query slows down with the size of the whole collection."""
        rows = [r for sid in sorted(study_ids) for r in self._study_vectors(sid)]
        if not rows:
            return []
        m = np.stack([v for _, v in rows])
        q = np.asarray(vec, dtype=np.float32)
        sims = (m @ q) / (np.linalg.norm(m, axis=1) * float(np.linalg.norm(q)) + 1e-12)
        top = np.argsort(-sims, kind="stable")[:k]
        return [DenseHit(rows[i][0].id, rows[i][0].text, dict(rows[i][0].metadata), float(sims[i])) for i in top]

    def _study_vectors(self, study_id: str) -> list[tuple[StoredChunk, np.ndarray]]:
        """One study's chunks with their vectors, in ID order; the most recently used studies are kept."""
        with self._cache_lock:
            rows = self._vectors_cache.pop(study_id, None)
        if rows is None:
            got = self.collection.get(where={"study_id": study_id}, include=["embeddings", "documents", "metadatas"])
            docs, metas = got["documents"] or [], got["metadatas"] or []
            vectors = got["embeddings"] if got["embeddings"] is not None else []
            rows = sorted(((StoredChunk(cid, docs[i], dict(metas[i] or {})), np.asarray(vectors[i], dtype=np.float32))
                           for i, cid in enumerate(got["ids"])), key=lambda r: r[0].id)
        with self._cache_lock:
            self._vectors_cache[study_id] = rows  # most recently used last
            while len(self._vectors_cache) > VECTOR_CACHE_STUDIES:
                self._vectors_cache.pop(next(iter(self._vectors_cache)))
        return rows
