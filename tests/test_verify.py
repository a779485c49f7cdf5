"""Verification: unsupported, fabricated and misattributed citations never reach the reader."""
from __future__ import annotations

from assistant.types import Source
from assistant.verify import best_quote, citation_is_verbatim, split_answer_sentences, verify_answer


def src(cid: str, text: str, study: str = "NCT02633163", path: str = "p") -> Source:
    return Source(chunk_id=cid, text=text, study_id=study, study_title="MiSLE", field_path=path,
                  field_label=text.split("\n")[0], source_url=f"https://clinicaltrials.gov/study/{study}")


MASKING = src("m", "Design › Masking\nDouble (Participant, Investigator)",
              path="protocolSection.designModule.designInfo.maskingInfo")
GLOSSARY = src("g", "Glossary › Double-blind\nDouble-blind (also called double-masked): neither the participants "
                    "nor the researchers know who is getting which treatment. This keeps the results fair.",
               study="glossary", path="glossary.double_blind")
AGE = src("a", "Eligibility › Criteria\nInclusion Criteria:\n- Age 18 to 75 years.\n- Diagnosis of systemic lupus "
               "erythematosus.\nExclusion Criteria:\n- Pregnancy.", path="protocolSection.eligibilityModule.eligibilityCriteria")
SOURCES = [MASKING, GLOSSARY, AGE]


def test_supported_sentences_keep_their_citations_and_verbatim_quotes():
    v = verify_answer("Adults aged 18 to 75 years with lupus can join [3]. Double-blind means neither the "
                      "participants nor the researchers know who gets which treatment [2].", SOURCES)
    assert len(v.citations) == 2 and not v.dropped
    for c in v.citations:
        assert citation_is_verbatim(c, SOURCES[c.n - 1].text)
    assert v.citations[0].quote == "Age 18 to 75 years."
    assert v.citations[0].field_path.endswith("eligibilityCriteria")


def test_fabricated_claims_and_numbers_are_dropped():
    v = verify_answer("Participants are paid $500 per visit [3]. The study takes place in Paris [1].", SOURCES)
    assert v.text == "" and v.citations == []
    assert all(not c.supported for c in v.checks)


def test_misattributed_citation_is_dropped():
    # true statement, wrong source: the age limits are in [3], not in the masking field [1]
    v = verify_answer("People aged 18 to 75 years can join [1].", SOURCES)
    assert v.text == "" and "[1]" in v.checks[0].reason


def test_fabricated_explicit_quote_is_dropped_even_if_the_source_is_right():
    v = verify_answer('Adults aged 18 to 75 years can join [3: "Age 18 to 80 years"].', SOURCES)
    assert v.citations == [] and "not in the source" in v.checks[0].reason
    ok = verify_answer('Adults aged 18 to 75 years can join [3: "Age 18 to 75 years"].', SOURCES)
    assert ok.citations and ok.citations[0].quote == "Age 18 to 75 years"


def test_uncited_sentences_and_out_of_range_citations_are_removed():
    v = verify_answer("Pregnancy excludes you [7]. Pregnancy is an exclusion [3]. Lupus is common.", SOURCES)
    assert [c.reason for c in v.dropped] == ["cites [7], which is not a source", "no citation"]
    assert v.text == "Pregnancy is an exclusion [3]."


def test_a_citation_at_the_end_of_a_run_covers_each_sentence_which_is_still_checked():
    v = verify_answer("Double-blind means neither the participants nor the researchers know who is getting "
                      "which treatment. Participants are paid $500. This keeps the results fair [2].", SOURCES)
    assert [c.supported for c in v.checks] == [True, False, True]
    assert v.text.count("[2]") == 2


def test_multi_citation_keeps_only_supporting_sources():
    v = verify_answer("Neither the participants nor the investigators know the treatment, which is double "
                      "masking [1][2][3].", SOURCES)
    assert {c.n for c in v.citations} == {1, 2}


def test_sentence_split_keeps_markers_placed_after_the_period():
    assert split_answer_sentences("It is double-blind. [1] Adults can join. [3]") == [
        "It is double-blind [1].", "Adults can join [3]."]


def test_best_quote_is_a_verbatim_sentence_of_the_chunk_body():
    quote, score = best_quote("During a pregnancy you cannot join", AGE.text)
    assert quote == "Pregnancy." and quote in AGE.text and score > 0


def test_semantic_similarity_lets_a_close_paraphrase_pass():
    claim = "Here the participants and the investigators are not told who receives the cells [1]."
    assert verify_answer(claim, SOURCES).text == ""  # lexical overlap alone is too weak
    assert verify_answer(claim, SOURCES, similarity=lambda a, b: 0.8).text  # a paraphrase passes with similarity


def test_inline_markers_stay_in_place_and_dropped_ones_disappear():
    v = verify_answer("Adults aged 18 to 75 years [3] with double masking [1] or [2] can join.", SOURCES)
    assert v.text.startswith("Adults aged 18 to 75 years [3] with double masking [1]")
