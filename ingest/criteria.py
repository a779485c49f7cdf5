"""Eligibility criteria text → its inclusion and exclusion sections, and the items of each.

Registries hold the criteria as one free text ("Inclusion Criteria:\\n* ...\\nExclusion Criteria:\\n* ...").
A piece of it cut out of its section reads as a requirement even when it is an exclusion, so the
sections are kept apart from ingest on: each becomes its own field (and chunks), and each item is
kept verbatim for the fact sheet.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

# "Inclusion Criteria:", "KEY EXCLUSION CRITERIA", "Exclusion criteria for all participants:",
# "Inclusion:", "Patients are excluded if:" ... A line that only starts with the word ("Exclusion of
# patients with HIV") is an item, not a heading: a qualifier after the word needs the closing colon.
_QUAL = r"^\W{0,3}(?:(?:key|main|major|general|principal|additional|other)\s+)?"
_WORD = r"(?P<kind>inclusion|exclusion|eligibility|non-?inclusion)(?:\s+criteri(?:a|on))?"
_HEADING = re.compile(
    _QUAL + _WORD + r"\s*:?\s*$"
    r"|" + _QUAL.replace("^", "") + _WORD.replace("kind", "kindq") + r"\b[^:\n]{0,60}:\s*$"
    r"|^\W{0,3}(?:patients|participants|subjects|people)\s+(?:are|will be)\s+(?P<kind2>eligible|included|excluded)"
    r"\b[^:\n]{0,40}:\s*$",
    re.IGNORECASE)
_BULLET = re.compile(r"^(\s*)(?:[-*•·●◦▪]\s+|\(?\d{1,2}[.)]\s+|\(?[a-zA-Z][.)]\s+)")
KINDS = {"inclusion": "inclusion", "eligible": "inclusion", "included": "inclusion", "eligibility": "",
         "exclusion": "exclusion", "excluded": "exclusion", "noninclusion": "exclusion", "non-inclusion": "exclusion"}


@dataclass
class CriteriaSection:
    kind: str  # "inclusion" | "exclusion" | "" (text before any heading, or no headings at all)
    text: str  # verbatim lines of the section, heading line excluded
    items: list[str] = field(default_factory=list)  # each verbatim: one line of ``text`` (sub-items not joined)


def _heading_kind(line: str) -> str | None:
    m = _HEADING.match(line.strip())
    if not m or len(line.strip()) > 90:
        return None
    return KINDS.get((m.group("kind") or m.group("kindq") or m.group("kind2") or "").lower())


def _items(lines: list[str]) -> list[str]:
    """Top-level items: the least indented lines, bullet marks removed. More indented lines are
    sub-items that qualify their parent (they stay in the text, not in the item list)."""
    top = min(len(ln) - len(ln.lstrip()) for ln in lines)
    out = [_BULLET.sub("", ln, count=1).strip() for ln in lines if len(ln) - len(ln.lstrip()) == top]
    return [x for x in out if len(x) > 2]


def split_criteria(text: str) -> list[CriteriaSection]:
    """Sections in their order in the text. A text without headings is one section of kind ""."""
    sections: list[CriteriaSection] = []
    kind, buf = "", []  # type: tuple[str, list[str]]

    def flush() -> None:
        body = "\n".join(buf).strip("\n")
        if body.strip():
            lines = [ln for ln in body.split("\n") if ln.strip()]
            sections.append(CriteriaSection(kind, body, _items(lines)))
        buf.clear()

    for line in text.split("\n"):
        found = _heading_kind(line)
        if found is not None:
            flush()
            kind = found
            continue
        buf.append(line)
    flush()
    return sections
