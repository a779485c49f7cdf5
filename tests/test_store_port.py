"""The store's port (trialchat.store_port): the Chroma store implements it and hands out typed values."""
from __future__ import annotations

from trialchat.store_port import (
    CatalogEntry,
    ChunkVersion,
    DenseHit,
    LexicalHit,
    StoredChunk,
    StoreReader,
    StoreWriter,
)

STUDY = "NCT02552212"
ELIGIBILITY = "protocolSection.eligibilityModule.eligibilityCriteria"


def test_the_chroma_store_implements_the_port(sample_store):
    assert isinstance(sample_store, StoreReader) and isinstance(sample_store, StoreWriter)


def test_callers_get_typed_values(sample_store):
    catalog = sample_store.catalog()
    assert catalog and all(isinstance(e, CatalogEntry) for e in catalog)
    entry = next(e for e in catalog if e.study_id == STUDY)
    assert entry.acronym == "C-AXSPAND" and entry.chunks > 0 and CatalogEntry.from_dict(entry.to_dict()) == entry

    field = sample_store.chunks_of_field(STUDY, ELIGIBILITY)
    assert field and all(isinstance(c, StoredChunk) and c.study_id == STUDY and c.field_path == ELIGIBILITY
                         for c in field)
    assert [c.chunk_index for c in field] == sorted(c.chunk_index for c in field)
    cid, text, meta = field[0]  # still read as (id, text, metadata) where older code unpacks it
    assert (cid, text, meta) == (field[0].id, field[0].text, field[0].metadata)

    got = sample_store.get_chunks([field[0].id, field[0].id, "no-such-chunk"])
    assert list(got) == [field[0].id] and got[field[0].id] == field[0]

    dense = sample_store.dense_search("Who can join?", 3, {STUDY})
    assert dense and all(isinstance(h, DenseHit) and h.metadata["study_id"] == STUDY for h in dense)
    assert [h.score for h in dense] == sorted((h.score for h in dense), reverse=True)
    lexical = sample_store.lexical_search("axial spondyloarthritis back pain", 3, {STUDY})
    assert lexical and all(isinstance(h, LexicalHit) and h.id.startswith(STUDY) for h in lexical)

    versions = sample_store.existing_versions([field[0].id])
    assert isinstance(versions[field[0].id], ChunkVersion)
    assert versions[field[0].id].content_hash == field[0].metadata["content_hash"]
