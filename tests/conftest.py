"""Shared fixtures: settings over a temp data dir, a real `chroma run` server, the ingested sample."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
SAMPLE_PATHS = [REPO / "corpus" / "sample", REPO / "ingest" / "glossary"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited early with code {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.skip(f"real trial data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def settings(tmp_path):
    from trialchat.settings import Settings

    return Settings(data_dir=tmp_path / "data", llm="extractive")


@pytest.fixture(scope="session")
def embeddings():
    from trialchat.embeddings import shared_embeddings

    return shared_embeddings()


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real Chroma server (`chroma run`, shipped with chromadb) on a loopback port."""
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if chroma is None:
        pytest.fail("the `chroma` CLI (from the chromadb package) is not installed")
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    log = open(path / "server.log", "wb")
    proc = subprocess.Popen([chroma, "run", "--path", str(path / "db"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    try:
        wait_for_port(port, 60, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def sample_settings(tmp_path_factory):
    """Settings over a data dir holding the ingested bundled sample (ingested once per session)."""
    from trialchat.settings import Settings

    return Settings(data_dir=tmp_path_factory.mktemp("sample-data"), llm="extractive")


@pytest.fixture(scope="session")
def sample_store(sample_settings, embeddings):
    from ingest.pipeline import ingest_paths
    from trialchat.store import open_store

    store = open_store(sample_settings, embeddings)
    report = ingest_paths(SAMPLE_PATHS, store)
    assert report.ok, report.failed
    return store
