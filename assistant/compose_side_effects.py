"""Side-effect answers from a study's typed results: per group how many, the most common, the serious ones,
deaths, and the study drug's group against placebo (see ``assistant/compose_results.py``)."""
from __future__ import annotations

from assistant.answer_templates import sentence
from assistant.answer_writer import AnswerWriter, join_words
from assistant.results_words import PLACEBO, c, is_placebo, named, numeric, share, term_words, the_group
from assistant.results_words import pct as _pct  # " (about 37%)"
from assistant.textutil import content_terms
from assistant.vocab import vocabulary
from trialchat.results import AdverseEvent, AdverseEvents, EventGroup, StudyResults

MAX_GROUPS = 3  # groups listed one by one
MAX_COMMON = 3  # most common side effects named per group ...
MAX_COMMON_GROUPS = MAX_GROUPS  # ... for each group listed (a three-arm study: none left out)
MAX_SERIOUS = 3


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
                  group=the_group(g.title), list=join_words([_count_words(e, g) for e in top]))
    if ae.frequency_threshold and numeric(ae.frequency_threshold.value):
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
    w.say(f"results_ae.{key}", c(d) + c(p), group=the_group(d.title), a=share(d.other_affected, d.other_at_risk),
          b=share(p.other_affected, p.other_at_risk))


def _serious_events(w: AnswerWriter, ae: AdverseEvents, groups: list[EventGroup]) -> None:
    serious = [e for e in ae.events if e.kind == "serious" and e.quote]
    if serious:
        def total(e: AdverseEvent) -> int:
            return sum(x.affected or 0 for x in e.counts)
        top = sorted(serious, key=total, reverse=True)[:MAX_SERIOUS]
        # a sum over groups is ours: labelled "across the groups" (one group's number is the record's own)
        items = [sentence("results_ae.serious_item", term=term_words(e.term), n=total(e),
                          summed=sum(1 for x in e.counts if x.affected) > 1) for e in top]
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
            [f"{g.deaths_affected} of {g.deaths_at_risk} people in {the_group(g.title)}" for g in died]))


def no_table(w: AnswerWriter, r: StudyResults) -> None:
    anchor = next((o for o in r.outcomes if o.quote), None)
    w.say("results_ae.none", c(anchor))


def side_effects(w: AnswerWriter, r: StudyResults) -> None:
    ae = r.adverse
    if ae is None or not _shown_groups(ae):
        no_table(w, r)
        return
    groups = _shown_groups(ae)
    if ae.time_frame:
        w.say("results_ae.when", c(ae.time_frame), when=ae.time_frame.value)
    if all(not (g.serious_affected or g.other_affected or g.any_affected or g.deaths_affected) for g in groups):
        w.say("results_ae.none_at_all", [(g.path, g.quote) for g in groups if g.quote])
        return
    _group_lines(w, ae, groups)
    _common(w, ae, groups)
    _compare_other(w, groups)
    if groups and all(g.serious_affected == 0 for g in groups):
        w.say("results_ae.serious_none", [(g.path, g.quote) for g in groups if g.quote])
    else:
        _serious_events(w, ae, groups)
    _deaths(w, groups)


WHERE_GIVEN = frozenset({"skin_reaction_site"})  # where a side effect was, not what it was


def _concepts(text: str) -> set[str]:
    return {k for h in vocabulary().find(text) for k in h.concepts}


def names_a_side_effect(question: str) -> bool:
    """ "any nausea?", "did people get dizzy?": a side effect said in everyday words (the vocabulary's kind)."""
    vocab = vocabulary()
    return any(vocab.concepts[k].kind == "side_effect" for k in _concepts(question) - WHERE_GIVEN)


# a question's words that name no kind of side effect, though an event's last word may be one of them
NOT_A_KIND = content_terms("people person patients anyone anybody got get had have side effects effect events event "
                           "reactions reaction problems problem many much how any did does were was report reported "
                           "disorder disorders condition conditions")


def asked_events(question: str, ae: AdverseEvents | None) -> list[AdverseEvent]:
    """The side effects of the record's table the question names, by all their words or as the same thing
    ("did anybody get TB?" → "Tuberculosis", "any headaches?" → "Headache")."""
    if ae is None:
        return []
    asked, concepts = content_terms(question), _concepts(question)
    # "redness where the patch was": the redness, at that site (not every reaction at the site)
    concepts = concepts - WHERE_GIVEN if concepts - WHERE_GIVEN else concepts
    # (or by the kind it is, its last word: "did people get infections?" → "Upper respiratory tract infection")
    kinds = asked - NOT_A_KIND
    return [e for e in ae.events if e.quote and ((content_terms(e.term) and content_terms(e.term) <= asked)
                                                  or concepts & _concepts(e.term)
                                                  or content_terms(e.term.split()[-1]) & kinds)][:MAX_SERIOUS]


def asked_missing(question: str, ae: AdverseEvents | None) -> list[str]:
    """Conditions the question names ("did anyone get a headache?") that a complete side-effect table of the record
    does not list, as asked; [] when the table shows only some of its events (then it cannot say)."""
    vocab = vocabulary()
    if ae is None or not ae.events or len(ae.events) < ae.serious_terms + ae.other_terms or asked_events(question, ae):
        return []
    return [h.phrase for h in vocab.find(question)
            if any(vocab.concepts[k].kind in ("condition", "side_effect") for k in h.concepts - WHERE_GIVEN)]


def named_events(w: AnswerWriter, r: StudyResults, events: list[AdverseEvent]) -> None:
    """Each named side effect with how many people had it, group by group (those with none said together)."""
    groups = {g.id: g for g in (r.adverse.groups if r.adverse else [])}
    for e in events:
        had = [(x, groups[x.group_id]) for x in e.counts if x.affected and x.group_id in groups]
        counts = [f"{x.affected} of {x.at_risk} people in {the_group(g.title)}" if x.at_risk else
                  f"{x.affected} {'person' if x.affected == 1 else 'people'} in {the_group(g.title)}" for x, g in had]
        rest = len([x for x in e.counts if x.group_id in groups]) - len(had)
        w.say("results_ae.asked", [(e.path, e.quote)], term=term_words(e.term).capitalize(),
              serious=e.kind == "serious", counts=join_words(counts + (["no one in the other groups"] if rest else [])))


def serious(w: AnswerWriter, r: StudyResults) -> None:
    ae = r.adverse
    groups = _shown_groups(ae) if ae else []
    if ae is None or not groups:
        no_table(w, r)
        return
    if any(g.serious_affected is None for g in groups):  # a format that does not say which were serious
        side_effects(w, r)
        w.say("results_ae.kind_unknown", c(groups[0]))
        return
    if all(g.serious_affected == 0 for g in groups):
        w.say("results_ae.serious_none", [(g.path, g.quote) for g in groups if g.quote])
        if any(g.other_affected for g in groups):  # "any serious side effects?": none, and what people did have
            w.say("results_ae.not_serious_happened", [(g.path, g.quote) for g in groups if g.quote])
            _common(w, ae, groups)
    else:
        w.say("results_ae.serious_by_group", c(groups[0]))
        for g in groups:
            w.item("results_ae.serious_line", (g.path, g.quote), group=named(g.title), serious=g.serious_affected,
                   n=g.serious_at_risk, pct=_pct(g.serious_affected, g.serious_at_risk))
        pair = _placebo_pair(groups)
        if pair and pair[0].serious_at_risk and pair[1].serious_at_risk:
            d, p = pair
            w.say("results_ae.serious_compare", c(d) + c(p), group=the_group(d.title),
                  a=share(d.serious_affected, d.serious_at_risk), b=share(p.serious_affected, p.serious_at_risk))
        _serious_events(w, ae, groups)
    _deaths(w, groups)
