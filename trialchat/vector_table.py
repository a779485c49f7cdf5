"""Vectors shipped with the bundled sample, so a first start does not spend a minute embedding it.

``corpus/sample_vectors.npz`` maps the SHA-256 of a text (every chunk of the sample and glossary, every
router example) to the bundled embedder's vector for it, computed by ``corpus/build_sample_vectors.py``
with sentence-transformers. :class:`TableBackedEmbeddings` answers ``embed_documents`` from the table
and embeds only the texts it does not hold. The table is trusted only after the live embedder gives
the same vectors for the probe texts stored in it (cosine ≥ ``MIN_COSINE``); otherwise it is ignored,
so a different model, or a table from an older sample, can never put foreign vectors in a store.
"""
from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)

SHIPPED_TABLE = Path(__file__).resolve().parents[1] / "corpus" / "sample_vectors.npz"
MIN_COSINE = 0.999


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()[:16]


class VectorTable:
    def __init__(self, keys: np.ndarray, vectors: np.ndarray, probe_texts: list[str], probe_vectors: np.ndarray):
        self.rows = {bytes(k): i for i, k in enumerate(keys)}
        self.vectors = vectors
        self.probe_texts = probe_texts
        self.probe_vectors = probe_vectors

    @classmethod
    def build(cls, texts: list[str], vectors: np.ndarray, probes: int = 8) -> VectorTable:
        unique = dict(zip(texts, vectors))  # one row per distinct text
        texts = list(unique)
        step = max(1, len(texts) // probes)
        probe_idx = list(range(0, len(texts), step))[:probes]
        keys = np.array([text_key(t) for t in texts], dtype="S16")
        vecs = np.asarray(list(unique.values()), dtype=np.float32)
        return cls(keys, vecs, [texts[i] for i in probe_idx], vecs[probe_idx])

    def save(self, path: Path) -> None:
        keys = np.array(sorted(self.rows, key=lambda k: self.rows[k]), dtype="S16")
        np.savez_compressed(path, keys=keys, vectors=self.vectors, probe_texts=np.array(self.probe_texts),
                            probe_vectors=self.probe_vectors)

    @classmethod
    def load(cls, path: Path) -> VectorTable | None:
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as z:
                return cls(z["keys"], z["vectors"].astype(np.float32), [str(t) for t in z["probe_texts"]],
                           z["probe_vectors"].astype(np.float32))
        except (OSError, KeyError, ValueError) as e:
            log.warning("ignoring the shipped vectors in %s (%s)", path, e)
            return None

    def __len__(self) -> int:
        return len(self.rows)

    def get(self, text: str) -> np.ndarray | None:
        row = self.rows.get(text_key(text))
        return None if row is None else self.vectors[row]

    def agreement(self, embeddings: Embeddings) -> float:
        """Min cosine between the stored probe vectors and what ``embeddings`` gives for the probe texts."""
        live = np.asarray(embeddings.embed_documents(self.probe_texts), dtype=np.float32)
        if live.shape != self.probe_vectors.shape:
            return -1.0
        return float(np.min(np.sum(live * self.probe_vectors, axis=1)))


class TableBackedEmbeddings(Embeddings):
    """``embed_documents`` from the table where it has the text, the wrapped embedder for the rest."""

    def __init__(self, inner: Embeddings, table: VectorTable):
        self.inner = inner
        self.table = table
        self._usable: bool | None = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:  # model_dir, backend, ... of the real embedder
        if name in ("inner", "table"):
            raise AttributeError(name)
        return getattr(self.inner, name)

    @property
    def usable(self) -> bool:
        with self._lock:
            if self._usable is None:
                agreement = self.table.agreement(self.inner)
                self._usable = agreement >= MIN_COSINE
                if not self._usable:
                    log.warning("the shipped sample vectors do not match this embedder (min cosine %.4f); "
                                "embedding everything instead", agreement)
            return self._usable

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts or not self.usable:
            return self.inner.embed_documents(texts)
        found: list[np.ndarray | None] = [self.table.get(t) for t in texts]
        missing = [i for i, v in enumerate(found) if v is None]
        computed = self.inner.embed_documents([texts[i] for i in missing]) if missing else []
        for i, vec in zip(missing, computed):
            found[i] = np.asarray(vec, dtype=np.float32)
        return [np.asarray(v).tolist() for v in found]

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)
