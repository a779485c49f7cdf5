"""A cache of generated text for evaluation runs: re-running an unchanged configuration costs retrieval only.

:class:`CachedChatModel` wraps any LangChain chat model. Its key is the SHA-256 of the configuration,
the model's identity (backend, model file or name, endpoint, temperature, token limits, context) and the
exact messages sent: the rendered prompt holds the prompt template, the question, the history and the
retrieved sources, so a change in any of them (or in the model) is a miss. Only complete generations are
stored (a stream the caller stopped early is not), piece by piece as streamed, in SQLite under the data dir
(safe across threads).
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict

from trialchat.settings import Settings

_local = threading.local()


def thread_hits() -> tuple[int, int]:
    """(hits, misses) counted in this thread since :func:`reset_thread_hits`: a question's own counts."""
    return getattr(_local, "hits", 0), getattr(_local, "misses", 0)


def reset_thread_hits() -> None:
    _local.hits = _local.misses = 0


def _count(hit: bool) -> None:
    if hit:
        _local.hits = getattr(_local, "hits", 0) + 1
    else:
        _local.misses = getattr(_local, "misses", 0) + 1


def model_identity(s: Settings) -> dict[str, Any]:
    """What decides the text a model writes for a given prompt."""
    ident: dict[str, Any] = {"llm": s.llm, "model": s.llm_model, "base_url": s.llm_base_url,
                             "temperature": s.llm_temperature, "max_tokens": s.llm_max_tokens, "ctx": s.llm_ctx}
    if s.llm == "local" and not s.llm_model:
        from assistant.llm import DEFAULT_MODEL

        ident["model"] = str(DEFAULT_MODEL)  # the default GGUF is fixed by its sha256 (model_files)
    elif s.llm == "local" and s.llm_model and Path(s.llm_model).is_file():
        st = Path(s.llm_model).stat()
        ident["model_file"] = [st.st_size, st.st_mtime_ns]
    return ident


class AnswerCache:
    """SQLite key → text; one connection per thread."""

    def __init__(self, path: Path, read: bool = True):
        self.path = Path(path)
        self.read = read  # False (--no-cache): every answer is generated again, and stored
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tls = threading.local()
        with self._conn() as db:
            db.execute("CREATE TABLE IF NOT EXISTS answer_streams (key TEXT PRIMARY KEY, text TEXT NOT NULL, "  # JSON pieces
                       "created TEXT DEFAULT CURRENT_TIMESTAMP)")

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._tls, "conn", None)
        if conn is None:
            conn = self._tls.conn = sqlite3.connect(self.path, timeout=30)
        return conn

    @staticmethod
    def key(namespace: str, messages: list[BaseMessage], stop: list[str] | None) -> str:
        payload = json.dumps([namespace, [(m.type, m.content) for m in messages], stop or []], ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()

    def get(self, key: str) -> list[str] | None:
        """The stored stream, piece by piece as the model sent it (None: not cached, or --no-cache)."""
        if not self.read:
            return None
        row = self._conn().execute("SELECT text FROM answer_streams WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, pieces: list[str]) -> None:
        # the pieces, not only their text: the answer chain verifies sentences as they stream, so a
        # replay must arrive in the same pieces to be verified the same way
        with self._conn() as db:
            db.execute("INSERT OR REPLACE INTO answer_streams (key, text) VALUES (?, ?)", (key, json.dumps(pieces)))


class CachedChatModel(BaseChatModel):
    """Any chat model, answered from :class:`AnswerCache` when the same configuration sent the same messages."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    inner: BaseChatModel
    answers: AnswerCache  # not `cache`: BaseChatModel has its own field of that name
    namespace: str  # configuration + model identity, as JSON

    @property
    def _llm_type(self) -> str:
        return f"cached-{self.inner._llm_type}"

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        key = self.answers.key(self.namespace, messages, stop)
        pieces = self.answers.get(key)
        _count(pieces is not None)
        if pieces is None:
            pieces = [str(self.inner.invoke(messages, stop=stop, **kwargs).content)]
            self.answers.put(key, pieces)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content="".join(pieces)))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        key = self.answers.key(self.namespace, messages, stop)
        cached_pieces = self.answers.get(key)
        _count(cached_pieces is not None)
        if cached_pieces is not None:
            for piece in cached_pieces:
                yield ChatGenerationChunk(message=AIMessageChunk(content=piece))
            return
        pieces: list[str] = []
        for chunk in self.inner.stream(messages, stop=stop, **kwargs):
            piece = str(chunk.content)
            pieces.append(piece)
            yield ChatGenerationChunk(message=AIMessageChunk(content=piece))
        self.answers.put(key, pieces)  # reached only when the stream ran to its end


def cached(llm: BaseChatModel | None, cache: AnswerCache | None, config_name: str, s: Settings):
    """``llm`` behind the cache (None and no-cache pass through)."""
    if llm is None or cache is None:
        return llm
    namespace = json.dumps({"config": config_name, **model_identity(s)}, sort_keys=True, default=str)
    return CachedChatModel(inner=llm, answers=cache, namespace=namespace)
