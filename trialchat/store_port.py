"""The store's port: the typed values it hands out and the two Protocols callers depend on.

``trialchat.store.ChunkStore`` (Chroma + BM25 + catalog + fact sheets) implements both; answering code
needs only ``StoreReader``, ingest ``StoreWriter``. Rows are ``NamedTuple``s: typed, immutable, read by
name (``chunk.text``, ``hit.score``), and still unpacked as ``(id, text, metadata)`` by older callers.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from typing import Any, NamedTuple, Protocol, runtime_checkable

from trialchat.facts import FactSheet
from trialchat.schema import Chunk


class StoredChunk(NamedTuple):
    """One chunk as the store holds it: its ID, text (label line, then body) and metadata
    (the canonical source fields of ``trialchat.schema.Chunk.metadata``)."""
    id: str
    text: str
    metadata: dict[str, Any]

    @property
    def study_id(self) -> str:
        return str(self.metadata.get("study_id", ""))

    @property
    def field_path(self) -> str:
        return str(self.metadata.get("field_path", ""))

    @property
    def chunk_index(self) -> int:
        return int(self.metadata.get("chunk_index", 0))


class DenseHit(NamedTuple):
    """A chunk found by meaning, with its cosine similarity to the question."""
    id: str
    text: str
    metadata: dict[str, Any]
    score: float


class LexicalHit(NamedTuple):
    """A chunk found by words (BM25), with its score."""
    id: str
    score: float


class ChunkVersion(NamedTuple):
    """What an ingest compares to decide whether a stored chunk must be embedded again or only moved."""
    content_hash: str
    source_file: str
    source_location: str


@dataclass(frozen=True)
class CatalogEntry:
    """One study the collection holds (derived from its chunks)."""
    study_id: str
    title: str = ""
    acronym: str | None = None
    source_url: str = ""
    source_file: str = ""
    source_location: str = ""
    chunks: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CatalogEntry:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


@runtime_checkable
class StoreReader(Protocol):
    """What answering reads. Every call may raise ``StoreUnavailable`` (the store cannot be reached in time)."""

    def catalog(self) -> list[CatalogEntry]: ...

    def catalog_stamp(self) -> float | None: ...

    def facts(self, study_id: str) -> FactSheet | None: ...

    def all_facts(self) -> list[FactSheet]: ...

    def facts_stamp(self) -> float | None: ...

    def chunks_of_field(self, study_id: str, field_path: str) -> list[StoredChunk]: ...

    def chunks_of_studies(self, study_ids: Iterable[str]) -> list[StoredChunk]: ...

    def get_chunks(self, ids: list[str]) -> dict[str, StoredChunk]: ...

    def dense_search(self, query: str, k: int, study_ids: set[str] | None = None,
                     query_vector: list[float] | None = None) -> list[DenseHit]: ...

    def lexical_search(self, query: str, k: int, study_ids: set[str] | None = None) -> list[LexicalHit]: ...

    def version(self) -> int: ...

    def ping(self) -> None: ...


@runtime_checkable
class StoreWriter(StoreReader, Protocol):
    """What ingest and removal write, inside ``writing()`` (one writer per collection across processes)."""

    def writing(self, wait: float | None = None,
                on_wait: Callable[[str], None] | None = None) -> AbstractContextManager[None]: ...

    def existing_versions(self, ids: list[str]) -> dict[str, ChunkVersion]: ...

    def ids_of_studies(self, study_ids: Iterable[str]) -> set[str]: ...

    def check_space(self, new_chunks: int, new_bytes: int) -> None: ...

    def upsert(self, chunks: list[Chunk], embeddings: list[list[float]] | None = None) -> None: ...

    def update_metadata(self, chunks: list[Chunk]) -> None: ...

    def delete(self, ids: Iterable[str]) -> None: ...

    def save_facts(self, sheets: Iterable[FactSheet]) -> None: ...

    def remove_studies(self, study_ids: Iterable[str]) -> set[str]: ...

    def update_derived(self, study_ids: Iterable[str]) -> None: ...

    def repair_derived(self, thorough: bool = False) -> str | None: ...

    def derived_mismatch(self, thorough: bool = False) -> str | None: ...

    def rebuild_lexical(self) -> None: ...

    def all_chunks(self, page: int = 2000) -> Iterator[StoredChunk]: ...
