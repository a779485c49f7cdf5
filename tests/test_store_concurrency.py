"""Several processes on one collection (issue #21, part 1): one writer at a time, readers never repair.

Real processes throughout: the CLI and `trialchat serve` as users start them, embedded Chroma and a
`chroma run` server. A writer is held mid-run (after its first write to the vector store, its pending
marker and fact sheets on disk) while the other process starts; then it is let go.
"""
from __future__ import annotations

import json
import subprocess
import sys
import uuid

import httpx
import pytest
from conftest_web import ServedApp
from store_helpers import FILES, REPO, SAMPLE, PausedIngest, assert_same, clean, cli, cli_env, snapshot, wait_for

from trialchat.settings import Settings


def _settings(tmp_path, mode: str, request) -> Settings:
    url = request.getfixturevalue("chroma_server") if mode == "server" else None
    return Settings(data_dir=tmp_path / "data", chroma_url=url, collection=f"c{uuid.uuid4().hex[:10]}")


@pytest.mark.parametrize("mode", ["embedded", pytest.param("server", marks=pytest.mark.server)])
def test_two_ingests_at_once_equal_one_clean_ingest(mode, clean, tmp_path, request):
    settings = _settings(tmp_path, mode, request)
    first = PausedIngest(settings, tmp_path / "gate", *FILES[:2], "--no-glossary", "--json")
    # a writer that will not wait is refused at once, in one line naming the live writer
    refused = cli(settings, "ingest", FILES[2], "--no-glossary", TRIALCHAT_WRITE_LOCK_WAIT="0")
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.count("\n") == 1 and f"pid {first.proc.pid}" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr
    # a second writer waits for the first (it says so), then does its own work
    err = open(tmp_path / "second.err", "w+")
    second = subprocess.Popen([sys.executable, "-m", "cli", "ingest", *FILES[2:], "--no-glossary", "--json"],
                              cwd=REPO, env=cli_env(settings), stdout=subprocess.PIPE, stderr=err, text=True)
    wait_for(lambda: "waiting for pid" in (tmp_path / "second.err").read_text(), 60, "the second ingest to wait")
    assert second.poll() is None
    rc, out, stderr = first.finish()
    assert rc == 0, stderr
    assert json.loads(out)["repaired"] is None
    out2, _ = second.communicate(timeout=300)
    assert second.returncode == 0, (tmp_path / "second.err").read_text()
    assert json.loads(out2)["repaired"] is None  # the first one's marker was never taken for a crash
    assert_same(snapshot(settings), clean)


def test_serve_started_during_an_ingest_loses_nothing(clean, tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    assert cli(settings, "ingest", FILES[0], "--no-glossary").returncode == 0
    writer = PausedIngest(settings, tmp_path / "gate", *FILES[1:], "--no-glossary", "--json")
    served = ServedApp(settings.data_dir).start()  # its start used to "repair" the live ingest's work
    try:
        assert "NCT00513591" in httpx.get(served.url + "/api/studies", timeout=30).text
        rc, out, err = writer.finish()
        assert rc == 0, err
        assert json.loads(out)["repaired"] is None
        assert_same(snapshot(settings), clean)
        assert "glossary: not checked" in served.log()  # it did not wait for the ingest, nor write
        assert "rebuilt" not in served.log()
        # another study ingested while it runs: the server answers about it without a restart, from its vectors
        # too (a search pinned to a new study used to fail with "Error finding id" until a restart)
        assert cli(settings, "ingest", str(SAMPLE / "NCT02552212.json"), "--no-glossary").returncode == 0
        # a question only the record's own sentences answer (retrieval over its vectors, not its fact sheet)
        ask = httpx.post(served.url + "/api/ask", json={"question": "anything about tuberculosis screening?",
                                                         "study_id": "NCT02552212"}, timeout=60)
        assert ask.status_code == 200, ask.text
        assert ask.json()["citations"] and all(c["study_id"] == "NCT02552212" for c in ask.json()["citations"])
        assert "Error finding id" not in served.log() and "Traceback" not in served.log()
    finally:
        served.stop()
