"""Run questions through configurations, timing the stream, and score each question.

For each configuration the service is built once (store and chat model shared between
configurations that agree on them); each question's `stream()` is consumed and timed: ms to the
sources event, to the first token, to the final answer. A failing question is recorded and counted
in `errors`; the run goes on. Retrieval-only questions (and configurations without generation)
stop reading the stream at the sources event, so the LLM is never started for them.
"""
from __future__ import annotations

import gc
import json
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.protocols import AnswerService
from assistant.types import Answer, FinalEvent, Source, SourcesEvent, TokenEvent
from eval import metrics as M
from eval.configs import EvalConfig
from eval.questions_io import Question
from trialchat.schema import split_chunk_text
from trialchat.settings import Settings

ServiceFactory = Callable[[EvalConfig], AnswerService]
SNIPPET_CHARS = 160


class DefaultFactory:
    """Builds the real services; shares the store and chat models across configurations."""

    def __init__(self, progress: bool = False, cache=None, log: Callable[[str], None] = print):
        self.progress = progress
        self.cache = cache  # eval.answer_cache.AnswerCache, or None (--no-cache)
        self.log = log
        self._stores: dict[tuple, Any] = {}
        self._llms: dict[tuple, Any] = {}

    def store(self, s: Settings):
        from trialchat.embeddings import embeddings_for
        from trialchat.store import open_store

        key = (str(s.data_dir), s.chroma_url, s.collection, s.embedding_model, s.embedding_backend)
        if key not in self._stores:
            self._stores[key] = open_store(s, embeddings_for(s))
        return self._stores[key]

    def llm(self, s: Settings):
        from assistant.llm import make_chat_model

        key = (s.llm, s.llm_model, s.llm_base_url, s.llm_ctx, s.llm_temperature, s.llm_max_tokens, s.llm_threads)
        if key not in self._llms:
            self._llms[key] = make_chat_model(s)  # None for extractive
        return self._llms[key]

    def __call__(self, config: EvalConfig) -> AnswerService:
        from eval.answer_cache import cached

        s = config.settings
        llm = cached(self.llm(s), self.cache, config.name, s) if config.generates else None
        if config.kind == "vanilla":
            from eval.vanilla import build_vanilla_service

            return build_vanilla_service(s, store=self.store(s), llm=llm, progress=self.progress, log=self.log)
        from assistant.service import build_answer_service

        service = build_answer_service(s, store=self.store(s), llm=llm, llm_from_settings=False)
        service.warm_up()  # one-off work (training the router) counts as setup, not as the first question's latency
        return service


# ---------------------------------------------------------------- one question
def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 1)


def consume(service: AnswerService, q: Question, generate: bool) -> tuple[list[Source], Answer | None, dict]:
    """Read the event stream; returns (sources, final answer or None, timings in ms)."""
    ms: dict[str, float | None] = {"sources": None, "first_token": None, "answer": None}
    sources: list[Source] | None = None
    final: Answer | None = None
    t0 = time.perf_counter()
    events = service.stream(q.question, q.study_id, list(q.history) or None)
    try:
        for ev in events:
            if isinstance(ev, SourcesEvent) and sources is None:
                ms["sources"], sources = _ms(t0), list(ev.sources)
                if not generate:
                    break  # retrieval only: never start the LLM
            elif isinstance(ev, TokenEvent) and ms["first_token"] is None:
                ms["first_token"] = _ms(t0)
            elif isinstance(ev, FinalEvent):
                ms["answer"], final = _ms(t0), ev.answer
                break
    finally:
        close = getattr(events, "close", None)
        if close:
            close()
    if sources is None:  # a service that answered without a sources event (e.g. a decline)
        sources = list(final.sources) if final else []
        ms["sources"] = ms["answer"]
    return sources, final, ms


def _retrieved(src: Source) -> dict:
    paths = list(getattr(src, "field_paths", None) or [src.field_path])
    body = split_chunk_text(src.text)[1]
    item = {"chunk_id": src.chunk_id, "study_id": src.study_id, "field_path": src.field_path,
            "score": round(float(src.score), 4), "snippet": " ".join(body.split())[:SNIPPET_CHARS]}
    if paths != [src.field_path]:
        item["field_paths"] = paths  # vanilla: every field the split overlaps
    return item


def score_question(q: Question, sources: list[Source], final: Answer | None, ms: dict, k: int,
                   generated: bool) -> tuple[dict, M.QuestionScore]:
    top = sources[:k]
    items = [M.Retrieved(s.study_id, tuple(getattr(s, "field_paths", None) or [s.field_path]), s.score) for s in top]
    targets = M.target_studies(q.study_id, q.expected_studies)
    rank = M.hit_rank(items, targets, q.expected_fields, k) if q.expected_fields else None
    answer = final.text if (final and generated) else None
    status = final.status if (final and generated) else None
    checks: list[bool] = []
    cited = n_sent = 0
    grade = None
    if final and generated:
        texts = {s.chunk_id: s.text for s in [*sources, *final.sources]}
        keys: dict[tuple[str, str], list[str]] = {}
        for s in [*sources, *final.sources]:
            keys.setdefault((s.study_id, s.field_path), []).append(s.chunk_id)
        checks = M.citation_checks([M.CitedQuote(c.chunk_id, c.study_id, c.field_path, c.quote)
                                    for c in final.citations], texts, keys)
        if final.status == "answered":  # abstentions and declines are not held to citing
            cited, n_sent = M.sentence_citation_counts(final.text, {c.n for c in final.citations})
            grade = M.reading_grade(final.text)
    score = M.QuestionScore(
        # a correct decline retrieves nothing by design: its study recall would only punish it
        kind=q.kind, intent=(final.intent if final and final.intent else "none"),
        study_recall=M.study_recall(items, targets, k) if q.expect != "decline" else None,
        field_recall=M.field_recall(items, targets, q.expected_fields, k), hit_rank=rank,
        scored_retrieval=bool(q.expected_fields), correct=M.answer_correct(answer, q.expected_answer),
        expect_ok=M.expect_ok(q.expect, status), opening_contradicts=M.opening_contradicts(answer, q.opening),
        citations_ok=checks, cited_sentences=cited, sentences=n_sent,
        reading_grade=grade, context_chars=sum(len(s.text) for s in top), ms=ms)
    record = {
        "id": q.id, "kind": q.kind, "question": q.question, "study_id": q.study_id, "expect": q.expect,
        "expected_fields": q.expected_fields, "expected_answer": q.expected_answer,
        "status": status, "answer": answer, "intent": final.intent if final else None,
        "citations": [c.model_dump() for c in final.citations] if (final and generated) else [],
        "citations_verified": checks,
        "retrieved": [_retrieved(s) for s in top],
        "resolved_study_id": final.study_id if final else None,
        "hit_rank": rank, "field_recall": score.field_recall, "study_recall": score.study_recall,
        "correct": score.correct, "expect_ok": score.expect_ok,
        "sentences": n_sent, "cited_sentences": cited, "reading_grade": grade, "ms": ms, "error": None,
    }
    return record, score


def error_record(q: Question, exc: BaseException) -> tuple[dict, M.QuestionScore]:
    msg = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    record = {"id": q.id, "kind": q.kind, "question": q.question, "study_id": q.study_id, "expect": q.expect,
              "expected_fields": q.expected_fields, "expected_answer": q.expected_answer, "status": None,
              "answer": None, "citations": [], "retrieved": [], "hit_rank": None, "correct": None,
              "ms": {}, "error": msg[:2000]}
    return record, M.QuestionScore(kind=q.kind, error=True)


# ---------------------------------------------------------------- whole run
def settings_summary(c: EvalConfig) -> dict:
    s = c.settings
    return {"preset": c.preset, "kind": c.kind, "overrides": {k: str(v) for k, v in c.overrides.items()},
            "llm": s.llm, "llm_model": s.llm_model, "retrieval_mode": s.retrieval_mode if c.kind == "service" else
            "dense (vanilla)", "retrieve_k": s.retrieve_k, "llm_ctx": s.llm_ctx, "generates": c.generates}


def _one(service: AnswerService, config: EvalConfig, q: Question, k: int) -> tuple[dict, M.QuestionScore]:
    """Answer and score one question (raises what the service raises); notes whether the answer came from
    the answer cache (the LLM calls of this question run in this thread)."""
    from eval.answer_cache import reset_thread_hits, thread_hits

    generate = config.generates and q.generates
    reset_thread_hits()
    sources, final, ms = consume(service, q, generate)
    record, score = score_question(q, sources, final, ms, k, generate)
    hits, misses = thread_hits()
    record["cache"] = None if not (hits or misses) else ("hit" if not misses else "miss")
    return record, score


def run_config(config: EvalConfig, questions: Sequence[Question], k: int, factory: ServiceFactory,
               bar=None, log: Callable[[str], None] = print, jobs: int = 1) -> dict:
    """Every question through one configuration; ``jobs`` > 1 answers that many at once (worth it against
    an endpoint that serves requests in parallel; results keep the question order)."""
    from concurrent.futures import ThreadPoolExecutor

    t0 = time.perf_counter()
    out: dict[str, Any] = {"settings": settings_summary(config), "jobs": jobs}
    try:
        service = factory(config)
    except Exception as e:  # a config that cannot start (model missing, ...) must not sink the run
        log(f"[{config.name}] could not start: {type(e).__name__}: {e}")
        pairs = [error_record(q, e) for q in questions]
        if bar is not None:
            bar.update(len(questions))
        out.update(setup_s=round(time.perf_counter() - t0, 2), error=f"{type(e).__name__}: {e}")
        return _finish(out, pairs)
    out["setup_s"] = round(time.perf_counter() - t0, 2)
    t_run = time.perf_counter()
    errors: list[int] = []

    def run(q: Question) -> tuple[dict, M.QuestionScore]:
        try:
            pair = _one(service, config, q, k)
        except Exception as e:
            if not errors:  # the first error of a config, in full
                log(f"[{config.name}] {q.id}: {''.join(traceback.format_exception(e))[-1500:]}")
            errors.append(1)
            pair = error_record(q, e)
        if bar is not None:
            bar.update(1)
            bar.set_postfix_str(f"errors={len(errors)}", refresh=False)
        return pair

    if jobs > 1:
        with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="eval") as pool:
            pairs = list(pool.map(run, questions))
    else:
        pairs = [run(q) for q in questions]
    out["run_s"] = round(time.perf_counter() - t_run, 2)
    out["cache_hits"] = sum(1 for r, _ in pairs if r.get("cache") == "hit")
    gc.collect()
    return _finish(out, pairs)


def _finish(out: dict, pairs: list[tuple[dict, M.QuestionScore]]) -> dict:
    scores = [s for _, s in pairs]
    out.update(metrics=M.aggregate(scores), by_kind=M.aggregate_by_kind(scores),
               by_intent=M.aggregate_by(scores, "intent"), questions=[r for r, _ in pairs])
    return out


def run_eval(questions: Sequence[Question], configs: Sequence[EvalConfig], k: int, out_dir: Path,
             questions_file: str = "", factory: ServiceFactory | None = None, progress: bool = True,
             base: Settings | None = None, worst: int = 8, jobs: int = 1, cache=None) -> dict:
    """Run every configuration, write results.json (after each configuration), report.md and plots."""
    from tqdm import tqdm

    from eval.plots import write_plots
    from eval.report import write_report

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    factory = factory or DefaultFactory(progress=progress, cache=cache, log=tqdm.write)
    base = base or (configs[0].settings if configs else Settings())
    results: dict[str, Any] = {
        "k": k, "questions_file": questions_file, "n_questions": len(questions),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "data_dir": str(base.data_dir), "collection": base.collection, "chroma_url": base.chroma_url,
        "jobs": jobs, "answer_cache": str(cache.path) if cache is not None else None,
        "configs": {},
    }
    with tqdm(total=len(configs) * len(questions), desc="eval", unit="q", disable=not progress,
              dynamic_ncols=True) as bar:
        for i, config in enumerate(configs, 1):
            # which configuration the bar is on: it counts configurations × questions
            bar.set_description(f"eval [{i}/{len(configs)} {config.name}]")
            results["configs"][config.name] = run_config(config, questions, k, factory, bar, log=tqdm.write,
                                                         jobs=jobs)
            _write_json(out_dir / "results.json", results)  # a long run keeps what it finished
    results["plots"] = write_plots(results, out_dir)
    _write_json(out_dir / "results.json", results)
    write_report(results, out_dir / "report.md", worst=worst)
    return results


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False, default=str))
    tmp.replace(path)
