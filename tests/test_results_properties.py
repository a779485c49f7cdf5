"""Properties of the results model and the composed results answers over every real study with posted results
in ../shared/data (API v2, classic XML, legacy study fields, NLI4CT: over a thousand studies).

- Every such study builds a model.
- Per-group totals equal the record's own, read from the file independently (tests/results_records.py).
- Every quote is verbatim in a chunk of its field.
- Every number in a composed answer (did it work, side effects, serious ones per group, who finished) is in a
  quote its sentence cites, or is one of our labelled computations, checked against the cited numbers:
  "about N%" / "less than 1%" after "a of n", and "N people across the groups" (a sum of one cited event line).
Parsing everything once takes ~30 s on 2 cores; composing four answers per study ~20 s more.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable

import pytest
from results_records import DATA, RealStudy, real_studies
from test_results_model import assert_quotes_in_chunks

from assistant.compose import Composer
from assistant.results_words import named, the_group
from ingest.chunking import chunk_study
from ingest.facts import fact_sheet
from trialchat.results import StudyResults

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"real data not present at {DATA}")

QUESTIONS = ("did it work?", "what side effects did people get?", "how many had serious side effects in each group?",
             "how many people dropped out?")
# our own numbers, each labelled; the rest of a sentence's numbers must be in what it cites
PERCENT = re.compile(r"\b(?P<a>\d+) of (?P<n>\d+)(?: people)?\s*\((?:about (?P<p>\d+(?:\.\d)?)%|(?P<lt>less than 1%))\)")
# "Added up over the groups, 25 of the 42 people who started finished, and 17 did not": sums of the cited flow lines
ADDED_UP = re.compile(r"Added up over the groups, (?P<finished>\d+) of the (?P<started>\d+) people who started finished, "
                      r"and (?P<left>\d+) did not")
ACROSS = re.compile(r"\b(?P<sum>\d+) (?:people|person) across the groups")
NUMBER = re.compile(r"\d+(?:\.\d+)?")
CITE = re.compile(r"\[(\d+)\]")
FRACTION = re.compile(r"(?<![\d.])(\d+)/\d+")
SENTENCE_END = re.compile(r"(?<=\]\.)\s+|\n")


@pytest.fixture(scope="module")
def studies() -> list[RealStudy]:
    return list(real_studies())


def by_format(studies: Iterable[RealStudy]) -> Counter[str]:
    return Counter(s.format for s in studies)


def test_every_study_with_posted_results_builds_a_model(studies):
    missing = [(s.format, s.study.study_id) for s in studies if s.study.results is None]
    assert missing == []
    counts = by_format(studies)
    # the data set as SOURCES.md describes it: 54 v2 records with resultsSection, every NLI4CT report
    assert counts["ctgov_v2"] == 54 and counts["nli4ct"] == 999
    assert counts["ctgov_xml"] >= 20 and counts["ctgov_legacy"] >= 40
    for s in studies:
        assert s.study.results and s.study.results.source_format == s.format


def _values(numbers) -> list[str]:
    return [x.value for x in numbers]


def test_per_group_totals_equal_the_records(studies):
    checked: Counter[str] = Counter()
    for s in studies:
        r, t = s.study.results, s.totals
        assert r is not None
        sid = s.study.study_id
        if t.started and r.flow and r.flow.periods and not any("flow not rebuilt" in p for p in r.problems):
            assert len(r.flow.periods) == len(t.started), sid
            for period, started, completed in zip(r.flow.periods, t.started, t.completed):
                kinds = {m.kind: m for m in period.milestones}
                assert _values(kinds["Started"].numbers) == started, (sid, period.title)
                if completed:
                    assert _values(kinds["Completed"].numbers) == completed, (sid, period.title)
                checked[f"{s.format} flow"] += 1
        if t.ae and r.adverse:
            got = [tuple(None if v is None else str(v) for v in (
                g.serious_affected, g.serious_at_risk, g.other_affected, g.other_at_risk, g.deaths_affected,
                g.deaths_at_risk))[:len(want)] for g, want in zip(r.adverse.groups, t.ae)]
            assert len(r.adverse.groups) == len(t.ae) and got == [w for w in t.ae], sid
            checked[f"{s.format} adverse events"] += 1
        if given := [x for x in t.any_ae if x != (None, None)]:  # a block with no numbers ("Total:") has none to check
            assert r.adverse and [(g.any_affected, g.any_at_risk) for g in r.adverse.groups
                                  if (g.any_affected, g.any_at_risk) != (None, None)] == given, sid
            checked[f"{s.format} adverse events"] += 1
    # every format's totals were compared somewhere (not a test that passes by skipping everything)
    for kind in ("ctgov_v2 flow", "ctgov_v2 adverse events", "ctgov_xml flow", "ctgov_xml adverse events",
                 "ctgov_legacy flow", "ctgov_legacy adverse events", "nli4ct adverse events"):
        assert checked[kind] >= 10, (kind, checked)


def test_every_quote_is_verbatim_in_a_chunk_of_its_field(studies):
    for s in studies:
        assert s.study.results is not None
        assert_quotes_in_chunks(s.study, s.study.results)


# ---- composed answers ----
def _lookup(study):
    by_path: dict[str, list[tuple[str, str, dict]]] = defaultdict(list)
    for c in chunk_study(study):
        by_path[c.field_path].append((c.id, c.text, c.metadata()))
    return lambda study_id, path: by_path.get(path, []) if study_id == study.study_id else []


def _group_names(r: StudyResults) -> list[str]:
    """Group names as the answers say them, longest first (their numbers are names, not claims: "C213 1.9 mg")."""
    titles = {g.title for g in r.flow.groups} if r.flow else set()
    titles |= {g.title for o in r.outcomes for g in o.groups}
    titles |= {g.title for g in r.adverse.groups} if r.adverse else set()
    return sorted({n for t in titles for n in (named(t), the_group(t), t)}, key=len, reverse=True)


def _in(number: str, text: str) -> bool:
    return re.search(rf"(?<![\d.]){re.escape(number)}(?![\d]|\.\d)", text) is not None


def _line_sums(quotes: list[str], groups: list[str], head: str) -> set[int]:
    """The sums of the group numbers on each cited line that starts with ``head`` ("Started:"), one a period."""
    sums: set[int] = set()
    for line in (ln.strip() for q in quotes for ln in q.split("\n")):
        if line.startswith(head):
            rest = line[len(head):]
            for name in sorted(groups, key=len, reverse=True):
                rest = rest.replace(name, " ")
            sums.add(sum(int(float(x)) for x in NUMBER.findall(rest)))
    return sums


def unchecked_numbers(sentence: str, quotes: list[str], groups: list[str]) -> list[str]:
    """The numbers of one sentence that are neither in its cited quotes nor a correct labelled computation."""
    text = CITE.sub("", sentence)
    bad: list[str] = []
    for m in PERCENT.finditer(text):
        a, n = int(m.group("a")), int(m.group("n"))
        share = 100 * a / n  # under 10% said to one decimal, else to a whole number
        ok = (m.group("lt") and 0 < share < 1) or \
            (m.group("p") and (round(share, 1) if share < 10 else round(share)) == float(m.group("p")))
        if not ok:
            bad.append(m.group(0))
    text = PERCENT.sub(lambda m: f"{m.group('a')} of {m.group('n')}", text)
    for m in ACROSS.finditer(text):
        if not any(sum(int(x) for x in FRACTION.findall(q)) == int(m.group("sum")) for q in quotes):
            bad.append(m.group(0))
    text = ACROSS.sub("", text)
    for m in ADDED_UP.finditer(text):
        if not (int(m.group("started")) in _line_sums(quotes, groups, "Started:")
                and int(m.group("left")) in _line_sums(quotes, groups, "Not completed:")
                and int(m.group("finished")) == int(m.group("started")) - int(m.group("left"))):
            bad.append(m.group(0))
    text = ADDED_UP.sub("", text)
    for name in groups:
        text = text.replace(name, " ")
    joined = "\n".join(quotes)
    return bad + [n for n in NUMBER.findall(text) if not _in(n, joined)]


def test_every_number_in_a_composed_results_answer_is_quoted_or_a_labelled_computation(studies):
    problems: list[tuple[str, str, str, list[str]]] = []
    said: Counter[str] = Counter()
    for s in studies:
        r = s.study.results
        assert r is not None
        study = s.study.answerable()
        composer = Composer(_lookup(study))
        sheet = fact_sheet(study)
        groups = _group_names(r)
        for q in QUESTIONS:
            answer = composer.compose("results", q, sheet)
            if answer is None:
                continue
            said[f"{s.format}: {q}"] += 1
            chunks = {src.chunk_id: src.text for src in answer.sources}
            for c in answer.citations:
                assert c.quote and c.quote in chunks[c.chunk_id], (s.study.study_id, c)
            for sentence in filter(str.strip, SENTENCE_END.split(answer.text)):
                marks = {int(n) for n in CITE.findall(sentence)}
                if not marks:
                    problems.append((s.study.study_id, q, sentence, ["no citation"]))
                quotes = [c.quote for c in answer.citations if c.n in marks]
                if bad := unchecked_numbers(sentence, quotes, groups):
                    problems.append((s.study.study_id, q, sentence, bad))
    assert problems == [], f"{len(problems)} sentences:\n" + "\n".join(map(str, problems[:40]))
    for fmt in ("ctgov_v2", "ctgov_xml", "ctgov_legacy", "nli4ct"):  # each kind of answer was composed in each format
        assert sum(n for k, n in said.items() if k.startswith(fmt)) >= 20, said
