"""The parsers' exception types, in a leaf module so every parser can import them at the top.

``ParseError`` is the one error ``parse_document`` raises; the others are a single format's or a
single record's problem, turned into a ``ParseError`` or a record error by ``ingest.parsers``.
"""
from __future__ import annotations


class ParseError(Exception):
    """Whole document unusable; str(e) is a human reason, e.g. 'invalid JSON at line 3: Expecting value'."""


class RecordError(ValueError):
    """One record is unusable (no valid NCT ID, not a study object, ...)."""


class XmlError(ValueError):
    """Malformed or unsafe XML, or not a <clinical_study>."""


class PageError(ValueError):
    """The page lacks what makes it a study page (e.g. no Trial ID line)."""
