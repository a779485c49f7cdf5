"""`trialchat serve` brings the bundled glossary in an existing collection up to date before serving: a store
built before a glossary change (or before there was a glossary) gets the current terms, only changed terms
are embedded, the other studies are left alone, and the log line says what happened. `--no-glossary` skips it.
Real data dirs, the real embedder and the real ingest; the web server itself is replaced by a stub."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cli import main as cli
from ingest.pipeline import GLOSSARY_DIR, ingest_paths
from trialchat.schema import GLOSSARY_ID

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "corpus" / "sample"
BUNDLED = (GLOSSARY_DIR / "glossary.md").read_text()
TERMS = BUNDLED.count("\n## ")  # the bundled glossary's own count, whatever entries it gains
OLD_DOUBLE_BLIND = "In the old glossary: nobody knows anything."


def old_glossary(folder: Path) -> Path:
    """A copy of the bundled glossary as an older release had it: one definition different, one term not
    written yet (Triple-blind), one term since dropped. Kept in a folder named like the bundled one, so its
    chunks carry the same source file as the bundled glossary's."""
    current = BUNDLED.split("\n## Double-blind\n", 1)
    assert len(current) == 2
    head, rest = current
    rest = rest.split("\n", 2)  # "Also called: …", the definition, what follows
    text = head + "\n## Double-blind\n" + rest[0] + "\n" + OLD_DOUBLE_BLIND + "\n" + rest[2]
    start, end = text.index("## Triple-blind\n"), text.index("\n## ", text.index("## Triple-blind\n")) + 1
    text = text[:start] + text[end:] + "\n## Dropped term\nA word the glossary no longer explains.\n"
    path = folder / "glossary"
    path.mkdir(parents=True)
    (path / "glossary.md").write_text(text)
    return path


def serve_env(monkeypatch, settings) -> list:
    """`trialchat serve` from the command line, over ``settings``' data dir, with the server stubbed out."""
    monkeypatch.setenv("TRIALCHAT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TRIALCHAT_LLM", "extractive")
    served: list = []
    monkeypatch.setattr("app.serve", lambda s: served.append(s))
    return served


def glossary_text(store, term: str) -> str:
    rows = store.chunks_of_field(GLOSSARY_ID, f"glossary.{term}")
    return " ".join(text for _, text, _ in rows)


def study_ids(store) -> set[str]:
    return {e.study_id for e in store.catalog()}


def test_serve_refreshes_an_old_glossary_and_keeps_the_studies(settings, embeddings, tmp_path, monkeypatch, capsys):
    from trialchat.store import open_store

    store = open_store(settings, embeddings)
    folder = tmp_path / "studies"  # a folder ingested whole: the glossary's sync must not touch its studies
    folder.mkdir()
    shutil.copy(SAMPLE / "NCT03840928.json", folder)
    report = ingest_paths([SAMPLE / "NCT02552212.json", folder, old_glossary(tmp_path / "old")], store,
                          glossary=False)
    assert report.ok and report.glossary
    assert OLD_DOUBLE_BLIND in glossary_text(store, "double_blind") and not glossary_text(store, "triple_blind")
    chunks_before = store.ids_of_studies(["NCT02552212", "NCT03840928"])

    served = serve_env(monkeypatch, settings)
    assert cli.main(["serve", "--port", "7999"]) == 0
    assert len(served) == 1 and served[0].port == 7999  # then it serves, as before
    out = capsys.readouterr().out
    assert f"trialchat: glossary: 1 term updated, 1 term added, 1 term removed ({TERMS} terms)" in out, out

    store = open_store(settings, embeddings)
    assert OLD_DOUBLE_BLIND not in glossary_text(store, "double_blind")
    assert "Two groups of people in the study do not know" in glossary_text(store, "double_blind")
    assert glossary_text(store, "triple_blind") and not glossary_text(store, "dropped_term")
    assert study_ids(store) >= {"NCT02552212", "NCT03840928", GLOSSARY_ID}
    assert store.ids_of_studies(["NCT02552212", "NCT03840928"]) == chunks_before
    assert store.derived_mismatch() is None  # the lexical index and catalog follow the vector store

    # the next start finds nothing to do
    assert cli.main(["serve"]) == 0
    assert f"trialchat: glossary: up to date ({TERMS} terms)" in capsys.readouterr().out


def test_a_store_from_before_the_glossary_gets_it(settings, embeddings):
    from trialchat.store import open_store

    store = open_store(settings, embeddings)
    assert ingest_paths([SAMPLE / "NCT02552212.json"], store, glossary=False).ok
    assert study_ids(store) == {"NCT02552212"}
    assert cli.refresh_glossary(settings) == f"glossary: added ({TERMS} terms)"
    store = open_store(settings, embeddings)
    assert study_ids(store) == {"NCT02552212", GLOSSARY_ID} and glossary_text(store, "double_blind")


def test_a_study_folder_named_glossary_is_not_synced_away(settings, embeddings, tmp_path):
    """Ingesting the bundled glossary folder syncs that folder by its real location: the user's own folder that
    happens to have the same name is another source, so its studies stay and the glossary is still added."""
    from trialchat.store import open_store

    mine = tmp_path / "glossary"
    mine.mkdir()
    shutil.copy(SAMPLE / "NCT02552212.json", mine)
    store = open_store(settings, embeddings)
    assert ingest_paths([mine], store, glossary=False).ok
    assert cli.refresh_glossary(settings) == f"glossary: added ({TERMS} terms)"
    assert study_ids(open_store(settings, embeddings)) == {"NCT02552212", GLOSSARY_ID}


def test_no_glossary_flag_serves_the_collection_as_it_is(settings, monkeypatch, capsys):
    assert cli.build_parser().parse_args(["serve", "--no-glossary"]).no_glossary is True
    assert cli.build_parser().parse_args(["serve"]).no_glossary is False
    served = serve_env(monkeypatch, settings)

    def refresh(_settings):
        pytest.fail("--no-glossary must not touch the collection")
    monkeypatch.setattr(cli, "refresh_glossary", refresh)
    assert cli.main(["serve", "--no-glossary"]) == 0 and len(served) == 1
    assert "glossary: not checked (--no-glossary)" in capsys.readouterr().out
