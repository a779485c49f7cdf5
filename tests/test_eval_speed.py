"""Evaluation at the speed of the endpoint: --jobs, the answer cache, vanilla's index notice, help and warnings."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEV = REPO / "eval" / "questions" / "dev.jsonl"


def test_help_says_which_configurations_run_the_model_and_what_they_cost():
    from eval.cli import build_parser
    from eval.configs import PRESETS

    text = build_parser().format_help()
    for name, preset in PRESETS.items():
        assert name in text and preset.cost and preset.cost.split(";")[0][:30] in " ".join(text.split())
    assert "LLM on every question" in text and "no LLM" in text
    assert "--jobs" in text and "--no-cache" in text and "once per store fingerprint" in text


def test_a_limit_that_keeps_one_kind_is_warned_about(capsys, tmp_path):
    from eval.cli import main, select_questions, selection_warnings
    from eval.questions_io import load_questions

    questions = load_questions(DEV)
    first5 = select_questions(questions, limit=5)
    assert {q.kind for q in first5} == {"lookup"}
    [warning] = selection_warnings(questions, first5, 5)
    assert "only 'lookup' questions" in warning and "--per-kind" in warning
    assert selection_warnings(questions, select_questions(questions, per_kind=1), None) == []
    assert selection_warnings(questions, select_questions(questions, limit=60), 60) == []

    # through the real command line: the warning is printed before anything runs
    code = main([str(DEV), "--limit", "3", "--config", "extractive", "--data-dir", str(tmp_path / "empty")])
    err = capsys.readouterr().err
    assert "warning: --limit 3 keeps only 'lookup' questions" in err
    assert code == 2 and "nothing ingested" in err  # and the empty data dir is still refused


@pytest.fixture(scope="module")
def dev_questions():
    from eval.cli import select_questions
    from eval.questions_io import load_questions

    return select_questions(load_questions(DEV), per_kind=2)


def test_jobs_give_the_same_results_in_the_same_order(sample_settings, sample_store, dev_questions, tmp_path, capsys):
    """--jobs 3 over the real service (extractive): same answers, same order, as one at a time; and the
    progress bar names the configuration it is on."""
    from eval.configs import parse_configs
    from eval.runner import DefaultFactory, run_eval

    configs = parse_configs(["extractive", "bm25:llm=extractive"], sample_settings, k=5)
    factory = DefaultFactory()
    factory._stores[(str(sample_settings.data_dir), None, sample_settings.collection,
                     sample_settings.embedding_model, sample_settings.embedding_backend)] = sample_store
    one = run_eval(dev_questions, configs[:1], 5, tmp_path / "one", factory=factory, progress=False,
                   base=sample_settings, jobs=1)
    many = run_eval(dev_questions, configs, 5, tmp_path / "many", factory=factory, progress=True,
                    base=sample_settings, jobs=3)
    a, b = one["configs"]["extractive"], many["configs"]["extractive"]
    assert b["jobs"] == 3 and many["jobs"] == 3
    assert [q["id"] for q in a["questions"]] == [q["id"] for q in b["questions"]] == [q.id for q in dev_questions]
    assert [q["answer"] for q in a["questions"]] == [q["answer"] for q in b["questions"]]
    assert a["metrics"]["field_recall_at_k"] == b["metrics"]["field_recall_at_k"]
    assert b["metrics"]["errors"] == 0
    err = capsys.readouterr().err
    assert "eval [1/2 extractive]" in err and "eval [2/2 bm25:llm=extractive]" in err


def _counting_llm(texts: list[str]):
    """A real LangChain chat model (GenericFakeChatModel) that records each call: unit logic only."""
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    calls: list[int] = []

    class Counting(GenericFakeChatModel):
        def _stream(self, *a, **kw):
            calls.append(1)
            yield from super()._stream(*a, **kw)

    return Counting(messages=iter([AIMessage(content=t) for t in texts])), calls


def test_cache_key_covers_configuration_messages_and_model(tmp_path):
    from langchain_core.messages import HumanMessage, SystemMessage

    from eval.answer_cache import AnswerCache, cached, reset_thread_hits, thread_hits
    from trialchat.settings import Settings

    cache = AnswerCache(tmp_path / "answers.sqlite3")
    inner, calls = _counting_llm(["first answer", "second answer", "third answer", "fourth answer"])
    s = Settings(llm="openai", llm_model="m1", llm_base_url="http://127.0.0.1:9/v1")
    msgs = [SystemMessage("rules"), HumanMessage("Question: who can join?\nSources: [1] adults")]

    def text(llm, messages):
        return "".join(str(c.content) for c in llm.stream(messages))

    llm = cached(inner, cache, "default", s)
    reset_thread_hits()
    assert text(llm, msgs) == "first answer" and thread_hits() == (0, 1)
    assert text(llm, msgs) == "first answer" and thread_hits() == (1, 1) and len(calls) == 1  # cached
    assert llm.invoke(msgs).content == "first answer" and len(calls) == 1
    other_sources = [msgs[0], HumanMessage("Question: who can join?\nSources: [1] children")]
    assert text(llm, other_sources) == "second answer"  # retrieved sources changed: a miss
    assert text(cached(inner, cache, "vanilla", s), msgs) == "third answer"  # another configuration
    other_model = s.model_copy(update={"llm_model": "m2"})
    assert text(cached(inner, cache, "default", other_model), msgs) == "fourth answer"
    assert len(calls) == 4
    fresh = AnswerCache(tmp_path / "answers.sqlite3", read=False)  # --no-cache: generate again
    assert fresh.get(AnswerCache.key(llm.namespace, msgs, None)) is None
    assert cached(None, cache, "x", s) is None


def test_a_cached_answer_replays_in_the_pieces_it_streamed_in(tmp_path):
    """The chain verifies sentences as they stream: a replay in other pieces could verify differently."""
    from langchain_core.messages import HumanMessage

    from eval.answer_cache import AnswerCache, cached
    from trialchat.settings import Settings

    text = "The main results at week 52 included changes in BASDAI. [1], [2]"
    inner, _ = _counting_llm([text])
    llm = cached(inner, AnswerCache(tmp_path / "answers.sqlite3"), "default", Settings(llm="openai", llm_model="m"))
    live = [str(c.content) for c in llm.stream([HumanMessage("q")])]
    replay = [str(c.content) for c in llm.stream([HumanMessage("q")])]
    assert len(live) > 5 and replay == live and "".join(replay) == text


def test_a_stream_stopped_early_is_not_cached(tmp_path):
    from langchain_core.messages import HumanMessage

    from eval.answer_cache import AnswerCache, cached
    from trialchat.settings import Settings

    cache = AnswerCache(tmp_path / "answers.sqlite3")
    inner, _ = _counting_llm(["a long answer that is cut", "the full answer"])
    llm = cached(inner, cache, "default", Settings(llm="openai", llm_model="m"))
    stream = llm.stream([HumanMessage("q")])
    next(stream)
    stream.close()
    assert "".join(str(c.content) for c in llm.stream([HumanMessage("q")])) == "the full answer"


@pytest.mark.llm
def test_rerun_with_the_real_model_costs_retrieval_only(sample_settings, sample_store, tmp_path):
    """The real local model: a second run of the same configuration answers from the cache with the same
    text; --no-cache generates again."""
    from eval.answer_cache import AnswerCache
    from eval.configs import parse_configs
    from eval.questions_io import Question
    from eval.runner import DefaultFactory, run_eval

    # questions no composer answers: the record's sentence first, then the model's plain rewrite of it
    questions = [Question(id="speed-1", question="Do I need to be able to tell my cluster headaches apart from "
                          "my migraines?", study_id="NCT04066023", expect="answered", kind="lookup"),
                 Question(id="speed-2", question="Do subjects answer questions in the eDiary after using the patch?",
                          study_id="NCT04066023", expect="answered", kind="lookup")]
    local = sample_settings.model_copy(update={"llm": "local", "llm_max_tokens": 48})
    configs = parse_configs(["default"], local, k=5)
    cache = AnswerCache(tmp_path / "answers.sqlite3")

    def run(name, c):
        factory = DefaultFactory(cache=c)
        factory._stores[(str(local.data_dir), None, local.collection, local.embedding_model,
                         local.embedding_backend)] = sample_store
        return run_eval(questions, configs, 5, tmp_path / name, factory=factory, progress=False, base=local)

    first = run("first", cache)["configs"]["default"]
    generated = [q for q in first["questions"] if q["cache"] is not None]
    assert generated, "these questions go to the model"
    assert {q["cache"] for q in generated} == {"miss"} and first["cache_hits"] == 0
    second = run("second", cache)["configs"]["default"]
    assert second["cache_hits"] == len(generated)
    assert [q["answer"] for q in second["questions"]] == [q["answer"] for q in first["questions"]]
    third = run("third", AnswerCache(tmp_path / "answers.sqlite3", read=False))["configs"]["default"]
    assert third["cache_hits"] == 0
