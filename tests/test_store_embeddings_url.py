"""Embeddings from an OpenAI-compatible server (issue #21, part 6), checked against the collection's model.

A real server process (`tests/embeddings_server.py`, the bundled model behind `/v1/embeddings`) and the CLI.
"""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from conftest import free_port, wait_for_port
from store_helpers import FILES, REPO, clean, cli, cli_env, snapshot

from trialchat.settings import Settings

pytestmark = pytest.mark.server


@pytest.fixture
def embeddings_server(tmp_path):
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(REPO / "tests" / "embeddings_server.py"), str(port)], cwd=REPO,
                            env=cli_env(Settings(data_dir=tmp_path / "unused")), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, 120, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


def test_an_embeddings_server_fills_a_collection_and_another_model_is_refused(embeddings_server, clean, tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    run = cli(settings, "ingest", FILES[0], "--no-glossary", TRIALCHAT_EMBEDDINGS_URL=embeddings_server)
    assert run.returncode == 0, run.stderr
    got = snapshot(settings)["vectors"]
    assert got and all(np.allclose(v, clean["vectors"][cid], atol=1e-5) for cid, v in got.items())

    other = cli(settings, "ingest", FILES[1], "--no-glossary", TRIALCHAT_EMBEDDINGS_URL=embeddings_server,
                TRIALCHAT_EMBEDDINGS_URL_MODEL="another-model")
    assert other.returncode == 2, other.stderr
    assert other.stderr.count("\n") == 1 and "gives other vectors" in other.stderr and "another-model" in other.stderr
    assert snapshot(settings)["vectors"].keys() == got.keys()  # nothing written

    local = cli(settings, "ingest", FILES[1], "--no-glossary")  # the local model is the same model: it fits
    assert local.returncode == 0, local.stderr
