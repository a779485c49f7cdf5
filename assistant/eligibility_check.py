"""Every rule of a study checked against what the person said: age, sex, conditions, treatments,
pregnancy and measurements against the age and sex fields and every criterion, each sub-item read
with its parent.

The result is a list of findings (what to say, with what to cite) in the order an answer says them —
what rules the person out, what may, what fits, what the rules mention, what they do not — and the
``Eligibility`` the JSON API carries. Never a yes: at best "not excluded so far".
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from assistant.eligibility_rules import (
    CONDITIONAL,
    FAMILY,
    QUALIFIED,
    age_bounds,
    dose_limit,
    negation,
    threshold,
    time_window,
)
from assistant.nearby import gazetteer, place_name, places_within
from assistant.patient_facts import Measure, Mention, PatientFacts
from assistant.textutil import content_terms
from assistant.types import CheckVerdict, Eligibility, EligibilityCheck
from assistant.vocab import vocabulary
from trialchat.criteria_tree import CriteriaTree, CriterionItem
from trialchat.facts import Fact, FactSheet, age_in_years

GROUPS = ("rules_out", "may_rule_out", "fits", "mentions", "not_mentioned", "none")  # "none": checked, not said
_GENERIC = {"diseas", "condit", "problem", "histori", "disord", "ill"}
# "Bath Ankylosing Spondylitis Disease Activity Index": a score named after the disease, not the disease
_SCORE_NAME = re.compile(r"\s*(?:disease activity\s+|functional\s+|quality of life\s+)?(?:index|score|scale|questionnaire)\b",
                         re.IGNORECASE)
PERMITS = re.compile(r"\b(?:could|can|may|will)\s+(?:also\s+)?be\s+(?:enrolled|included|eligible|allowed|accepted)\b|"
                     r"\b(?:are|is)\s+(?:also\s+)?(?:allowed|permitted|eligible)\b", re.IGNORECASE)
RESIDENCE = re.compile(r"\bresid(?:ent|ents|ence|ing)\b|\b(?:live|living|lives) in\b|\bcitizens?\b", re.IGNORECASE)
PREGNANCIES = frozenset({"pregnancy", "planning_pregnancy"})
NOT_PREGNANT_RULE = re.compile(r"\bnegative\b.{0,30}\bpregnancy test|\bcontracepti\w*|\bbirth control\b|\bavoid\w* "
                               r"(?:becoming )?pregnan\w*|\bnot (?:be )?pregnant\b|\bsurgically sterile\b", re.IGNORECASE)
_RANK_IN = {"not_stated": 0, "met": 1, "not_met": 2}
_RANK_OUT = {"not_stated": 0, "not_met": 1, "met": 2}


@dataclass
class Finding:
    group: str  # one of GROUPS
    key: str  # sentence in prompts/answers.toml [eligibility_check]
    cites: list[tuple[str, str]]  # (field path, verbatim quote)
    variables: dict[str, object] = field(default_factory=dict)


@dataclass
class Assessment:
    facts: PatientFacts
    findings: list[Finding]
    eligibility: Eligibility
    unchecked: list[CriterionItem]  # top-level rules nothing the person said touched: the team checks them

    def said(self, group: str) -> list[Finding]:
        return [f for f in self.findings if f.group == group]


def tree_of(s: FactSheet) -> CriteriaTree:
    """The sheet's criteria tree; for a sheet stored before trees, its flat items as a tree without children."""
    if s.criteria_tree:
        return s.criteria_tree

    def items(facts: list[Fact], section: str) -> list[CriterionItem]:
        return [CriterionItem(text=f.value, quote=f.quote, path=f.path, section=section, number=str(i))  # type: ignore[arg-type]
                for i, f in enumerate(facts, 1)]
    return CriteriaTree(inclusion=items(s.inclusion, "inclusion"), exclusion=items(s.exclusion, "exclusion"),
                        other=items(s.criteria, ""))


def _label(item: CriterionItem, parents: tuple[CriterionItem, ...]) -> str:
    return " › ".join(p.text.rstrip(": ") for p in (*parents, item))


def _quoted(text: str) -> str:
    return f"“{text.rstrip(' .;:')}”"


class _Checker:
    def __init__(self, s: FactSheet, facts: PatientFacts):
        self.s, self.facts, self.tree = s, facts, tree_of(s)
        self.findings: list[Finding] = []
        self.verdicts: dict[int, tuple[CriterionItem, CheckVerdict, str]] = {}
        self.sub_checks: list[EligibilityCheck] = []  # matched sub-items of "N or more of the following", with their parent  # id(top item) → (item, verdict, fact)
        self.who, self.be = facts.who, ("are" if not facts.whose else "is")
        self.whom = "you" if not facts.whose else "them"
        self.studied = {k for c in s.conditions + ([s.title_fact] if s.title_fact else [])  # not "Without … AS"
                        for h in vocabulary().find(c.value) if not negation(c.value, h.start) for k in h.concepts}
        self.their = "your" if not facts.whose else f"your {facts.whose}'s"
        # sub-items of "Three or more of the following:" the person has, per parent: counted over all they said
        self.some_of: dict[int, tuple[CriterionItem, list[tuple[CriterionItem, tuple[CriterionItem, ...], str]]]] = {}

    def add(self, group: str, key: str, cites: list[tuple[str, str]], top: CriterionItem | None = None,
            verdict: CheckVerdict | None = None, said: str = "", **variables: object) -> None:
        self.findings.append(Finding(group, key, cites, {"who": self.who, "be": self.be, "whom": self.whom, **variables}))
        if top is not None and verdict:
            old = self.verdicts.get(id(top))
            rank = _RANK_IN if top.section == "inclusion" else _RANK_OUT  # the verdict that decides wins
            if not old or rank[verdict] > rank[old[1]]:
                self.verdicts[id(top)] = (top, verdict, said)

    # ---- age and sex ----
    def age(self) -> None:
        age, s = self.facts.age, self.s
        if age is None:
            return
        low, high = (age_in_years(f.value) if f else None for f in (s.min_age, s.max_age))
        fields = [f for f in (s.min_age, s.max_age) if f]
        words = self.facts.age_said or f"{age:g}"
        if fields:
            low_w, high_w = (_age_words(f) for f in (s.min_age, s.max_age))
            outside = (low is not None and age < low) or (high is not None and age > high)
            group = "rules_out" if outside else "fits"
            cites = [(f.path, f.quote) for f in fields]
            rng = f"aged {low_w} to {high_w}" if low_w and high_w else f"aged {low_w} or older" if low_w else \
                f"up to age {high_w}"
            self.add(group, "age_outside" if outside else "age_inside", cites, age=words, range=rng)
        for item, parents in self.tree.walk():
            if parents or item.section == "":
                continue
            bounds = age_bounds(item.text, item.section)
            if not bounds:
                continue
            lo, hi = bounds
            outside = (lo is not None and age < lo) or (hi is not None and age > hi)
            verdict: CheckVerdict = ("not_met" if outside else "met") if item.section == "inclusion" else \
                ("met" if outside else "not_met")
            # (a bound the fields leave out is not said differently: "up to 4 months" and "≥2 weeks to 4 months")
            same = bool(fields) and _same_age(lo, low) and _same_age(hi, high)
            field_outside = (low is not None and age < low) or (high is not None and age > high)
            if same and outside == field_outside:  # the written rule says what the fields say: checked, not said twice
                self.verdicts[id(item)] = (item, verdict, f"age {words}")
            elif outside:
                self.add("rules_out", "age_rule_outside", [(item.path, item.quote)], item, verdict, f"age {words}",
                         age=words, item=_quoted(item.text))
            else:
                self.add("fits", "age_rule_inside" if not fields else "age_rule_differs", [(item.path, item.quote)],
                         item, verdict, f"age {words}", age=words, item=_quoted(item.text))
        if any(f.key == "age_rule_outside" for f in self.findings):
            # the fields leave out the bound the written rule puts the person outside ("≥2 weeks" for a 1-week-old):
            # "inside its age range" would contradict it
            self.findings = [f for f in self.findings if f.key != "age_inside"]

    def sex(self) -> None:
        sex, s = self.facts.sex, self.s
        if not sex or not s.sex:
            return
        rule = s.sex.value.lower()
        fits = rule.startswith("all") or rule.startswith(("female", "women")) == (sex == "female")
        words = "a girl or woman" if sex == "female" else "a boy or man"
        if rule.startswith("all"):  # nothing to say: the check is still listed (_field_checks)
            self.findings.append(Finding("none", "sex_fits", [], {}))
            return
        self.add("fits" if fits else "rules_out", "sex_fits" if fits else "sex_not", [(s.sex.path, s.sex.quote)],
                 sex=words)

    def healthy(self) -> None:
        """"She's totally healthy": the record's healthy-volunteers field says whether people without the illness
        can take part."""
        field_ = self.s.healthy_volunteers
        if not self.facts.healthy or field_ is None:
            return
        yes = field_.value.lower().endswith("yes")
        self.add("fits" if yes else "rules_out", "healthy_taken" if yes else "healthy_not_taken",
                 [(field_.path, field_.quote)])

    # ---- where the person lives ----
    def place(self) -> None:
        """Rules that name where the person said they live, or the state or country it is in ("residents of the
        United States … and Canada" for "I live in Toronto"); an age such a rule sets for that place ("for Puerto
        Rico residents, you must be 21") is checked in place of the study's general age."""
        where = self.facts.location
        if not where:
            return
        names = places_within(where)
        said = where.title() if where.islower() else where  # typed "toronto": said "Toronto"
        residence: tuple[CriterionItem, tuple[CriterionItem, ...]] | None = None
        for item, parents in self.tree.walk():
            if residence is None and RESIDENCE.search(item.text):
                residence = (item, parents)
            named = next((n for n in names if re.search(rf"(?<![\w.]){re.escape(n)}(?![\w])", item.text)), None)
            if named is None:
                continue
            top = parents[0] if parents else item
            cites = [(p.path, p.quote) for p in (*parents, item)]
            label = _quoted(_label(item, parents))
            # the clause that names the place: its own age, if it sets one
            clause = next(c for c in re.split(r"[();]", item.text) if named in c)
            bounds = age_bounds(clause, item.section) if self.facts.age is not None and clause != item.text else None
            lo, hi = bounds or (None, None)
            age = self.facts.age
            if bounds and age is not None:
                outside = (lo is not None and age < lo) or (hi is not None and age > hi)
                self.findings = [f for f in self.findings if f.key not in ("age_inside", "age_outside")]
                self.add("rules_out" if outside else "fits", "place_age_outside" if outside else "place_age_inside",
                         cites, top, "not_met" if outside else "met", f"age {age:g} in {where}", age=f"{age:g}",
                         place=named, item=label)
            else:
                self.add("mentions", "place_named" if named.lower() == where.lower() else "place_within", cites, top,
                         "not_stated", where, place=named, where=said, item=label)
            return
        if residence is not None and (country := gazetteer().country_code(where)) \
                and (named_countries := _countries_in(residence[0].text)) and country not in named_countries:
            # "i live in mexico" and "residents of the United States … and Canada": a country the rule leaves out
            item, parents = residence
            self.add("rules_out", "place_outside", [(p.path, p.quote) for p in (*parents, item)],
                     parents[0] if parents else item, "not_met", where,
                     where=f"the {where}" if where.isupper() else place_name(where),
                     item=_quoted(_label(item, parents)))
            return
        if residence is not None:  # "residents of the United States … and Canada", and the person is in the UK
            item, parents = residence
            self.add("may_rule_out", "place_not_named", [(p.path, p.quote) for p in (*parents, item)],
                     parents[0] if parents else item, "not_stated", where,
                     where=f"the {where}" if where.isupper() else place_name(where), item=_quoted(_label(item, parents)))

    # ---- conditions, treatments, pregnancy ----
    def listed(self, m: Mention) -> bool:
        """A condition on the study's own list of conditions ("a chronic condition listed in the registry"):
        the list is part of who the study is for, though no rule names it."""
        if m.kind != "condition":
            return False
        c = next((c for c in self.s.conditions if _find(m, c.value, self.s.abbreviations)), None)
        if c is not None:
            self.add("fits", "condition_listed", [(c.path, c.quote)], fact=m.says, condition=c.value)
        return c is not None

    def mention(self, m: Mention) -> bool:
        found = False
        needed, maybe = False, 0  # a rule to join names it (then an exclusion naming it is about a form of it)
        told: set[tuple[str, int]] = set()  # (group, top rule): a rule said once for each thing the person said
        # the study's own condition ("lupus" in a lupus study): exclusions that name it are about a form or a
        # complication of it, which the study team checks
        own = m.kind == "condition" and any(_find(m, c.value, self.s.abbreviations) for c in self.s.conditions)
        # rules naming the thing itself ("TNF-antagonist") before those naming a wider group it is in ("biological
        # agents"): when one sentence is said for it, it is the one about it
        for item, parents in sorted(self.tree.walk(), key=lambda ip: (not _names_itself(m, ip[0].text), -len(ip[1]))):
            found_at = _find(m, item.text, self.s.abbreviations)
            if found_at is None:
                continue
            # "family history of atopy": about the person's relatives, so it decides nothing from what they said
            # of themselves, but it is about what they named (and their family may have it): the team can say
            family = bool(FAMILY.search(item.text)) and m.concept not in ("pregnancy", "breastfeeding")
            top = parents[0] if parents else item
            if any(t == id(top) for _, t in told):
                found = True
                continue
            told.add(("", id(top)))
            start, narrow = found_at
            # a narrower kind the team can tell; or, in a study of that very condition, an exclusion of a form or
            # complication of it ("psychosis related to SLE"): said as a rule that mentions it, not one that may
            # rule the person out
            own_form = item.section == "exclusion" and own
            neg = "far" if narrow or family or own_form else negation(item.text, start, treatment=m.kind == "treatment")
            # "No prior therapy … However, … cerebral irradiation before inclusion … will be allowed": the sentence
            # that names it allows it, whatever the rule's first sentence says
            if neg == "far" and item.section == "inclusion" and PERMITS.search(_sentence_at(item.text, start)):
                neg = ""
            # "Negative pregnancy test", "must use … contraception": a rule to join that a pregnancy does not fit
            if m.concept in PREGNANCIES and item.section == "inclusion" and NOT_PREGNANT_RULE.search(item.text):
                neg = "near"
            group_parent = next((p for p in reversed(parents) if p.combine in ("at_least", "all")), None)
            found = True
            cites = [(p.path, p.quote) for p in (*parents, item)]
            label = _quoted(_label(item, parents))
            exclusion = item.section == "exclusion"
            if neg == "except":  # the rule makes an exception for it: it neither needs nor rules out the thing
                self.add("fits", "excepted", cites, top, "not_stated", m.says, fact=m.says, item=label)
                continue
            if neg == "near":
                if not exclusion and item.section:  # "must not be pregnant", "No prior therapy for …"
                    self.add("rules_out", "needs_not", cites, top, "not_met", m.says, fact=m.says, item=label)
                continue
            if family and item.section:  # "family history of atopy": may rule them out through their family
                if not (self.facts.whose or self.facts.relatives):
                    # (the asker's own illness is not their family's: "I had a heart attack" and "family history of
                    # premature CAD"; a parent's asthma, asked for their baby, is): checked, not said
                    self.verdicts.setdefault(id(top), (top, "not_stated", m.says))
                    continue
                self.add("may_rule_out", "family_excluded" if exclusion else "family_needed", cites, top, "not_stated",
                         m.says, fact=m.says, item=label)
                continue
            if neg == "far" or not item.section:
                if needed and own:
                    # the study's own illness, already met by a rule to join: other rules naming it ("hSLEDAI >= 6 …",
                    # "psychosis related to SLE") are the team's to check, not one sentence each
                    self.verdicts.setdefault(id(top), (top, "not_stated", m.says))
                    continue
                self.add("mentions", "mentions", cites, top, "not_stated", m.says, fact=m.says, item=label)
                continue
            limit = dose_limit(item.text, start) if item.section else None
            if limit is not None and m.mg is not None:  # "prednisone 30 mg" against "prednisone (<= 20 mg daily)"
                test, words = limit
                allowed = test(m.mg) != exclusion
                self.add("fits" if allowed else "rules_out", "dose_within" if allowed else "dose_outside", cites, top,
                         "met" if allowed != exclusion else "not_met", f"{m.words} {m.mg:g} mg", fact=m.words,
                         mg=f"{m.mg:g} mg", limit=words, item=label)
                continue
            if group_parent is not None:
                hits = self.some_of.setdefault(id(group_parent), (group_parent, []))[1]
                if all(h[0] is not item for h in hits):
                    hits.append((item, parents, m.says))
                continue
            # a time the person said against the rule's window: an exclusion looks back ("rituximab within 1 yr" and
            # "8 months ago"), an inclusion ahead ("pregnancy within 6 months" and "next year")
            months_, when, kind = (m.months_ago, m.when, "window") if exclusion else \
                (m.months_ahead, m.when_ahead, "plan")
            window = time_window(item.text, start) if months_ is not None else None
            if window is not None and months_ is not None and exclusion and CONDITIONAL.match(item.text):
                inside = months_ <= window[0]  # inside the window the rule asks more of the person; outside, nothing
                self.add("may_rule_out" if inside else "fits", f"window_{'asks' if inside else 'outside'}", cites,
                         top, "not_stated" if inside else "not_met", f"{m.says} {when}", fact=m.says, when=when,
                         window=window[1], item=label)
                continue
            if window is not None and months_ is not None:
                inside = months_ <= window[0]
                # inside an exclusion's window keeps the person out; inside an inclusion's is what it asks for
                self.add("rules_out" if inside == exclusion else "fits", f"{kind}_{'inside' if inside else 'outside'}",
                         cites, top, "met" if inside else "not_met", f"{m.says} {when}", fact=m.says, when=when,
                         window=window[1], item=label)
                continue
            if exclusion:
                # a rule naming the very condition the study is about excludes a form or complication of it
                qualified = bool(QUALIFIED.search(_label(item, parents)) or CONDITIONAL.match(item.text)) \
                    or m.concept in self.studied or needed
                if qualified and maybe:  # one "may rule you out" sentence for each thing said; the rest in the checks
                    self.verdicts.setdefault(id(top), (top, "not_stated", m.says))
                    continue
                maybe += qualified
                self.add("may_rule_out" if qualified else "rules_out", "excluded_if" if qualified else "excluded",
                         cites, top, "not_stated" if qualified else "met", m.says, fact=m.says, item=label)
            elif needed:  # one "fits" sentence for each thing said; the rest in the checks
                self.verdicts.setdefault(id(top), (top, "met", m.says))
            else:
                # "Patients with active brain metastases could be enrolled": allowed, not needed
                key = "allowed" if PERMITS.search(item.text) else "fits"
                wider = _wider_term(m, item.text) if key == "fits" else ""
                if wider and content_terms(wider) <= BROAD_GROUPS:
                    # ("tumor disease" in a rule on how well people manage day to day says nothing of a cured basal
                    # cell skin cancer): checked, not said
                    self.verdicts.setdefault(id(top), (top, "not_stated", m.says))
                    continue
                needed = True
                if wider:  # "back pain" for ankylosing spondylitis: the rule names a wider group
                    self.add("fits", "fits_wider", cites, top, "met", m.says, fact=m.says, wider=wider, item=label)
                else:
                    self.add("fits", key, cites, top, "met", m.says, fact=m.says, item=label)
        return found

    def lacked(self, m: Mention) -> None:
        """"I don't have French social security": a rule to join that needs it (an exclusion naming it is no matter)."""
        # (a rule naming the thing itself first: "no back pain" is not "no axial SpA", a disease with back pain)
        for item, parents in sorted(self.tree.walk(), key=lambda ip: not _names_itself(m, ip[0].text)):
            if item.section != "inclusion" or _find_lacked(m, item.text, self.s.abbreviations) is None:
                continue
            if parents and parents[-1].combine in ("any", ""):
                continue  # one of several ("… disease, including: › Lupus › Antiphospholipid …"): the others may fit
            top = parents[0] if parents else item
            self.add("rules_out", "lacks_needed", [(p.path, p.quote) for p in (*parents, item)], top, "not_met",
                     f"no {m.words}", fact=m.words, item=_quoted(_label(item, parents)))  # (as they said it)
            return

    def _some_of(self) -> None:
        """Sub-items of "Three or more of the following:" count towards their parent; fewer than it asks for
        decide nothing, and are said as such."""
        for parent, hits in self.some_of.values():
            item, parents, _ = hits[0]
            top = parents[0]
            need = parent.min_count if parent.combine == "at_least" else len(parent.children)
            cites = [(p.path, p.quote) for p in parents] + [(i.path, i.quote) for i, _, _ in hits]
            facts = _join([says for _, _, says in hits])
            items = ", ".join(_quoted(i.text) for i, _, _ in hits)
            exclusion = parent.section == "exclusion"
            self.sub_checks += [EligibilityCheck(item=_label(i, ps), section="exclusion" if exclusion else "inclusion",
                                                 verdict="met", quote=i.quote, field_path=i.path, fact=says)
                                for i, ps, says in hits]
            if len(hits) >= need:
                self.add("rules_out" if exclusion else "fits", "some_of_all_excluded" if exclusion else "some_of_all_needed",
                         cites, top, "met", facts, fact=facts, parent=_quoted(parent.text), item=items, n=len(hits))
            else:
                self.add("may_rule_out" if exclusion else "fits", "some_of_excluded" if exclusion else "some_of_needed",
                         cites, top, "not_stated", facts, fact=facts, parent=_quoted(parent.text), item=items,
                         n=len(hits))

    # ---- measurements ----
    def measure(self, x: Measure) -> bool:
        vocab = vocabulary()
        found = False
        value = f"{x.value:g}{x.unit if x.unit == '%' else ' ' + x.unit if x.unit else ''}"
        fact = f"{self.their} {x.says} of {value}"
        for item, parents in self.tree.walk():
            hit = next((h for h in vocab.find(item.text) if x.concept in h.concepts), None)
            if hit is None:
                continue
            found = True
            top = parents[0] if parents else item
            cites = [(p.path, p.quote) for p in (*parents, item)]
            label = _quoted(_label(item, parents))
            test = threshold(item.text, hit.end)
            if test is None or not item.section:
                self.add("mentions", "measure_rule", cites, top, "not_stated", fact, fact=x.says, item=label)
            elif item.section == "exclusion":
                holds = test(x.value)
                self.add("rules_out" if holds else "fits", "measure_excluded" if holds else "measure_clear", cites, top,
                         "met" if holds else "not_met", fact, fact=fact, item=label)
            else:
                holds = test(x.value)
                self.add("fits" if holds else "rules_out", "measure_fits" if holds else "measure_outside", cites, top,
                         "met" if holds else "not_met", fact, fact=fact, item=label)
        return found

    def run(self) -> Assessment:
        self.age()
        self.sex()
        self.healthy()
        self.place()
        anchor = self._anchor()
        for m in [*self.facts.conditions, *self.facts.treatments]:
            if not self.mention(m) and not self.listed(m) and anchor:
                self.add("not_mentioned", "not_mentioned", anchor, fact=m.says)
        for m in self.facts.lacks:
            self.lacked(m)
        for x in self.facts.measures:
            if not self.measure(x) and anchor:
                self.add("not_mentioned", "not_mentioned", anchor, fact=x.says)
        self._some_of()
        self.findings = _merged(self.findings)
        checks = [EligibilityCheck(item=item.text, section="exclusion" if item.section == "exclusion" else "inclusion",
                                   verdict=self.verdicts[id(item)][1] if id(item) in self.verdicts else "not_stated",
                                   quote=item.quote, field_path=item.path,
                                   fact=self.verdicts[id(item)][2] if id(item) in self.verdicts else "")
                  for item in self.tree.items()]
        checks = self._field_checks() + checks + self.sub_checks
        out = any(f.group == "rules_out" for f in self.findings)
        checked = any(c.verdict != "not_stated" for c in checks)
        verdict: Literal["excluded", "not_excluded_so_far", "unknown"] = \
            "excluded" if out else "not_excluded_so_far" if checked else "unknown"
        order = {g: i for i, g in enumerate(GROUPS)}
        findings = sorted(self.findings, key=lambda f: order[f.group])  # stable: the record's order within a group
        unchecked = [i for i in self.tree.items() if id(i) not in self.verdicts]
        return Assessment(self.facts, findings, Eligibility(verdict=verdict, checks=checks), unchecked)

    def _field_checks(self) -> list[EligibilityCheck]:
        """The age and sex fields as rules of their own."""
        out: list[EligibilityCheck] = []
        age, s = self.facts.age, self.s
        for f, bad in ((s.min_age, lambda a, b: a < b), (s.max_age, lambda a, b: a > b)):
            bound = age_in_years(f.value) if f else None
            if f and bound is not None:
                verdict: CheckVerdict = "not_stated" if age is None else "not_met" if bad(age, bound) else "met"
                out.append(EligibilityCheck(item=f.quote, section="inclusion", verdict=verdict, quote=f.quote,
                                            field_path=f.path, fact=f"age {age:g}" if age is not None else ""))
        if s.sex:
            fits = next((f for f in self.findings if f.key in ("sex_fits", "sex_not")), None)
            said: CheckVerdict = "not_stated" if not fits else "met" if fits.key == "sex_fits" else "not_met"
            out.append(EligibilityCheck(item=s.sex.quote, section="inclusion", verdict=said, quote=s.sex.quote,
                                        field_path=s.sex.path, fact=self.facts.sex))
        return out

    def _anchor(self) -> list[tuple[str, str]]:
        """What "the rules do not mention X" cites: the first rule of each section (the fields it read)."""
        firsts = [items[0] for items in (self.tree.inclusion, self.tree.exclusion, self.tree.other) if items]
        return [(i.path, i.quote) for i in firsts[:2]]


def _sentence_at(text: str, at: int) -> str:
    """The sentence of ``text`` that holds position ``at``."""
    left = max(text.rfind(". ", 0, at), text.rfind("; ", 0, at)) + 1
    right = min([i for i in (text.find(". ", at), text.find("; ", at)) if i >= 0] or [len(text)])
    return text[left:right]


# groups so wide that a rule to join naming one says nothing of the one illness a person has in it
BROAD_GROUPS = content_terms("cancer cancers tumor tumour tumors tumours malignancy malignancies carcinoma neoplasm "
                             "disease diseases illness autoimmune disorder disorders condition conditions")


def _countries_in(text: str) -> set[str]:
    """The ISO codes of the countries a rule names ("residents of the United States … and Canada" → US, CA)."""
    g = gazetteer()
    words = re.findall(r"[A-Z][\w.'-]*(?:\s+(?:of\s+)?[A-Z][\w.'-]*){0,3}", text)
    found = set()
    for phrase in words:  # the phrase, then each shorter run of its words from the left ("United States territories")
        parts = phrase.split()
        for n in range(len(parts), 0, -1):
            if code := g.country_code(" ".join(parts[:n])):
                found.add(code)
                break
    return found


def _same_age(rule: float | None, field_: float | None) -> bool:
    return rule is None or field_ is None or abs(rule - field_) < 0.01


def _age_words(fact: Fact | None) -> str:
    years = age_in_years(fact.value if fact else None)
    if years is None or not fact:
        return ""
    return f"{years:g}" if years >= 1 else fact.value.lower()


def _names_itself(m: Mention, text: str) -> bool:
    """Whether a rule names what the person said by its own terms (not only by a wider group's)."""
    if not m.concept:
        return False
    concept = vocabulary().concepts[m.concept]
    return any(re.search(rf"(?<![\w-]){re.escape(t)}(?![\w])", text, re.IGNORECASE) for t in concept.terms) \
        or any(re.search(rf"(?<![\w-]){re.escape(t)}(?![\w])", text) for t in concept.short)


def _wider_term(m: Mention, text: str) -> str:
    """The words of a wider group the rule names for what the person said ("back pain" for ankylosing
    spondylitis), when the rule does not name the thing itself; "" otherwise."""
    if not m.concept or _names_itself(m, text):
        return ""
    return next((h.phrase for h in vocabulary().find(text) if m.concept in h.within), "")


def _find(m: Mention, text: str, abbreviations: dict[str, str]) -> tuple[int, bool] | None:
    """Where the rule names what the person said (its vocabulary terms, a wider group it belongs to, or all
    of their own words), and whether it names only a narrower kind of it; None when it does not. Never by
    one shared word."""
    if m.concept:
        spelled = text + "".join(f" ({long})" for short, long in abbreviations.items()
                                 if re.search(rf"(?<![\w-]){re.escape(short)}(?![\w-])", text))
        vocab = vocabulary()
        own = {t.lower() for t in vocab.concepts[m.concept].terms}
        narrower = wider = None
        for h in vocab.find(spelled):
            if _SCORE_NAME.match(spelled, h.end):
                continue
            if m.concept in h.concepts:  # the thing itself first ("… (except cured basal cell carcinoma)"), then
                return min(h.start, len(text)), False  # a wider group it is in ("Any tumor history …")
            if m.concept in h.within and wider is None:
                wider = min(h.start, len(text))
            if narrower is None and any(own & {b.lower() for b in vocab.concepts[k].broader} for k in h.concepts):
                narrower = min(h.start, len(text))  # "hemiplegic migraine" for "migraine": a kind of it
        if wider is not None:
            return wider, False
        return (narrower, True) if narrower is not None else None
    terms = content_terms(m.words) - _GENERIC
    if not terms or not terms <= content_terms(text):
        return None
    first = min((text.lower().find(w[:4]) for w in m.words.lower().split() if text.lower().find(w[:4]) >= 0), default=0)
    return first, False


def _find_lacked(m: Mention, text: str, abbreviations: dict[str, str]) -> tuple[int, bool] | None:
    """Where an inclusion rule names what the person lacks: as ``_find``, or (their own words) by most of them
    ("French social security" in "Affiliation to social security")."""
    found = _find(m, text, abbreviations)
    if found is not None or m.concept:
        return found
    terms = content_terms(m.words) - _GENERIC
    shared = terms & content_terms(text)
    return (0, False) if len(shared) >= 2 and 3 * len(shared) >= 2 * len(terms) else None


def _merged(findings: list[Finding]) -> list[Finding]:
    """One sentence for one rule: two things the person named in the same rule ("CellCept and azathioprine")
    are said together, not the rule quoted twice."""
    out: list[Finding] = []
    # (a rule another finding already says for one thing the person named is not said again as one that mentions
    # another: "…including therapy with ALK inhibitors" is not also "a rule that names lung cancer")
    # (by the rule itself, not a lead-in it shares with others: "On stable background treatment … with ›")
    said = {f.cites[-1] for f in findings if f.group != "mentions" and f.cites}
    findings = [f for f in findings if f.group != "mentions" or not f.cites or f.cites[-1] not in said]
    # (nor is a rule that keeps the person out said as one they fit: "born at 35 weeks" does not fit "term delivery
    # (≥37 weeks)", whatever wider group "term delivery" names)
    out_by = {f.cites[-1] for f in findings if f.group in ("rules_out", "may_rule_out") and f.cites}
    findings = [f for f in findings if f.group != "fits" or not f.cites or f.cites[-1] not in out_by]
    for f in findings:
        same = next((o for o in out if o.group == f.group and o.key == f.key and o.cites == f.cites
                     and "fact" in o.variables and "fact" in f.variables), None)
        if same is None:
            out.append(f)
        elif f.variables["fact"] != same.variables["fact"]:
            same.variables["fact"] = f"{same.variables['fact']} and {f.variables['fact']}"
    return out


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def assess(s: FactSheet, facts: PatientFacts) -> Assessment:
    return _Checker(s, facts).run()
