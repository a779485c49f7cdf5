"""Readers for classic ClinicalTrials.gov XML elements: absent or empty elements read as None."""
from __future__ import annotations

from xml.etree.ElementTree import Element

from ingest.parsers.textutil import clean_text, xml_textblock


def xml_text(el: Element | None, path: str) -> str | None:
    """Text of a short element, whitespace collapsed; None when absent or empty."""
    x = el.find(path) if el is not None else None
    text = " ".join("".join(x.itertext()).split()) if x is not None else ""
    return text or None


def xml_texts(el: Element, path: str) -> list[str]:
    return [v for x in el.findall(path) if (v := " ".join("".join(x.itertext()).split()))]


def xml_plain(el: Element | None, path: str) -> str | None:
    """Text of a plain (non-textblock) element: its line breaks are meaningful, keep them."""
    x = el.find(path) if el is not None else None
    return (clean_text("".join(x.itertext())) or None) if x is not None else None


def xml_block(el: Element, path: str) -> str | None:
    x = el.find(path)
    return (xml_textblock("".join(x.itertext())) or None) if x is not None else None
