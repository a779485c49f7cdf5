"""Thumbs up/down (and an optional comment) on answers, kept server-side in SQLite under the data dir.

Only the web chat writes here; nothing reads it back over HTTP (no export endpoint: the operator
reads the file, e.g. ``sqlite3 data/feedback.sqlite3 'select * from feedback'``).
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MAX_COMMENT_CHARS = 2000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at REAL NOT NULL,
    session_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    message_index INTEGER,
    rating INTEGER NOT NULL,           -- +1 thumbs up, -1 thumbs down
    comment TEXT,
    study_id TEXT,
    question TEXT,
    answer TEXT,
    status TEXT,
    citations TEXT                      -- JSON list of {n, study_id, field_path, quote}
)
"""


class FeedbackStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._ready = False

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10)
        try:
            if not self._ready:
                conn.execute(_SCHEMA)
                self._ready = True
            with conn:  # commit on success, roll back on error
                yield conn
        finally:
            conn.close()

    def record(self, *, session_id: str, rating: int, channel: str = "web", message_index: int | None = None,
               study_id: str | None = None, question: str = "", answer: str = "", status: str = "",
               citations: list[dict] | None = None) -> int:
        if rating not in (1, -1):
            raise ValueError("rating must be +1 or -1")
        with self._lock, self._connect() as conn:
            cur = conn.execute(
                "INSERT INTO feedback (created_at, session_id, channel, message_index, rating, study_id,"
                " question, answer, status, citations) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (time.time(), session_id, channel, message_index, rating, study_id, question, answer, status,
                 json.dumps(citations or [])))
            return int(cur.lastrowid)

    def add_comment(self, feedback_id: int, session_id: str, comment: str) -> bool:
        """Attach a comment to a rating; only the session that rated may comment on it."""
        comment = comment.strip()[:MAX_COMMENT_CHARS]
        if not comment:
            return False
        with self._lock, self._connect() as conn:
            cur = conn.execute("UPDATE feedback SET comment = ? WHERE id = ? AND session_id = ?",
                               (comment, feedback_id, session_id))
            return cur.rowcount == 1

    def all(self) -> list[dict]:
        if not self.path.exists():
            return []
        with self._lock, self._connect() as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute("SELECT * FROM feedback ORDER BY id")]
