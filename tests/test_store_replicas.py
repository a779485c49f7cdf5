"""Replicas (issue #21, part 4): two `trialchat serve` on separate data dirs over one `chroma run` server.

Everything an answer needs is in Chroma (chunks, fact sheets, the version stamp), so a replica started on
an empty data dir answers like the one whose data dir did the ingest (every dev-set question, extractive
answers: text, status and citations equal), and picks up what another data
dir's ingest or removal committed without a restart.
"""
from __future__ import annotations

import json
import shutil
import time
import uuid

import httpx
import pytest
from conftest_web import ServedApp
from store_helpers import REPO, SAMPLE, cli

from trialchat.settings import Settings

pytestmark = pytest.mark.server
NEW = "NCT02552212"  # ingested through replica A while replica B serves
PICKUP_S = 10  # a committed change reaches the other replica within this (it polls the version each second)


def _poll(check, within: float) -> float:
    t = time.monotonic()
    while not check():
        assert time.monotonic() - t < within, f"not within {within}s"
        time.sleep(0.2)
    return time.monotonic() - t


def _dev_questions(studies: set[str]) -> list[dict]:
    """The whole dev set but the questions pinned to a study not ingested yet (pinned or not, with history)."""
    rows = [json.loads(line) for line in (REPO / "eval" / "questions" / "dev.jsonl").read_text().splitlines() if line]
    return [r for r in rows if r.get("study_id") is None or r["study_id"] in studies]


def _answer(served: ServedApp, question: str, study_id: str | None, history: list | None = None) -> dict:
    r = httpx.post(served.url + "/api/ask", json={"question": question, "study_id": study_id,
                                                  **({"history": history} if history else {})}, timeout=120)
    assert r.status_code == 200, r.text
    body = r.json()
    return {"text": body["text"], "status": body["status"],
            "cited": [(c["study_id"], c["field_path"], c["quote"]) for c in body["citations"]]}


def test_a_replica_on_an_empty_data_dir_answers_as_the_first(chroma_server, tmp_path):
    collection = f"r{uuid.uuid4().hex[:10]}"
    a = Settings(data_dir=tmp_path / "a" / "data", chroma_url=chroma_server, collection=collection)
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus, ignore=shutil.ignore_patterns(f"{NEW}.json"))
    run = cli(a, "ingest", str(corpus), "--json")
    assert run.returncode == 0, run.stderr
    (tmp_path / "b").mkdir()
    # both start at once (B on an empty data dir, built from Chroma alone)
    first = ServedApp(a.data_dir, chroma_url=chroma_server, collection=collection, rate_limit_per_minute="100000")
    second = ServedApp(tmp_path / "b" / "data", chroma_url=chroma_server, collection=collection,
                       rate_limit_per_minute="100000")
    try:
        first.start()
        second.start()
        studies = {s["study_id"] for s in httpx.get(first.url + "/api/studies?limit=100", timeout=30).json()["studies"]}
        assert httpx.get(second.url + "/api/studies?limit=100", timeout=30).json()["studies"] == \
            httpx.get(first.url + "/api/studies?limit=100", timeout=30).json()["studies"]
        questions = _dev_questions(studies)
        assert len(questions) >= 150  # of 179: all but those pinned to NEW
        for q in questions:
            args = (q["question"], q["study_id"], q.get("history"))
            assert _answer(second, *args) == _answer(first, *args), q

        # an ingest through A's data dir: B answers a composed question about the new study, no restart
        assert cli(a, "ingest", str(SAMPLE / f"{NEW}.json")).returncode == 0
        asked = {"question": "Who can join?", "study_id": NEW}
        took = _poll(lambda: httpx.post(second.url + "/api/ask", json=asked, timeout=60).status_code == 200, PICKUP_S)
        print(f"replica B answered about the new study {took:.1f}s after the ingest ended")
        assert _answer(second, asked["question"], NEW) == _answer(first, asked["question"], NEW)
        assert _answer(second, asked["question"], NEW)["cited"]

        # removed through A: B stops answering about it
        assert cli(a, "remove", NEW).returncode == 0
        took = _poll(lambda: httpx.post(second.url + "/api/ask", json=asked, timeout=60).status_code == 404, PICKUP_S)
        print(f"replica B stopped answering about the removed study {took:.1f}s after the removal ended")
        assert "Traceback" not in second.log()
    finally:
        first.stop()
        second.stop()
