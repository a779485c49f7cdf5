"""Answers composed from a study's fact sheet: the record's facts in plain sentences, no model.

For the common, structured questions (where, who can join, can I join, status, phase, size, design,
randomization, arms, treatment, outcomes, sponsor, contact, dates) the meaning is known from the
field the fact came from, so the answer says it the way the record means it: an exclusion criterion
is only ever said as a reason you *cannot* join, a site count is the whole list's. Sentences come
from ``prompts/answers.toml``; each one cites the field it states, with a verbatim quote.
Returns None when the sheet lacks the facts; the caller then falls back to retrieval.
"""
from __future__ import annotations

import re
from importlib import resources
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.answer_templates import has_sentence, sentence
from assistant.textutil import content_terms, overlap
from assistant.types import Citation, Source
from trialchat.facts import Fact, FactSheet, Person, age_in_years
from trialchat.schema import GLOSSARY_ID

ChunkLookup = Callable[[str, str], list[tuple[str, str, dict]]]  # (study_id, field_path) → chunks

COMPOSED_INTENTS = frozenset({"where", "who_can_join", "can_i_join", "status", "phase", "size", "design",
                              "randomization", "arms", "treatment", "outcomes", "sponsor", "contact", "dates"})
MAX_LISTED = 6  # names in one sentence before "and N more"
MAX_TERM_STUDY_SENTENCES = 2  # after a definition, how this study uses the term, briefly
SHOWN_CRITERIA = 3  # inclusion and exclusion items shown before "N more"
_AGE_Q = re.compile(r"(?:\b(?:i'?m|i am|at|aged?|is|turning|turned|he's|she's|of)\s+(\d{1,3})\b(?!\s*(?:%|kg|lb|mg|cm)))"
                    r"|\b(\d{1,3})\s*(?:years?|yrs?|yo|y/o)\b", re.IGNORECASE)
_MALE_Q = re.compile(r"\b(man|male|guy|boy|he|him|husband|son|father|dad|grandpa|brother)\b", re.IGNORECASE)
_FEMALE_Q = re.compile(r"\b(woman|women|female|girl|lady|she|her|wife|daughter|mother|mom|mum|grandma|sister|"
                       r"pregnant)\b", re.IGNORECASE)
_CONDITION_Q = re.compile(r"\b(?:with|have|has|had|got|diagnosed with)\s+(?:a |an |the )?([a-z][a-z0-9 '\-]{2,48}?)"
                          r"(?=\s*(?:[,.?!;]|$|\bcan\b|\bcould\b|\bam\b|\bis\b|\bwould\b|\band\b|\bdo\b))", re.IGNORECASE)
_NOT_CONDITIONS = {"question", "questions", "a question", "kids", "children", "time"}


@dataclass
class Composed:
    text: str
    citations: list[Citation]
    sources: list[Source]


@dataclass
class _Writer:
    """Collects cited sentences; each citation points at the chunk whose text holds the quote."""

    study_id: str
    chunks: ChunkLookup
    sentences: list[str] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)

    def cite(self, path: str, quote: str, study_id: str | None = None) -> int | None:
        sid = study_id or self.study_id
        for cid, text, meta in self.chunks(sid, path):
            if quote and quote in text:
                n = next((i for i, s in enumerate(self.sources, 1) if s.chunk_id == cid), None)
                if n is None:
                    self.sources.append(Source.from_chunk(cid, text, meta))
                    n = len(self.sources)
                self.citations.append(Citation.from_source(n, self.sources[n - 1], quote))
                return n
        return None

    def say(self, key: str, cites: list[tuple[str, str]] | Fact | None = None, **variables: object) -> bool:
        """Add one sentence if at least one of its citations resolves (a sentence is never uncited)."""
        pairs = [(cites.path, cites.quote)] if isinstance(cites, Fact) else (cites or [])
        marks = [n for path, quote in pairs if (n := self.cite(path, quote)) is not None]
        if not marks:
            return False
        text = sentence(key, **variables).rstrip(" .")
        self.sentences.append(f"{text} {''.join(f'[{n}]' for n in dict.fromkeys(marks))}.")
        return True

    def gloss(self, key: str, term_slug: str) -> bool:
        """A glossary definition (its first sentence, verbatim) as a sentence of its own."""
        path = f"{GLOSSARY_ID}.{term_slug}"
        for _cid, text, _meta in self.chunks(GLOSSARY_ID, path):
            body = [ln for ln in text.split("\n")[1:] if ln.strip() and not ln.startswith("Also called")]
            if body:
                definition = re.split(r"(?<=[.!?])\s+", body[0].strip().split("): ", 1)[-1])[0]
                term = text.split("\n", 1)[0].split(" › ")[-1]
                n = self.cite(path, definition, GLOSSARY_ID)
                if n:
                    words = definition[:1].lower() + definition[1:] if definition[1:2].islower() else definition
                    self.sentences.append(f"{sentence(key, term=term, definition=words.rstrip('.'))} [{n}].")
                    return True
        return False

    def result(self) -> Composed | None:
        if not self.sentences:
            return None
        return Composed(" ".join(self.sentences), self.citations, self.sources)


def join_words(items: list[str]) -> str:
    items = [i for i in items if i]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def _age_words(fact: Fact | None) -> str:
    years = age_in_years(fact.value if fact else None)
    if years is None:
        return ""
    if years >= 1 or not fact:
        return f"{years:g}"
    return fact.value.lower()


def _when(fact: Fact | None) -> tuple[str, bool] | None:
    """'Start: September 2015 (Actual)' → ('September 2015', True = it has happened)."""
    if not fact:
        return None
    m = re.match(r"^[^:]+:\s*(.+?)(?:\s*\((\w+)\))?$", fact.value)
    if not m:
        return None
    return m.group(1), (m.group(2) or "").lower() == "actual"


def _person_words(p: Person) -> tuple[str, str]:
    who = p.name + (f" ({p.role.lower()})" if p.role and p.role.lower() not in ("contact",) else "")
    how = join_words([p.phone, p.email]).replace(" and ", " or ")
    return who or p.affiliation, how


class Composer:
    def __init__(self, chunks: ChunkLookup, places: frozenset[str] = frozenset()):
        self.chunks = chunks
        self.places = places

    def compose(self, intent: str, question: str, sheet: FactSheet) -> Composed | None:
        if intent not in COMPOSED_INTENTS:
            return None
        w = _Writer(sheet.study_id, self.chunks)
        getattr(self, f"_{intent}")(w, question, sheet)
        return w.result()

    def term(self, question: str, glossary_path: str, sheet: FactSheet | None) -> Composed | None:
        """A term question: the glossary's definition, then what this study's record says about it."""
        w = _Writer(sheet.study_id if sheet else GLOSSARY_ID, self.chunks)
        slug = glossary_path.split(".", 1)[-1]
        if not w.gloss("term.means", slug):
            return None
        related = next((intent for prefix, intent in TERM_FACTS if slug.startswith(prefix)), None)
        if sheet and related:
            before = len(w.sentences)
            getattr(self, f"_{related}")(w, question, sheet)
            # the study part must not repeat the definition we already gave
            w.sentences[before:] = [x for x in w.sentences[before:] if x.split(" [")[0] not in
                                    " ".join(w.sentences[:before]) and " means: " not in x][:MAX_TERM_STUDY_SENTENCES]
        return w.result()

    # ---- status, phase, size, dates ----
    def _status(self, w: _Writer, q: str, s: FactSheet) -> None:
        if not s.status:
            return
        key = re.sub(r"[^a-z]+", "_", s.status.value.lower()).strip("_")
        if key == "unknown_status" or key == "unknown":
            last = s.status.quote if "Last known status" in s.status.quote else s.status.value
            w.say("status.unknown", s.status, last=last)
        elif has_sentence(f"status.{key}"):
            w.say(f"status.{key}", s.status)
        else:
            w.say("status.other", s.status, status=s.status.value)
        if s.why_stopped:
            w.say("status.why_stopped", s.why_stopped, why=s.why_stopped.value)
        when = _when(s.last_update)
        if when and s.last_update:
            w.say("status.as_of", s.last_update, date=when[0])

    def _phase(self, w: _Writer, q: str, s: FactSheet) -> None:
        if not s.phase:
            return
        if s.phase.value.lower() in ("not applicable", "na", "n/a"):
            w.say("phase.not_applicable", s.phase)
            w.gloss("glossary.means", "phase_not_applicable")
            return
        phases = s.phase.value.split(", ")
        w.say("phase.phase", s.phase, phase="/".join(phases).replace("/Phase ", "/"))
        slug = re.sub(r"[^a-z0-9]+", "_", "/".join(phases).replace("/Phase ", "/").lower()).strip("_")
        w.gloss("glossary.means", slug) or w.gloss("glossary.means", "phase")

    def _size(self, w: _Writer, q: str, s: FactSheet) -> None:
        if not s.enrollment:
            return
        kind = (s.enrollment_type.value.lower() if s.enrollment_type else "")
        key = "size.actual" if kind == "actual" else "size.planned" if kind in ("estimated", "anticipated") \
            else "size.plain"
        w.say(key, s.enrollment, n=s.enrollment.value)

    def _dates(self, w: _Writer, q: str, s: FactSheet) -> None:
        for fact, name in ((s.start, "start"), (s.primary_completion, "primary"), (s.completion, "end")):
            when = _when(fact)
            if when and fact:
                w.say(f"dates.{name}_{'past' if when[1] else 'future'}", fact, date=when[0])

    # ---- design ----
    def _design(self, w: _Writer, q: str, s: FactSheet) -> None:
        if s.study_type:
            t = s.study_type.value.lower()
            key = "design.interventional" if t.startswith("interventional") else \
                "design.observational" if t.startswith("observational") else "design.other_type"
            w.say(key, s.study_type, study_type=s.study_type.value)
        if s.masking:
            level = (s.masking_level.value if s.masking_level else s.masking.value).split(" (")[0]
            if level.lower() in ("none", "none (open label)", "open label"):
                w.say("design.open_label", s.masking)
                w.gloss("glossary.means", "open_label")
            else:
                roles = re.search(r"\(([^)]*)\)", s.masking.value)
                who = join_words([ROLE_WORDS.get(r.strip().lower(), r.strip().lower())
                                  for r in roles.group(1).split(",")]) if roles else ""
                label = f"{level.lower()}-blind"
                w.say("design.masked" if who else "design.masked_no_roles", s.masking, level=label, who=who)
                w.gloss("glossary.means", f"{level.lower()}_blind")

    def _randomization(self, w: _Writer, q: str, s: FactSheet) -> None:
        if not s.allocation:
            if len(s.arms) == 1:
                w.say("randomization.single_group", (s.arms[0].path, s.arms[0].quote))
            return
        a = s.allocation.value.lower()
        key = "randomization.randomized" if a == "randomized" else "randomization.non_randomized" \
            if a in ("non-randomized", "nonrandomized") else "randomization.single_group" \
            if a in ("not applicable", "na", "n/a") else "randomization.other"
        w.say(key, s.allocation, allocation=s.allocation.value)
        if key == "randomization.randomized":
            w.gloss("glossary.means", "randomized")

    # ---- arms and treatment ----
    def _arms(self, w: _Writer, q: str, s: FactSheet) -> None:
        if not s.arms:
            return
        cites = [(a.path, a.quote) for a in s.arms]
        if len(s.arms) == 1:
            w.say("arms.one", cites, name=s.arms[0].label)
        else:
            names = [f"“{a.label}”" for a in s.arms[:MAX_LISTED]]
            more = [f"{len(s.arms) - MAX_LISTED} more"] if len(s.arms) > MAX_LISTED else []
            w.say("arms.count", cites[:MAX_LISTED], n=len(s.arms), names=join_words(names + more))
        placebo = [a for a in s.arms if "placebo" in (a.type + " " + a.label).lower()]
        if re.search(r"placebo|dummy|sugar pill|fake", q, re.IGNORECASE) or placebo:
            if placebo:
                w.say("arms.placebo_yes", [(placebo[0].path, placebo[0].quote)])
                w.gloss("glossary.means", "placebo")
            else:
                w.say("arms.placebo_no", cites)
        for a in s.arms[:4]:
            if a.description:
                w.say("arms.group", [(a.path, a.description)], label=a.label, description=a.description)

    def _treatment(self, w: _Writer, q: str, s: FactSheet) -> None:
        real = [i for i in s.interventions if "placebo" not in i.name.lower()] or s.interventions
        if real:
            w.say("treatment.tests", [(i.path, i.quote) for i in real], names=join_words([i.name for i in real]))
        described = [a for a in s.arms if a.description][:3]
        for a in described:
            w.say("treatment.group", [(a.path, a.description)], label=a.label, description=a.description)
        if not described:
            for i in real[:3]:
                if i.description:
                    w.say("treatment.given", [(i.path, i.description.split("\n")[0])], name=i.name,
                          description=i.description.split("\n")[0])

    # ---- outcomes, sponsor, contact ----
    def _outcomes(self, w: _Writer, q: str, s: FactSheet) -> None:
        primary = [o for o in s.outcomes if o.primary]
        secondary = [o for o in s.outcomes if not o.primary]
        for o in primary[:3]:
            w.say("outcomes.primary" if len(primary) == 1 else "outcomes.primary_many", [(o.path, o.quote)],
                  measure=o.measure)
            if o.time_frame:
                w.say("outcomes.when", [(o.path, f"Time frame: {o.time_frame}")], time_frame=o.time_frame)
        if secondary:
            w.say("outcomes.secondary", [(secondary[0].path, secondary[0].quote)], n=len(secondary),
                  measure=secondary[0].measure)

    def _sponsor(self, w: _Writer, q: str, s: FactSheet) -> None:
        if s.sponsor:
            w.say("sponsor.lead", s.sponsor, sponsor=s.sponsor.value)
        if s.collaborators:
            w.say("sponsor.collaborators", [(c.path, c.quote) for c in s.collaborators],
                  names=join_words([c.value for c in s.collaborators]))

    def _contact(self, w: _Writer, q: str, s: FactSheet) -> None:
        for p in s.contacts[:2]:
            who, how = _person_words(p)
            w.say("contact.person", [(p.path, p.quote)], who=who, how=how)
        for p in s.officials[:2]:
            who, _ = _person_words(p)
            w.say("contact.official", [(p.path, p.quote)], who=who + (f", {p.affiliation}" if p.affiliation else ""))

    def team_sentence(self, w: _Writer, s: FactSheet) -> bool:
        """Close an eligibility answer by naming who decides, with their contact when the record has one."""
        for p in (s.contacts or s.officials)[:1]:
            who, how = _person_words(p)
            return w.say("can_i_join.team", [(p.path, p.quote)], who=who, how=how)
        return False

    # ---- eligibility ----
    def _age_sex(self, w: _Writer, s: FactSheet) -> None:
        low, high = _age_words(s.min_age), _age_words(s.max_age)
        cites = [(f.path, f.quote) for f in (s.min_age, s.max_age) if f]
        if low and high:
            w.say("eligibility.age_range", cites, low=low, high=high)
        elif low:
            w.say("eligibility.age_min", cites, low=low)
        elif high:
            w.say("eligibility.age_max", cites, high=high)
        if s.sex:
            sex = s.sex.value.lower()
            key = "eligibility.sex_female" if sex.startswith(("female", "women")) else \
                "eligibility.sex_male" if sex.startswith(("male", "men")) else "eligibility.sex_all"
            w.say(key, s.sex)

    def _who_can_join(self, w: _Writer, q: str, s: FactSheet) -> None:
        self._age_sex(w, s)
        if s.healthy_volunteers:
            yes = s.healthy_volunteers.value.lower().endswith("yes")
            w.say("eligibility.healthy_yes" if yes else "eligibility.healthy_no", s.healthy_volunteers)
        for items, intro, more in ((s.inclusion, "include_intro", "include_more"),
                                   (s.exclusion, "exclude_intro", "exclude_more"),
                                   (s.criteria if not (s.inclusion or s.exclusion) else [], "criteria_intro",
                                    "include_more")):
            for i, item in enumerate(items[:SHOWN_CRITERIA]):
                w.say(f"eligibility.{intro if i == 0 else more}", item, item=_quoted(item.value))
        hidden = max(len(s.inclusion) - SHOWN_CRITERIA, 0) + max(len(s.exclusion) - SHOWN_CRITERIA, 0)
        if hidden and (s.inclusion or s.exclusion):
            last = (s.inclusion or s.exclusion)[-1]
            w.say("eligibility.more", last, n=hidden)
        self.team_sentence(w, s)

    def _can_i_join(self, w: _Writer, q: str, s: FactSheet) -> None:
        m = _AGE_Q.search(q)
        age = int(m.group(1) or m.group(2)) if m else None
        if age is not None and age > 120:
            age = None
        male, female = bool(_MALE_Q.search(q)), bool(_FEMALE_Q.search(q))
        if age is not None or male != female:
            self._age_sex(w, s)
        if age is not None and (s.min_age or s.max_age):
            low, high = age_in_years(s.min_age.value if s.min_age else None), \
                age_in_years(s.max_age.value if s.max_age else None)
            outside = (low is not None and age < low) or (high is not None and age > high)
            cites = [(f.path, f.quote) for f in (s.min_age, s.max_age) if f]
            w.say("can_i_join.outside_age" if outside else "can_i_join.inside_age", cites, age=age)
        if male != female and s.sex:
            sex = s.sex.value.lower()
            fits = sex.startswith("all") or (female and sex.startswith(("female", "women"))) or \
                (male and sex.startswith(("male", "men")))
            w.say("can_i_join.sex_yes" if fits else "can_i_join.sex_no", s.sex, who="a man" if male else "a woman")
        cm = _CONDITION_Q.search(q)
        condition = cm.group(1).strip() if cm and cm.group(1).strip().lower() not in _NOT_CONDITIONS else ""
        if condition:
            self._condition(w, condition, s)
        if not w.sentences:  # nothing personal we could compare: give the general rules
            self._who_can_join(w, q, s)
            return
        self.team_sentence(w, s) or w.say("can_i_join.team_no_contact", [(f.path, f.quote) for f in
                                                                           (s.min_age, s.sex) if f])

    def _condition(self, w: _Writer, condition: str, s: FactSheet) -> None:
        terms = content_terms(condition) - {"diseas", "condit", "problem", "histori"}
        if not terms:
            return

        def best(items: list[Fact]) -> Fact | None:
            scored = [(overlap(terms, content_terms(i.value)), i) for i in items]
            top = max(scored, key=lambda t: t[0], default=(0.0, None))
            return top[1] if top[0] >= 0.5 else None

        excluded, included = best(s.exclusion), best(s.inclusion + s.criteria)
        if excluded:
            w.say("can_i_join.condition_excluded", excluded, item=_quoted(excluded.value))
        elif included:
            w.say("can_i_join.condition_included", included, item=_quoted(included.value))
        elif s.inclusion or s.exclusion or s.criteria:
            anchor = (s.inclusion or s.criteria or s.exclusion)[0]
            w.say("can_i_join.condition_unknown", anchor, condition=condition)

    # ---- where ----
    def _where(self, w: _Writer, q: str, s: FactSheet) -> None:
        if not s.sites:
            return
        place, matched = self._place_in(q, s)
        countries: dict[str, int] = {}
        for site in s.sites:
            if site.country:
                countries[site.country] = countries.get(site.country, 0) + 1
        ranked = sorted(countries.items(), key=lambda kv: (-kv[1], kv[0]))
        if place:
            if matched:
                shown = [_site_words(x) for x in matched[:6]]
                rest = f" and {len(matched) - 6} more" if len(matched) > 6 else ""
                w.say("where.in_place", [(x.path, x.quote) for x in matched[:6]], place=place, n=len(matched),
                      list="; ".join(shown) + rest)
            else:
                cite = [(s.sites_summary.path, s.sites_summary.quote)] if s.sites_summary else \
                    [(x.path, x.quote) for x in s.sites[:3]]
                w.say("where.not_in_place", cite, place=place,
                      countries=join_words([c for c, _ in ranked[:10]]) or "other places")
            return
        if len(s.sites) == 1:
            w.say("where.one_site", [(s.sites[0].path, s.sites[0].quote)], place=_site_words(s.sites[0]))
            return
        n_countries = len(ranked)
        summary = [(s.sites_summary.path, s.sites_summary.quote)] if s.sites_summary else \
            [(x.path, x.quote) for x in s.sites[:3]]
        w.say("where.summary", summary, sites=f"{len(s.sites)} sites",
              countries=f"{n_countries} countr{'ies' if n_countries != 1 else 'y'}" if n_countries > 1
              else (country_words(ranked[0][0]) if ranked else "the places listed"))
        if n_countries > 1:
            top = ranked[:10]
            rest = f", and {n_countries - 10} more countries" if n_countries > 10 else ""
            w.say("where.countries", summary, list=", ".join(f"{c} ({k})" for c, k in top) + rest)
        us_line = next((ln for ln in (s.sites_summary.value.split("\n") if s.sites_summary else [])
                        if ln.startswith("United States by state: ")), "")
        if us_line and s.sites_summary:
            states = us_line.split(": ", 1)[1].split(", ")
            shown = ", ".join(states[:10]) + (f", and {len(states) - 10} more states" if len(states) > 10 else "")
            w.say("where.states", [(s.sites_summary.path, us_line)], list=shown)
        cities = list(dict.fromkeys(x.city for x in s.sites if x.city))
        if cities and n_countries <= 1 or (cities and len(s.sites) <= 12):
            picked = [next(x for x in s.sites if x.city == c) for c in cities[:5]]
            w.say("where.cities", [(x.path, x.quote) for x in picked],
                  list=", ".join(cities[:5]) + (" and others" if len(cities) > 5 else ""))

    def _place_in(self, q: str, s: FactSheet) -> tuple[str, list]:
        """A place named in the question, and the sites there ([] when none is listed there)."""
        names: dict[str, list] = {}
        spelled: dict[str, str] = {}
        for site in s.sites:
            for value in (site.country, site.state, site.city):
                if value and len(value) > 2:
                    names.setdefault(value.lower(), []).append(site)
                    spelled.setdefault(value.lower(), value)
        for value in self.places:
            names.setdefault(value.lower(), [])
            spelled.setdefault(value.lower(), value)
        for name in sorted(names, key=len, reverse=True):
            if re.search(rf"\b{re.escape(name)}\b", q, re.IGNORECASE):
                target = PLACE_ALIASES.get(name, name)
                return spelled[name], names.get(target, [])
        return "", []


def load_places() -> frozenset[str]:
    """Place names a question may name (``assistant/routing/places.txt``), beyond the study's own sites."""
    text = resources.files("assistant").joinpath("routing", "places.txt").read_text("utf-8")
    return frozenset(ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#"))


# glossary entry (slug prefix) → the fact-sheet answer that says how this study uses the term
TERM_FACTS = (("open_label", "design"), ("single_blind", "design"), ("double_blind", "design"),
              ("triple_blind", "design"), ("quadruple_blind", "design"), ("masking", "design"),
              ("who_is_masked", "design"), ("phase", "phase"), ("early_phase", "phase"), ("randomized", "randomization"),
              ("non_randomized", "randomization"), ("allocation", "randomization"), ("placebo", "arms"),
              ("arm", "arms"), ("enrollment", "size"), ("actual_enrollment", "size"), ("anticipated_enrollment", "size"),
              ("recruit", "status"), ("not_yet_recruiting", "status"), ("active_not_recruiting", "status"),
              ("completed", "status"), ("terminated", "status"), ("healthy_volunteers", "who_can_join"),
              ("age_limits", "who_can_join"), ("sex_eligibility", "who_can_join"), ("sponsor", "sponsor"),
              ("observational", "design"), ("interventional", "design"), ("registry", "design"))
PLACE_ALIASES = {"usa": "united states", "america": "united states", "uk": "united kingdom"}
ROLE_WORDS = {"participant": "the people taking part", "care provider": "their doctors and nurses",
              "investigator": "the researchers", "outcomes assessor": "the people who check the results"}


def _site_words(site) -> str:
    return ", ".join(x for x in (site.facility, site.city, site.state, site.country) if x)


def country_words(country: str) -> str:
    """'United States' → 'the United States' (as said in a sentence)."""
    return f"the {country}" if re.match(r"(United|Russian Federation|Netherlands|Philippines|Czech Republic)",
                                         country) else country


def _quoted(item: str) -> str:
    return f"“{item.rstrip(' .;')}”"

