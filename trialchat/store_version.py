"""The collection's committed version, kept in Chroma itself beside the chunks.

Every ingest or removal that changed anything advances it as its last step (under the writer lock, so
read-then-write is safe). A process that serves compares it with the version it last saw to know when
to reload what it keeps (an embedded client's vector index; later the per-replica caches) without a
restart. It lives in Chroma, not in a file, so replicas on other machines see the same number.
"""
from __future__ import annotations

import time

from trialchat.chroma_client import GuardedCollection

STATE_SUFFIX = "__state"  # the one-record collection beside each chunk collection
VERSION_ID = "version"


class VersionStamp:
    def __init__(self, state: GuardedCollection):
        self._state = state

    def read(self) -> int:
        """0 for a collection no ingest has committed to yet."""
        got = self._state.get(ids=[VERSION_ID], include=["metadatas"])
        metas = got.get("metadatas") or []
        return int((metas[0] or {}).get("version", 0)) if metas else 0

    def advance(self, by: str) -> int:
        version = self.read() + 1
        # a record needs a vector: a constant one-dimensional one (never searched)
        self._state.upsert(ids=[VERSION_ID], documents=[""], embeddings=[[1.0]],
                           metadatas=[{"version": version, "at": time.time(), "by": by[:200]}])
        return version
