"""A criteria section's text → its items as a tree (``trialchat/criteria_tree.py``).

Nesting is read from indentation first ("1. … following:" then "   1. Diabetes mellitus"), then from
a change of list mark at the same indentation after a lead-in that ends with a colon ("* must have
one of the following:" then "- ANA positive"), as registries write both. Every non-blank line of the
text becomes exactly one item, so nothing the record says is lost.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from trialchat.criteria_tree import Combine, CriteriaTree, CriterionItem, Section

_MARK = re.compile(r"^(?:(?P<bullet>[-*•·●◦▪○■□➢])\s+"
                   r"|\(?(?P<num>\d{1,2})[.)](?!\d)\s*"
                   r"|\(?(?P<roman>(?:i{1,3}|iv|vi{0,3}|ix|x))[.)]\s+"
                   r"|\(?(?P<lower>[a-z])[.)]\s+"
                   r"|\(?(?P<upper>[A-Z])[.)]\s+)")
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "2": 2, "3": 3, "4": 4, "5": 5}
_AT_LEAST = re.compile(r"\b(?:at least\s+)?(one|two|three|four|five|six|[2-6])\s*(?:\(\d\)\s*)?(?:or more|or greater)\s+"
                       r"(?:of\s+)?(?:the\s+)?(?:following|these|below)"
                       r"|\bat least\s+(one|two|three|four|five|six|[1-6])\s*(?:\(\d\)\s*)?of\s+(?:the\s+)?(?:following|these|below)",
                       re.IGNORECASE)
_ANY = re.compile(r"\b(?:(?:at least|any|only)\s+one\s+(?:\(1\)\s+)?(?:of\s+)?(?:the\s+)?(?:following|these|below)"
                  r"|any of the(?:\s+following)?|either(?: or both)? of the following|one of the following"
                  r"|(?:1|one) or more of the following)\b", re.IGNORECASE)
_ALL = re.compile(r"\b(?:all|each|both) of the following\b", re.IGNORECASE)


@dataclass
class _Line:
    indent: int
    kind: str  # "bullet:*", "num", "roman", "lower", "upper", "" (no mark)
    node: CriterionItem
    kids: list[_Line] = field(default_factory=list)


def _mark(line: str) -> tuple[str, str]:
    """(kind of list mark, text without it)."""
    m = _MARK.match(line)
    if not m:
        return "", line
    kind = next(k for k in ("bullet", "num", "roman", "lower", "upper") if m.group(k))
    if kind == "bullet":
        kind = f"bullet:{m.group('bullet')}"
    return kind, line[m.end():].strip() or line


def combine_of(text: str) -> tuple[Combine, int]:
    """How the children of an item with this lead-in count: ("at_least", 3) for "Three or more of the following"."""
    m = _AT_LEAST.search(text)
    if m:
        n = _NUMBER_WORDS.get((m.group(1) or m.group(2)).lower(), 1)
        return ("any", 1) if n == 1 else ("at_least", n)
    if _ANY.search(text):
        return "any", 1
    if _ALL.search(text):
        return "all", 0
    return "", 0


def parse_items(text: str, path: str, section: Section = "") -> list[CriterionItem]:
    """The top-level items of one section's text, each with its sub-items."""
    roots: list[_Line] = []
    stack: list[_Line] = []
    for raw in text.split("\n"):
        if not raw.strip():
            continue
        indent = len(raw) - len(raw.lstrip())
        kind, body = _mark(raw.strip())
        if kind == "roman" and stack and any(x.kind == "lower" and x.indent == indent for x in stack):
            kind = "lower"  # "i." after "h." is a letter, not a Roman one
        node = CriterionItem(text=body, quote=raw.strip(), path=path, section=section)
        line = _Line(indent, kind, node)
        sibling_at = next((i for i in range(len(stack) - 1, -1, -1)
                           if stack[i].indent == indent and stack[i].kind == kind), None)
        while stack:
            top = stack[-1]
            if indent > top.indent:
                break  # more indented: a sub-item of the line above
            if indent == top.indent and sibling_at is None and kind and top.kind != kind \
                    and top.node.text.rstrip().endswith(":"):
                break  # same indentation, a new kind of mark after a lead-in: its list
            stack.pop()
            if sibling_at is not None and len(stack) == sibling_at:
                break  # popped the previous item of the same list: this one follows it
        (stack[-1].kids if stack else roots).append(line)
        stack.append(line)
    return [_build(x, str(i)) for i, x in enumerate(roots, 1)]


def _build(line: _Line, number: str) -> CriterionItem:
    node = line.node
    node.number = number
    if line.kids:
        node.combine, node.min_count = combine_of(node.text)
        node.children = [_build(k, f"{number}.{i}") for i, k in enumerate(line.kids, 1)]
    return node


def add_section(tree: CriteriaTree, text: str, path: str, kind: str) -> None:
    """Add one criteria field's items to the tree, under its section."""
    section: Section = kind if kind in ("inclusion", "exclusion") else ""  # type: ignore[assignment]
    target = tree.inclusion if section == "inclusion" else tree.exclusion if section == "exclusion" else tree.other
    start = len(target)
    for item in parse_items(text, path, section):
        start += 1
        _renumber(item, str(start))
        target.append(item)


def _renumber(item: CriterionItem, number: str) -> None:
    item.number = number
    for i, child in enumerate(item.children, 1):
        _renumber(child, f"{number}.{i}")


def count_items(items: list[CriterionItem]) -> int:
    return sum(1 for item in items for _ in item.walk())
