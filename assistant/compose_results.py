"""Answers about a finished study's results, composed from the typed results on its fact sheet.

"Did it work?" → the main result in the record's words, each group's number, the time frame, and
what the record's own statistical test says (never more); when placebo did as well or better, that is
said. "Side effects?" → per group how many had side effects, the most common ones, the serious ones,
deaths, and the drug group against placebo. "Serious side effects in each group?" → that table in
sentences. "How many finished?" → started / finished per group and the main reasons for leaving.
Every sentence cites the line of the results field that holds its numbers (``trialchat/results.py``
keeps each line verbatim); percentages we compute are said as "about N%", rounded once.
"""
from __future__ import annotations

import re

from assistant.answer_writer import AnswerWriter, join_words
from trialchat.facts import FactSheet
from trialchat.results import (
    AdverseEvent,
    AdverseEvents,
    Cited,
    EventGroup,
    GroupNumber,
    Milestone,
    OutcomeResult,
    ResultGroup,
    StudyResults,
)

SERIOUS_Q = re.compile(r"\b(serious|severe|hospital\w*|deaths?|die|died|dying|dead|pass(ed)? away|fatal|"
                       r"life.threatening)\b", re.IGNORECASE)
SIDE_Q = re.compile(r"\b(side.?ef+ects?|adverse|reactions?|safe|safety|harm\w*|sick|complications?|tolerat\w*|"
                    r"problems?)\b", re.IGNORECASE)
FLOW_Q = re.compile(r"\b(drop(ped)?\s?out|dropouts?|quit|finish\w*|complet\w*|left|leave|leaving|withdr\w*|"
                    r"stay(ed)?|gave up|stopped early|how many (people )?(started|took part|were in|joined))\b",
                    re.IGNORECASE)
PLACEBO = re.compile(r"\b(placebo|sham|vehicle|dummy)\b", re.IGNORECASE)
SWITCHED = re.compile(r"->|→|\bthen\b|\bfollowed by\b|\bswitch", re.IGNORECASE)  # "Placebo->OL CZP" got the drug
# which way is better, from the outcome's own words; unknown → no "better" said at all
HIGHER_BETTER = re.compile(r"respon|relief|improv|remission|success|achiev|heal|cure|surviv|recover|"
                           r"\bclear", re.IGNORECASE)
LOWER_BETTER = re.compile(r"adverse|death|mortality|relapse|recurren|progression|failure|hospitali|worsen|flare|"
                          r"crying|infection", re.IGNORECASE)
P_VALUE = re.compile(r"^\s*([<>≤≥=]*)\s*(\d*\.?\d+)")
MAX_MAIN = 2  # main results described
MAX_GROUPS = 4  # groups listed one by one
MAX_COMMON = 3  # most common side effects named per group ...
MAX_COMMON_GROUPS = 3  # ... for this many groups
MAX_SERIOUS = 5
MAX_REASONS = 3
REASON_WORDS = {"adverse event": "side effects", "lack of efficacy": "the treatment did not work well enough",
                "withdrawal by subject": "they chose to leave", "lost to follow-up": "the team lost contact with them",
                "physician decision": "their doctor's decision", "protocol violation": "not following the study rules",
                "death": "death", "sponsor decision": "the sponsor's decision", "pregnancy": "pregnancy"}


def compose_results(w: AnswerWriter, question: str, sheet: FactSheet) -> None:
    """The part of the results the question asks about; with no results, what the record says instead."""
    r = sheet.results
    if r is None:
        _no_results(w, sheet)
        return
    if SERIOUS_Q.search(question):
        _serious(w, r)
    elif SIDE_Q.search(question):
        _side_effects(w, r)
    elif FLOW_Q.search(question):
        _flow(w, r)
    else:
        _did_it_work(w, r)


# ---- helpers ----
def c(x: Cited | None) -> list[tuple[str, str]]:
    """A fact as AnswerWriter citations (none when it has no citable quote)."""
    return [(x.path, x.quote)] if x is not None and x.quote else []


def about(a: int | None, n: int | None) -> str:
    """Our own percentage, labelled: 'about 37%' (rounded once); '' when it cannot be computed."""
    if not a or not n:  # none of them: "0 of 9" says it
        return ""
    pct = 100 * a / n
    return "less than 1%" if 0 < pct < 1 else f"about {round(pct)}%"


def _pct(a: int | None, n: int | None) -> str:
    return f" ({about(a, n)})" if about(a, n) else ""


def term_words(term: str) -> str:
    """'Upper respiratory tract infection' → 'upper respiratory tract infection'; 'COVID-19' stays."""
    return term[:1].lower() + term[1:] if term[1:2].islower() else term


def is_placebo(g: ResultGroup | EventGroup) -> bool:
    return bool(PLACEBO.search(g.title)) and not SWITCHED.search(g.title)


def named(title: str) -> str:
    return f"“{title}”"


def _p(p: str) -> float | None:
    m = P_VALUE.match(p)
    return float(m.group(2)) if m else None


# ---- no results ----
def _no_results(w: AnswerWriter, s: FactSheet) -> None:
    if s.status:
        w.say("results.none", s.status, status=s.status.value)
    m = re.match(r"^[^:]+:\s*(.+?)(?:\s*\((\w+)\))?$", s.completion.value) if s.completion else None
    if m and s.completion:
        past = (m.group(2) or "").lower() == "actual"
        w.say("results.none_end_done" if past else "results.none_end", s.completion, past=past,
              when=f"in {m.group(1)}")


# ---- did it work ----
def _is_count(o: OutcomeResult) -> bool:
    unit = o.unit.lower()
    return "percent" not in unit and ("count of participants" in o.param_type.lower()
                                      or unit in ("participants", "subjects", "patients", "people"))


def _value_words(o: OutcomeResult, x: GroupNumber, analysed: dict[str, GroupNumber]) -> str:
    v = x.value
    unit, param = o.unit.lower(), o.param_type.lower()
    if "percent" in unit or unit.strip() == "%":
        return f"{v}%"
    if _is_count(o):
        n = analysed.get(x.group_id)
        return f"{v} of {n.value} people" if n and n.value else f"{v} people"
    tail = f" {o.unit}" if o.unit else ""
    if "median" in param:
        return f"a middle value (median) of {v}{tail}"
    if "geometric" in param:
        return f"an average (geometric mean) of {v}{tail}"
    if "least squares" in param:
        return f"an adjusted average of {v}{tail}"
    if "mean" in param:
        return f"an average of {v}{tail}"
    return f"{v}{tail}"


def _numeric(v: str) -> float | None:
    try:
        return float(v)
    except ValueError:
        return None


def _main_outcomes(r: StudyResults) -> list[OutcomeResult]:
    primary = [o for o in r.outcomes if o.primary] or r.outcomes[:1]
    # the ones with numbers for two or more groups first (a comparison), then any with numbers, then the rest
    def rank(o: OutcomeResult) -> int:
        counted = max((sum(1 for x in row.numbers if _numeric(x.value) is not None) for row in o.rows), default=0)
        return 0 if counted >= 2 else 1 if counted else 2
    return sorted(primary, key=rank)


def _did_it_work(w: AnswerWriter, r: StudyResults) -> None:
    main = _main_outcomes(r)
    for o in main[:MAX_MAIN]:
        _one_outcome(w, r, o, len(main))
    rest = len(main) - MAX_MAIN
    if rest > 0:
        w.say("results.more_main", c(main[MAX_MAIN]))


def _one_outcome(w: AnswerWriter, r: StudyResults, o: OutcomeResult, n_main: int) -> None:
    when = o.time_frame.value if o.time_frame else ""
    w.say("results.main" if n_main == 1 else "results.main_many", c(o) + c(o.time_frame), title=o.title, when=when)
    if o.description and len(o.description.value) <= 240:
        w.say("results.means", c(o.description), text=o.description.value.rstrip(" ."))
    if not o.posted:
        w.say("results.not_posted", c(o.not_posted))
        return
    if not o.rows:
        legacy = any(p.startswith("OutcomeMeasurementValue") or p.startswith("outcome values") for p in r.problems)
        w.say("results.not_lined_up" if legacy else "results.no_numbers", c(o))
        return
    groups = {g.id: g for g in o.groups}
    analysed = {x.group_id: x for x in o.analysed_numbers}
    rows = [row for row in o.rows if any(x.value and x.value != "NA" for x in row.numbers)][:2]
    for row in rows:
        parts = [f"{_value_words(o, x, analysed)} in the {named(groups[x.group_id].title if x.group_id in groups else x.group_id)} group"
                 for x in row.numbers if x.value and x.value != "NA"]
        w.say("results.numbers", c(row) + c(o.analysed), label=row.label if len(o.rows) > 1 else "",
              list=join_words(parts))
    for x in o.analysed_numbers:
        if x.count == 1 and x.group_id in groups:
            w.say("results.one_person", c(o.analysed), group=named(groups[x.group_id].title))
    if rows:
        _compare(w, o, rows[0].numbers, groups)


def _direction(words: str) -> tuple[bool, bool]:
    """(higher is better, lower is better) from an outcome's words; both False when they don't say one way."""
    up, down = bool(HIGHER_BETTER.search(words)), bool(LOWER_BETTER.search(words))
    return up and not down, down and not up


def _compare(w: AnswerWriter, o: OutcomeResult, numbers: list[GroupNumber], groups: dict[str, ResultGroup]) -> None:
    """What the record's own test says; placebo as good or better is always said; 'better' only with the test."""
    higher, lower = _direction(o.title)
    if not (higher or lower) and o.description:  # the title says nothing either way: its description may
        higher, lower = _direction(o.description.value)
    values = {x.group_id: v for x in numbers if (v := _numeric(x.value)) is not None}
    if _is_count(o):  # "3 of 8" against "5 of 9": compare the shares, not the counts
        analysed = {x.group_id: x.count for x in o.analysed_numbers if x.count}
        values = {g: v / analysed[g] for g, v in values.items() if g in analysed}
    placebo = [g for g in groups.values() if is_placebo(g) and g.id in values]
    drugs = [g for g in groups.values() if not is_placebo(g) and g.id in values]
    tested = [a for a in o.analyses if a.p_value and _p(a.p_value) is not None]
    if len(placebo) == 1 and drugs and (higher or lower):
        pv = values[placebo[0].id]
        best = max(drugs, key=lambda g: values[g.id] if higher else -values[g.id])
        bv = values[best.id]
        cites = c(next(row for row in o.rows if row.numbers == numbers))
        if (bv <= pv) if higher else (bv >= pv):
            w.say("results.placebo_as_good", cites, group=named(best.title))
            return
        test = next((a for a in tested if {placebo[0].id, best.id} <= set(a.group_ids)), None)
        if test is None:
            w.say("results.better_untested", cites, group=named(best.title))
        else:
            sure = (_p(test.p_value) or 1.0) <= 0.05 and not test.p_value.lstrip().startswith(">")
            w.say("results.better_sure" if sure else "results.better_unsure", cites + c(test),
                  group=named(best.title), p=test.p_value)
        return
    if not tested:
        if len(values) >= 2:
            w.say("results.untested", c(next(row for row in o.rows if row.numbers == numbers)))
        return
    a = tested[0]
    names = join_words([named(groups[g].title) for g in a.group_ids if g in groups])
    sure = (_p(a.p_value) or 1.0) <= 0.05 and not a.p_value.lstrip().startswith(">")
    w.say("results.test_sure" if sure else "results.test_unsure", c(a), groups=names or "the groups",
          p=a.p_value)


# ---- side effects ----
def _at_risk(g: EventGroup) -> int | None:
    return g.other_at_risk or g.serious_at_risk or g.any_at_risk


def _shown_groups(ae: AdverseEvents) -> list[EventGroup]:
    return [g for g in ae.groups if _at_risk(g)]


def _group_lines(w: AnswerWriter, ae: AdverseEvents, groups: list[EventGroup]) -> None:
    w.say("results_ae.by_group", c(groups[0]) if groups else [])
    for g in groups[:MAX_GROUPS]:
        if g.any_affected is not None:
            w.item("results_ae.any_line", (g.path, g.quote), group=named(g.title), affected=g.any_affected,
                   n=g.any_at_risk, pct=_pct(g.any_affected, g.any_at_risk))
        elif g.quote:
            n = _at_risk(g)
            w.item("results_ae.group_line", (g.path, g.quote), group=named(g.title), n=n, other=g.other_affected,
                   serious=g.serious_affected,
                   other_pct=_pct(g.other_affected, g.other_at_risk), serious_pct=_pct(g.serious_affected, g.serious_at_risk))
    if len(groups) > MAX_GROUPS:
        w.say("results_ae.more_groups", c(groups[MAX_GROUPS]), n=len(groups) - MAX_GROUPS)


def _count_words(e: AdverseEvent, g: EventGroup) -> str:
    x = e.count_of(g.id)
    if x is None or not x.affected:
        return ""
    return f"{term_words(e.term)} ({x.affected} of {x.at_risk} people)" if x.at_risk else \
        f"{term_words(e.term)} ({x.affected} {'person' if x.affected == 1 else 'people'})"


def _common(w: AnswerWriter, ae: AdverseEvents, groups: list[EventGroup]) -> None:
    pool = [e for e in ae.events if e.kind in ("other", "")] or [e for e in ae.events if e.kind == "serious"]
    for g in groups[:MAX_COMMON_GROUPS]:
        def affected(e: AdverseEvent, g: EventGroup = g) -> int:
            x = e.count_of(g.id)
            return x.affected or 0 if x else 0
        top = [e for e in sorted(pool, key=affected, reverse=True) if affected(e) and e.quote][:MAX_COMMON]
        if top:
            w.say("results_ae.common" if len(top) > 1 else "results_ae.common_one", [(e.path, e.quote) for e in top],
                  group=named(g.title), list=join_words([_count_words(e, g) for e in top]))
    if ae.frequency_threshold and _numeric(ae.frequency_threshold.value):
        w.say("results_ae.threshold", c(ae.frequency_threshold), pct=ae.frequency_threshold.value)


def _placebo_pair(groups: list[EventGroup]) -> tuple[EventGroup, EventGroup] | None:
    placebo = [g for g in groups if is_placebo(g)]
    drugs = [g for g in groups if not is_placebo(g) and not PLACEBO.search(g.title)]
    return (drugs[0], placebo[0]) if len(placebo) == 1 and len(drugs) >= 1 else None


def _compare_other(w: AnswerWriter, groups: list[EventGroup]) -> None:
    pair = _placebo_pair(groups)
    if not pair:
        return
    d, p = pair
    if None in (d.other_affected, p.other_affected) or not (d.other_at_risk and p.other_at_risk):
        return
    da, pa = 100 * (d.other_affected or 0) / d.other_at_risk, 100 * (p.other_affected or 0) / p.other_at_risk
    key = "compare_same" if abs(da - pa) < 2 else "compare_more" if da > pa else "compare_less"
    w.say(f"results_ae.{key}", c(d) + c(p), group=named(d.title), a=about(d.other_affected, d.other_at_risk),
          b=about(p.other_affected, p.other_at_risk))


def _serious_events(w: AnswerWriter, ae: AdverseEvents, groups: list[EventGroup]) -> None:
    serious = [e for e in ae.events if e.kind == "serious" and e.quote]
    if serious:
        def total(e: AdverseEvent) -> int:
            return sum(x.affected or 0 for x in e.counts)
        top = sorted(serious, key=total, reverse=True)[:MAX_SERIOUS]
        items = []
        for e in top:
            where = [f"{x.affected} in the {named(g.title)} group" for g in ae.groups
                     if (x := e.count_of(g.id)) and x.affected]
            items.append(f"{term_words(e.term)} ({join_words(where)})")
        w.say("results_ae.serious_list", [(e.path, e.quote) for e in top], list=join_words(items))


def _deaths(w: AnswerWriter, groups: list[EventGroup]) -> None:
    known = [g for g in groups if g.deaths_affected is not None and g.quote]
    if not known:
        return
    died = [g for g in known if g.deaths_affected]
    if not died:
        w.say("results_ae.deaths_none", [(g.path, g.quote) for g in known])
    else:
        w.say("results_ae.deaths", [(g.path, g.quote) for g in died], list=join_words(
            [f"{g.deaths_affected} of {g.deaths_at_risk} people in the {named(g.title)} group" for g in died]))


def _no_table(w: AnswerWriter, r: StudyResults) -> None:
    anchor = next((o for o in r.outcomes if o.quote), None)
    w.say("results_ae.none", c(anchor))


def _side_effects(w: AnswerWriter, r: StudyResults) -> None:
    ae = r.adverse
    if ae is None or not _shown_groups(ae):
        _no_table(w, r)
        return
    groups = _shown_groups(ae)
    if ae.time_frame:
        w.say("results_ae.when", c(ae.time_frame), when=ae.time_frame.value)
    _group_lines(w, ae, groups)
    _common(w, ae, groups)
    _compare_other(w, groups)
    if groups and all(g.serious_affected == 0 for g in groups):
        w.say("results_ae.serious_none", [(g.path, g.quote) for g in groups if g.quote])
    else:
        _serious_events(w, ae, groups)
    _deaths(w, groups)


def _serious(w: AnswerWriter, r: StudyResults) -> None:
    ae = r.adverse
    groups = _shown_groups(ae) if ae else []
    if ae is None or not groups:
        _no_table(w, r)
        return
    if any(g.serious_affected is None for g in groups):  # a format that does not say which were serious
        _side_effects(w, r)
        return
    if all(g.serious_affected == 0 for g in groups):
        w.say("results_ae.serious_none", [(g.path, g.quote) for g in groups if g.quote])
    else:
        w.say("results_ae.serious_by_group", c(groups[0]))
        for g in groups:
            w.item("results_ae.serious_line", (g.path, g.quote), group=named(g.title), serious=g.serious_affected,
                   n=g.serious_at_risk, pct=_pct(g.serious_affected, g.serious_at_risk))
        pair = _placebo_pair(groups)
        if pair and pair[0].serious_at_risk and pair[1].serious_at_risk:
            d, p = pair
            w.say("results_ae.serious_compare", c(d) + c(p), group=named(d.title),
                  a=about(d.serious_affected, d.serious_at_risk), b=about(p.serious_affected, p.serious_at_risk))
        _serious_events(w, ae, groups)
    _deaths(w, groups)


# ---- who finished ----
def _number_of(m: Milestone | None, group_id: str) -> str:
    x = next((x for x in m.numbers if x.group_id == group_id), None) if m else None
    return x.value if x else ""


def _flow(w: AnswerWriter, r: StudyResults) -> None:
    flow = r.flow
    if flow is None or not flow.periods:
        w.say("results_flow.none", c(next((o for o in r.outcomes if o.quote), None)))
        return
    names = {g.id: g.title for g in flow.groups}
    periods = flow.periods[:2]
    for period in periods:
        by_kind = {m.kind.lower(): m for m in period.milestones}
        started, done, left = by_kind.get("started"), by_kind.get("completed"), by_kind.get("not completed")
        if started is None:
            continue
        if len(periods) > 1 and period.title:
            w.say("results_flow.period", c(period), period=period.title)
        else:
            w.say("results_flow.by_group", c(started))

        for x in started.numbers:
            if not x.count:  # a group nobody started in this period
                continue
            w.say("results_flow.group_line", c(started) + c(done) + c(left),
                  group=named(names.get(x.group_id, x.group_id)), started=x.value,
                  completed=_number_of(done, x.group_id), left=_number_of(left, x.group_id))
        top = sorted((rs for rs in period.reasons if rs.total and rs.quote), key=lambda rs: -(rs.total or 0))
        if top:
            items = []
            for rs in top[:MAX_REASONS]:
                plain = REASON_WORDS.get(rs.reason.lower())
                who = "; ".join(f"{named(names.get(x.group_id, x.group_id))} {x.value}" for x in rs.numbers if x.count)
                items.append(f"{plain + ' (“' + rs.reason + '”)' if plain else '“' + rs.reason + '”'}: {rs.total}"
                             + (f" ({who})" if who else ""))
            w.say("results_flow.reasons", [(rs.path, rs.quote) for rs in top[:MAX_REASONS]], list=join_words(items))
