"""Eval metrics on hand-made cases, the question file loader, configs, and the runner with a test double."""
from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from assistant.protocols import StudySummary
from assistant.types import Answer, Citation, FinalEvent, HistoryTurn, Source, SourcesEvent, TokenEvent
from eval import metrics as M
from eval.configs import ConfigError, parse_config, parse_configs
from eval.questions_io import Question, QuestionFileError, load_questions, parse_questions
from trialchat.settings import Settings

MASKING = "protocolSection.designModule.designInfo.maskingInfo"
LOCATIONS = "protocolSection.contactsLocationsModule.locations"


# ---------------------------------------------------------------- the prefix rule
@pytest.mark.parametrize("field_path, expected, hit", [
    (MASKING, MASKING, True),
    (MASKING + ".masking", MASKING, True),                       # chunk inside the expected field
    ("protocolSection.designModule", MASKING, False),            # too broad: only 2 segments
    ("protocolSection.designModule.designInfo", MASKING, True),  # expected starts with a 3-segment path
    (LOCATIONS + "[3]", LOCATIONS, True),                        # list indices removed
    (LOCATIONS + "[3].city", LOCATIONS + "[0]", True),           # ... on both sides
    ("protocolSection.designModuleX.phases", "protocolSection.designModule", False),  # whole segments only
    ("protocolSection.designModule.phases", "protocolSection.designModule", True),
    ("page.researchers", "page.researchers", True),
    ("page", "page.researchers", False),
    ("", MASKING, False),
])
def test_path_matches(field_path, expected, hit):
    assert M.hits_expected_field(field_path, expected) is hit


def test_field_hit_needs_the_target_study():
    item = M.Retrieved("NCT1", (MASKING,))
    assert M.is_field_hit(item, {"NCT1"}, [MASKING])
    assert not M.is_field_hit(item, {"NCT2"}, [MASKING])
    assert M.is_field_hit(item, set(), [MASKING])  # no target: any study counts
    assert M.target_studies("NCT1", ["glossary"]) == {"NCT1", "glossary"}
    assert M.target_studies(None, None) == set()


def test_hit_rank_recall_and_study_recall():
    retrieved = [
        M.Retrieved("NCT2", (MASKING,), 0.9),                        # right field, wrong study
        M.Retrieved("NCT1", ("protocolSection.statusModule.overallStatus",), 0.8),
        M.Retrieved("NCT1", (LOCATIONS + "[0]",), 0.7),
        M.Retrieved("NCT1", (MASKING,), 0.6),
    ]
    targets = {"NCT1"}
    assert M.hit_rank(retrieved, targets, [MASKING, LOCATIONS], k=5) == 3
    assert M.hit_rank(retrieved, targets, [MASKING], k=3) is None  # the hit is at rank 4
    assert M.field_recall(retrieved, targets, [MASKING, LOCATIONS], k=3) == 0.5
    assert M.field_recall(retrieved, targets, [MASKING, LOCATIONS], k=4) == 1.0
    assert M.field_recall(retrieved, targets, [], k=4) is None
    assert M.study_recall(retrieved, {"NCT1", "NCT3"}, k=4) == 0.5
    assert M.study_recall(retrieved, set(), k=4) is None


def test_a_vanilla_chunk_covering_several_fields_counts_for_each():
    chunk = M.Retrieved("NCT1", ("protocolSection.designModule.phases", MASKING))
    assert M.field_recall([chunk], {"NCT1"}, ["protocolSection.designModule.phases", MASKING], k=1) == 1.0
    assert M.hit_rank([chunk], {"NCT1"}, [MASKING], k=1) == 1


# ---------------------------------------------------------------- answers
def test_answer_correct_alternatives_case_and_whitespace():
    answer = "The study is DOUBLE-blind:\n the participant   and the investigator do not know [1]."
    assert M.answer_correct(answer, ["double-blind", "participant and the investigator"])
    assert M.answer_correct(answer, ["quadruple|double-blind"])
    assert M.answer_correct(answer, ["double-blind", "care provider"]) is False
    assert M.answer_correct(answer, []) is None
    assert M.answer_correct(None, ["x"]) is None
    assert M.answer_correct("120\u00a0participants", ["120 participants"])  # NBSP folded


@pytest.mark.parametrize("expect, status, ok", [
    ("answered", "answered", True), ("abstain", "abstained", True), ("decline", "declined", True),
    ("abstain", "answered", False), ("decline", "abstained", False), (None, "answered", None),
    ("answered", None, None),
])
def test_expect_ok(expect, status, ok):
    assert M.expect_ok(expect, status) is ok


# ---------------------------------------------------------------- citations
def test_citation_checks_verbatim_in_a_retrieved_chunk():
    sources = {"c1": "Design › Masking\nDouble (Participant,   Investigator)", "c2": "Phase\nPhase 2"}
    keys = {("NCT1", MASKING): ["c1"]}
    cites = [
        M.CitedQuote("c1", "NCT1", MASKING, "Double (Participant, Investigator)"),  # whitespace-normalized
        M.CitedQuote("c1", "NCT1", MASKING, "double (participant"),                 # case matters: not verbatim
        M.CitedQuote("c9", "NCT1", MASKING, "Double"),                              # chunk not retrieved
        M.CitedQuote("", "NCT1", MASKING, "Investigator"),                          # matched on study + path
        M.CitedQuote("c2", "NCT1", "x", ""),                                        # empty quote
    ]
    assert M.citation_checks(cites, sources, keys) == [True, False, False, True, False]


def test_sentence_citation_coverage():
    text = ("The study is double-blind [1]. It enrols adults, e.g. people aged 18 to 65. [2] "
            "Ask the study team for details.\n- Site: Charleston [3]\n- Site: Atlanta")
    assert M.split_lines_and_sentences(text) == [
        "The study is double-blind [1].", "It enrols adults, e.g. people aged 18 to 65. [2]",
        "Ask the study team for details.", "Site: Charleston [3]", "Site: Atlanta"]
    assert M.sentence_citation_counts(text, {1, 2, 3}) == (3, 5)
    assert M.sentence_citation_counts(text, {1}) == (1, 5)  # a marker without a citation does not count
    assert M.sentence_citation_counts("Dose 2.5 mg daily [1, 2].", {2}) == (1, 1)
    quoted = "NCT1 · Locations › Jena: “Klinikum Jena\nJena, Germany. Recruiting.” [1]\nNCT1 · Phase: “Phase 2” [2]"
    assert M.sentence_citation_counts(quoted, {1, 2}) == (2, 2)  # a quotation is one cited unit


def test_reading_grade_is_offline_and_orders_plain_below_technical(monkeypatch):
    import nltk

    def no_download(*a, **kw):
        raise AssertionError("reading_grade must not download anything")
    monkeypatch.setattr(nltk, "download", no_download)
    plain = M.reading_grade("The study is blind. You do not know which drug you get [1].")
    hard = M.reading_grade("Participants must have histologically confirmed metastatic adenocarcinoma with "
                           "measurable disease according to radiological response evaluation criteria.")
    assert plain is not None and hard is not None and plain < 6 < hard
    assert M.reading_grade("") is None and M.reading_grade("[1]") is None


# ---------------------------------------------------------------- aggregation
def test_percentile_and_aggregate():
    assert M.percentile([], 50) is None
    assert M.percentile([10], 95) == 10
    assert M.percentile([1, 2, 3, 4], 50) == 2.5
    assert M.percentile(list(range(1, 101)), 95) == pytest.approx(95.05)
    scores = [
        M.QuestionScore(kind="lookup", field_recall=1.0, hit_rank=1, scored_retrieval=True, correct=True,
                        expect_ok=True, citations_ok=[True, True], cited_sentences=2, sentences=2,
                        ms={"sources": 10, "first_token": 100, "answer": 300}),
        M.QuestionScore(kind="lookup", field_recall=0.0, hit_rank=None, scored_retrieval=True, correct=False,
                        expect_ok=True, citations_ok=[False], cited_sentences=0, sentences=1,
                        ms={"sources": 30, "first_token": None, "answer": 500}),
        M.QuestionScore(kind="abstain", expect_ok=False, ms={"sources": 20, "answer": 40}),
        M.QuestionScore(kind="abstain", error=True),
    ]
    m = M.aggregate(scores)
    assert set(M.METRIC_KEYS) <= set(m)
    assert m["n"] == 4 and m["errors"] == 1
    assert m["mrr"] == 0.5  # a miss counts as 0
    assert m["field_recall_at_k"] == 0.5
    assert m["answer_correct"] == 0.5
    assert m["expect_accuracy"] == pytest.approx(0.6667)
    assert m["citation_precision"] == pytest.approx(0.6667)
    assert m["sentence_citation_coverage"] == pytest.approx(0.6667)
    assert m["sources_ms_p50"] == 20 and m["first_token_ms_p50"] == 100 and m["study_recall_at_k"] is None
    by_kind = M.aggregate_by_kind(scores)
    assert by_kind["lookup"]["n"] == 2 and by_kind["abstain"]["errors"] == 1


# ---------------------------------------------------------------- question files
def test_question_file_validation_names_the_line(tmp_path):
    good = {"id": "q1", "question": "Is it blinded?", "study_id": "NCT1", "expected_fields": [MASKING],
            "expected_answer": ["double"], "expect": "abstained", "kind": "design"}
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(good) + "\n\n" + json.dumps({**good, "id": "q2", "expect": None, "expected_answer": []})
                    + "\n")
    qs = load_questions(path)
    assert [q.id for q in qs] == ["q1", "q2"]
    assert qs[0].expect == "abstain" and qs[0].generates and not qs[1].generates

    with pytest.raises(QuestionFileError, match=r":2 .*expect"):
        parse_questions([json.dumps(good), json.dumps({**good, "id": "q2", "expect": "maybe"})], "q.jsonl")
    with pytest.raises(QuestionFileError, match=r"q.jsonl:3: not valid JSON"):
        parse_questions([json.dumps(good), "", "{oops"], "q.jsonl")
    with pytest.raises(QuestionFileError, match="duplicate id 'q1' \\(first on line 1\\)"):
        parse_questions([json.dumps(good), json.dumps(good)], "q.jsonl")
    with pytest.raises(QuestionFileError, match="question"):
        parse_questions([json.dumps({"id": "x"})], "q.jsonl")
    with pytest.raises(QuestionFileError, match="cannot read"):
        load_questions(tmp_path / "missing.jsonl")


def test_the_dev_set_loads():
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "eval" / "questions" / "dev.jsonl"
    if not path.exists():
        pytest.skip("dev set not written yet")
    assert len(load_questions(path)) >= 20


# ---------------------------------------------------------------- configs
def test_configs_are_settings_overrides():
    base = Settings(llm="local", retrieve_k=4)
    cfgs = {c.name: c for c in parse_configs(["default", "extractive", "bm25:llm=extractive", "vanilla"], base, k=5)}
    assert cfgs["default"].settings.llm == "local" and cfgs["default"].settings.retrieve_k == 5
    assert cfgs["extractive"].settings.llm == "extractive"
    assert cfgs["bm25:llm=extractive"].settings.retrieval_mode == "bm25"
    assert cfgs["bm25:llm=extractive"].settings.llm == "extractive"
    assert cfgs["vanilla"].kind == "vanilla" and cfgs["vanilla"].generates
    assert not parse_config("vanilla:llm=extractive", base).generates
    assert base.retrieve_k == 4  # the base settings are untouched
    for bad in ("nope", "bm25:colour=red", "bm25:retrieve_k=many", "bm25:llm"):
        with pytest.raises(ConfigError):
            parse_config(bad, base)
    with pytest.raises(ConfigError, match="twice"):
        parse_configs(["bm25", "bm25"], base)


# ---------------------------------------------------------------- the runner, with a test double
class ScriptedService:
    """A real AnswerService: answers from a script, records whether generation ran."""

    def __init__(self):
        self.generated: list[str] = []

    def _sources(self, study_id: str | None) -> list[Source]:
        sid = study_id or "NCT1"
        return [Source(chunk_id=f"{sid}::{MASKING}::0", text="Design › Masking\nDouble (Participant, Investigator)",
                       study_id=sid, study_title="T", field_path=MASKING, field_label="Design › Masking",
                       source_url="u", score=0.9)]

    def stream(self, question: str, study_id: str | None = None,
               history: list[HistoryTurn] | None = None) -> Iterator:
        if "boom" in question:
            raise RuntimeError("scripted failure")
        sources = self._sources(study_id)
        yield SourcesEvent(sources=sources, study_id=study_id)
        self.generated.append(question)
        text = "The study is double-blind [1]. Both the participant and investigator are masked [1]."
        yield TokenEvent(text=text)
        cite = Citation(n=1, study_id=sources[0].study_id, field_path=MASKING, field_label="Design › Masking",
                        quote="Participant, Investigator", source_url="u", chunk_id=sources[0].chunk_id)
        yield FinalEvent(answer=Answer(text=text, status="answered", citations=[cite], sources=sources,
                                       study_id=study_id))

    def ask(self, question, study_id=None, history=None) -> Answer:
        return [e for e in self.stream(question, study_id, history) if isinstance(e, FinalEvent)][-1].answer

    def list_studies(self, query: str = "", limit: int = 20) -> list[StudySummary]:
        return []

    def get_study(self, study_id: str) -> StudySummary | None:
        return None


def test_runner_scores_times_and_writes_report_with_a_double(tmp_path):
    from eval.runner import run_eval

    questions = [
        Question(id="q1", question="Is it blinded?", study_id="NCT1", expected_fields=[MASKING],
                 expected_answer=["double-blind"], expect="answered", kind="design"),
        Question(id="q2", question="Who is masked?", study_id="NCT1", expected_fields=[MASKING], kind="retrieval"),
        Question(id="q3", question="boom", study_id="NCT1", expect="answered", kind="design"),
        Question(id="q4", question="Is the glossary used?", study_id="NCT2", expected_fields=[MASKING],
                 expected_answer=["quadruple"], expect="abstain", kind="design"),
    ]
    services: list[ScriptedService] = []

    def factory(config):
        if config.name == "bm25":
            raise RuntimeError("model missing")  # a config that cannot start is recorded, not fatal
        services.append(ScriptedService())
        return services[-1]

    base = Settings(llm="extractive", data_dir=tmp_path / "data")
    configs = parse_configs(["extractive", "bm25"], base, k=5)
    results = run_eval(questions, configs, k=5, out_dir=tmp_path / "out", questions_file="q.jsonl",
                       factory=factory, progress=False, base=base)

    ext = results["configs"]["extractive"]
    assert services[0].generated == ["Is it blinded?", "Is the glossary used?"]  # q2 is retrieval-only
    m = ext["metrics"]
    assert m["n"] == 4 and m["errors"] == 1
    assert m["field_recall_at_k"] == 1.0 and m["mrr"] == 1.0
    assert m["answer_correct"] == 0.5 and m["expect_accuracy"] == 0.5
    assert m["citation_precision"] == 1.0 and m["sentence_citation_coverage"] == 1.0
    assert m["sources_ms_p50"] is not None and m["answer_ms_p50"] is not None
    q1 = ext["questions"][0]
    assert q1["hit_rank"] == 1 and q1["correct"] is True and q1["status"] == "answered"
    assert q1["retrieved"][0]["field_path"] == MASKING and set(q1["ms"]) == {"sources", "first_token", "answer"}
    q2 = ext["questions"][1]
    assert q2["status"] is None and q2["ms"]["answer"] is None and q2["hit_rank"] == 1
    assert "scripted failure" in ext["questions"][2]["error"]
    assert ext["by_kind"]["design"]["n"] == 3

    bm25 = results["configs"]["bm25"]
    assert "model missing" in bm25["error"] and bm25["metrics"]["errors"] == 4

    out = tmp_path / "out"
    saved = json.loads((out / "results.json").read_text())
    assert saved["k"] == 5 and set(saved["configs"]) == {"extractive", "bm25"}
    report = (out / "report.md").read_text()
    assert "| metric | `extractive` | `bm25` |" in report and "could not start" in report
    assert "`q4`" in report  # a worst question, with what was retrieved
    for png in ("metrics.png", "latency.png", "field_recall_by_kind.png"):
        assert (out / png).stat().st_size > 1000


def test_cli_rejects_bad_input_before_running(tmp_path, capsys):
    from eval.cli import main

    bad = tmp_path / "q.jsonl"
    bad.write_text('{"id": "a", "question": "x"}\n{"id": "b"}\n')
    assert main([str(bad)]) == 2
    assert "q.jsonl:2" in capsys.readouterr().err
    good = tmp_path / "g.jsonl"
    good.write_text('{"id": "a", "question": "x"}\n')
    assert main([str(good), "--config", "nope"]) == 2
    assert main([str(good), "--data-dir", str(tmp_path / "empty")]) == 2
    assert "nothing ingested" in capsys.readouterr().err


def test_question_selection_and_thresholds():
    from eval.cli import check_thresholds, select_questions

    qs = [Question(id=f"{kind}-{i}", question="q", kind=kind) for kind in ("a", "b") for i in range(3)]
    assert [q.id for q in select_questions(qs, per_kind=2)] == ["a-0", "a-1", "b-0", "b-1"]
    assert [q.id for q in select_questions(qs, kinds=["b"], limit=2)] == ["b-0", "b-1"]
    assert [q.id for q in select_questions(qs, per_kind=1, limit=1)] == ["a-0"]
    results = {"configs": {
        "default": {"settings": {"kind": "service"}, "metrics": {"field_recall_at_k": 0.5, "mrr": None}},
        "vanilla": {"settings": {"kind": "vanilla"}, "metrics": {"field_recall_at_k": 0.1}},
    }}
    assert check_thresholds(results, {"field_recall_at_k": 0.6, "mrr": 0.5}) == [
        "default: field_recall_at_k = 0.500 < 0.6"]  # the baseline is never gated; None is not a failure
    assert check_thresholds(results, {"field_recall_at_k": 0.4}) == []


def test_a_yes_no_opening_against_the_record_is_counted():
    from eval.metrics import opening_contradicts

    assert opening_contradicts("Yes. People are put into groups by chance [1].", "no") is True
    assert opening_contradicts("About MiSLE (NCT02633163): No. The record lists no site in Texas [1].", "no") is False
    assert opening_contradicts("The record says: “…” [1].", "yes") is False  # no opening of its own
    assert opening_contradicts("Yes.", None) is None  # not a yes/no question
