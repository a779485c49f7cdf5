"""Plain-language study pages (``shared/data/seed/``): title, official title, lead paragraph,
a "Quick facts" Markdown table and sections under short headings.

Paths are ``page.<heading slug>`` (``page.what_this_research_studies``), quick-facts rows are
``page.quick_facts.<slug>``; ``study_id`` comes from the "Trial ID" line.
"""
from __future__ import annotations

import re

from ingest.parsers.errors import PageError
from ingest.parsers.textutil import clean_text, section_slug
from trialchat.schema import Study, StudyField, ctgov_url

KNOWN_HEADINGS = {
    "quick facts", "what this research studies", "who could benefit from this research",
    "why it matters", "where this research is happening", "researchers", "about this research",
    "summary", "eligibility", "contacts", "locations", "study design", "results"}
_TRIAL_ID_LINE = re.compile(r"^\|?\s*trial\s+id\s*(?:\||:)\s*(.+?)\s*\|?\s*$", re.I)
_ID_TOKEN = re.compile(r"\b(NCT\d{8}|[A-Z][A-Z0-9]*-\d+)\b")
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")
_ACRONYM = re.compile(r"^(.*\S)\s*\(([^()\s]{2,20})\)\s*$")
_TABLE_SEP = re.compile(r"^:?-{2,}:?$")


def _plain(line: str) -> str:
    return line.strip().strip("*_").strip()


def find_trial_id(lines: list[str]) -> str:
    for line in lines:
        m = _TRIAL_ID_LINE.match(line.replace("*", "").strip())
        if m:
            value = m.group(1)
            tok = _ID_TOKEN.search(value)
            cand = tok.group(1) if tok else (value.split() or [""])[0]
            if _SAFE_ID.match(cand):
                return cand
            raise PageError(f"unusable Trial ID {value[:40]!r}")
    raise PageError("no 'Trial ID' line found: not a study page")


def source_url_for(study_id: str) -> str:
    if re.match(r"^NCT\d{8}$", study_id):
        return ctgov_url(study_id)
    m = re.match(r"^NIH-(\d+)$", study_id, re.I)
    return f"https://reporter.nih.gov/project-details/{m.group(1)}" if m else ""


def _is_heading(line: str, next_line: str | None) -> bool:
    s = line.strip()
    if s.startswith("#"):
        return True
    if next_line is None or not s:
        return False
    if s.lower() in KNOWN_HEADINGS:
        return True
    words = s.split()
    return (len(words) <= 8 and len(s) <= 60 and s[0].isupper() and not s.isupper()
            and not re.search(r"[.:;,!?|]", s) and not s.startswith(("-", "*", "•", ">")))


def _table_cells(line: str) -> list[str] | None:
    s = line.strip()
    if not (s.startswith("|") and s.endswith("|") and len(s) > 1):
        return None
    return [c.strip() for c in s[1:-1].split("|")]


class _Builder:
    def __init__(self) -> None:
        self.fields: list[StudyField] = []
        self.seen: dict[str, int] = {}

    def add(self, path: str, label: str, text: str) -> None:
        text = clean_text(text)
        if not text:
            return
        n = self.seen[path] = self.seen.get(path, 0) + 1
        self.fields.append(StudyField(path=path if n == 1 else f"{path}_{n}", label=label, text=text))


def parse_page(text: str, source_file: str) -> Study:
    lines = [ln.rstrip() for ln in text.replace("\r\n", "\n").split("\n")]
    body = [ln for ln in lines if ln.strip()]
    if len(body) < 2:
        raise PageError("page too short: expected a title line, an official title and sections")
    study_id = find_trial_id(body)
    title = _plain(body[0].lstrip("#"))
    official, acronym = _plain(body[1].lstrip("#")), None
    m = _ACRONYM.match(official)
    if m:
        official, acronym = m.group(1), m.group(2)
    out = _Builder()
    out.add("page.title", "Title", title)
    out.add("page.official_title", "Official title", official)
    out.add("page.acronym", "Acronym", acronym or "")

    section, label = "page.summary", "Summary"
    buf: list[str] = []
    in_facts = False
    rest = body[2:]

    def flush() -> None:
        out.add(section, label, "\n".join(buf))
        buf.clear()

    for i, line in enumerate(rest):
        cells = _table_cells(line)
        if in_facts and cells is not None:
            if len(cells) >= 2 and not all(_TABLE_SEP.match(c) for c in cells):
                key = _plain(cells[0])
                out.add(f"page.quick_facts.{section_slug(key)}", f"Quick facts › {key}", " | ".join(cells[1:]))
            continue
        in_facts = False
        nxt = rest[i + 1] if i + 1 < len(rest) else None
        if re.match(r"^\s*conditions\s*:", line, re.I):
            out.add("page.conditions", "Conditions", line.split(":", 1)[1].strip())
        elif section == "page.summary" and " · " in line and not buf:
            out.add("page.byline", "Byline", line)  # "sponsor · ID" line under the titles
        elif _is_heading(line, nxt):
            flush()
            heading = _plain(line.lstrip("#"))
            if heading.lower() == "quick facts":
                in_facts = True
            section, label = f"page.{section_slug(heading)}", heading
        else:
            buf.append(line)
    flush()
    return Study(study_id=study_id, title=title or study_id, official_title=official or None,
                 acronym=acronym, source_file=source_file, source_url=source_url_for(study_id),
                 fields=out.fields)
