"""The study's rule a person's question is about, when the hand vocabulary does not name it: "we are trying
for a baby" → the pregnancy exclusion, "I have tattoos" → "skin lesions or tattoos covering the entire area",
"he already had chemo" → "no previous systemic treatment".

The cross-encoder (assistant/rerank.py) reads the question against every rule, each sub-item with its
lead-in. A rule is taken only when it clearly stands out: its ms-marco score is high, or well above the next
rule's. Otherwise none is, and the answer says nothing about a closest rule.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assistant.textutil import content_terms
from trialchat.criteria_tree import CriteriaTree, CriterionItem

Scorer = Callable[[str, list[str]], list[float]]

CLEAR_SCORE = -5.0  # at or above this, the rule is about the question whatever the others score
FLOOR = -9.0  # below this, no rule is (ms-marco logits of short rules against personal questions run low)
MARGIN = 1.0  # between these, only a rule this far above the next one
WHOLE_PARTS = 4  # a rule of this many parts or fewer is said whole when one part is asked about
LEXICAL_SLACK = 2.0  # the one rule that says the asked word is taken this far below the floor


@dataclass(frozen=True)
class RuleMatch:
    item: CriterionItem
    parents: tuple[CriterionItem, ...]
    score: float

    @property
    def top(self) -> CriterionItem:
        return self.parents[0] if self.parents else self.item

    @property
    def words(self) -> str:
        """The rule as read: its lead-ins, then itself ("At screening, one of: Anti-dsDNA positive")."""
        return " ".join([*(p.text.rstrip(" :") + ":" for p in self.parents), self.item.text])

    @property
    def cites(self) -> list[tuple[str, str]]:
        return [(p.path, p.quote) for p in (*self.parents, self.item)]

    def whole(self) -> RuleMatch:
        """The rule with all its parts when it is one part of a short list ("Active disease as defined by: BASDAI
        >= 4" and "Spinal pain >= 4" are one rule: either alone tells half of it)."""
        parts = [i for i, _ in self.parents[-1].walk() if not i.children] if self.parents else []
        if not (1 < len(parts) <= WHOLE_PARTS):
            return self
        joined = CriterionItem(text="; ".join(p.text.rstrip(" .;") for p in parts), quote=self.item.quote,
                               path=self.item.path, section=self.item.section)
        return _Whole(joined, self.parents, self.score, tuple(parts))


@dataclass(frozen=True)
class _Whole(RuleMatch):
    parts: tuple[CriterionItem, ...] = ()

    @property
    def cites(self) -> list[tuple[str, str]]:
        return [(p.path, p.quote) for p in (*self.parents, *self.parts)]


def closest_rule(question: str, tree: CriteriaTree, scores: Scorer | None,
                 asked_terms: frozenset[str] = frozenset()) -> RuleMatch | None:
    """The one rule the question is about, or None when none stands out (or there is no scorer).

    ``asked_terms``: the question's own words for what it asks about (stemmed); when the scores leave it open,
    the only rule that says one of them is the one ("do I need any vaccines?" → the one rule on vaccinations)."""
    if scores is None or not tree:
        return None
    rules = [(item, parents) for item, parents in tree.walk() if len(item.text.split()) >= 2 and not item.children]
    if not rules:
        return None
    found = scores(question, [RuleMatch(i, p, 0.0).words for i, p in rules])
    ranked = sorted(zip(found, range(len(rules))), reverse=True)
    best, at = ranked[0]
    second = ranked[1][0] if len(ranked) > 1 else FLOOR - MARGIN
    if best >= CLEAR_SCORE or (best >= FLOOR and best - second >= MARGIN):
        return RuleMatch(*rules[at], best)
    saying = [k for k, (item, parents) in enumerate(rules)
              if asked_terms & content_terms(RuleMatch(item, parents, 0.0).words)] if asked_terms else []
    if len(saying) == 1 and found[saying[0]] >= FLOOR - LEXICAL_SLACK:
        return RuleMatch(*rules[saying[0]], found[saying[0]])
    return None
