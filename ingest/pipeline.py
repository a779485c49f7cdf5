"""Ingest: documents → Study → screen → field chunks → embed only what changed → Chroma upsert + BM25 rebuild.

Idempotent and incremental: a chunk's ID is (study, field path, index) and its metadata carries a
hash of its content (not of the path it was read from), so unchanged chunks are skipped without
re-embedding, changed ones are upserted and a re-ingested study's stale chunks are deleted. Upserts
are keyed, so a run killed mid-way is completed by the next run without duplicates. The derived
indexes (BM25, study catalog, fact sheets) are checked against the vector store at the start and
rebuilt (atomically) whenever they disagree with it at the end.

Sources are synced per file: a study that is no longer in a file that was read cleanly is removed,
and the same study in two files is reported (the last one read is kept). The bundled glossary is
part of every collection unless the caller opts out.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from ingest.chunking import chunk_study
from ingest.discovery import discover
from ingest.discovery import location as _location
from ingest.facts import fact_sheet
from ingest.parsers import ParseError, parse_document
from ingest.screening import StudyTooLarge, screen_study
from trialchat.schema import GLOSSARY_ID, Chunk, Study, study_of_chunk
from trialchat.store_port import StoreWriter

EMBED_BATCH = 128
GLOSSARY_DIR = Path(__file__).resolve().parent / "glossary"


@dataclass
class IngestReport:
    studies: int = 0  # studies read in this run (the glossary not counted)
    chunks_added: int = 0
    chunks_updated: int = 0
    chunks_unchanged: int = 0
    chunks_deleted: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)  # {path, error}: nothing of it was ingested
    withheld: list[dict[str, str]] = field(default_factory=list)  # {path, study_id, field, reason}
    removed: list[dict[str, str]] = field(default_factory=list)  # {study_id, path, reason}
    duplicates: list[dict] = field(default_factory=list)  # {study_id, kept, also_in: [...]}
    repaired: str | None = None  # what was wrong with the derived indexes when the run started
    glossary: bool = False  # whether the bundled glossary was part of this run

    def as_dict(self) -> dict:
        return {"studies": self.studies, "chunks_added": self.chunks_added, "chunks_updated": self.chunks_updated,
                "chunks_unchanged": self.chunks_unchanged, "chunks_deleted": self.chunks_deleted,
                "failed": self.failed, "withheld": self.withheld, "removed": self.removed,
                "duplicates": self.duplicates, "repaired": self.repaired, "glossary": self.glossary}

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass
class _Source:
    """What one document gave: the studies in it, and whether it was read cleanly enough to sync."""
    studies: list[str] = field(default_factory=list)
    clean: bool = True


def load_studies(paths: list[Path], report: IngestReport, progress: bool = False,
                 sources: dict[str, _Source] | None = None) -> list[Study]:
    """Parse and screen every document; failures are recorded with their path and reason, never raised."""
    by_id: dict[str, Study] = {}
    seen_in: dict[str, list[str]] = {}
    sources = {} if sources is None else sources
    docs = discover(paths)
    for doc in tqdm(docs, desc="parse", unit="file", disable=not progress, leave=False):
        src = sources.setdefault(doc.location, _Source())
        if doc.error:
            report.failed.append({"path": doc.source_file, "error": doc.error})
            src.clean = False
            continue
        try:
            parsed = parse_document(doc.name, doc.data or b"", doc.source_file)
        except ParseError as e:
            report.failed.append({"path": doc.source_file, "error": str(e)})
            src.clean = False
            continue
        except Exception as e:  # a parser bug must not lose the other files
            report.failed.append({"path": doc.source_file, "error": f"unexpected parser error: {type(e).__name__}: {e}"})
            src.clean = False
            continue
        for err in parsed.record_errors:
            report.failed.append({"path": doc.source_file, "error": err})
            src.clean = False  # a broken record may be a study that is still there: remove nothing from this file
        for study in parsed.studies:
            study.source_location = doc.location
            src.studies.append(study.study_id)
            try:
                withheld = screen_study(study)
            except StudyTooLarge as e:
                report.failed.append({"path": doc.source_file, "error": str(e)})
                continue
            report.withheld.extend(w.as_dict(doc.source_file) for w in withheld)
            previous = by_id.get(study.study_id)
            if previous is not None and _content(previous) != _content(study):
                seen_in.setdefault(study.study_id, [previous.source_file]).append(study.source_file)
            by_id[study.study_id] = study  # the same study twice: the last one read wins, and is reported
    for sid, files in seen_in.items():
        report.duplicates.append({"study_id": sid, "kept": files[-1], "also_in": files[:-1],
                                  "reason": "the same study with different content in several files; "
                                            "the last one read was kept"})
    return list(by_id.values())


def _content(study: Study) -> str:
    return study.model_dump_json(exclude={"source_file", "source_location"})


def ingest_paths(paths: list[Path], store: StoreWriter, progress: bool = False,
                 on_embedded: Callable[[int], None] | None = None, glossary: bool = True,
                 wait: float | None = None, on_wait: Callable[[str], None] | None = None) -> IngestReport:
    """Ingest ``paths`` into ``store``; ``glossary=False`` leaves the bundled glossary out of this run.

    The whole run holds the collection's writer lock: another writer is waited for up to ``wait`` seconds
    (default: the setting), then StoreBusy is raised."""
    with store.writing(wait, on_wait):
        return _ingest_locked(paths, store, progress, on_embedded, glossary)


def _ingest_locked(paths: list[Path], store: StoreWriter, progress: bool,
                   on_embedded: Callable[[int], None] | None, glossary: bool) -> IngestReport:
    report = IngestReport()
    report.repaired = store.repair_derived()
    paths = list(paths)
    if glossary and not any(_in_glossary_dir(p) for p in paths):
        paths.append(GLOSSARY_DIR)
    sources: dict[str, _Source] = {}
    studies = load_studies(paths, report, progress, sources)
    report.glossary = any(s.study_id == GLOSSARY_ID for s in studies)
    report.studies = sum(s.study_id != GLOSSARY_ID for s in studies)

    folders = [f"{_location(p)}/" for p in paths if p.is_dir()]
    gone = _gone_from_sources(store, sources, folders, {s.study_id for s in studies})
    for sid, source in sorted(gone.items()):
        report.removed.append({"study_id": sid, "path": source, "reason": "no longer in its source file"})

    answerable = [s.answerable() for s in studies]
    sheets = [fact_sheet(s) for s in answerable if s.study_id != GLOSSARY_ID]
    chunks: list[Chunk] = []
    for study in answerable:
        chunks.extend(chunk_study(study))
    wanted = {c.id: c for c in chunks}

    existing = store.existing_versions(list(wanted))
    todo, moved = [], []
    for cid, chunk in wanted.items():
        old = existing.get(cid)
        if old is None:
            report.chunks_added += 1
            todo.append(chunk)
        elif old.content_hash != chunk.content_hash:
            report.chunks_updated += 1
            todo.append(chunk)
        else:
            report.chunks_unchanged += 1
            if (old.source_file, old.source_location) != (chunk.source_file, chunk.source_location):
                moved.append(chunk)

    # nothing is written before this point: a disk without room for the run is refused with the store as it was
    store.check_space(len(todo), sum(len(s.model_dump_json(exclude_defaults=True)) for s in sheets))
    report.chunks_deleted += len(store.remove_studies(gone))
    store.save_facts(sheets)
    store.update_metadata(moved)

    bar = tqdm(total=len(todo), desc="embed+store", unit="chunk", disable=not progress or not todo)
    for i in range(0, len(todo), EMBED_BATCH):
        batch = todo[i:i + EMBED_BATCH]
        store.upsert(batch)
        bar.update(len(batch))
        if on_embedded:
            on_embedded(len(batch))
    bar.close()

    stale = store.ids_of_studies(s.study_id for s in studies) - set(wanted)
    store.delete(stale)
    report.chunks_deleted += len(stale)

    # the derived indexes change only for the studies whose chunks changed
    touched = {c.study_id for c in todo + moved} | set(gone) | {study_of_chunk(cid) for cid in stale}
    if touched:
        store.update_derived(touched)
    elif store.derived_mismatch():
        store.rebuild_lexical()
    return report


def remove_studies(study_ids: list[str], store: StoreWriter, wait: float | None = None,
                   on_wait: Callable[[str], None] | None = None) -> tuple[list[str], list[str]]:
    """Remove studies by ID (under the writer lock, as an ingest); returns (removed, unknown)."""
    with store.writing(wait, on_wait):
        store.repair_derived()
        known = {e.study_id for e in store.catalog()}
        removed = [s for s in dict.fromkeys(study_ids) if s in known]
        store.remove_studies(removed)
        if removed:
            store.update_derived(removed)
    return removed, [s for s in dict.fromkeys(study_ids) if s not in known]


def _gone_from_sources(store: StoreWriter, sources: dict[str, _Source], folders: list[str],
                       still_here: set[str]) -> dict[str, str]:
    """Studies the store has from a file read cleanly in this run that no longer holds them, or from a
    file that is gone from a folder ingested in this run. Files are compared by where they really are, so
    another folder with the same name is another source; a study stored without a location (by an older
    version) is never removed here (`trialchat remove` does it)."""
    clean = {location for location, src in sources.items() if src.clean}
    gone = {}
    for entry in store.catalog():
        location, sid = entry.source_location, entry.study_id
        if sid in still_here or not location:
            continue
        if location in clean or (location not in sources and location.split("!")[0].startswith(tuple(folders))):
            gone[sid] = entry.source_file
    return gone


def _in_glossary_dir(path: Path) -> bool:
    try:
        p = path.resolve()
    except OSError:
        return False
    return p == GLOSSARY_DIR or GLOSSARY_DIR in p.parents
