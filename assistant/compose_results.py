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
from datetime import date, datetime

from assistant.answer_writer import AnswerWriter, join_words
from assistant.compose_overview import field_bodies
from assistant.compose_side_effects import (
    MAX_GROUPS,
    asked_events,
    asked_missing,
    named_events,
    names_a_side_effect,
    serious,
    side_effects,
)
from assistant.outcome_words import measure_words
from assistant.results_words import c, is_placebo, named, numeric, the_group
from assistant.textutil import content_terms, split_sentences
from trialchat.facts import FactSheet
from trialchat.results import (
    FlowPeriod,
    GroupNumber,
    LeaveReason,
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
                    r"stay(ed)? (in|on|until|to)|gave up|ma(de|ke) it (to|through|till|until)|see it through|saw it through|"
                    r"(stuck|stick|lasted|last) (it out|with it|(to|till|until) the (very )?end)|stop(ped|ping)? (being|taking|early|going)|"
                    r"how many (people |babies |children |patients )?(started|took part|were in|joined))\b",
                    re.IGNORECASE)
# "how many people actually used the patch?": who got as far as the treatment, which the flow's notes may say
USED_Q = re.compile(r"\bhow many\b.{0,30}\b(?:actually|really|ever|got to)\b.{0,12}\b(?:used?|got|took(?! part)|received|applied|"
                    r"treated|put|wore|tried|started)\b", re.IGNORECASE)
# "how many people ended up in the study?", "how many actually took part?": the count that took part, then who was treated
TOOK_PART_Q = re.compile(r"\bhow many\b.{0,30}\b(?:ended up|end up|wound up|finally|in the end|actually|really)\b.{0,15}"
                         r"\b(?:in|into|took part|take part|joined|enrolled|participated|signed up|were there)\b", re.IGNORECASE)
TREATED_NOTE = re.compile(r"\b\d+\b[^.]{0,60}\b(?:applied|treated|received|used|dosed|entered the treatment)\b", re.IGNORECASE)
# which way is better, from the outcome's own words; unknown → no "better" said at all
HIGHER_BETTER = re.compile(r"respon|relief|improv|remission|success|achiev|heal|cure|surviv|recover|"
                           r"\bclear", re.IGNORECASE)
LOWER_BETTER = re.compile(r"adverse|death|mortality|relapse|recurren|progression|failure|hospitali|worsen|flare|"
                          r"crying|infection", re.IGNORECASE)
GENERIC_GROUP = re.compile(r"^\s*(group|arm|cohort|part|treatment|regimen)\s*[\w-]{1,3}\s*$", re.IGNORECASE)
WORKED_Q = re.compile(r"\b(work\w*|help\w*|better|best|worse|worst|won|winner|came out|on top|effective\w*|benefit\w*|results?|find|found|findings?|"
                      r"outcomes?|improv\w*|success\w*|placebo|compar\w*|differen\w*|significan\w*|respon\w*|"
                      r"cure\w*|conclu\w*|end ?points?|heal\w*|relief|effects?|beat\w*|outperform\w*|superior|happened|alive|live longer|surviv\w*|"
                      r"longer (?:did|do|would|will) (?:\w+ ){0,2}live|"
                      # "how did it go?", "how'd the trial turn out?"
                      r"how(?: did|'d|d) (?:it|that|this|the study|the trial|things) (?:go|turn out|end up|pan out)|"
                      # "did the patch actually stop the headaches?", "did it really ease the pain?"
                      r"did (?:it|the \w+|they|this|that)(?: \w+)? (?:actually |really |even )?(?:stop|ease|reduce|lower|"
                      r"fix|shorten|prevent|calm|settle)|"
                      r"turn(?:ed)? out|pan(?:ned)? out)\b", re.IGNORECASE)
BECAUSE_Q = re.compile(r"\b(?:because of|due to|from the|for|over)\s+(?:the\s+)?(?:side.?ef+ects?|adverse|reactions?|"
                       r"problems?|safety)\b", re.IGNORECASE)
# moving from one group to another: "did the placebo people ever get the real drug?", "could they switch over?"
SWITCH_Q = re.compile(r"\b(?:switch\w*|swap\w*|cross(?:ed)?[- ]?over|moved? (?:over|on) to|went on to|"
                      r"(?:ever|later|eventually|afterwards?|at the end|ended up|end up) (?:get|got|getting|receive[ds]?|receiving|on)|open[- ]label extension|"
                      r"extension)\b", re.IGNORECASE)
LIMITS_Q = re.compile(r"\b(limitations?|caveats?|weak\w*|downsides?|flaws?|shortcomings?|problems with|reliab\w*|trust)\b",
                      re.IGNORECASE)
GOT_BETTER_Q = re.compile(r"\b(?:got|get|gets|getting|did|do|does) better\b|\bimprov\w*|\brespond\w*|\bhelped\b|"
                         r"\bworked for\b|\bfelt better\b|\bsuccess\w*", re.IGNORECASE)
WHY_Q = re.compile(r"\bwhy\b", re.IGNORECASE)
# "did anybody get TB?", "did it cause headaches?": whether people had a named thing
GOT_Q = re.compile(r"\b(get|got|have|had|develop\w*|cause[ds]?|gave|give)\b", re.IGNORECASE)
NOT_COVERED_Q = re.compile(r"\b(publish\w*|publication|paper|journal|limitations?|caveats?)\b", re.IGNORECASE)
# words every outcome title and results question share: they do not pick one outcome over another
GENERIC_TERMS = content_terms("number percentage participants people patients subjects group groups each "
                              "result results outcome measure main primary secondary treatment drug placebo "
                              "many much work did change baseline")
P_VALUE = re.compile(r"^\s*([<>≤≥=]*)\s*(\d*\.?\d+)")
MAX_MAIN = 2  # main results described
MAX_REASONS = 5  # reasons for leaving named: five cover every reason most records give
MAX_EXPLAINED = 160  # an outcome's own explanation is quoted when it is at most this long
MAX_ARM_WORDS = 16  # a group's description longer than this is quoted up to its first comma
REASON_WORDS = {"adverse event": "side effects", "lack of efficacy": "the treatment did not work well enough",
                "withdrawal by subject": "they chose to leave", "lost to follow-up": "the team lost contact with them",
                "physician decision": "their doctor's decision", "protocol violation": "not following the study rules",
                "noncompliance": "not following the study plan", "non-compliance": "not following the study plan",
                "death": "death", "sponsor decision": "the sponsor's decision", "pregnancy": "pregnancy"}


def compose_results(w: AnswerWriter, question: str, sheet: FactSheet, today: date | None = None) -> None:
    """The part of the results the question asks about; with no results, what the record says instead."""
    r = sheet.results
    if r is None:
        # "no results yet" answers a results question only; another question routed here unsurely (a score,
        # a count in the rules) is left to the record's own sentences
        if any(rx.search(question) for rx in (SERIOUS_Q, SIDE_Q, FLOW_Q, WORKED_Q)):
            _no_results(w, sheet, today or date.today())
        return
    asked = _asked_outcome(question, r)
    # "why did people drop out?" is answered by the reasons each person left (the flow), not the record's notes
    if sheet.limitations and (LIMITS_Q.search(question) or (WHY_Q.search(question) and not FLOW_Q.search(question))):
        # "what are the weaknesses?", "why did it end with only 42 people?": the record's own notes on its results
        notes = split_sentences(sheet.limitations.value)[:3]
        w.say("results.caveats", [(sheet.limitations.path, x) for x in notes], notes=" ".join(notes).rstrip(" ."))
        return
    if NOT_COVERED_Q.search(question):
        return  # publications, limitations: retrieval reads the record for them
    # a side effect named in a question about getting it ("did anybody get TB?"), not about what helped ("did it
    # help with the uveitis?" is the outcome that counts uveitis flares)
    # (an outcome the question names comes first: "were there fewer eye flares?" is the outcome counting uveitis)
    about_getting = bool(SIDE_Q.search(question) or GOT_Q.search(question) or names_a_side_effect(question)) \
        and not WORKED_Q.search(question)
    # …and the study's own condition is no side effect asked about ("side effects with the patch for cluster headache",
    # "did cimzia actually work for nr-axSpA?")
    own = content_terms(" ".join(c.value for c in sheet.conditions))
    events = [e for e in asked_events(question, r.adverse) if about_getting or not content_terms(e.term) <= own] \
        if not asked else []
    missing = [m for m in asked_missing(question, r.adverse) if not content_terms(m) <= own] \
        if about_getting and not asked else []
    if events:  # "did anybody get TB from the cimzia?": that side effect, group by group
        named_events(w, r, events)
    elif missing and r.adverse:  # "did anyone get diabetes from the patch?": the whole list has none
        threshold = r.adverse.frequency_threshold
        w.say("results_ae.asked_missing", [(g.path, g.quote) for g in r.adverse.groups if g.quote][:1],
              terms=join_words(missing), pct=threshold.value if threshold and numeric(threshold.value) else "")
        if SIDE_Q.search(question):  # "any side effects like diabetes?": then the side effects there were
            side_effects(w, r)
    elif SWITCH_Q.search(question) and _switched(w, r):
        pass  # "did the placebo people ever get the real drug?": the flow's own steps between groups and periods
    elif FLOW_Q.search(question) and BECAUSE_Q.search(question) and r.flow is not None:
        _flow(w, r)  # "how many quit because of side effects?": who left, and why (the flow's reasons)
    elif SERIOUS_Q.search(question):
        serious(w, r)
    elif SIDE_Q.search(question):
        side_effects(w, r)
    elif TOOK_PART_Q.search(question) and sheet.enrollment:
        enrollment_sentence(w, sheet)  # "how many ended up in it?": how many took part, then how many were treated
        treated_note(w, r)
    elif USED_Q.search(question):  # "how many actually used the patch?": the flow's own note on who was treated
        if not treated_note(w, r):
            _flow(w, r)
    elif FLOW_Q.search(question) and WHY_Q.search(question) and _no_reasons(w, r):
        pass  # "why did they leave?" where the record counts who left but gives no reasons
    elif FLOW_Q.search(question):
        _flow(w, r)
    elif asked or WORKED_Q.search(question):
        _did_it_work(w, r, asked)
        _who_is_who(w, r, sheet)
        if sheet.limitations and not asked:  # "too few people to be sure": as much a part of "did it work" as the numbers
            notes = split_sentences(sheet.limitations.value)[:2]
            w.say("results.caveats", [(sheet.limitations.path, x) for x in notes], notes=" ".join(notes).rstrip(" ."))
    # anything else about results (why so few people joined, ...) is left to retrieval: nothing composed


def _asked_outcome(question: str, r: StudyResults) -> OutcomeResult | None:
    """The outcome whose title shares the most specific words with the question ("how many responded" →
    "Number of Responders"), if any does; for "how many got better?", the first outcome that counts people
    doing better (responders, relief, improvement, remission)."""
    terms = content_terms(question) - GENERIC_TERMS
    scored = [(len(terms & (content_terms(o.title) - GENERIC_TERMS)), -i, o) for i, o in enumerate(r.outcomes)]
    best = max(scored, key=lambda t: (t[0], t[1]), default=(0, 0, None))
    if best[0] >= 1:
        return best[2]
    return _doing_better(r) if GOT_BETTER_Q.search(question) else None


def _doing_better(r: StudyResults) -> OutcomeResult | None:
    """The first outcome (main ones first) that counts the people who did better, with numbers posted."""
    ranked = sorted(r.outcomes, key=lambda o: not o.primary)
    return next((o for o in ranked if HIGHER_BETTER.search(o.title) and o.posted and o.rows), None)


def _p(p: str) -> float | None:
    m = P_VALUE.match(p)
    return float(m.group(2)) if m else None


# ---- no results ----
def _no_results(w: AnswerWriter, s: FactSheet, today: date) -> None:
    w.stops_short = True  # "no results yet" stops short of an answer: the study team is named after it
    if s.status:
        w.say("results.none", s.status, status=s.status.value)
    m = re.match(r"^[^:]+:\s*(.+?)(?:\s*\((\w+)\))?$", s.completion.value) if s.completion else None
    if m and s.completion:
        ended = (m.group(2) or "").lower() == "actual"
        when = ("on " if re.search(r"\d{1,2}, \d{4}", m.group(1)) else "in ") + m.group(1)
        passed = not ended and (day := _record_date(m.group(1))) is not None and day < today
        w.say("results.none_end_done" if ended else "results.none_end_passed" if passed else "results.none_end",
              s.completion, when=when)


def _record_date(text: str) -> date | None:
    for fmt in ("%B %d, %Y", "%B %Y", "%Y-%m-%d", "%Y-%m"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


# ---- did it work ----
def _is_count(o: OutcomeResult) -> bool:
    """A count of people ("3 of 8 people"): said so only when every value is a whole number (a unit of
    "participants" over "90.7" is a percentage the record mislabels)."""
    unit = o.unit.lower()
    whole = all(x.count is not None for row in o.rows for x in row.numbers if x.value and x.value != "NA")
    return whole and "percent" not in unit and ("count of participants" in o.param_type.lower()
                                                or unit in ("participants", "subjects", "patients", "people"))


def _analysed_cites(o: OutcomeResult) -> list[tuple[str, str]]:
    """The lines that give the number analysed per group (one line, or one per group)."""
    return c(o.analysed) + [q for x in o.analysed_lines for q in c(x)]


def _analysed(o: OutcomeResult) -> dict[str, GroupNumber]:
    """Each group's number analysed, when a line that says it can be cited (else "of N" is never said)."""
    return {x.group_id: x for x in o.analysed_numbers} if _analysed_cites(o) else {}


def _value_words(o: OutcomeResult, x: GroupNumber, analysed: dict[str, GroupNumber]) -> str:
    v = x.value
    unit, param = o.unit.lower(), o.param_type.lower()
    if "percent" in unit or unit.strip() == "%":
        return f"{v}%"
    if _is_count(o):
        n = analysed.get(x.group_id)
        return f"{v} of {n.value} people" if n and n.value else f"{v} people"
    if unit.startswith("number of "):  # "57 responders", not "57 number of responders"
        return f"{v} {o.unit[len('number of '):]}"
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


def _main_outcomes(r: StudyResults) -> list[OutcomeResult]:
    primary = [o for o in r.outcomes if o.primary] or r.outcomes[:1]
    # the ones with numbers for two or more groups first (a comparison), then any with numbers, then the rest
    def rank(o: OutcomeResult) -> int:
        counted = max((sum(1 for x in row.numbers if numeric(x.value) is not None) for row in o.rows), default=0)
        return 0 if counted >= 2 else 1 if counted else 2
    return sorted(primary, key=rank)


def _did_it_work(w: AnswerWriter, r: StudyResults, asked: OutcomeResult | None = None) -> None:
    if asked is not None and not asked.primary:  # the result the question names, on its own
        _one_outcome(w, r, asked, 1)
        return
    main = _main_outcomes(r)
    if asked is not None:
        main = [asked, *(o for o in main if o is not asked)]
    for o in main[:MAX_MAIN]:
        _one_outcome(w, r, o, len(main))
    better = _doing_better(r) if asked is None else None
    if better is not None and better not in main[:MAX_MAIN] and not any(o.analyses for o in main[:MAX_MAIN]):
        # the main result has no test ("median crying time"): how many people did better says more to a reader
        _one_outcome(w, r, better, len(main))
    rest = len(main) - MAX_MAIN
    if rest > 0:
        w.say("results.more_main", c(main[MAX_MAIN]))


def _one_outcome(w: AnswerWriter, r: StudyResults, o: OutcomeResult, n_main: int) -> None:
    when = o.time_frame.value if o.time_frame else ""
    what = measure_words(o.title, bool(when))  # the title in plain words; the sentence still cites the title line
    if what is None and when and when.lower().rstrip(" .") in o.title.lower():  # "… at Week 52", checked at: "Week 52"
        when = ""
    # a format that does not say primary or secondary (NLI4CT): neither "main" nor "another"
    key = ("results.measured" if not o.kind else "results.other" if not o.primary
           else "results.main" if n_main == 1 else "results.main_many")
    if what is not None:
        w.say(f"{key}_plain", c(o) + c(o.time_frame), what=what, when=when)
    else:
        w.say(key, c(o) + c(o.time_frame), title=o.title, when=when)
    if o.description and len(o.description.value) <= MAX_EXPLAINED:
        w.say("results.means", c(o.description), text=o.description.value.rstrip(" ."))
    if not o.posted:
        w.say("results.not_posted", c(o.not_posted))
        return
    if not o.rows:
        legacy = any(p.startswith("OutcomeMeasurementValue") or p.startswith("outcome values") for p in r.problems)
        w.say("results.not_lined_up" if legacy else "results.no_numbers", c(o))
        return
    groups = {g.id: g for g in o.groups}
    analysed = _analysed(o)
    # the unit's words are said with each number: the line that gives them is cited too
    unit = c(o.measure) if o.unit and not _is_count(o) and "percent" not in o.unit.lower() else []
    rows = [row for row in o.rows if any(x.value and x.value != "NA" for x in row.numbers)]
    if rows and all(not row.label and len(row.numbers) == 1 for row in rows):  # one line per group (NLI4CT)
        merged = [x for row in rows for x in row.numbers]
        w.say("results.numbers", [q for row in rows for q in c(row)] + _analysed_cites(o) + unit, label="",
              list=join_words([f"{_value_words(o, x, analysed)} in {_group_name(groups, x.group_id)}"
                               for x in merged]))
        rows = []
    for row in rows[:2]:
        parts = [f"{_value_words(o, x, analysed)} in {_group_name(groups, x.group_id)}"
                 for x in row.numbers if x.value and x.value != "NA"]
        w.say("results.numbers", c(row) + _analysed_cites(o) + unit, label=row.label if len(o.rows) > 1 else "",
              list=join_words(parts))
    for x in o.analysed_numbers:
        if x.count == 1 and x.group_id in groups:
            w.say("results.one_person", _analysed_cites(o), group=the_group(groups[x.group_id].title))
    if rows:
        _compare(w, o, rows[0].numbers, groups)


def _group_name(groups: dict[str, ResultGroup], gid: str) -> str:
    return the_group(groups[gid].title if gid in groups else gid)


def _direction(words: str) -> tuple[bool, bool]:
    """(higher is better, lower is better) from an outcome's words; both False when they don't say one way."""
    up, down = bool(HIGHER_BETTER.search(words)), bool(LOWER_BETTER.search(words))
    return up and not down, down and not up


def _compare(w: AnswerWriter, o: OutcomeResult, numbers: list[GroupNumber], groups: dict[str, ResultGroup]) -> None:
    """What the record's own test says; placebo as good or better is always said; 'better' only with the test."""
    higher, lower = _direction(o.title)
    if not (higher or lower) and o.description:  # the title says nothing either way: its description may
        higher, lower = _direction(o.description.value)
    values = {x.group_id: v for x in numbers if (v := numeric(x.value)) is not None}
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
            w.say("results.placebo_as_good", cites, group=the_group(best.title))
            return
        test = next((a for a in tested if {placebo[0].id, best.id} <= set(a.group_ids)), None)
        if test is None:
            w.say("results.better_untested", cites, group=the_group(best.title))
        else:
            sure = (_p(test.p_value) or 1.0) <= 0.05 and not test.p_value.lstrip().startswith(">")
            w.say("results.better_sure" if sure else "results.better_unsure", cites + c(test),
                  group=the_group(best.title), p=test.p_value)
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


def _who_is_who(w: AnswerWriter, r: StudyResults, sheet: FactSheet) -> None:
    if not w.sentences:
        return
    """Groups named only "Group A" / "Arm 1": what each one got, from the record's arm of the same name."""
    titles = list(dict.fromkeys(g.title for o in _main_outcomes(r)[:MAX_MAIN] for g in o.groups))
    arms = {a.label.strip().lower(): a for a in sheet.arms}
    for t in titles[:MAX_GROUPS]:
        arm = arms.get(t.strip().lower())
        if GENERIC_GROUP.match(t) and arm and arm.description:
            w.say("results.group_is", [(arm.path, arm.description)], group=the_group(t),
                  description=_first_clause(arm.description))


def _first_clause(text: str) -> str:
    """A group's description as quoted: whole when short, else up to its first comma or line, marked "…"."""
    text = text.strip().rstrip(" .")
    if len(text.split()) <= MAX_ARM_WORDS and "\n" not in text:
        return text
    cut = re.split(r",\s|\n", text, maxsplit=1)[0].rstrip()  # one line: an answer's lines are its sentences
    return cut + " …" if cut != text else text


# ---- who finished ----
def _number_of(m: Milestone | None, group_id: str) -> str:
    """A group's number at a milestone; "" when the milestone's line cannot be cited (cut from the field)."""
    x = next((x for x in m.numbers if x.group_id == group_id), None) if m and m.quote else None
    return x.value if x else ""


def _flow(w: AnswerWriter, r: StudyResults) -> None:
    flow = r.flow
    if flow is None or not flow.periods:
        w.say("results_flow.none", c(next((o for o in r.outcomes if o.quote), None)))
        return
    names = {g.id: g.title for g in flow.groups}
    if len(flow.periods) > 2 and _first_and_last(w, flow.periods, names):
        return  # many parts: who started the first, who finished the last, the main reasons overall
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

        for x in started.numbers if started.quote else []:
            if not x.count:  # a group nobody started in this period
                continue
            w.say("results_flow.group_line", c(started) + c(done) + c(left),
                  group=the_group(names.get(x.group_id, x.group_id)), started=x.value,
                  completed=_number_of(done, x.group_id), left=_number_of(left, x.group_id))
        _flow_total(w, started, left)
        _reasons(w, period.reasons)


STANDARD_MILESTONES = frozenset({"started", "completed", "not completed"})


EACH_GROUP_Q = re.compile(r"\b(?:in )?(?:each|every|per|which|both|the two|the three) (?:group|arm)s?\b|\bgroup sizes?\b",
                          re.IGNORECASE)


def group_counts(w: AnswerWriter, s: FactSheet) -> None:
    """"how many babies were in each group?": how many started (and finished) in each group, as the flow counts."""
    if s.results is not None and s.results.flow is not None:
        _flow(w, s.results)


def enrollment_sentence(w: AnswerWriter, s: FactSheet) -> None:
    """How many people the study took (or plans to take), as the enrollment field says it."""
    if not s.enrollment:
        return
    kind = (s.enrollment_type.value.lower() if s.enrollment_type else "")
    key = "size.actual" if kind == "actual" else "size.planned" if kind in ("estimated", "anticipated") else "size.plain"
    w.say(key, s.enrollment, n=s.enrollment.value)


def treated_note(w: AnswerWriter, r: StudyResults) -> bool:
    """The flow's note that says how many people got the treatment ("23 subjects applied the study patch and entered
    the Treatment Period"), quoted; False when its notes say no such thing."""
    if r.flow is None:
        return False
    for path, text in field_bodies(w.chunks, w.study_id, (r.flow.path,)):
        note = next((x for x in split_sentences(text) if TREATED_NOTE.search(x)), None)
        if note and w.say("results_flow.treated_note", [(path, note)], quote=note.rstrip(" .")):
            return True
    return False


def _no_reasons(w: AnswerWriter, r: StudyResults) -> bool:
    """The record counts who did not finish but gives no reasons: said so, with the counts (an abstention)."""
    flow = r.flow
    if flow is None or any(p.reasons for p in flow.periods):
        return False
    left = next((m for p in flow.periods for m in p.milestones if m.kind.lower() == "not completed" and m.quote), None)
    if left is None:
        return False
    names = {g.id: g.title for g in flow.groups}
    w.say("results_flow.no_reasons", c(left),
          counts=join_words([f"{names.get(x.group_id, x.group_id)}: {x.value}" for x in left.numbers]))
    w.stops_short = True
    return True


def _switched(w: AnswerWriter, r: StudyResults) -> bool:
    """The flow's own steps ("Received OL CZP": placebo 96, …) and the later parts people went on to ("SFE Period:
    243 started"), as the record counts them; False when the flow has neither."""
    flow = r.flow
    if flow is None:
        return False
    names = {g.id: g.title for g in flow.groups}
    said = False
    for i, period in enumerate(flow.periods):
        for m in period.milestones:
            counted = [x for x in m.numbers if x.count]
            if m.kind.lower() in STANDARD_MILESTONES or not counted or not m.quote:
                continue
            said |= w.say("results_flow.step", c(m), step=m.kind, period=period.title or "study",
                          counts=join_words([f"{names.get(x.group_id, x.group_id)}: {x.value}" for x in counted]))
        started = next((m for m in period.milestones if m.kind.lower() == "started"), None)
        if i and started and started.quote and (began := [x for x in started.numbers if x.count]):
            said |= w.say("results_flow.later_part", c(started), period=period.title or "next part",
                          n=sum(x.count or 0 for x in began),
                          groups=join_words([names.get(x.group_id, x.group_id) for x in began]))
    return said


def _flow_total(w: AnswerWriter, started: Milestone, left: Milestone | None) -> None:
    """"In all, 4 of 180 people did not finish": the sum a reader asking "how many dropped out" wants."""
    begun = [x.count for x in started.numbers if x.count]
    gone = [x.count for x in left.numbers if x.count is not None] if left and left.quote else []
    if len(begun) > 1 and gone and started.quote:
        w.say("results_flow.total", c(started) + c(left), left=sum(gone), started=sum(begun))


def _reasons(w: AnswerWriter, reasons: list[LeaveReason]) -> None:
    top = sorted((rs for rs in reasons if rs.total and rs.quote), key=lambda rs: -(rs.total or 0))[:MAX_REASONS]
    if top:
        items = []
        for rs in top:
            plain = REASON_WORDS.get(rs.reason.lower()) or f"“{rs.reason}”"
            items.append(f"{plain} ({rs.total} {'person' if rs.total == 1 else 'people'})")
        w.say("results_flow.reasons", [(rs.path, rs.quote) for rs in top], list=join_words(items))


def _first_and_last(w: AnswerWriter, periods: list[FlowPeriod], names: dict[str, str]) -> bool:
    """False (nothing said) when the first part's start, the last part or its end cannot be cited."""
    def milestone(period: FlowPeriod, kind: str) -> Milestone | None:
        return next((m for m in period.milestones if m.kind.lower() == kind), None)
    started, done = milestone(periods[0], "started"), milestone(periods[-1], "completed")
    last_start = milestone(periods[-1], "started")
    if started is None or done is None or not (started.quote and done.quote and periods[-1].quote):
        return False
    w.say("results_flow.first_last", c(started) + c(done) + c(periods[-1]), period=periods[-1].title)
    for x in started.numbers:
        # a group that did not start the last part (another arm's extension) is not said to have "0 finished" it
        in_last = _number_of(last_start, x.group_id) not in ("", "0")
        if x.count:
            w.say("results_flow.group_line", c(started) + c(done), group=the_group(names.get(x.group_id, x.group_id)),
                  started=x.value, completed=_number_of(done, x.group_id) if in_last else "", left="")
    _reasons(w, [rs for p in periods for rs in p.reasons])
    return True
