"""Eligibility criteria as a tree: each rule with the sub-items that belong to it.

A sub-item read alone says the opposite of what the record means ("Diabetes mellitus" under
"Three or more of the following CAD risk factors:" does not exclude a person with diabetes by
itself), so the items are kept with their children and each child knows how it combines with its
siblings (``combine``). Built at ingest (``ingest/criteria_tree.py``); every item keeps its field
path and the verbatim line it came from, so an answer can cite it.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, Field

Section = Literal["inclusion", "exclusion", ""]
# how an item's children count: any one of them, all of them, at least ``min_count`` of them, or
# "" when the record does not say (a definition or a list of examples: read as "any")
Combine = Literal["any", "all", "at_least", ""]


class CriterionItem(BaseModel):
    text: str  # the line without its bullet or number mark
    quote: str  # the line as the record has it (stripped): found verbatim in the field's chunks
    path: str  # field path of the criteria field
    section: Section = ""
    number: str = ""  # position in the tree, 1-based: "17", "17.5"
    combine: Combine = ""
    min_count: int = 0  # for combine == "at_least"
    children: list[CriterionItem] = Field(default_factory=list)

    def walk(self, parents: tuple[CriterionItem, ...] = ()) -> Iterator[tuple[CriterionItem, tuple[CriterionItem, ...]]]:
        """This item and every item under it, each with its chain of parents (outermost first)."""
        yield self, parents
        for child in self.children:
            yield from child.walk((*parents, self))


class CriteriaTree(BaseModel):
    inclusion: list[CriterionItem] = Field(default_factory=list)
    exclusion: list[CriterionItem] = Field(default_factory=list)
    other: list[CriterionItem] = Field(default_factory=list)  # criteria given without the two headings

    def items(self) -> list[CriterionItem]:
        return [*self.inclusion, *self.exclusion, *self.other]

    def walk(self) -> Iterator[tuple[CriterionItem, tuple[CriterionItem, ...]]]:
        for item in self.items():
            yield from item.walk()

    def __bool__(self) -> bool:
        return bool(self.inclusion or self.exclusion or self.other)
