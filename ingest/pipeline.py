"""Ingest: documents → Study → field chunks → embed only what changed → Chroma upsert + BM25 rebuild.

Idempotent and incremental: a chunk's ID is (study, field path, index) and its metadata carries a
content hash, so unchanged chunks are skipped without re-embedding, changed ones are upserted and a
re-ingested study's stale chunks are deleted. Upserts are keyed, so a run killed mid-way is
completed by the next run without duplicates; BM25 is rebuilt (atomically) from Chroma at the end.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from ingest.chunking import chunk_study
from ingest.discovery import discover
from ingest.facts import fact_sheet
from ingest.parsers import ParseError, parse_document
from trialchat.schema import GLOSSARY_ID, Chunk, Study
from trialchat.store import ChunkStore

EMBED_BATCH = 128


@dataclass
class IngestReport:
    studies: int = 0
    chunks_added: int = 0
    chunks_updated: int = 0
    chunks_unchanged: int = 0
    chunks_deleted: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"studies": self.studies, "chunks_added": self.chunks_added, "chunks_updated": self.chunks_updated,
                "chunks_unchanged": self.chunks_unchanged, "chunks_deleted": self.chunks_deleted,
                "failed": self.failed}

    @property
    def ok(self) -> bool:
        return not self.failed


def load_studies(paths: list[Path], report: IngestReport, progress: bool = False) -> list[Study]:
    """Parse every document; failures are recorded with their path and reason, never raised."""
    by_id: dict[str, Study] = {}
    docs = discover(paths)
    for doc in tqdm(docs, desc="parse", unit="file", disable=not progress, leave=False):
        if doc.error:
            report.failed.append({"path": doc.source_file, "error": doc.error})
            continue
        try:
            parsed = parse_document(doc.name, doc.data or b"", doc.source_file)
        except ParseError as e:
            report.failed.append({"path": doc.source_file, "error": str(e)})
            continue
        except Exception as e:  # a parser bug must not lose the other files
            report.failed.append({"path": doc.source_file, "error": f"unexpected parser error: {type(e).__name__}: {e}"})
            continue
        for err in parsed.record_errors:
            report.failed.append({"path": doc.source_file, "error": err})
        for study in parsed.studies:
            by_id[study.study_id] = study  # the same study twice in one run: the last one wins
    return list(by_id.values())


def ingest_paths(paths: list[Path], store: ChunkStore, progress: bool = False,
                 on_embedded: Callable[[int], None] | None = None) -> IngestReport:
    report = IngestReport()
    studies = load_studies(paths, report, progress)
    report.studies = len(studies)
    store.save_facts(fact_sheet(s) for s in studies if s.study_id != GLOSSARY_ID)

    chunks: list[Chunk] = []
    for study in studies:
        chunks.extend(chunk_study(study))
    wanted = {c.id: c for c in chunks}

    existing = store.existing_hashes(list(wanted))
    todo = []
    for cid, chunk in wanted.items():
        old = existing.get(cid)
        if old is None:
            report.chunks_added += 1
            todo.append(chunk)
        elif old != chunk.content_hash:
            report.chunks_updated += 1
            todo.append(chunk)
        else:
            report.chunks_unchanged += 1

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
    report.chunks_deleted = len(stale)

    if todo or stale or not store.lexical_ready():
        store.rebuild_lexical()
    return report
