"""The collection's committed version, kept in Chroma itself beside the chunks.

Every ingest or removal marks the record ``writing`` before its first change and, as its last step,
advances ``version`` and clears the mark (under the writer lock, so read-then-write is safe). It works
as a sequence lock for processes that keep caches (BM25, catalog, fact-sheet files) on their own data
dir: a cache built between two reads of the same, unmarked version is a committed state, never a torn
one. It lives in Chroma, not in a file, so replicas on other machines see the same record. A mark left
by a writer that crashed stays until the next writer repairs and commits.
"""
from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from trialchat.chroma_client import GuardedCollection

STATE_SUFFIX = "__state"  # the one-record collection beside each chunk collection
VERSION_ID = "version"


@dataclass(frozen=True)
class StoreState:
    version: int  # commits so far (0: none yet)
    writing: str  # who is writing now, or "" (a crashed writer's mark stays until the next commit)
    pid: int = 0  # the marking writer's process and host
    host: str = ""

    @property
    def committed(self) -> bool:
        return not self.writing

    def marked_by_live_other(self) -> bool:
        """Whether another process may be writing right now: marked by a live process here, or by any
        process on another host (whose liveness cannot be seen from here). A dead process here: False."""
        if not self.writing or (self.host == socket.gethostname() and self.pid == os.getpid()):
            return False
        if self.host != socket.gethostname():
            return True
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


class VersionStamp:
    def __init__(self, state: GuardedCollection):
        self._state = state

    def read_state(self) -> StoreState:
        got = self._state.get(ids=[VERSION_ID], include=["metadatas"])
        metas = got.get("metadatas") or []
        meta = (metas[0] or {}) if metas else {}
        return StoreState(int(meta.get("version", 0)), str(meta.get("writing", "")), int(meta.get("pid", 0)),
                          str(meta.get("host", "")))

    def read(self) -> int:
        return self.read_state().version

    def _write(self, version: int, writing: str) -> None:
        # a record needs a vector: a constant one-dimensional one (never searched)
        self._state.upsert(ids=[VERSION_ID], documents=[""], embeddings=[[1.0]],
                           metadatas=[{"version": version, "writing": writing[:200], "at": time.time(),
                                       "pid": os.getpid() if writing else 0,
                                       "host": socket.gethostname() if writing else ""}])

    def begin(self, by: str) -> None:
        """Before a writer's first change: readers elsewhere build no cache until the commit."""
        self._write(self.read(), by)

    def advance(self) -> int:
        """The commit: a new version, no writer."""
        version = self.read() + 1
        self._write(version, "")
        return version

    def clear(self) -> None:
        """A writer that changed nothing (or whose changes are all committed) leaves no mark."""
        state = self.read_state()
        if state.writing:
            self._write(state.version, "")


class CacheVersion:
    """The committed version a data dir's caches hold, in a file beside them (None: unknown, e.g. a fresh
    data dir). Written last, after the caches, and replaced atomically."""

    def __init__(self, path: Path):
        self.path = path

    def read(self) -> int | None:
        try:
            return int(self.path.read_text())
        except (OSError, ValueError):
            return None

    def write(self, version: int) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(str(version))
        os.replace(tmp, self.path)
