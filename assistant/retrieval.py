"""Hybrid retrieval over field chunks: dense (Chroma) + BM25, fused with reciprocal-rank fusion."""
from __future__ import annotations

from collections import defaultdict
from typing import Literal

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.intents import path_within
from assistant.textutil import content_terms, overlap
from assistant.types import Source
from trialchat.schema import bare_path
from trialchat.store_port import StoredChunk, StoreReader

RRF_K = 60  # the usual constant: damps the head so two lists of different score scales fuse fairly
CANDIDATES = 24  # per list, before fusion


def reciprocal_rank_fusion(rankings: list[list[str]], k: int = RRF_K,
                           weights: list[float] | None = None) -> list[tuple[str, float]]:
    """Fuse ranked ID lists: score(d) = Σ w_i / (k + rank_i(d)), rank from 1. Ties keep first-seen order."""
    scores: dict[str, float] = defaultdict(float)
    order: dict[str, int] = {}
    for i, ranking in enumerate(rankings):
        w = weights[i] if weights else 1.0
        for rank, doc_id in enumerate(ranking, start=1):
            scores[doc_id] += w / (k + rank)
            order.setdefault(doc_id, len(order))
    return sorted(scores.items(), key=lambda kv: (-kv[1], order[kv[0]]))


class HybridRetriever(BaseRetriever):
    """A LangChain retriever; ``search`` is the typed entry point used by the answer chain."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: StoreReader
    k: int = 4
    mode: Literal["hybrid", "dense", "bm25"] = "hybrid"
    study_ids: set[str] | None = None  # restrict to these studies (a pinned study plus the glossary)

    def search(self, query: str, k: int | None = None, study_ids: set[str] | None = None,
               per_study: int | None = None, hints: list[str] | None = None) -> list[Source]:
        """Top-k sources with fused scores and each list's raw score kept for gating.

        per_study caps chunks per study, so corpus-wide questions return several studies. hints
        (field path prefixes the question is about) add a third ranked list within a small scope.
        """
        k = k or self.k
        scope = study_ids if study_ids is not None else self.study_ids
        dense = self.store.dense_search(query, CANDIDATES, scope) if self.mode != "bm25" else []
        lexical = self.store.lexical_search(query, CANDIDATES, scope) if self.mode != "dense" else []
        rankings = [[d.id for d in dense], [h.id for h in lexical]]
        found = {d.id: StoredChunk(d.id, d.text, d.metadata) for d in dense}
        if hints and scope and self.mode == "hybrid":
            hinted = self._hinted(query, scope, hints)
            rankings.append([c.id for c in hinted])
            found.update({c.id: c for c in hinted})
        fused = reciprocal_rank_fusion(rankings)
        missing = [cid for cid, _ in fused if cid not in found]
        found.update(self.store.get_chunks(missing) if missing else {})
        dense_sim = {d.id: d.score for d in dense}
        bm25 = {h.id: h.score for h in lexical}

        out: list[Source] = []
        taken: dict[str, int] = defaultdict(int)
        for cid, score in fused:
            if cid not in found:
                continue  # deleted between the two lookups
            _, doc, meta = found[cid]
            sid = meta["study_id"]
            if per_study and taken[sid] >= per_study:
                continue
            taken[sid] += 1
            out.append(Source.from_chunk(cid, doc, meta, score=round(score, 6), dense_score=dense_sim.get(cid),
                                         bm25_score=bm25.get(cid)))
            if len(out) >= k:
                break
        return out

    def _hinted(self, query: str, scope: set[str], hints: list[str]) -> list[StoredChunk]:
        """The scope's chunks whose field the question is about, best lexical match first."""
        q = content_terms(query)
        rank = {p: i for i, p in enumerate(hints)}
        rows = [c for c in self.store.chunks_of_studies(scope) if path_within(c.field_path, hints)]

        def key(row):
            bare = bare_path(row[2].get("field_path", ""))
            intent = min((i for p, i in rank.items() if bare == p or bare.startswith(p + ".")), default=99)
            summary = 0 if bare in rank else 1  # the module-level summary ("Eligibility › Summary") leads
            # earlier pieces first within a field: criteria lists start with who is included
            return (intent, summary, row[2].get("chunk_index", 0), -overlap(q, content_terms(row[1])),
                    row[2].get("field_path", ""))
        return sorted(rows, key=key)[:CANDIDATES]

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [Document(page_content=s.text, id=s.chunk_id,
                         metadata={**s.model_dump(exclude={"text"}), "score": s.score})
                for s in self.search(query)]

