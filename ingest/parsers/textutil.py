"""Small text helpers shared by the format parsers (whitespace, dates, ages, slugs)."""
from __future__ import annotations

import re
import textwrap
from datetime import datetime
from typing import Any

_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~=^])")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u3000]+")
_NEEDS_CLEANING = re.compile(r"[\t\r\u00a0\u2000-\u200a\u202f\u3000]|  | \n|\n |\n\n\n")
_XML_BULLET = re.compile(r"^(\s*)(?:-|\*|•|\d+\.)\s+")


def clean_text(text: Any) -> str:
    """Collapse runs of spaces inside lines, keep line breaks (bullets) and leading indentation,
    drop trailing spaces and more than one blank line in a row."""
    if text is None:
        return ""
    s = str(text)
    if not _NEEDS_CLEANING.search(s):  # fast path: most values are already clean
        return s.strip()
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    lines = []
    for line in s.split("\n"):
        stripped = line.lstrip(" \t")
        indent = " " * min(len(line) - len(stripped), 8)
        lines.append((indent + _SPACES.sub(" ", stripped)).rstrip())
    s = "\n".join(lines)
    s = re.sub(r"\n{3,}", "\n\n", s)
    return s.strip()


def unescape_markdown(text: Any) -> str:
    """API v2 texts are Markdown with backslash escapes (``\\>=``, ``\\[ln\\]``); the legacy API and
    XML carry the plain characters, so remove the escapes for identical text across formats."""
    return _MD_ESCAPE.sub(r"\1", str(text)) if text is not None else ""


def xml_textblock(text: Any) -> str:
    """Classic XML <textblock>: hard-wrapped at ~100 columns with "-  " bullets.
    Unwrap paragraphs and bullets and use the v2 "* " bullet style."""
    if text is None:
        return ""
    raw = textwrap.dedent(str(text).replace("\r\n", "\n").strip("\n"))
    paragraphs = [p for p in re.split(r"\n\s*\n", raw) if p.strip()]
    bullet_indents = sorted({len(m.group(1)) for p in paragraphs if (m := _XML_BULLET.match(p))})
    out: list[tuple[bool, str]] = []
    for p in paragraphs:
        m = _XML_BULLET.match(p)
        body = " ".join(line.strip() for line in p.split("\n") if line.strip())
        if m:
            level = bullet_indents.index(len(m.group(1)))
            body = _XML_BULLET.sub("", body, count=1) if body.startswith(("-", "*", "•")) else body
            out.append((True, "  " * level + "* " + body))
        else:
            out.append((False, body))
    parts: list[str] = []
    for i, (is_bullet, body) in enumerate(out):
        if i:  # consecutive bullets on consecutive lines, paragraphs apart
            parts.append("\n" if is_bullet and out[i - 1][0] else "\n\n")
        parts.append(body)
    return clean_text("".join(parts))


# ---- dates: v2 stores ISO ("2015-09", "2015-09-17"); legacy/XML store "September 2015" ----
_DATE_FORMATS = (("%B %d, %Y", "%Y-%m-%d"), ("%b %d, %Y", "%Y-%m-%d"),
                 ("%B %Y", "%Y-%m"), ("%b %Y", "%Y-%m"), ("%Y-%m-%d", "%Y-%m-%d"),
                 ("%Y-%m", "%Y-%m"), ("%Y", "%Y"))


def to_iso_date(text: Any) -> str | None:
    """"October 26, 2018" → "2018-10-26", "June 2023" → "2023-06"; unknown shapes kept as given."""
    if text is None or not str(text).strip():
        return None
    t = " ".join(str(text).split())
    for fmt_in, fmt_out in _DATE_FORMATS:
        try:
            return datetime.strptime(t, fmt_in).strftime(fmt_out)
        except ValueError:
            continue
    return t


def date_text(iso: Any) -> str:
    """"2018-10-26" → "October 26, 2018", "2023-06" → "June 2023"."""
    if iso is None:
        return ""
    t = str(iso).strip()
    for fmt_in, fmt_out in (("%Y-%m-%d", "%B %d, %Y"), ("%Y-%m", "%B %Y")):
        try:
            return datetime.strptime(t, fmt_in).strftime(fmt_out).replace(" 0", " ")
        except ValueError:
            continue
    return t


# ---- ages: "18 Years", "6 Months" ----
_AGE_UNITS = {"year": 1.0, "month": 1 / 12, "week": 1 / 52, "day": 1 / 365, "hour": 1 / 8760,
              "minute": 1 / 525600}


def age_years(text: Any) -> float | None:
    m = re.match(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+?)s?\s*$", str(text or ""))
    if not m or m.group(2).lower() not in _AGE_UNITS:
        return None
    return float(m.group(1)) * _AGE_UNITS[m.group(2).lower()]


def std_ages(minimum: Any, maximum: Any) -> list[str]:
    """The age groups ClinicalTrials.gov derives from the limits (child < 18 ≤ adult < 65 ≤ older
    adult); classic XML lacks them, API v2 and legacy carry them."""
    lo = age_years(minimum) or 0.0
    hi = age_years(maximum)
    hi = 200.0 if hi is None else hi
    groups = []
    if lo < 18:
        groups.append("CHILD")
    if lo < 65 and hi >= 18:
        groups.append("ADULT")
    if hi >= 65:
        groups.append("OLDER_ADULT")
    return groups


def slugify(text: str) -> str:
    """``Phase 1/2`` -> ``phase_1_2``; ``Active, not recruiting`` -> ``active_not_recruiting``; may be empty."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def section_slug(text: str) -> str:
    """``slugify``, never empty: ``section`` when no letter or digit is left (a heading like ``---``)."""
    return slugify(text) or "section"


def short(text: Any, limit: int = 80) -> str:
    """One-line, bounded text for labels."""
    t = " ".join(str(text or "").split())
    if len(t) <= limit:
        return t
    cut = t[: limit - 1].rsplit(" ", 1)[0]
    return (cut or t[: limit - 1]) + "…"


def join_nonempty(parts: list[Any], sep: str = "\n") -> str:
    return sep.join(str(p) for p in parts if p not in (None, "", []))


def prune(obj: Any) -> Any:
    """Drop None / empty values recursively, so the v2 mapper sees exactly what a record had."""
    if isinstance(obj, dict):
        out = {k: prune(v) for k, v in obj.items()}
        return {k: v for k, v in out.items() if v not in (None, "", [], {})}
    if isinstance(obj, list):
        return [x for x in (prune(v) for v in obj) if x not in (None, "", [], {})]
    return obj
