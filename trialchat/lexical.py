"""BM25 (bm25s) index over the same chunks as Chroma, persisted beside it.

Built from the vector store's contents (the single source of truth) and written to a temp dir then
renamed, so a killed run never leaves a half-written index behind. Beside the index it keeps each
chunk's tokens and content hash, so an ingest that changes a few studies replaces only their rows
(``update``) instead of reading and tokenising every chunk again; documents are kept in chunk-ID order
and the vocabulary sorted, so an updated index is identical to one rebuilt from scratch.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trialchat.store_port import LexicalHit

STATE_FILE = "trialchat_state.json"
TOKENS_FILE = "trialchat_tokens.npz"  # every document's token ids (into a sorted vocabulary) for updates
FINGERPRINT_FILE = "fingerprint.json"  # of the vector store's content the index (and its companions) hold


_local = threading.local()


def english_stemmer():
    """One PyStemmer per thread: its stemmer objects are not thread-safe, and the web app answers in threads."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        import Stemmer  # PyStemmer

        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return stemmer


@dataclass(frozen=True)
class LexicalRow:
    """One chunk as the lexical index sees it."""
    id: str
    study_id: str
    content_hash: str
    text: str


def fingerprint(versions: list[tuple[str, str]]) -> dict:
    """Count and digest of (chunk id, content hash) pairs, in any order."""
    h = hashlib.sha256()
    for cid, content_hash in sorted(versions):
        h.update(f"{cid}\x00{content_hash}\n".encode())
    return {"chunks": len(versions), "digest": h.hexdigest()}


@dataclass
class _Corpus:
    """Documents in chunk-ID order with their token ids into a sorted vocabulary (flat + offsets)."""
    ids: list[str]
    study_ids: list[str]
    hashes: list[str]
    vocab: np.ndarray  # sorted token strings (numpy unicode: code-point order, as Python sorts)
    flat: np.ndarray  # int64 token ids, document after document
    lengths: np.ndarray  # tokens per document

    @classmethod
    def tokenize(cls, rows: list[LexicalRow]) -> _Corpus:
        import bm25s

        rows = sorted(rows, key=lambda r: r.id)
        texts = [r.text for r in rows]
        if rows:
            tok = bm25s.tokenize(texts, stopwords="en", stemmer=english_stemmer(), show_progress=False)
            words = np.array(sorted(tok.vocab), dtype=str)
            remap = np.empty(len(tok.vocab), dtype=np.int64)
            for word, i in tok.vocab.items():
                remap[i] = np.searchsorted(words, word)
            lengths = np.fromiter((len(d) for d in tok.ids), dtype=np.int64, count=len(tok.ids))
            flat = remap[np.fromiter((t for d in tok.ids for t in d), dtype=np.int64, count=int(lengths.sum()))]
        else:
            words, flat, lengths = np.array([], dtype=str), np.array([], dtype=np.int64), np.array([], dtype=np.int64)
        return cls([r.id for r in rows], [r.study_id for r in rows], [r.content_hash for r in rows],
                   words, flat, lengths)

    def without_studies(self, study_ids: set[str]) -> _Corpus:
        keep = np.fromiter((s not in study_ids for s in self.study_ids), dtype=bool, count=len(self.ids))
        pick = [i for i, k in enumerate(keep) if k]
        return _Corpus([self.ids[i] for i in pick], [self.study_ids[i] for i in pick],
                       [self.hashes[i] for i in pick], self.vocab, self.flat[np.repeat(keep, self.lengths)],
                       self.lengths[keep])

    def merged(self, other: _Corpus) -> _Corpus:
        """Both corpora's documents (IDs must not overlap) in ID order over one sorted, used-only vocabulary."""
        used = [self.vocab[np.unique(self.flat)], other.vocab[np.unique(other.flat)]]
        vocab = np.array(sorted(set(used[0].tolist()) | set(used[1].tolist())), dtype=str)
        flats = [np.searchsorted(vocab, c.vocab)[c.flat] if len(c.flat) else c.flat for c in (self, other)]
        ids = self.ids + other.ids
        order = sorted(range(len(ids)), key=ids.__getitem__)
        starts = np.concatenate([np.cumsum(c.lengths) - c.lengths for c in (self, other)])
        lengths = np.concatenate([self.lengths, other.lengths])
        flat_all = np.concatenate(flats)
        offset = np.concatenate([np.zeros(len(self.ids), dtype=np.int64),
                                 np.full(len(other.ids), len(flats[0]), dtype=np.int64)])
        pieces = [flat_all[offset[i] + starts[i]: offset[i] + starts[i] + lengths[i]] for i in order]
        studies, hashes = self.study_ids + other.study_ids, self.hashes + other.hashes
        return _Corpus([ids[i] for i in order], [studies[i] for i in order], [hashes[i] for i in order], vocab,
                       np.concatenate(pieces) if pieces else np.array([], dtype=np.int64), lengths[order])

    def versions(self) -> list[tuple[str, str]]:
        return list(zip(self.ids, self.hashes))

    def token_lists(self) -> list[list[int]]:
        return [a.tolist() for a in np.split(self.flat, np.cumsum(self.lengths)[:-1])] if self.ids else []

    def save(self, directory: Path) -> None:
        np.savez(directory / TOKENS_FILE, vocab=self.vocab, flat=self.flat, lengths=self.lengths)
        (directory / STATE_FILE).write_text(json.dumps({"ids": self.ids, "study_ids": self.study_ids,
                                                        "hashes": self.hashes}))

    @classmethod
    def load(cls, directory: Path) -> _Corpus:
        state = json.loads((directory / STATE_FILE).read_text())
        with np.load(directory / TOKENS_FILE) as z:
            vocab, flat, lengths = z["vocab"], z["flat"], z["lengths"]
        return cls(state["ids"], state["study_ids"], state["hashes"], vocab, flat, lengths)


_NO_ROWS = np.array([], dtype=np.int64)


class LexicalIndex:
    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self._lock = threading.Lock()
        self._loaded_stamp: float | None = None
        self._retriever = None
        self._ids: list[str] = []
        self._rows_of: dict[str, np.ndarray] = {}  # study → its documents' positions (a pinned search's mask)

    # ---- writing ----
    def rebuild(self, rows: list[LexicalRow], extra_files: dict[str, str] | None = None) -> None:
        """Index ``rows`` from scratch; ``extra_files`` (name → text) must change with the index."""
        self._write(_Corpus.tokenize(rows), extra_files or {})

    def can_update(self) -> bool:
        """Whether the index keeps the tokens an update needs (indexes written before it did are rebuilt)."""
        return (self.directory / TOKENS_FILE).exists() and self.exists()

    def update(self, study_ids: set[str], rows: list[LexicalRow], extra_files: dict[str, str] | None = None) -> None:
        """Replace every row of ``study_ids`` with ``rows`` (their chunks now; none for a removed study)."""
        corpus = _Corpus.load(self.directory).without_studies(study_ids)
        self._write(corpus.merged(_Corpus.tokenize(rows)), extra_files or {})

    def _write(self, corpus: _Corpus, extra_files: dict[str, str]) -> None:
        """Index, tokens, state, fingerprint and ``extra_files`` in one directory swapped in by a rename."""
        import bm25s

        tmp = self.directory.with_name(self.directory.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if corpus.ids:
            retriever = bm25s.BM25()
            vocab = {str(w): i for i, w in enumerate(corpus.vocab)}
            retriever.index((corpus.token_lists(), vocab), show_progress=False)
            retriever.save(str(tmp))
        for name, text in extra_files.items():
            (tmp / name).write_text(text)
        (tmp / FINGERPRINT_FILE).write_text(json.dumps(fingerprint(corpus.versions())))
        corpus.save(tmp)  # the state file last: its presence marks a complete index
        old = self.directory.with_name(self.directory.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self.directory.exists():
            self.directory.rename(old)
        tmp.rename(self.directory)  # a kill between the two renames leaves no index: the next check rebuilds it
        shutil.rmtree(old, ignore_errors=True)

    def built_fingerprint(self) -> dict | None:
        """The fingerprint of what the index holds, or None when there is no complete index."""
        try:
            return json.loads((self.directory / FINGERPRINT_FILE).read_text()) if self.exists() else None
        except (OSError, ValueError):
            return None

    def exists(self) -> bool:
        return (self.directory / STATE_FILE).exists()

    def ids(self) -> list[str]:
        self._maybe_load()
        return list(self._ids)

    # ---- reading ----
    def search(self, query: str, k: int, study_ids: set[str] | None = None) -> list[LexicalHit]:
        """Top-k chunks with their BM25 scores, optionally restricted to some studies (weight mask, not post-filter)."""
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
                mask = np.zeros(len(self._ids), dtype=np.float32)
                for sid in study_ids:
                    mask[self._rows_of.get(sid, _NO_ROWS)] = 1.0
                if not mask.any():
                    return []
            k = min(k, len(self._ids))
            docs, scores = self._retriever.retrieve(q_tokens, k=k, weight_mask=mask, show_progress=False,
                                                    n_threads=1)
            return [LexicalHit(self._ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]

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
            self._ids = data["ids"]
            rows: dict[str, list[int]] = {}
            for i, sid in enumerate(data["study_ids"]):
                rows.setdefault(sid, []).append(i)
            self._rows_of = {sid: np.array(r, dtype=np.int64) for sid, r in rows.items()}
            self._retriever = bm25s.BM25.load(str(self.directory)) if self._ids else None
            self._loaded_stamp = stamp
