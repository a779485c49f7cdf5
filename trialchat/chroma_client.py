"""The Chroma client and collection, with every call bounded in time and its failures named.

Chroma's HTTP client has no timeout (a stalled server hangs every caller) and lets transport errors
out as bare ``httpx`` exceptions. Here each call gets a timeout and a transport failure becomes
``StoreUnavailable`` naming the server, which the CLI turns into one line and exit code 2 and the web
app into ``503 store_unavailable`` with ``Retry-After``. A pooled connection a restarted server has
dropped is retried once (every call is keyed, so a repeated write changes nothing).
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlparse

from trialchat.settings import Settings

log = logging.getLogger(__name__)


class StoreUnavailable(RuntimeError):
    """The vector store cannot be reached or does not answer in time; says what to do next."""


def server_url(settings: Settings) -> str:
    url = settings.chroma_url or ""
    return url if "://" in url else f"http://{url}"


def make_chroma_client(settings: Settings) -> Any:
    """``HttpClient`` for ``TRIALCHAT_CHROMA_URL`` (with timeouts), else the embedded ``PersistentClient``."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(server_url(settings))
        client = _bounded(lambda: chromadb.HttpClient(host=url.hostname or "localhost", port=url.port or 8000,
                                                      ssl=url.scheme == "https", settings=chroma_settings),
                          settings)
        _set_timeout(client, settings.chroma_timeout)
        return client
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


def _bounded(make: Callable[[], Any], settings: Settings) -> Any:
    """``make()`` within the timeout: the client's constructor already asks the server (tenant, database)
    before a timeout can be set on it. Run in a daemon thread, so a stalled server cannot keep the process."""
    import httpx

    done: list[Any] = []
    failed: list[BaseException] = []

    def run() -> None:
        try:
            done.append(make())
        except BaseException as e:  # handed to the caller below
            failed.append(e)

    worker = threading.Thread(target=run, name="chroma-connect", daemon=True)
    worker.start()
    worker.join(settings.chroma_timeout)
    if done:
        return done[0]
    error = failed[0] if failed else httpx.ReadTimeout("no answer")
    raise StoreUnavailable(_unreachable(settings, error)) from None


def _set_timeout(client: Any, seconds: float) -> None:
    """chromadb builds its httpx client with ``timeout=None`` and offers no setting: set it on that client."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if not isinstance(session, httpx.Client):  # a chromadb that moved it: say so rather than hang silently
        log.warning("cannot set a timeout on the Chroma client (chromadb internals changed); calls may hang")
        return
    session.timeout = httpx.Timeout(seconds, connect=min(seconds, 5.0))


def _unreachable(settings: Settings, error: BaseException) -> str:
    import httpx

    if isinstance(error, httpx.TimeoutException):
        why = f"no answer within {settings.chroma_timeout:g} s"
    else:
        why = str(error).strip() or type(error).__name__
    return (f"the Chroma server at {settings.chroma_url} is not reachable ({why}). Check that it is running "
            "(`chroma run --path DIR --port N`) and that TRIALCHAT_CHROMA_URL points at it; "
            "TRIALCHAT_CHROMA_TIMEOUT sets the wait.")


class _ReadWriteLock:
    """Many calls at once, or one reopen alone (the standard library has no such lock; this one is small)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False

    @contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            while self._writer:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._cond:
            while self._writer:
                self._cond.wait()
            self._writer = True  # new calls wait from here on, the ones under way finish
            while self._readers:
                self._cond.wait()
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


class GuardedCollection:
    """A chromadb ``Collection`` whose calls raise ``StoreUnavailable`` when the server cannot answer, and
    wait while the handle reopens the client."""

    def __init__(self, handle: ChromaHandle, name: str):
        self._handle = handle
        self.name = name
        self._collection = handle.raw_collection(name)

    def _call(self, method: str, **kwargs: Any) -> Any:
        import httpx

        with self._handle.calls.read():
            fn = getattr(self._collection, method)
            try:
                try:
                    return fn(**kwargs)
                except (httpx.RemoteProtocolError, httpx.ReadError):  # a pooled connection the server dropped
                    return fn(**kwargs)
            except httpx.TransportError as e:
                raise StoreUnavailable(_unreachable(self._handle.settings, e)) from None

    def get(self, **kwargs: Any) -> Any:
        return self._call("get", **kwargs)

    def query(self, **kwargs: Any) -> Any:
        return self._call("query", **kwargs)

    def upsert(self, **kwargs: Any) -> None:
        self._call("upsert", **kwargs)

    def update(self, **kwargs: Any) -> None:
        self._call("update", **kwargs)

    def delete(self, **kwargs: Any) -> None:
        self._call("delete", **kwargs)

    def count(self) -> int:
        return int(self._call("count"))


class ChromaHandle:
    """The client and the collections of one store; a process that only reads reopens an embedded client
    when another process committed (an embedded Chroma keeps the vector index it loaded: new vectors are
    not found, "Error finding id", until it is reopened). A server needs no reopening."""

    def __init__(self, settings: Settings, client: Any = None):
        self.settings = settings
        self.calls = _ReadWriteLock()
        self._owns_client = client is None
        self.client = client if client is not None else make_chroma_client(settings)
        self._collections: list[GuardedCollection] = []

    @property
    def embedded(self) -> bool:
        return not self.settings.chroma_url

    def raw_collection(self, name: str) -> Any:
        import httpx

        try:
            return self.client.get_or_create_collection(name=name, embedding_function=None,
                                                        configuration={"hnsw": {"space": "cosine"}})
        except httpx.TransportError as e:
            raise StoreUnavailable(_unreachable(self.settings, e)) from None

    def collection(self, name: str) -> GuardedCollection:
        """The named collection (created when missing; cosine space, no embedding function of Chroma's own)."""
        guarded = GuardedCollection(self, name)
        self._collections.append(guarded)
        return guarded

    def reopen(self) -> bool:
        """Reopen an embedded client (after another process committed); False when it cannot be done here
        (a client passed in by the caller, or a server)."""
        if not self.embedded or not self._owns_client:
            return False
        with self.calls.write():
            self.client.close()  # refcounted by chromadb: the index is re-read only if no other client holds it
            self.client = make_chroma_client(self.settings)
            for guarded in self._collections:
                guarded._collection = self.raw_collection(guarded.name)
        return True

    def close(self) -> None:
        if self._owns_client:
            self.client.close()
