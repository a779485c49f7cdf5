"""Parse the trialchat glossary (ingest/glossary/glossary.md) into one Study.

The glossary is its own source (study_id ``glossary``). Its format is fixed::

    # trialchat glossary
    One short introductory paragraph (ignored by the parser).

    ## Double-blind
    Also called: double-masked, double masking
    Definition text, 1-3 sentences.

Each ``## Term`` section becomes one StudyField with path ``glossary.<slug>``
(``glossary.double_blind``), label ``Glossary › Double-blind`` and a text that starts with the
term and its synonyms, so lexical search finds any of the names:
``Double-blind (also called double-masked, double masking): Definition text``.
"""
from __future__ import annotations

import re
from pathlib import Path

from ingest.parsers.errors import ParseError
from ingest.parsers.textutil import slugify
from trialchat.schema import GLOSSARY_ID, Study, StudyField

GLOSSARY_TITLE = "Glossary of clinical-trial terms"
GLOSSARY_PATH = Path(__file__).resolve().parents[1] / "glossary" / "glossary.md"
ALSO_CALLED = "also called:"

_HEADING = re.compile(r"^##(?!#)\s*(.*?)\s*#*\s*$")


def _split_sections(text: str) -> list[tuple[str, list[str], int]]:
    """(heading, body lines, line number) for every ``## `` section, in file order."""
    sections: list[tuple[str, list[str], int]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        m = _HEADING.match(line)
        if m:
            sections.append((m.group(1), [], lineno))
        elif sections:
            sections[-1][1].append(line)
    return sections


def _field(term: str, body: list[str], lineno: int, source_file: str) -> StudyField:
    if not term:
        raise ParseError(f"{source_file}:{lineno}: empty glossary heading")
    lines = [ln.strip() for ln in body if ln.strip()]
    synonyms: list[str] = []
    if lines and lines[0].lower().startswith(ALSO_CALLED):
        synonyms = [s.strip() for s in lines[0][len(ALSO_CALLED):].split(",") if s.strip()]
        lines = lines[1:]
    definition = " ".join(lines)
    if not definition:
        raise ParseError(f"{source_file}:{lineno}: glossary term {term!r} has no definition")
    head = f"{term} (also called {', '.join(synonyms)})" if synonyms else term
    return StudyField(path=f"glossary.{slugify(term)}", label=f"Glossary › {term}",
                      text=f"{head}: {definition}")


def parse_glossary(text: str, source_file: str) -> Study:
    """One Study (``study_id == "glossary"``) with one field per ``## Term`` section.

    Raises ParseError when there are no terms, a term has no definition, or two headings
    give the same term (compared by slug, so ``Double-blind`` and ``Double blind`` clash).
    """
    fields: list[StudyField] = []
    seen: dict[str, str] = {}
    for term, body, lineno in _split_sections(text):
        field = _field(term, body, lineno, source_file)
        if field.path in seen:
            raise ParseError(f"{source_file}:{lineno}: duplicate glossary term {term!r} "
                         f"(same as {seen[field.path]!r})")
        seen[field.path] = term
        fields.append(field)
    if not fields:
        raise ParseError(f"{source_file}: no glossary terms (expected '## Term' headings)")
    return Study(study_id=GLOSSARY_ID, title=GLOSSARY_TITLE, source_file=source_file,
                 source_url="", fields=fields)


def load_glossary(path: str | Path | None = None, source_file: str | None = None) -> Study:
    """Read and parse the bundled glossary (or another file in the same format)."""
    if path is None:
        p, default_name = GLOSSARY_PATH, "ingest/glossary/glossary.md"
    else:
        p = Path(path)
        default_name = str(p)
    return parse_glossary(p.read_text(encoding="utf-8"),
                          source_file if source_file is not None else default_name)
