"""The vanilla-RAG baseline: what a user would build with LangChain out of the box.

The same studies (read back from the main collection, so both see the same records) are rendered
as one text per study — a header line, then one `Label: value` line per field — split with
`RecursiveCharacterTextSplitter` (1000/200), embedded with the same embedder into their own Chroma
collection (`<collection>__vanilla`, built on first use and rebuilt when the main collection
changes), searched dense-only, and answered by the same LLM with a standard RAG prompt. It has no
citation mechanism: that is the point of the comparison.

To score it like every other configuration, each split keeps its character offsets in the study
text and is mapped back to the fields whose *value* it overlaps (`VanillaSource.overlaps`); the
field with the largest overlap is its `field_path` for display.
"""
from __future__ import annotations

import hashlib
import json
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from langchain_core.embeddings import Embeddings
from pydantic import BaseModel

from assistant.protocols import StudySummary
from assistant.types import Answer, AnswerEvent, FinalEvent, HistoryTurn, Source, SourcesEvent, TokenEvent, final_answer
from trialchat.schema import GLOSSARY_ID, bare_path, split_chunk_text
from trialchat.settings import Settings
from trialchat.store_port import CatalogEntry

CHUNK_SIZE, CHUNK_OVERLAP = 1000, 200
FORMAT_VERSION = "1"  # bump when the rendering changes: the fingerprint then forces a rebuild
FINGERPRINT_KEY = "trialchat_vanilla_fingerprint"
ADD_BATCH = 128
# ClinicalTrials.gov's own module order, so a study reads top to bottom as on the website
MODULE_ORDER = ("identificationModule", "statusModule", "sponsorCollaboratorsModule", "oversightModule",
                "descriptionModule", "conditionsModule", "designModule", "armsInterventionsModule",
                "outcomesModule", "eligibilityModule", "contactsLocationsModule", "referencesModule",
                "ipdSharingStatementModule", "resultsSection", "annotationSection", "documentSection",
                "derivedSection")
DONT_KNOW = re.compile(
    r"\b(?:i\s+)?(?:don'?t|do\s+not)\s+know\b|\bnot\s+(?:provided|mentioned|stated|specified|given|available|"
    r"included)\s+in\s+the\s+(?:provided\s+|given\s+)?(?:context|documents?|text|information)\b|"
    r"\bthe\s+(?:provided\s+)?context\s+does\s+not\s+(?:say|mention|provide|contain|include|specify)\b",
    re.IGNORECASE)


# ---------------------------------------------------------------- rendering + offsets
@dataclass(frozen=True)
class FieldSpan:
    """One field's line in the study text: [start, end) is `Label: value`, the value starts at value_start."""

    field_path: str
    field_label: str
    start: int
    end: int
    value_start: int


@dataclass
class StudyText:
    study_id: str
    study_title: str
    source_url: str
    source_file: str
    text: str
    spans: list[FieldSpan]


class FieldOverlap(BaseModel):
    field_path: str
    field_label: str
    start: int  # overlap [start, end) in the study text
    end: int

    @property
    def chars(self) -> int:
        return self.end - self.start


class VanillaSource(Source):
    """A vanilla split as a `Source`, plus its offsets and every field it overlaps."""

    start_index: int = 0
    end_index: int = 0
    overlaps: list[FieldOverlap] = []

    @property
    def field_paths(self) -> list[str]:
        return [o.field_path for o in self.overlaps] or [self.field_path]


def path_sort_key(path: str) -> tuple:
    """Module order first, then natural order (`locations[2]` before `locations[10]`)."""
    head = bare_path(path).split(".")[:2]
    rank = next((i for i, m in enumerate(MODULE_ORDER) if m in head), len(MODULE_ORDER))
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", path) if p)
    return rank, parts


def render_studies(chunks: Iterable[tuple[str, str, dict]]) -> list[StudyText]:
    """Group the main collection's field chunks back into one text per study, recording spans.

    A chunk's text is its field label on the first line and the field text below; a long field's
    pieces are joined in chunk_index order.
    """
    pieces: dict[str, dict[str, list[tuple[int, str]]]] = defaultdict(lambda: defaultdict(list))
    meta_of: dict[str, dict] = {}
    labels: dict[tuple[str, str], str] = {}
    for _cid, text, meta in chunks:
        sid, path = meta["study_id"], meta["field_path"]
        label, body = split_chunk_text(text)
        if body == text:  # a one-line chunk: the label line is the only text
            label = meta.get("field_label") or label
        pieces[sid][path].append((int(meta.get("chunk_index", 0)), body.strip()))
        labels[(sid, path)] = meta.get("field_label") or label.strip()
        meta_of.setdefault(sid, meta)
    out = []
    for sid in sorted(pieces):
        meta = meta_of[sid]
        title = meta.get("study_title", "")
        text = f"Study {sid}: {title}\n" if sid != GLOSSARY_ID else "Glossary of clinical-trial terms\n"
        spans = []
        for path in sorted(pieces[sid], key=path_sort_key):
            value = "\n".join(p for _, p in sorted(pieces[sid][path]) if p)
            label = labels[(sid, path)]
            start = len(text)
            line = f"{label}: {value}"
            spans.append(FieldSpan(path, label, start, start + len(line), start + len(label) + 2))
            text += line + "\n"
        out.append(StudyText(sid, title, meta.get("source_url", ""), meta.get("source_file", ""), text, spans))
    return out


def field_overlaps(start: int, end: int, spans: list[FieldSpan]) -> list[FieldOverlap]:
    """Fields whose value overlaps [start, end), largest overlap first (ties: text order)."""
    out = []
    for s in spans:
        lo, hi = max(start, s.value_start), min(end, s.end)
        if hi > lo:
            out.append(FieldOverlap(field_path=s.field_path, field_label=s.field_label, start=lo, end=hi))
    return sorted(out, key=lambda o: (-o.chars, o.start))


def make_splitter():
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True)


def split_study(study: StudyText, splitter=None) -> list[tuple[str, str, dict]]:
    """(id, text, metadata) of each split; metadata holds the offsets and the field overlaps (JSON)."""
    splitter = splitter or make_splitter()
    out = []
    for i, doc in enumerate(splitter.create_documents([study.text])):
        start = int(doc.metadata["start_index"])
        end = start + len(doc.page_content)
        ovs = field_overlaps(start, end, study.spans)
        top = ovs[0] if ovs else None
        meta = {"study_id": study.study_id, "study_title": study.study_title, "source_url": study.source_url,
                "source_file": study.source_file, "chunk_index": i, "start_index": start, "end_index": end,
                "field_path": top.field_path if top else "", "field_label": top.field_label if top else "",
                "fields": json.dumps([[o.field_path, o.field_label, o.start, o.end] for o in ovs])}
        out.append((f"vanilla::{study.study_id}::{i}", doc.page_content, meta))
    return out


def to_source(cid: str, text: str, meta: dict, score: float) -> VanillaSource:
    overlaps = [FieldOverlap(field_path=p, field_label=lbl, start=s, end=e)
                for p, lbl, s, e in json.loads(meta.get("fields") or "[]")]
    return VanillaSource(chunk_id=cid, text=text, study_id=meta["study_id"], study_title=meta.get("study_title", ""),
                         field_path=meta.get("field_path", ""), field_label=meta.get("field_label", ""),
                         source_url=meta.get("source_url", ""), source_file=meta.get("source_file", ""),
                         chunk_index=int(meta.get("chunk_index", 0)), score=score,
                         start_index=int(meta.get("start_index", 0)), end_index=int(meta.get("end_index", 0)),
                         overlaps=overlaps)


# ---------------------------------------------------------------- the index
class VanillaIndex:
    """The baseline's own Chroma collection, kept in step with the main one by a fingerprint."""

    def __init__(self, settings: Settings, embeddings: Embeddings, client=None):
        from trialchat.store import make_chroma_client

        self.settings = settings
        self.embeddings = embeddings
        self.client = client or make_chroma_client(settings)
        self.name = f"{settings.collection}__vanilla"
        self.vectors = None  # langchain_chroma.Chroma once ensured

    def fingerprint(self, chunks: list[tuple[str, str, dict]]) -> str:
        h = hashlib.sha256(f"{FORMAT_VERSION}|{CHUNK_SIZE}|{CHUNK_OVERLAP}|{self.settings.embedding_model}".encode())
        for cid, _text, meta in sorted(chunks, key=lambda c: c[0]):
            h.update(f"\x00{cid}\x01{meta.get('content_hash', '')}".encode())
        return h.hexdigest()[:32]

    def _chroma(self, metadata: dict | None = None):
        from langchain_chroma import Chroma

        return Chroma(collection_name=self.name, embedding_function=self.embeddings, client=self.client,
                      collection_metadata=metadata, collection_configuration={"hnsw": {"space": "cosine"}})

    def ensure(self, main_chunks: list[tuple[str, str, dict]], progress: bool = False) -> bool:
        """Open the collection, rebuilding it when the main collection changed. True if rebuilt."""
        fp = self.fingerprint(main_chunks)
        try:
            current = (self.client.get_collection(self.name).metadata or {}).get(FINGERPRINT_KEY)
        except Exception:  # chromadb raises NotFoundError/ValueError depending on version and client
            current = None
        if current == fp:
            self.vectors = self._chroma()
            return False
        try:
            self.client.delete_collection(self.name)
        except Exception:
            pass
        # "building" until the last batch is in: a killed build is redone next time, never half-used
        self.vectors = self._chroma({FINGERPRINT_KEY: "building"})
        splits = [s for st in render_studies(main_chunks) for s in split_study(st)]
        from tqdm import tqdm

        with tqdm(total=len(splits), desc="vanilla index", unit="chunk", disable=not progress, leave=False) as bar:
            for i in range(0, len(splits), ADD_BATCH):
                batch = splits[i:i + ADD_BATCH]
                self.vectors.add_texts([t for _, t, _ in batch], metadatas=[m for _, _, m in batch],
                                       ids=[c for c, _, _ in batch])
                bar.update(len(batch))
        self.client.get_collection(self.name).modify(metadata={FINGERPRINT_KEY: fp})
        return True

    def search(self, query: str, k: int, study_ids: set[str] | None = None) -> list[VanillaSource]:
        assert self.vectors is not None, "call ensure() first"
        flt = {"study_id": {"$in": sorted(study_ids)}} if study_ids else None
        hits = self.vectors.similarity_search_with_score(query, k=k, filter=flt)  # cosine distance
        return [to_source(doc.id or "", doc.page_content, doc.metadata, 1.0 - float(dist)) for doc, dist in hits]


# ---------------------------------------------------------------- the service
class VanillaRAG:
    """Implements assistant.protocols.AnswerService for the baseline (no history, no citations)."""

    def __init__(self, index: VanillaIndex, llm, k: int, catalog: list[CatalogEntry] | None = None):
        self.index, self.llm, self.k = index, llm, k
        self._catalog = catalog or []

    def stream(self, question: str, study_id: str | None = None,
               history: list[HistoryTurn] | None = None) -> Iterator[AnswerEvent]:
        from langchain_core.messages import HumanMessage

        from assistant.prompting import render_prompt

        # a pinned question searches its study only (a metadata filter, as a user would write it).
        # Not the glossary too: its dense term lists outrank the study's own fields in every split.
        scope = {study_id} if study_id else None
        sources = self.index.search(question, self.k, scope)
        yield SourcesEvent(sources=list(sources), study_id=study_id)
        if self.llm is None:
            yield FinalEvent(answer=Answer(text="(vanilla baseline without a language model: retrieval only)",
                                           status="abstained", sources=list(sources), study_id=study_id))
            return
        context = "\n\n".join(s.text for s in sources)
        prompt = render_prompt("vanilla_rag.txt", question=question, context=context)
        text = ""
        for chunk in self.llm.stream([HumanMessage(content=prompt)]):
            piece = str(chunk.content)
            if piece:
                text += piece
                yield TokenEvent(text=piece)
        status = "abstained" if DONT_KNOW.search(text) else "answered"
        yield FinalEvent(answer=Answer(text=text.strip(), status=status, sources=list(sources), study_id=study_id))

    def ask(self, question: str, study_id: str | None = None, history: list[HistoryTurn] | None = None) -> Answer:

        return final_answer(self.stream(question, study_id, history))

    def list_studies(self, query: str = "", limit: int = 20) -> list[StudySummary]:
        q = query.casefold()
        hits = [e for e in self._catalog if q in e.study_id.casefold() or q in e.title.casefold()]
        return [self._summary(e) for e in hits[:limit]]

    def get_study(self, study_id: str) -> StudySummary | None:
        return next((self._summary(e) for e in self._catalog if e.study_id == study_id), None)

    @staticmethod
    def _summary(e: CatalogEntry) -> StudySummary:
        return StudySummary(study_id=e.study_id, title=e.title, acronym=e.acronym, source_url=e.source_url)


def build_vanilla_service(settings: Settings, store=None, llm=None, embeddings: Embeddings | None = None,
                          progress: bool = False, log=None) -> VanillaRAG:
    """Open (or build) the baseline's collection from the main one; `llm` None = as settings say."""
    from trialchat.embeddings import embeddings_for
    from trialchat.store import open_store

    embeddings = embeddings or embeddings_for(settings)
    store = store or open_store(settings, embeddings)
    main_chunks = list(store.all_chunks())
    if not main_chunks:
        raise RuntimeError(f"collection {store.collection_name!r} is empty: run `trialchat ingest` first")
    index = VanillaIndex(settings, embeddings, client=store.client)
    t0 = time.perf_counter()
    rebuilt = index.ensure(main_chunks, progress=progress)
    if log:  # the index is built once per store fingerprint: say which happened, and what it cost
        fp = index.fingerprint(main_chunks)[:12]
        log(f"vanilla: index {index.name!r} built for store fingerprint {fp} in {time.perf_counter() - t0:.0f} s "
            "(reused by later runs until the store changes)" if rebuilt else
            f"vanilla: index {index.name!r} reused (store fingerprint {fp} unchanged)")
    if llm is None and settings.llm != "extractive":
        from assistant.llm import make_chat_model

        llm = make_chat_model(settings)
    return VanillaRAG(index, llm, settings.retrieve_k, store.catalog())
