"""Helpers for the store tests that run real processes: the CLI, a paused ingest, a store snapshot."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from trialchat.settings import Settings
from trialchat.store import CATALOG_FILE, open_store

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "corpus" / "sample"

# Runs the CLI with one change: the first ChunkStore.upsert, once done, leaves PAUSE_DIR/paused and waits
# for PAUSE_DIR/go. The writer is then mid-run: its pending marker, some chunks and its fact sheets written,
# the indexes not yet updated: what another process used to take for a crash.
PAUSER = r"""
import os, sys, time
from pathlib import Path
import trialchat.store as store
gate = Path(os.environ["PAUSE_DIR"])
orig = store.ChunkStore.upsert
def upsert(self, *a, **k):
    out = orig(self, *a, **k)
    if not (gate / "paused").exists():
        (gate / "paused").touch()
        deadline = time.time() + 300
        while not (gate / "go").exists() and time.time() < deadline:
            time.sleep(0.05)
    return out
store.ChunkStore.upsert = upsert
from cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def cli_env(settings: Settings, **extra: str) -> dict:
    env = {**os.environ, "TRIALCHAT_DATA_DIR": str(settings.data_dir), "TRIALCHAT_COLLECTION": settings.collection,
           "TRIALCHAT_LLM": "extractive", "PYTHONPATH": str(REPO), **extra}
    env.pop("TRIALCHAT_CHROMA_URL", None)
    if settings.chroma_url:
        env["TRIALCHAT_CHROMA_URL"] = settings.chroma_url
    return env


def cli(settings: Settings, *args: str, timeout: int = 300, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True,
                          env=cli_env(settings, **env), cwd=REPO, timeout=timeout)


class PausedIngest:
    """`trialchat ingest ARGS` in its own process, held just after its first write to the vector store."""

    def __init__(self, settings: Settings, gate: Path, *args: str):
        gate.mkdir(parents=True, exist_ok=True)
        self.gate = gate
        self.proc = subprocess.Popen([sys.executable, "-c", PAUSER, "ingest", *args], cwd=REPO, text=True,
                                     env=cli_env(settings, PAUSE_DIR=str(gate)),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        wait_for(lambda: (gate / "paused").exists() or self.proc.poll() is not None, 120, "the ingest to pause")
        assert self.proc.poll() is None, self.proc.communicate()

    def finish(self, timeout: float = 300) -> tuple[int, str, str]:
        (self.gate / "go").touch()
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out, err


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout}s for {what}")
        time.sleep(0.1)


def snapshot(settings: Settings) -> dict:
    """Everything an ingest leaves: vector store rows and vectors, BM25 contents, catalog, fact sheets."""
    from trialchat.embeddings import shared_embeddings

    store = open_store(settings, shared_embeddings())
    try:  # closed after: chromadb shares one embedded client per path in a process, and keeps its index
        return _snapshot(store)
    finally:
        store.close()


def _snapshot(store) -> dict:
    got = store.vector.collection.get(include=["documents", "metadatas", "embeddings"])
    rows = sorted(zip(got["ids"], got["documents"], [json.dumps(m, sort_keys=True) for m in got["metadatas"]]))
    vectors = {cid: np.asarray(v) for cid, v in zip(got["ids"], got["embeddings"])}
    lex = store.lexical_dir
    state = json.loads((lex / "trialchat_state.json").read_text())
    facts = {f.study_id: f.model_dump_json() for f in store.all_facts()}
    return {"rows": rows, "vectors": vectors, "bm25": sorted(zip(state["ids"], state["study_ids"])),
            "catalog": json.loads((lex / CATALOG_FILE).read_text()),
            "fingerprint": json.loads((lex / "fingerprint.json").read_text()), "facts": facts,
            "search": [store.lexical_search(q, 5) for q in ("mesenchymal lupus", "pregnancy registry", "placebo")],
            # every study's vectors are found by a search pinned to it (a lost vector index entry raises here)
            "dense": {e.study_id: [h.id for h in store.dense_search("who can take part", 3, {e.study_id})]
                      for e in store.catalog()},
            "mismatch": store.derived_mismatch(thorough=True)}


def assert_same(a: dict, b: dict) -> None:
    assert a["mismatch"] is None and b["mismatch"] is None, (a["mismatch"], b["mismatch"])
    assert [r[0] for r in a["rows"]] == [r[0] for r in b["rows"]]
    assert a["rows"] == b["rows"]
    for cid, v in a["vectors"].items():
        assert np.allclose(v, b["vectors"][cid], atol=1e-5), cid
    for key in ("bm25", "catalog", "fingerprint", "facts", "dense"):
        assert a[key] == b[key], key
    for hits_a, hits_b in zip(a["search"], b["search"]):
        assert [h[0] for h in hits_a] == [h[0] for h in hits_b]


FILES = [str(SAMPLE / n) for n in ("NCT00513591.xml", "NCT02708238.xml", "NCT03840928.json",
                                   "msc_lupus_legacy_studyfields.jsonl")]


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> dict:
    """One ingest of all four FILES by one process, nothing else running."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("clean") / "data")
    run = cli(settings, "ingest", *FILES, "--no-glossary", "--json")
    assert run.returncode == 0, run.stderr
    return snapshot(settings)
