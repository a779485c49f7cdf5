"""The harness end to end on real data: the bundled sample ingested into a temp data dir (real Chroma,
the bundled embedder), then `trialchat eval` with `extractive`, `bm25` and `vanilla` (no LLM, to stay
fast) on a few questions; checks results.json, report.md, the plots, and that the figures are sane."""
from __future__ import annotations

import json

from eval.cli import main
from eval.vanilla import FINGERPRINT_KEY

QUESTIONS = [
    {"id": "lookup-05", "question": "Who is the principal investigator?", "study_id": "NCT02633163",
     "expected_fields": ["protocolSection.contactsLocationsModule.overallOfficials"],
     "expected_answer": ["Gilkeson"], "expect": "answered", "kind": "lookup"},
    {"id": "eligibility-01", "question": "Can I join at 70?", "study_id": "NCT02633163",
     "expected_fields": ["protocolSection.eligibilityModule"], "expected_answer": ["65"], "expect": "answered",
     "kind": "eligibility"},
    {"id": "term-01", "question": "What does double-blind mean here?", "study_id": "NCT02633163",
     "expected_studies": ["NCT02633163", "glossary"],
     "expected_fields": ["protocolSection.designModule.designInfo.maskingInfo", "glossary.double_blind"],
     "expected_answer": ["participant", "investigator"], "expect": "answered", "kind": "term"},
    {"id": "corpus-04", "question": "Is there a study of sugemalimab in lung cancer?", "study_id": None,
     "expected_studies": ["NCT07247227"],
     "expected_fields": ["protocolSection.identificationModule", "protocolSection.armsInterventionsModule"],
     "expected_answer": ["sugemalimab"], "expect": "answered", "kind": "corpus"},
    {"id": "sites-retrieval", "question": "Where are the study sites?", "study_id": "NCT02633163",
     "expected_fields": ["protocolSection.contactsLocationsModule.locations"], "expect": None, "kind": "retrieval"},
    {"id": "abstain-01", "question": "Will I be paid for taking part?", "study_id": "NCT02633163",
     "expect": "abstain", "kind": "abstain"},
    {"id": "decline-03", "question": "Write me a poem about cats.", "study_id": None, "expect": "decline",
     "kind": "decline"},
]
CONFIGS = ["extractive", "bm25:llm=extractive", "vanilla:llm=extractive"]


def test_eval_harness_end_to_end_on_the_sample(sample_settings, sample_store, tmp_path, capsys):
    qfile = tmp_path / "questions.jsonl"
    qfile.write_text("\n".join(json.dumps(q) for q in QUESTIONS) + "\n")
    out = tmp_path / "out"
    args = [str(qfile), "--data-dir", str(sample_settings.data_dir), "--out", str(out), "--k", "5", "--no-progress",
            "--min", "citation_precision=0.9"]
    for c in CONFIGS:
        args += ["--config", c]
    assert main(args) == 0
    assert "| metric | `extractive` | `bm25:llm=extractive` | `vanilla:llm=extractive` |" in capsys.readouterr().out

    results = json.loads((out / "results.json").read_text())
    assert results["k"] == 5 and list(results["configs"]) == CONFIGS
    for name, cfg in results["configs"].items():
        m = cfg["metrics"]
        assert m["n"] == len(QUESTIONS) and m["errors"] == 0, (name, [q["error"] for q in cfg["questions"]])
        assert 0 < m["field_recall_at_k"] <= 1 and 0 < m["mrr"] <= 1, name
        assert 0 < m["study_recall_at_k"] <= 1, name
        assert m["sources_ms_p50"] is not None and m["sources_ms_p50"] >= 0
        assert set(cfg["by_kind"]) == {q["kind"] for q in QUESTIONS}
        for q in cfg["questions"]:
            assert len(q["retrieved"]) <= 5
            assert all({"study_id", "field_path", "score"} <= set(r) for r in q["retrieved"])

    ext = results["configs"]["extractive"]
    em = ext["metrics"]
    assert em["expect_accuracy"] is not None and em["expect_accuracy"] >= 0.5
    assert em["answer_correct"] is not None and em["citation_precision"] >= 0.9  # quotes are verbatim
    assert em["sentence_citation_coverage"] > 0.5 and em["reading_grade"] is not None
    by_id = {q["id"]: q for q in ext["questions"]}
    assert by_id["decline-03"]["status"] == "declined"
    assert by_id["sites-retrieval"]["status"] is None and by_id["sites-retrieval"]["ms"]["answer"] is None
    assert by_id["sites-retrieval"]["hit_rank"] is not None  # retrieval-only, still scored on retrieval
    assert by_id["lookup-05"]["citations"] and by_id["lookup-05"]["hit_rank"]

    van = results["configs"]["vanilla:llm=extractive"]
    vm = van["metrics"]
    for key in ("answer_correct", "expect_accuracy", "citation_precision", "sentence_citation_coverage"):
        assert vm[key] is None, key  # no generator: retrieval figures only
    assert vm["context_chars"] > em["context_chars"]  # 1000-character splits vs single fields
    pinned = [q for q in van["questions"] if q["study_id"]]
    assert all(r["study_id"] == q["study_id"] for q in pinned for r in q["retrieved"])  # the pin filters
    assert any(r.get("field_paths") for q in van["questions"] for r in q["retrieved"])  # offsets mapped back
    meta = sample_store.client.get_collection(f"{sample_settings.collection}__vanilla").metadata
    assert meta[FINGERPRINT_KEY] not in ("", "building")

    report = (out / "report.md").read_text()
    assert "## Worst questions" in report and "![metrics per configuration](metrics.png)" in report
    for png in ("metrics.png", "latency.png", "field_recall_by_kind.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"
