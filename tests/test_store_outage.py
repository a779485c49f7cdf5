"""The Chroma server killed, stalled (SIGSTOP) and restarted under a running `trialchat serve` and an
ingest (issue #21, part 2): 503 `store_unavailable` with Retry-After, a /healthz that asks the store,
no hang, no traceback, and answers again once the server is back. All real processes."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import free_port, wait_for_port
from conftest_web import ServedApp
from store_helpers import SAMPLE, cli

from trialchat.settings import Settings

pytestmark = pytest.mark.server
TIMEOUT_S = "2"  # TRIALCHAT_CHROMA_TIMEOUT for these processes: a stalled server is given up on fast
QUESTION = {"question": "Is there a registry for arthritis?"}  # unpinned: a search of the whole store


class ChromaServer:
    """`chroma run` on a fixed port and path, so it can be killed and started again where it was."""

    def __init__(self, path: Path):
        self.path, self.port, self.proc = path, free_port(), None
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> ChromaServer:
        chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
        self.proc = subprocess.Popen([chroma, "run", "--path", str(self.path), "--host", "127.0.0.1",
                                      "--port", str(self.port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
        wait_for_port(self.port, 60, self.proc)
        return self

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)
        if sig == signal.SIGKILL:
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait(10)


def _timed(method: str, url: str, **kw) -> tuple[httpx.Response, float]:
    t = time.monotonic()
    r = httpx.request(method, url, timeout=30, **kw)
    return r, time.monotonic() - t


def _assert_unavailable(served: ServedApp) -> None:
    health, took = _timed("GET", served.url + "/healthz")
    assert health.status_code == 503 and health.headers.get("Retry-After"), (health.status_code, health.text)
    assert took < 10, took
    ask, took = _timed("POST", served.url + "/api/ask", json=QUESTION)
    assert ask.status_code == 503, (ask.status_code, ask.text)
    assert ask.json()["error"]["code"] == "store_unavailable" and ask.headers.get("Retry-After")
    assert took < 10, took
    stream, took = _timed("POST", served.url + "/api/ask/stream", json=QUESTION)  # the status line goes first
    assert "event: error" in stream.text and '"code":"store_unavailable"' in stream.text, stream.text
    assert took < 10, took


def _assert_answers(served: ServedApp, within: float = 30) -> None:
    deadline = time.monotonic() + within
    while httpx.get(served.url + "/healthz", timeout=30).status_code != 200:
        assert time.monotonic() < deadline, "no recovery"
        time.sleep(0.5)
    ask = httpx.post(served.url + "/api/ask", json=QUESTION, timeout=60)
    assert ask.status_code == 200 and ask.json()["citations"], ask.text


def test_chroma_killed_stalled_and_restarted(tmp_path):
    server = ChromaServer(tmp_path / "chroma").start()
    settings = Settings(data_dir=tmp_path / "data", chroma_url=server.url)
    served = None
    try:
        run = cli(settings, "ingest", str(SAMPLE / "msc_lupus_legacy_studyfields.jsonl"), str(SAMPLE / "NCT03840928.json"),
                  TRIALCHAT_CHROMA_TIMEOUT=TIMEOUT_S)
        assert run.returncode == 0, run.stderr
        served = ServedApp(settings.data_dir, chroma_url=server.url, chroma_timeout=TIMEOUT_S).start()
        _assert_answers(served)

        server.signal(signal.SIGSTOP)  # stalled: connections are accepted, nothing is answered
        _assert_unavailable(served)
        t = time.monotonic()
        stalled = cli(settings, "ingest", str(SAMPLE / "NCT00513591.xml"), timeout=90, TRIALCHAT_CHROMA_TIMEOUT=TIMEOUT_S)
        assert stalled.returncode == 2 and time.monotonic() - t < 60, stalled.stderr
        assert stalled.stderr.count("\n") == 1 and server.url in stalled.stderr, stalled.stderr
        server.signal(signal.SIGCONT)
        _assert_answers(served)

        server.signal(signal.SIGKILL)
        _assert_unavailable(served)
        down = cli(settings, "ingest", str(SAMPLE / "NCT00513591.xml"), timeout=90, TRIALCHAT_CHROMA_TIMEOUT=TIMEOUT_S)
        assert down.returncode == 2, down.stderr
        assert down.stderr.startswith("error: the Chroma server at " + server.url), down.stderr
        assert down.stderr.count("\n") == 1 and "Traceback" not in down.stderr, down.stderr
        server.start()  # the same data, the same port
        _assert_answers(served)
        assert "Traceback" not in served.log()
    finally:
        if served is not None:
            served.stop()
        server.stop()
