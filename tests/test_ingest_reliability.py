"""Ingest reliability (issue #10 items 2-4 and 6, issue #9 glossary): kills, source changes, bad input.

Real parts throughout: the CLI in a subprocess, embedded Chroma, the bundled embedder. A kill is a real
SIGKILL sent by the ingesting process to itself at an exact point (the point is chosen by wrapping one
function in the child process only), then an ordinary rerun must leave the store, the BM25 index, the
catalog and the fact sheets exactly as a clean ingest does.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from ingest.pipeline import ingest_paths
from trialchat.schema import GLOSSARY_ID
from trialchat.settings import Settings
from trialchat.store import CATALOG_FILE, open_store

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "corpus" / "sample"
SMALL = ["NCT00513591.xml", "NCT02708238.xml", "NCT03840928.json", "msc_lupus_legacy_studyfields.jsonl"]

# Runs the CLI after wrapping one function so that the process SIGKILLs itself at that point.
KILLER = r"""
import os, signal, sys
from pathlib import Path
point = sys.argv[1]
def die(*_a, **_k):
    os.kill(os.getpid(), signal.SIGKILL)
def after(obj, name, n=1):
    orig = getattr(obj, name); calls = [0]
    def wrapped(*a, **k):
        out = orig(*a, **k); calls[0] += 1
        if calls[0] >= n: die()
        return out
    setattr(obj, name, wrapped)
import trialchat.store as store, trialchat.lexical as lexical, bm25s
if point == "after-facts": after(store.ChunkStore, "save_facts")
elif point == "mid-embed": after(store.ChunkStore, "upsert", 2)
elif point == "before-rebuild": store.ChunkStore.rebuild_lexical = store.ChunkStore.update_derived = die
elif point == "in-rebuild": after(bm25s.BM25, "save")
elif point == "between-renames":
    orig = Path.rename
    def rename(self, target):
        out = orig(self, target)
        if str(target).endswith(".old"): die()
        return out
    Path.rename = rename
from cli.main import main
sys.exit(main(sys.argv[2:]))
"""


def _env(data_dir: Path) -> dict:
    return {**os.environ, "TRIALCHAT_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO)}


def _cli(data_dir: Path, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True,
                          env=_env(data_dir), cwd=REPO, timeout=timeout)


def _snapshot(data_dir: Path) -> dict:
    """Everything an ingest leaves: vector store rows, BM25 contents, catalog, fingerprint, fact sheets."""
    from trialchat.embeddings import shared_embeddings

    store = open_store(Settings(data_dir=data_dir), shared_embeddings())
    got = store.vector.collection.get(include=["documents", "metadatas", "embeddings"])
    rows = sorted(zip(got["ids"], got["documents"], [json.dumps(m, sort_keys=True) for m in got["metadatas"]]))
    vectors = {cid: np.asarray(v) for cid, v in zip(got["ids"], got["embeddings"])}
    lex = store.lexical_dir
    state = json.loads((lex / "trialchat_state.json").read_text())
    facts = {p.name: p.read_text() for p in sorted(store.facts_dir.glob("*.json"))}
    return {"rows": rows, "vectors": vectors, "bm25": sorted(zip(state["ids"], state["study_ids"])),
            "catalog": json.loads((lex / CATALOG_FILE).read_text()),
            "fingerprint": json.loads((lex / "fingerprint.json").read_text()), "facts": facts,
            "search": [store.lexical_search(q, 5) for q in ("mesenchymal lupus", "pregnancy registry", "placebo")]}


def _assert_same(a: dict, b: dict) -> None:
    assert a["rows"] == b["rows"]
    assert a["vectors"].keys() == b["vectors"].keys()
    for cid, v in a["vectors"].items():
        assert np.allclose(v, b["vectors"][cid], atol=1e-5), cid
    for key in ("bm25", "catalog", "fingerprint", "facts"):
        assert a[key] == b[key], key
    for hits_a, hits_b in zip(a["search"], b["search"]):
        assert [h[0] for h in hits_a] == [h[0] for h in hits_b]


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("small") / "studies"
    folder.mkdir()
    for name in SMALL:
        shutil.copy(SAMPLE / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def clean_snapshot(small_corpus, tmp_path_factory) -> dict:
    data = tmp_path_factory.mktemp("clean") / "data"
    run = _cli(data, "ingest", str(small_corpus), "--no-glossary", "--json")
    assert run.returncode == 0, run.stderr
    return _snapshot(data)


# ---------- kill -9 (issue #10.2) ----------
@pytest.mark.parametrize("point", ["after-facts", "mid-embed", "before-rebuild", "in-rebuild", "between-renames"])
def test_kill_9_then_rerun_matches_a_clean_ingest(point, small_corpus, clean_snapshot, tmp_path):
    data = tmp_path / "data"
    # an earlier complete ingest of part of the corpus (the case: later ingests found "all unchanged")
    first = _cli(data, "ingest", str(small_corpus / SMALL[0]), "--no-glossary", "--json")
    assert first.returncode == 0, first.stderr
    killed = subprocess.run([sys.executable, "-c", KILLER, point, "ingest", str(small_corpus), "--no-glossary"],
                            capture_output=True, text=True, env=_env(data), cwd=REPO, timeout=600)
    assert killed.returncode == -signal.SIGKILL, (point, killed.returncode, killed.stderr[-2000:])
    rerun = _cli(data, "ingest", str(small_corpus), "--no-glossary", "--json")
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    if point in ("before-rebuild", "in-rebuild", "between-renames"):
        # everything was embedded before the kill: the rerun embeds nothing, yet must see the stale indexes
        assert summary["chunks_added"] == summary["chunks_updated"] == 0
        assert summary["repaired"], summary
    _assert_same(_snapshot(data), clean_snapshot)


def test_serve_start_repairs_indexes_left_behind_by_a_kill(small_corpus, clean_snapshot, tmp_path):
    data = tmp_path / "data"
    assert _cli(data, "ingest", str(small_corpus / SMALL[0]), "--no-glossary").returncode == 0
    killed = subprocess.run([sys.executable, "-c", KILLER, "before-rebuild", "ingest", str(small_corpus),
                             "--no-glossary"], capture_output=True, text=True, env=_env(data), cwd=REPO, timeout=600)
    assert killed.returncode == -signal.SIGKILL
    from assistant.service import build_answer_service

    service = build_answer_service(Settings(data_dir=data, llm="extractive"), llm_from_settings=False)
    assert {s.study_id for s in service.list_studies("", 100)} >= {"NCT02633163", "NCT03840928", "NCT02708238"}
    _assert_same(_snapshot(data), clean_snapshot)


# ---------- records that change source (issue #10.3) ----------
def _catalog(store) -> dict[str, dict]:
    return {e.study_id: e.to_dict() for e in store.catalog()}


def test_a_study_gone_from_its_file_is_removed_and_reported(settings, embeddings, tmp_path):
    folder = tmp_path / "my_studies"
    folder.mkdir()
    lines = (SAMPLE / "msc_lupus_legacy_studyfields.jsonl").read_text().splitlines()
    (folder / "msc.jsonl").write_text("\n".join(lines) + "\n")
    shutil.copy(SAMPLE / "NCT03840928.json", folder / "NCT03840928.json")
    store = open_store(settings, embeddings)
    first = ingest_paths([folder], store, glossary=False)
    assert first.ok and set(_catalog(store)) == {"NCT02633163", "NCT03562065", "NCT03673748", "NCT03840928"}
    gone = json.loads(lines[0])["NCTId"][0]

    (folder / "msc.jsonl").write_text("\n".join(lines[1:]) + "\n")  # the first record is taken out of the file
    second = ingest_paths([folder], store, glossary=False)
    assert second.removed == [{"study_id": gone, "path": "my_studies/msc.jsonl", "reason": "no longer in its source file"}]
    assert gone not in _catalog(store) and not store.ids_of_studies([gone]) and store.facts(gone) is None
    assert second.chunks_deleted > 0 and second.chunks_added == 0
    assert not [h for h in store.lexical_search("mesenchymal", 50) if h[0].startswith(gone)]

    (folder / "NCT03840928.json").unlink()  # a whole file gone from the folder
    third = ingest_paths([folder], store, glossary=False)
    assert [r["study_id"] for r in third.removed] == ["NCT03840928"]
    assert "NCT03840928" not in _catalog(store)


def test_another_folder_with_the_same_name_is_another_source(settings, embeddings, tmp_path):
    """Sync goes by where a file really is: `ingest /b/studies` must not remove what `ingest /a/studies` added."""
    a, b = tmp_path / "a" / "studies", tmp_path / "b" / "studies"
    a.mkdir(parents=True)
    b.mkdir(parents=True)
    shutil.copy(SAMPLE / "NCT00513591.xml", a / "trial.xml")
    shutil.copy(SAMPLE / "NCT03840928.json", b / "trial.json")
    (b / "trial.xml").write_text("")  # same relative name as a's file; unreadable, so nothing is read from it
    store = open_store(settings, embeddings)
    assert ingest_paths([a], store, glossary=False).ok
    second = ingest_paths([b], store, glossary=False)
    assert second.removed == [] and set(_catalog(store)) == {"NCT00513591", "NCT03840928"}
    shutil.copy(SAMPLE / "NCT02708238.xml", b / "trial.xml")  # now b/studies/trial.xml holds another study
    third = ingest_paths([b], store, glossary=False)
    assert third.removed == [] and set(_catalog(store)) == {"NCT00513591", "NCT03840928", "NCT02708238"}


def test_an_update_of_some_studies_equals_a_clean_ingest(small_corpus, clean_snapshot, tmp_path):
    """The lexical index and catalog are updated study by study (not rebuilt from every chunk): after an ingest
    that changes one study and removes another, they are exactly what a clean ingest of the same files gives."""
    from trialchat.embeddings import shared_embeddings
    from trialchat.store import ChunkStore

    data = tmp_path / "data"
    original = (small_corpus / "NCT03840928.json").read_text()
    edited = json.loads(original)
    edited["protocolSection"]["descriptionModule"]["briefSummary"] += " Edited."
    extra = small_corpus / "extra.json"
    full = ChunkStore.rebuild_lexical
    calls: list[int] = []
    try:
        (small_corpus / "NCT03840928.json").write_text(json.dumps(edited))
        shutil.copy(SAMPLE / "NCT04066023.json", extra)  # a study that will be gone
        assert _cli(data, "ingest", str(small_corpus), "--no-glossary").returncode == 0
        (small_corpus / "NCT03840928.json").write_text(original)  # the study changes back
        extra.unlink()
        ChunkStore.rebuild_lexical = lambda self: (calls.append(1), full(self))[1]  # type: ignore[method-assign]
        report = ingest_paths([small_corpus], open_store(Settings(data_dir=data), shared_embeddings()), glossary=False)
    finally:
        ChunkStore.rebuild_lexical = full  # type: ignore[method-assign]
        (small_corpus / "NCT03840928.json").write_text(original)
        extra.unlink(missing_ok=True)
    assert report.chunks_updated and report.chunks_deleted and report.removed and not calls  # updated, not rebuilt
    _assert_same(_snapshot(data), clean_snapshot)


def test_a_broken_file_removes_nothing(settings, embeddings, tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    shutil.copy(SAMPLE / "msc_lupus_legacy_studyfields.jsonl", folder / "msc.jsonl")
    store = open_store(settings, embeddings)
    ingest_paths([folder], store, glossary=False)
    before = set(_catalog(store))
    text = (folder / "msc.jsonl").read_text().splitlines()
    (folder / "msc.jsonl").write_text("{broken\n" + "\n".join(text[1:]) + "\n")  # one record unreadable
    report = ingest_paths([folder], store, glossary=False)
    assert report.failed and report.removed == [] and set(_catalog(store)) == before


def test_the_same_study_in_two_files_is_reported(settings, embeddings, tmp_path):
    folder = tmp_path / "dups"
    folder.mkdir()
    record = json.loads((SAMPLE / "NCT03840928.json").read_text())
    (folder / "a.json").write_text(json.dumps(record))
    record["protocolSection"]["descriptionModule"]["briefSummary"] = "A different summary of the same study."
    (folder / "b.json").write_text(json.dumps(record))
    (folder / "c.json").write_text(json.dumps(record))  # same content as b: not a conflict of its own
    report = ingest_paths([folder], open_store(settings, embeddings), glossary=False)
    assert report.duplicates == [{"study_id": "NCT03840928", "kept": "dups/b.json", "also_in": ["dups/a.json"],
                                  "reason": report.duplicates[0]["reason"]}]


def test_absolute_or_relative_paths_are_the_same_source(tmp_path):
    folder = tmp_path / "studies"
    folder.mkdir()
    shutil.copy(SAMPLE / "NCT00513591.xml", folder / "NCT00513591.xml")
    data = tmp_path / "data"
    first = subprocess.run([sys.executable, "-m", "cli", "ingest", "studies", "--no-glossary", "--json"],
                           capture_output=True, text=True, env=_env(data), cwd=tmp_path, timeout=600)
    assert first.returncode == 0, first.stderr
    again = _cli(data, "ingest", str(folder.resolve()), "--no-glossary", "--json")  # absolute, another cwd
    summary = json.loads(again.stdout)
    assert summary["chunks_added"] == summary["chunks_updated"] == 0
    assert summary["chunks_unchanged"] == json.loads(first.stdout)["chunks_added"]
    from trialchat.embeddings import shared_embeddings

    metas = open_store(Settings(data_dir=data), shared_embeddings()).vector.collection.get(include=["metadatas"])["metadatas"]
    assert {m["source_file"] for m in metas} == {"studies/NCT00513591.xml"}  # relative to what was ingested


def test_cli_remove(tmp_path):
    data = tmp_path / "data"
    assert _cli(data, "ingest", str(SAMPLE / "NCT00513591.xml"), str(SAMPLE / "NCT03840928.json"),
                "--no-glossary").returncode == 0
    out = _cli(data, "remove", "NCT00513591", "NCT99999999", "--json")
    assert out.returncode == 1  # one ID was unknown
    assert json.loads(out.stdout) == {"removed": ["NCT00513591"], "unknown": ["NCT99999999"]}
    from trialchat.embeddings import shared_embeddings

    store = open_store(Settings(data_dir=data), shared_embeddings())
    assert set(_catalog(store)) == {"NCT03840928"} and not store.ids_of_studies(["NCT00513591"])
    assert store.facts("NCT00513591") is None and store.derived_mismatch() is None
    human = _cli(data, "remove", "NCT03840928")
    assert human.returncode == 0 and "removed NCT03840928" in human.stderr


# ---------- bounded work (issue #10.4) ----------
def test_only_regular_files_are_read(settings, embeddings, tmp_path):
    folder = tmp_path / "with_pipe"
    folder.mkdir()
    os.mkfifo(folder / "pipe.json")
    shutil.copy(SAMPLE / "NCT00513591.xml", folder / "ok.xml")
    os.mkfifo(tmp_path / "explicit.json")
    store = open_store(settings, embeddings)
    t0 = time.monotonic()
    report = ingest_paths([folder, tmp_path / "explicit.json", Path("/dev/zero")], store, glossary=False)
    assert time.monotonic() - t0 < 120  # a FIFO used to block for ever, /dev/zero to fill memory
    failed = {f["path"]: f["error"] for f in report.failed}
    assert "FIFO" in failed["with_pipe/pipe.json"] and "FIFO" in failed["explicit.json"]
    assert "character device" in failed["zero"]
    assert "NCT00513591" in _catalog(store)


def test_field_and_study_size_caps(settings, embeddings, tmp_path):
    from ingest.screening import MAX_FIELD_CHARS, MAX_STUDY_CHARS

    big = json.loads((SAMPLE / "NCT03840928.json").read_text())
    big["protocolSection"]["descriptionModule"]["detailedDescription"] = "Word " * 4_000_000  # a 20 MB field
    (tmp_path / "big_field.json").write_text(json.dumps(big))
    huge = json.loads((SAMPLE / "NCT04066023.json").read_text())
    arms = huge["protocolSection"].setdefault("armsInterventionsModule", {})
    arms["armGroups"] = [{"label": f"Arm {i}", "description": "x " * (MAX_FIELD_CHARS // 2 - 10)}
                         for i in range(MAX_STUDY_CHARS // MAX_FIELD_CHARS + 2)]
    (tmp_path / "huge_study.json").write_text(json.dumps(huge))
    shutil.copy(SAMPLE / "NCT00513591.xml", tmp_path / "ok.xml")
    store = open_store(settings, embeddings)
    report = ingest_paths([tmp_path / "big_field.json", tmp_path / "huge_study.json", tmp_path / "ok.xml"], store,
                          glossary=False)
    withheld = [w for w in report.withheld if w["study_id"] == "NCT03840928"]
    assert [w["field"] for w in withheld] == ["protocolSection.descriptionModule.detailedDescription"]
    assert withheld[0]["path"] == "big_field.json" and "too large" in withheld[0]["reason"]
    assert _catalog(store)["NCT03840928"]["chunks"] < 100  # the rest of the study is there, not 32,636 chunks
    assert [f["path"] for f in report.failed] == ["huge_study.json"] and "too large" in report.failed[0]["error"]
    assert "NCT04066023" not in _catalog(store) and "NCT00513591" in _catalog(store)


# ---------- the human summary (issue #10.6) ----------
def test_human_summary_renders_styles_and_escapes_terminal_codes_in_names(tmp_path):
    nasty = tmp_path / "evil\x1b[2J\x1b]0;pwned\x07[red]name.json"
    nasty.write_text("{")
    out = _cli(tmp_path / "data", "ingest", str(nasty), "--no-glossary")
    assert out.returncode == 1
    assert "\x1b" not in out.stderr and "\x07" not in out.stderr  # nothing reaches the terminal raw
    assert "[red]failed[/]" not in out.stderr and "failed evil\\x1b[2J\\x1b]0;pwned\\x07[red]name.json" in out.stderr


# ---------- the glossary in every collection (issue #9) ----------
def test_study_files_alone_get_the_glossary_and_a_term_question_cites_it(settings, embeddings, tmp_path):
    folder = tmp_path / "my_studies"
    folder.mkdir()
    shutil.copy(SAMPLE / "msc_lupus_legacy_studyfields.jsonl", folder / "msc.jsonl")
    store = open_store(settings, embeddings)
    report = ingest_paths([folder], store)
    assert report.glossary and GLOSSARY_ID in _catalog(store)
    from assistant.service import build_answer_service

    answer = build_answer_service(settings, store=store, llm_from_settings=False).ask(
        "What does double-blind mean here?", "NCT02633163")
    assert answer.status == "answered"
    assert any(c.study_id == GLOSSARY_ID and "Double-blind" in c.field_label for c in answer.citations), answer


def test_glossary_changes_are_picked_up_and_can_be_left_out(settings, embeddings, tmp_path, monkeypatch):
    import ingest.pipeline as pipeline

    store = open_store(settings, embeddings)
    first = ingest_paths([SAMPLE / "NCT00513591.xml"], store)
    glossary_chunks = len(store.ids_of_studies([GLOSSARY_ID]))
    assert glossary_chunks > 50 and first.glossary
    changed = tmp_path / "glossary"
    changed.mkdir()
    text = (pipeline.GLOSSARY_DIR / "glossary.md").read_text()
    (changed / "glossary.md").write_text(text.replace("Two groups of people in the study do not know", "Two groups of people in a study do not know", 1))
    monkeypatch.setattr(pipeline, "GLOSSARY_DIR", changed)
    second = ingest_paths([SAMPLE / "NCT00513591.xml"], store)
    assert (second.chunks_updated, second.chunks_added) == (1, 0)  # re-ingested by content, the rest skipped
    assert second.chunks_unchanged == first.chunks_added - 1

    other = open_store(settings, embeddings, collection="bare")
    third = ingest_paths([SAMPLE / "NCT00513591.xml"], other, glossary=False)
    assert not third.glossary and GLOSSARY_ID not in _catalog(other)
