"""One writer per collection: an OS file lock (``filelock``, ``flock`` underneath) beside the data.

The operating system drops the lock when its holder dies, however it dies (kill -9 included), so a
crashed writer's lock is taken over by the next one without any clean-up; a live holder is waited
for, then refused with a message naming it (pid, host, command, since when). Readers never take it
to write; they only ask whether a writer is live (``busy``), so they never "repair" its pending work.
"""
from __future__ import annotations

import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout


class WriterBusy(RuntimeError):
    """Another live process holds the collection's writer lock."""


class WriterLock:
    def __init__(self, path: Path, collection: str):
        self.path = Path(path)
        self.collection = collection
        self._holder_path = self.path.with_suffix(".holder.json")
        # thread_local=False: the lock belongs to the process (a web app's threads share one store)
        self._lock = FileLock(str(self.path), thread_local=False)

    @property
    def held(self) -> bool:
        """Whether this process holds it."""
        return self._lock.is_locked

    def holder(self) -> str:
        """Who holds (or last held) the lock, in words."""
        try:
            info = json.loads(self._holder_path.read_text())
        except (OSError, ValueError):
            return "another process"
        since = time.strftime("%H:%M:%S", time.localtime(info.get("since", 0)))
        return f"pid {info.get('pid')} on {info.get('host')} (`{info.get('command', '?')}`, since {since})"

    @staticmethod
    def describe_self() -> str:
        return f"pid {os.getpid()} on {socket.gethostname()} (`{_command()}`)"

    def busy(self) -> bool:
        """Whether another live process is writing right now (taken and released at once when free)."""
        if self.held:
            return False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            return True
        self._lock.release()
        return False

    @contextmanager
    def hold(self, wait: float, on_wait=None) -> Iterator[None]:
        """Hold the lock for the block; wait up to ``wait`` seconds for a live holder, then raise WriterBusy.

        Re-entrant within the process (an ingest that removes studies takes it once)."""
        if self.held:
            yield
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            if on_wait is not None and wait > 0:
                on_wait(f"waiting for {self.holder()} to finish writing collection '{self.collection}'")
            try:
                self._lock.acquire(timeout=max(wait, 0))
            except Timeout:
                raise WriterBusy(
                    f"collection '{self.collection}' is being written by {self.holder()}; gave up after waiting "
                    f"{wait:g} s. Run this again when it has finished (TRIALCHAT_WRITE_LOCK_WAIT sets the wait); "
                    f"a writer that crashed releases the lock by itself ({self.path})."
                ) from None
        try:
            try:  # who holds it, for others' messages: best effort (a full disk must not stop the writer here)
                self._holder_path.write_text(json.dumps({
                    "pid": os.getpid(), "host": socket.gethostname(), "since": time.time(),
                    "command": _command()}))
            except OSError:
                pass
            yield
        finally:
            self._lock.release()


def _command() -> str:
    return " ".join(["trialchat", *sys.argv[1:]])[:200]
