"""Build the answering service from settings (embedder, store, LLM and chain, built once)."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from assistant.chain import AnswerChain, ChainParts
from assistant.compose import Composer
from assistant.compose_where import load_places
from assistant.protocols import StudySummary
from assistant.rerank import make_cross_encoder
from assistant.retrieval import HybridRetriever
from assistant.router import IntentRouter
from assistant.scoping import StudyCatalog, StudyRef
from assistant.spelling import Speller
from assistant.types import Answer, AnswerEvent, HistoryTurn
from assistant.vocab import vocabulary
from trialchat.embeddings import embeddings_for
from trialchat.facts import FactSheet
from trialchat.schema import GLOSSARY_ID
from trialchat.settings import Settings
from trialchat.store import ChunkStore, open_store
from trialchat.store_port import StoreReader

T = TypeVar("T")


class ReloadOnChange(Generic[T]):
    """A value read from disk, read again only when its stamp (a file's mtime) changed."""

    def __init__(self, stamp: Callable[[], float | None], load: Callable[[], T], empty: T):
        self._stamp_of, self._load = stamp, load
        self._lock = threading.Lock()
        self._stamp: float | None = None
        self._value = empty

    def __call__(self) -> T:
        stamp = self._stamp_of()
        with self._lock:
            if stamp != self._stamp:
                self._value = self._load()
                self._stamp = stamp
            return self._value


def catalog_cache(store: StoreReader) -> ReloadOnChange[StudyCatalog]:
    """The study catalog, re-read only when an ingest rewrote it."""
    return ReloadOnChange(store.catalog_stamp,
                          lambda: StudyCatalog([e.to_dict() for e in store.catalog()]), StudyCatalog([]))


def facts_cache(store: StoreReader) -> ReloadOnChange[list[FactSheet]]:
    """Every study's fact sheet (for questions across studies), re-read when an ingest replaced one."""
    return ReloadOnChange(store.facts_stamp, store.all_facts, [])


class TrialchatService:
    """Implements assistant.protocols.AnswerService."""

    def __init__(self, settings: Settings, store: StoreReader, chain: AnswerChain,
                 catalog: ReloadOnChange[StudyCatalog]):
        self.settings, self.store, self.chain, self.catalog = settings, store, chain, catalog

    def ask(self, question: str, study_id: str | None = None, history: list[HistoryTurn] | None = None) -> Answer:
        return self.chain.invoke(question, study_id, history)

    def stream(self, question: str, study_id: str | None = None,
               history: list[HistoryTurn] | None = None) -> Iterator[AnswerEvent]:
        return self.chain.stream(question, study_id, history)

    def warm_up(self) -> None:
        """Do the first question's one-off work (training the router, the speller's lists) before anyone asks."""
        if self.chain.p.router is not None:
            self.chain.p.router.warm()
        if self.chain.p.speller is not None:
            self.chain.p.speller.warm()
        if self.chain.p.reranker is not None:
            self.chain.p.reranker.warm()

    def check_store(self) -> None:
        """A real round trip to the vector store (raises StoreUnavailable): for health checks."""
        self.store.ping()

    def list_studies(self, query: str = "", limit: int = 20) -> list[StudySummary]:
        return [_summary(r) for r in self.catalog().search(query, limit)]

    def get_study(self, study_id: str) -> StudySummary | None:
        ref = self.catalog().get(study_id) if study_id and study_id != GLOSSARY_ID else None
        return _summary(ref) if ref else None


def _summary(ref: StudyRef) -> StudySummary:
    return StudySummary(study_id=ref.study_id, title=ref.title, acronym=ref.acronym or next(iter(ref.names), None),
                        names=ref.names, source_url=ref.source_url)


def vocabulary_texts(sheets: list[FactSheet], store: StoreReader) -> Iterator[str]:
    """The words questions are corrected towards: the studies' own names, conditions, treatments, rules and
    places, the glossary and the hand vocabulary."""
    for s in sheets:
        yield from (s.title, s.acronym or "", *(c.value for c in s.conditions), *(i.name for i in s.interventions),
                    *(a.label for a in s.arms), *(f.value for f in s.inclusion + s.exclusion + s.criteria),
                    *(f"{x.city} {x.state} {x.country} {x.facility}" for x in s.sites),
                    # who runs it and the treatments' other names: "the abbvie one", "cimzia" are no typos
                    *(f.value for f in (s.sponsor, *s.collaborators) if f), *(i.other_names for i in s.interventions))
    # the glossary's whole entries: the words people ask about ("placebo", "recruiting", "eligible");
    # not the router's examples, which hold misspellings on purpose
    yield from (c.text for c in store.chunks_of_studies([GLOSSARY_ID]))
    # the hand vocabulary's words for what patients say ("brain mets", "naproxen"): never corrected away
    yield from (t for c in vocabulary().concepts.values() for t in c.terms)


def build_answer_service(settings: Settings, store: ChunkStore | None = None, llm=None,
                         llm_from_settings: bool = True) -> TrialchatService:
    """The one place the answering parts are wired. Pass `store`/`llm` to share or substitute them."""
    from assistant.llm import make_chat_model

    embeddings = embeddings_for(settings)
    store = store or open_store(settings, embeddings)
    repaired = store.repair_derived()  # a kill during an ingest's index rebuild must not leave studies unknown
    if repaired:
        logging.getLogger(__name__).warning("rebuilt the lexical index and study catalog: %s", repaired)
    if llm is None and llm_from_settings:
        llm = make_chat_model(settings)
    retriever = HybridRetriever(store=store, k=settings.retrieve_k, mode=settings.retrieval_mode)
    catalog = catalog_cache(store)
    router = IntentRouter(embeddings, cache_dir=settings.data_dir / "router", model_name=settings.embedding_model or "")
    reranker = make_cross_encoder(settings.reranker)
    composer = Composer(store.chunks_of_field, load_places(), rank=reranker.scores if reranker else None)
    all_facts = facts_cache(store)
    speller = Speller(lambda: vocabulary_texts(all_facts(), store))
    chain = AnswerChain(ChainParts(retriever=retriever, catalog_loader=catalog, llm=llm,
                                   k=settings.retrieve_k,
                                   max_question_chars=settings.max_question_chars, router=router,
                                   composer=composer, facts=store.facts, all_facts=all_facts,
                                   speller=speller, reranker=reranker,
                                   min_score=settings.reranker_min_score))
    return TrialchatService(settings, store, chain, catalog)
