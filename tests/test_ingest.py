"""Ingest against real Chroma (embedded and a `chroma run` server) with the bundled embedder."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from ingest.pipeline import ingest_paths
from trialchat.schema import GLOSSARY_ID
from trialchat.settings import Settings
from trialchat.store import open_store

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "corpus" / "sample"
GLOSSARY = REPO / "ingest" / "glossary"
V2_STUDY = SAMPLE / "NCT04318938.json"
CANONICAL = {"study_id", "study_title", "field_path", "field_label", "source_file", "source_url", "chunk_index",
             "content_hash"}


class CountingEmbeddings(Embeddings):
    """The real embedder, counting what it is asked to embed (proves skipped chunks aren't re-embedded)."""

    def __init__(self, inner: Embeddings, fail_after_batches: int | None = None):
        self.inner, self.texts, self.batches, self.fail_after = inner, 0, 0, fail_after_batches

    def embed_documents(self, texts):
        if self.fail_after is not None and self.batches >= self.fail_after:
            raise KeyboardInterrupt("simulated kill mid-run")
        self.batches += 1
        self.texts += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)


def test_sample_ingests_with_canonical_metadata_and_reingest_is_a_no_op(settings, embeddings):
    counting = CountingEmbeddings(embeddings)
    store = open_store(settings, counting)
    first = ingest_paths([SAMPLE, GLOSSARY], store)
    assert first.ok, first.failed
    assert first.studies >= 10 and first.chunks_added == store.count() > 100
    assert counting.texts == first.chunks_added

    rows = list(store.all_chunks())
    for _, doc, meta in rows:
        assert CANONICAL <= set(meta), meta
        assert doc.startswith(meta["field_label"])  # the label sits on top of every chunk
    paths = {m["field_path"] for _, _, m in rows if m["study_id"] == "NCT02633163"}
    assert "protocolSection.designModule.designInfo.maskingInfo" in paths
    assert any(m["study_id"] == GLOSSARY_ID for _, _, m in rows)

    counting.texts = 0
    second = ingest_paths([SAMPLE, GLOSSARY], store)
    assert (second.chunks_added, second.chunks_updated, second.chunks_deleted) == (0, 0, 0)
    assert second.chunks_unchanged == first.chunks_added
    assert counting.texts == 0, "an unchanged corpus must not be re-embedded"
    assert store.count() == first.chunks_added


def test_changed_study_updates_changed_chunks_and_deletes_stale_ones(settings, embeddings, tmp_path):
    data = json.loads(V2_STUDY.read_text())
    src = tmp_path / "study.json"
    src.write_text(json.dumps(data))
    store = open_store(settings, embeddings)
    first = ingest_paths([src], store)
    assert first.ok and first.studies == 1
    before = store.count()

    proto = data["protocolSection"]
    proto["descriptionModule"]["briefSummary"] = "A new summary about brigatinib that differs from before."
    n_loc = len(proto["contactsLocationsModule"]["locations"])
    proto["contactsLocationsModule"]["locations"] = proto["contactsLocationsModule"]["locations"][:2]
    src.write_text(json.dumps(data))
    second = ingest_paths([src], store)
    assert second.chunks_updated >= 1
    assert second.chunks_deleted >= n_loc - 2
    assert store.count() == before - second.chunks_deleted + second.chunks_added
    hits = store.lexical_search("brigatinib new summary differs", 3)
    assert hits and "briefSummary" in hits[0][0]
    ids = [r[0] for r in store.chunks_of_studies(["NCT04318938"])]
    assert not [i for i in ids if "locations[5]" in i]


def test_collections_are_kept_apart(settings, embeddings):
    a = open_store(settings, embeddings, collection="alpha")
    b = open_store(settings, embeddings, collection="beta")
    ingest_paths([V2_STUDY], a)
    assert a.count() > 0 and b.count() == 0
    assert b.lexical_search("brigatinib", 3) == []


def test_a_run_killed_mid_way_is_completed_by_the_next_without_duplicates(settings, embeddings):
    store = open_store(settings, CountingEmbeddings(embeddings, fail_after_batches=1))
    with pytest.raises(KeyboardInterrupt):
        ingest_paths([SAMPLE], store)
    partial = store.count()
    assert 0 < partial
    store = open_store(settings, embeddings)
    report = ingest_paths([SAMPLE], store)
    assert report.ok
    assert report.chunks_unchanged == partial  # what the killed run stored is kept, not redone
    assert store.count() == report.chunks_added + report.chunks_unchanged
    assert len(set(store.lexical_ids())) == store.count()


def _bad_files(folder: Path) -> dict[str, bytes]:
    good_v2 = V2_STUDY.read_bytes()
    files = {
        "empty.json": b"",
        "blank.json": b"   \n\t  ",
        "truncated.json": good_v2[: len(good_v2) // 2],
        "not_json.json": b"{this is not json",
        "latin1.json": '{"protocolSection": {"identificationModule": {"nctId": "NCT0000000", "briefTitle": "Caf\xe9"}}}'.encode("latin-1"),
        "number.json": b"42",
        "unrelated.json": b'{"hello": "world"}',
        "no_id.json": json.dumps({"protocolSection": {"identificationModule": {"briefTitle": "No ID"}}}).encode(),
        "binary.json": bytes(range(256)) * 4,
        "broken.xml": b"<clinical_study><id_info><nct_id>NCT01234567</nct_id>",
        "wrong_root.xml": b"<html><body>not a study</body></html>",
        "entities.xml": (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
                         b"<clinical_study><id_info><nct_id>NCT01234567</nct_id></id_info><brief_title>&lol2;</brief_title></clinical_study>"),
        "page_without_id.txt": b"A study page\nWhat this research studies\nSomething about cells.\n",
        "bad_archive.zip": b"PK\x03\x04 definitely not a zip",
        "legacy_no_id.jsonl": b'{"BriefTitle": ["No NCTId here"], "DesignMasking": ["Double"]}\n',
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return files


def test_bad_files_are_reported_by_path_and_reason_while_good_ones_ingest(settings, embeddings, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    bad = _bad_files(folder)
    (folder / "good.json").write_bytes(V2_STUDY.read_bytes())
    legacy_lines = (SAMPLE / "msc_lupus_legacy_studyfields.jsonl").read_text().splitlines()
    (folder / "some_bad_lines.jsonl").write_text(legacy_lines[0] + "\n{not json\n" + "\n".join(legacy_lines[1:]) + "\n")
    with zipfile.ZipFile(folder / "archive.zip", "w") as zf:
        zf.writestr("inner/ok.xml", (SAMPLE / "NCT00513591.xml").read_bytes())
        zf.writestr("inner/bad.json", b"[1, 2")
    store = open_store(settings, embeddings)
    report = ingest_paths([folder, tmp_path / "missing-folder", folder / "report.pdf"], store)

    failed = {Path(f["path"].split("!")[0]).name + ("!" + f["path"].split("!")[1] if "!" in f["path"] else ""): f["error"]
              for f in report.failed}
    for name in bad:
        assert name in failed, f"{name} was not reported: {report.failed}"
        assert failed[name].strip(), name
    assert "missing-folder" in failed and "report.pdf" in failed
    assert "archive.zip!inner/bad.json" in failed
    assert any("line 2" in f["error"] or "record 2" in f["error"] for f in report.failed
               if f["path"].endswith("some_bad_lines.jsonl"))
    assert len(report.failed) >= 18
    ids = {m["study_id"] for _, _, m in store.all_chunks()}
    assert {"NCT04318938", "NCT00513591", "NCT02633163"} <= ids  # good records survived, incl. from the zip and jsonl


def _cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True,
                          env={**os.environ, **env}, cwd=REPO, timeout=600)


def test_cli_json_summary_and_exit_code(tmp_path):
    env = {"TRIALCHAT_DATA_DIR": str(tmp_path / "d")}
    (tmp_path / "bad.json").write_text("{")
    ok = _cli("ingest", str(V2_STUDY), "--json", env=env)
    assert ok.returncode == 0, ok.stderr
    summary = json.loads(ok.stdout)
    assert set(summary) == {"studies", "chunks_added", "chunks_updated", "chunks_unchanged", "chunks_deleted", "failed",
                            "withheld", "removed", "duplicates", "repaired", "glossary"}
    assert summary["studies"] == 1 and summary["chunks_added"] > 0
    mixed = _cli("ingest", str(V2_STUDY), str(tmp_path / "bad.json"), "--json", env=env)
    assert mixed.returncode == 1
    out = json.loads(mixed.stdout)
    assert out["chunks_added"] == 0 and out["chunks_unchanged"] == summary["chunks_added"]
    assert out["failed"][0]["path"].endswith("bad.json") and out["failed"][0]["error"]


@pytest.mark.server
def test_ingest_into_a_chroma_server(chroma_server, tmp_path, embeddings):
    settings = Settings(data_dir=tmp_path / "d", chroma_url=chroma_server)
    store = open_store(settings, embeddings)
    first = ingest_paths([SAMPLE / "NCT04318938.json", SAMPLE / "msc_lupus_legacy_studyfields.jsonl"], store)
    assert first.ok and first.chunks_added > 0
    again = ingest_paths([SAMPLE / "NCT04318938.json", SAMPLE / "msc_lupus_legacy_studyfields.jsonl"], store)
    assert again.chunks_added == 0 and again.chunks_unchanged == first.chunks_added
    hits = store.dense_search("Where are the study sites in Germany?", 5, {"NCT04318938"})
    assert hits and all(h[2]["study_id"] == "NCT04318938" for h in hits)
