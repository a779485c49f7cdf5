"""BM25 (bm25s) index over the same chunks as Chroma, persisted beside it.

It is rebuilt from the vector store's contents after every ingest run (cheap: tokenising tens of
thousands of chunks takes seconds) and written to a temp dir then renamed, so a killed run never
leaves a half-written index behind.
"""
from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import numpy as np

STATE_FILE = "trialchat_state.json"


_local = threading.local()


def english_stemmer():
    """One PyStemmer per thread: its stemmer objects are not thread-safe, and the web app answers in threads."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        import Stemmer  # PyStemmer

        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return stemmer


class LexicalIndex:
    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self._lock = threading.Lock()
        self._loaded_stamp: float | None = None
        self._retriever = None
        self._ids: list[str] = []
        self._study_of: list[str] = []

    # ---- writing ----
    def rebuild(self, ids: list[str], texts: list[str], study_ids: list[str],
                extra_files: dict[str, str] | None = None) -> None:
        """Write the index (and ``extra_files``, name → text, that must change with it) in one rename."""
        import bm25s

        tmp = self.directory.with_name(self.directory.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if ids:
            tokens = bm25s.tokenize(texts, stopwords="en", stemmer=english_stemmer(), show_progress=False)
            retriever = bm25s.BM25()
            retriever.index(tokens, show_progress=False)
            retriever.save(str(tmp))
        for name, text in (extra_files or {}).items():
            (tmp / name).write_text(text)
        (tmp / STATE_FILE).write_text(json.dumps({"ids": ids, "study_ids": study_ids}))
        old = self.directory.with_name(self.directory.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self.directory.exists():
            self.directory.rename(old)
        tmp.rename(self.directory)  # a kill between the two renames leaves no index: the next check rebuilds it
        shutil.rmtree(old, ignore_errors=True)

    def exists(self) -> bool:
        return (self.directory / STATE_FILE).exists()

    def ids(self) -> list[str]:
        self._maybe_load()
        return list(self._ids)

    # ---- reading ----
    def search(self, query: str, k: int, study_ids: set[str] | None = None) -> list[tuple[str, float]]:
        """Top-k (chunk_id, score), optionally restricted to some studies (weight mask, not post-filter)."""
        import bm25s

        self._maybe_load()
        with self._lock:
            if self._retriever is None or not self._ids:
                return []
            q = bm25s.tokenize([query], stopwords="en", stemmer=english_stemmer(), return_ids=False,
                               show_progress=False)
            vocab = self._retriever.vocab_dict
            q_tokens = [[t for t in q[0] if t in vocab]]
            if not q_tokens[0]:
                return []
            mask = None
            if study_ids is not None:
                mask = np.fromiter((s in study_ids for s in self._study_of), dtype=np.float32,
                                   count=len(self._study_of))
                if not mask.any():
                    return []
            k = min(k, len(self._ids))
            docs, scores = self._retriever.retrieve(q_tokens, k=k, weight_mask=mask, show_progress=False,
                                                    n_threads=1)
            out = [(self._ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]
            return out

    def _maybe_load(self) -> None:
        """(Re)load when another process (an ingest run) replaced the index on disk."""
        import bm25s

        state = self.directory / STATE_FILE
        try:
            stamp = state.stat().st_mtime
        except FileNotFoundError:
            return
        with self._lock:
            if stamp == self._loaded_stamp:
                return
            data = json.loads(state.read_text())
            self._ids, self._study_of = data["ids"], data["study_ids"]
            self._retriever = bm25s.BM25.load(str(self.directory)) if self._ids else None
            self._loaded_stamp = stamp
