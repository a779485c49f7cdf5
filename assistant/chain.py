"""The answer chain: scope → hybrid retrieve → prompt → LLM → verify → Answer.

Streaming order: sources first (before any LLM work), then verified sentences as they complete,
then the final Answer. Sentences are verified before they are streamed, so a reader never sees an
unsupported claim, not even for a moment.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from assistant.answer_writer import AnswerWriter, contact_line, contact_of, team_to_ask
from assistant.compose import Composer
from assistant.extractive import GENERIC, extractive_answer, relevance
from assistant.guard import check_question, decline_message
from assistant.intents import INTENT_FIELDS, field_hints, path_within
from assistant.prompting import render_prompt
from assistant.retrieval import HybridRetriever
from assistant.router import IntentRouter
from assistant.scoping import CORPUS_RE, Scope, StudyCatalog, looks_like_follow_up, resolve_scope, standalone
from assistant.textutil import content_terms, overlap, split_sentences
from assistant.types import (
    Answer,
    AnswerEvent,
    Citation,
    FinalEvent,
    HistoryTurn,
    Source,
    SourcesEvent,
    TokenEvent,
    final_answer,
)
from assistant.verify import Similarity, StreamingVerifier, best_quote, meaning_problem, render_sentence
from trialchat.facts import FactSheet
from trialchat.schema import GLOSSARY_ID

log = logging.getLogger(__name__)
NOT_STATED = "NOT STATED"
TERM_RE = re.compile(r"\b(mean|means|meaning|definition|define)\b|\bwhat (is|are) (a|an)\b|\bwhat is (open|double|single|"
                     r"triple|quadruple|placebo|random)", re.IGNORECASE)
EXCERPT_CHARS = 320  # per source in the prompt: keeps the whole prompt near 400–600 tokens
MIN_RELEVANCE = 0.2  # question content covered by the best source, below which we abstain up front
MIN_GLOSSARY_MATCH = 0.45  # cosine of a term question to its glossary entry, below which we don't define it


@dataclass
class ChainParts:
    retriever: HybridRetriever
    catalog_loader: Callable[[], StudyCatalog]  # re-read when an ingest changed the catalog
    llm: BaseChatModel | None
    similarity: Similarity | None
    k: int = 4
    max_question_chars: int = 2000
    router: IntentRouter | None = None  # None: every question goes through retrieval
    composer: Composer | None = None
    facts: Callable[[str], FactSheet | None] = lambda _study_id: None
    all_facts: Callable[[], list[FactSheet]] = list  # every study's sheet, for questions across studies


def is_term_question(question: str) -> bool:
    return bool(TERM_RE.search(question))


def excerpt(question: str, src: Source, limit: int = EXCERPT_CHARS) -> str:
    """The chunk sentences most related to the question, in their original order, verbatim."""
    body = src.body
    if len(body) <= limit:
        return body.replace("\n", " ")
    q = content_terms(question)
    sents = split_sentences(body)
    ranked = sorted(range(len(sents)), key=lambda i: -overlap(q, content_terms(sents[i])))
    keep: list[int] = []
    size = 0
    for i in ranked:
        if size + len(sents[i]) > limit and keep:
            continue
        keep.append(i)
        size += len(sents[i]) + 1
    return " ".join(sents[i] for i in sorted(keep))[: limit + 80]


class AnswerChain:
    def __init__(self, parts: ChainParts):
        self.p = parts

    # ---------------- public ----------------
    def invoke(self, question: str, study_id: str | None = None,
               history: list[HistoryTurn] | None = None) -> Answer:
        return final_answer(self.stream(question, study_id, history))

    def stream(self, question: str, study_id: str | None = None,
               history: list[HistoryTurn] | None = None) -> Iterator[AnswerEvent]:
        history = history or []
        guard = check_question(question, self.p.max_question_chars)
        if not guard.ok:
            yield SourcesEvent(sources=[], study_id=study_id)
            yield FinalEvent(answer=Answer(text=decline_message(guard.verdict, self.p.max_question_chars),
                                           status="declined", study_id=study_id))
            return
        catalog = self.p.catalog_loader()
        scope = resolve_scope(guard.question, catalog, study_id, history)  # UnknownStudyError for a bad pin
        if scope.reason == "corpus" and history and looks_like_follow_up(guard.question):
            scope = self._scope_from_history(guard.question, history, catalog) or scope

        route = self.p.router.route(guard.question) if self.p.router else None
        # an intent the router is unsure of (the question has words of another intent) is not answered as
        # that intent: retrieval reads the whole question instead
        intent = route.intent if route and route.confident else None
        if scope.study_id and intent and self.p.composer and not scope.unknown_id:
            composed = self._composed(intent, guard.question, scope, route.also if route else ())
            if composed:
                yield from composed
                return

        hints = list(dict.fromkeys(INTENT_FIELDS.get(intent or "", ()) + tuple(field_hints(guard.question))))
        sources = self._retrieve(scope, guard.question, hints)
        yield SourcesEvent(sources=sources, study_id=scope.study_id)
        answer = Answer(text="", status="answered", sources=sources, study_id=scope.study_id, intent=intent,
                        standalone_question=scope.standalone_question if scope.reason == "history" else None)

        if scope.unknown_id:
            answer.text = (f"I don't have the records of {scope.unknown_id}, so I can't answer about it. "
                           "You can look it up on ClinicalTrials.gov.")
            answer.status = "abstained"
            yield FinalEvent(answer=answer)
            return
        best = max((relevance(scope.standalone_question, s) for s in sources), default=0.0)
        best_dense = max((s.dense_score or 0.0 for s in sources), default=0.0)
        on_topic = any(path_within(s.field_path, hints) for s in sources)
        if not sources or (best < MIN_RELEVANCE and best_dense < 0.35 and not on_topic):
            yield FinalEvent(answer=self._abstain(answer, scope))
            return

        list_question = scope.study_id is None and (intent == "corpus" or bool(CORPUS_RE.search(guard.question)))
        if list_question and self.p.composer:
            listed = self.p.composer.corpus(guard.question, self.p.all_facts(),
                                            lambda query, k: self.p.retriever.search(query, k=k, per_study=3))
            if listed:
                answer.text, answer.citations, answer.sources = listed.text, listed.citations, listed.sources
                yield TokenEvent(text=listed.text)
                yield FinalEvent(answer=answer)
                return
        if self.p.llm is None or list_question:
            # "which trials ...?" is answered as a cited list of the matching studies: exact IDs, no paraphrase
            yield from self._quote(answer, scope, guard.question, sources, hints,
                                   max_sentences=len(sources) if list_question else 2)
            return

        yield from self._generate(answer, scope, sources, guard.question, hints)

    # ---------------- steps ----------------
    def _composed(self, intent: str, question: str, scope: Scope, also: tuple[str, ...] = ()) -> list[AnswerEvent] | None:
        """The answer composed from the study's fact sheet (no retrieval, no model), or None."""
        if not self.p.composer:
            return None
        sheet = self.p.facts(scope.study_id) if scope.study_id else None
        if intent == "term":
            entries = self.p.retriever.search(question, k=6, study_ids={GLOSSARY_ID})
            # the entry whose own name the question uses ("phase 3", not "phase 2/3"), else the best match
            named = [e for e in entries if re.search(rf"\b{re.escape(e.field_label.split(' › ')[-1])}\b", question,
                                                     re.IGNORECASE)]
            entry = max(named, key=lambda e: len(e.field_label)) if named else entries[0] if entries else None
            composed = self.p.composer.term(question, entry.field_path, sheet) \
                if entry and (named or (entry.dense_score or 0) >= MIN_GLOSSARY_MATCH) else None
        else:
            composed = self.p.composer.compose(intent, question, sheet, also) if sheet else None
        if not composed:
            return None
        ref = self.p.catalog_loader().get(scope.study_id) if scope.study_id and scope.reason != "pinned" else None
        if ref:  # the reader named the study (or the conversation did): say which record this is about
            composed.text = f"About {(ref.names or [ref.title])[0]} ({ref.study_id}): " \
                f"{composed.text[:1].lower()}{composed.text[1:]}"
        answer = Answer(text=composed.text, status="answered", citations=composed.citations,
                        sources=composed.sources, study_id=scope.study_id, intent=intent,
                        standalone_question=scope.standalone_question if scope.reason == "history" else None,
                        eligibility=composed.eligibility)
        return [SourcesEvent(sources=composed.sources, study_id=scope.study_id), TokenEvent(text=composed.text),
                FinalEvent(answer=answer)]

    def _scope_from_history(self, question: str, history: list[HistoryTurn], catalog: StudyCatalog) -> Scope | None:
        """No study named anywhere: find the one the conversation was about, by searching its last user turn."""
        last_user = next((t.content for t in reversed(history) if t.role == "user"), "")
        hits = [s for s in self.p.retriever.search(last_user, k=3, per_study=1) if s.study_id != GLOSSARY_ID] \
            if last_user.strip() else []
        if (not hits or relevance(last_user, hits[0]) < MIN_RELEVANCE) and self.p.llm is not None:
            # the last turn alone doesn't point at a study: let the model rewrite the question (slower)
            condensed = self._condense(question, history)
            ref, _ = catalog.find_in_text(condensed)
            if ref:
                return Scope(ref.study_id, standalone(question, ref), "history")
            hits = [s for s in self.p.retriever.search(condensed, k=3, per_study=1)
                    if s.study_id != GLOSSARY_ID] if condensed else hits
        ref = catalog.get(hits[0].study_id) if hits else None
        return Scope(ref.study_id, standalone(question, ref), "history") if ref else None

    def _condense(self, question: str, history: list[HistoryTurn]) -> str:
        prompt = render_prompt("condense.txt", history=history[-4:], question=question)
        try:
            out = self.p.llm.invoke([HumanMessage(content=prompt)])  # type: ignore[union-attr]
        except Exception:
            return ""
        text = str(out.content).strip().strip('"')
        return text if 0 < len(text) < 400 else ""

    def _retrieve(self, scope: Scope, question: str, hints: list[str]) -> list[Source]:
        """Pinned: search the study with the question as asked (the study is already fixed; naming it
        in the query would pull its title fields), plus the glossary when it helps."""
        k, r = self.p.k, self.p.retriever
        q = question if scope.study_id else scope.standalone_question
        term = is_term_question(q)
        if scope.study_id:
            study = r.search(q, k=k, study_ids={scope.study_id}, hints=hints)
            glossary = r.search(q, k=1, study_ids={GLOSSARY_ID})
            if term and glossary:
                return study[: k - 1] + glossary
            # the glossary only joins a study answer when it is clearly about the question's words
            strong = [g for g in glossary if (g.dense_score or 0) >= 0.55]
            return (study[: k - len(strong)] + strong) if strong else study
        return r.search(q, k=k, per_study=1 if not term else 2)

    def _abstain(self, answer: Answer, scope: Scope) -> Answer:
        """'The study records don't say.' and, when the record names them, the people to ask as a list
        (name, role, phone, e-mail), each line cited to the record's contact field."""
        sheet = self.p.facts(scope.study_id) if scope.study_id else None
        contacts = [contact_of(p, scope.study_id or "") for p in team_to_ask(sheet)]
        lines = [contact_line(c) for c in contacts]
        answer.citations = []
        if contacts and self.p.composer and scope.study_id:
            # the contact fields become sources 1, 2, … (cited), then what the search had found
            writer = AnswerWriter(scope.study_id, self.p.composer.chunks)
            for i, p in enumerate(team_to_ask(sheet)):
                n = writer.cite(p.path, p.quote)
                lines[i] += f" [{n}]" if n else ""
            cited = {s.chunk_id for s in writer.sources}
            answer.citations = writer.citations
            answer.sources = writer.sources + [s for s in answer.sources if s.chunk_id not in cited]
        answer.text = render_prompt("abstain.txt", topic="", contacts=lines)
        answer.status, answer.contacts = "abstained", contacts
        return answer

    @staticmethod
    def _answers_question(question: str, hints: list[str], sources: list[Source], kept) -> bool:
        """Verified sentences must also be on the question: share its specific words, or cite a field it asks about."""
        cited = [sources[c.n - 1] for k in kept for c in k.citations if 0 < c.n <= len(sources)]
        if any(path_within(s.field_path, hints) for s in cited):
            return True
        q = content_terms(question) - GENERIC
        return not q or bool(q & content_terms(" ".join(k.sentence for k in kept) + " " +
                                              " ".join(s.label for s in cited)))

    def _study_tail(self, scope: Scope, sources: list[Source], cited: set[int]):
        """A term answer should connect the term to this study: if the model only cited the glossary,
        add the study's own field, quoted (verbatim, so it verifies by construction)."""
        if any(sources[n - 1].study_id != GLOSSARY_ID for n in cited if 0 < n <= len(sources)):
            return None
        for n, src in enumerate(sources, start=1):
            if src.study_id == GLOSSARY_ID:
                continue
            quote, _ = best_quote(scope.standalone_question, src.text)
            if quote and quote in src.text:
                return f"In this study, {src.field_label}: “{quote}” [{n}].", [Citation.from_source(n, src, quote)]
        return None

    @staticmethod
    def build_messages(question: str, study_id: str | None, sources: list[Source]) -> list[BaseMessage]:
        """System prompt first and constant (llama.cpp reuses its cached prefix), then the numbered sources."""
        rows = [{"label": (f"{s.study_id} ({s.study_title}) · {s.field_label}" if study_id is None
                           and s.study_id != GLOSSARY_ID else s.field_label),
                 "excerpt": excerpt(question, s)} for s in sources]
        return [SystemMessage(content=render_prompt("system.txt")),
                HumanMessage(content=render_prompt("answer.txt", sources=rows, question=question))]

    def _generate(self, answer: Answer, scope: Scope, sources: list[Source], question: str,
                  hints: list[str]) -> Iterator[AnswerEvent]:
        # pinned: the sources are all from the study already; the question as asked reads best
        messages = self.build_messages(question if scope.study_id else scope.standalone_question, scope.study_id,
                                       sources)
        verifier = StreamingVerifier(sources, self.p.similarity)
        kept: list = []

        def admit(checks) -> Iterator[AnswerEvent]:
            # supported AND on the question; once the answer is on topic, its next sentences may elaborate
            for check in checks:
                problem = meaning_problem(check, sources, scope.study_id)
                if problem:
                    log.info("dropped a supported sentence: %s: %r", problem, check.sentence)
                    continue
                if kept or self._answers_question(question, hints, sources, [check]):
                    kept.append(check)
                    yield TokenEvent(text=render_sentence(check) + " ")

        raw, fed = "", 0
        for chunk in self.p.llm.stream(messages):  # type: ignore[union-attr]
            raw += str(chunk.content)
            if len(raw.strip()) < len(NOT_STATED) and NOT_STATED.startswith(raw.strip().upper()):
                continue  # might become NOT STATED: hold it back
            yield from admit(verifier.feed(raw[fed:]))
            fed = len(raw)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("model said %r; checks: %s", raw, [(c.supported, c.reason, c.original) for c in verifier.checks])
        said_not_stated = NOT_STATED in raw.upper() and not kept
        if not said_not_stated:
            yield from admit(verifier.finish())
        if said_not_stated and not any(path_within(s.field_path, hints) for s in sources):
            yield FinalEvent(answer=self._abstain(answer, scope))
            return
        tail = None
        if kept and is_term_question(scope.standalone_question) and scope.study_id:
            tail = self._study_tail(scope, sources, {c.n for k in kept for c in k.citations})
            if tail:
                yield TokenEvent(text=tail[0])
        if not kept:  # nothing verified: quote the record instead, or say we don't know
            yield from self._quote(answer, scope, question, sources, hints)
            return
        answer.text = " ".join(render_sentence(c) for c in kept) + (" " + tail[0] if tail else "")
        answer.citations = [c for k in kept for c in k.citations] + (tail[1] if tail else [])
        yield FinalEvent(answer=answer)

    def _quote(self, answer: Answer, scope: Scope, question: str, sources: list[Source], hints: list[str],
               max_sentences: int = 2) -> Iterator[AnswerEvent]:
        """The extractive answer (verbatim quotes, cited), or an abstention when nothing fits."""
        text, cites = extractive_answer(question, sources, hints=hints, max_sentences=max_sentences)
        if not text:
            yield FinalEvent(answer=self._abstain(answer, scope))
            return
        yield TokenEvent(text=text)
        answer.text, answer.citations = text, cites
        yield FinalEvent(answer=answer)
