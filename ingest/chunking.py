"""Field chunks: one chunk per study field; long fields split at bullet/line, then sentence,
then word boundaries. Every piece repeats the field label on its first line, so a chunk read on
its own still says which field it comes from (and the citation shows it)."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from ingest.parsers.textutil import clean_text
from trialchat.schema import Chunk, Study

if TYPE_CHECKING:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

# Paragraphs, then lines (bullets), then sentences, then words; "" only for a single "word"
# longer than a whole chunk (a URL), so the size bound always holds.
SEPARATORS = ["\n\n", "\n", ". ", " ", ""]
MIN_PIECE = 120  # a very long label must not squeeze pieces to nothing


@lru_cache(maxsize=16)
def _splitter(size: int) -> RecursiveCharacterTextSplitter:
    from langchain_text_splitters import RecursiveCharacterTextSplitter  # ~1 s import: only when needed

    # keep_separator="end": a sentence keeps its full stop, a bullet its own line
    return RecursiveCharacterTextSplitter(chunk_size=size, chunk_overlap=0, separators=SEPARATORS,
                                          keep_separator="end", strip_whitespace=False)


def split_text(text: str, size: int) -> list[str]:
    """Pieces of at most ``size`` characters; whitespace between pieces is the only thing dropped."""
    text = clean_text(text)
    if not text:
        return []
    if len(text) <= size:
        return [text]
    # a lead-in line ("Exclusion Criteria:") stays with the list it introduces
    text = re.sub(r":\n\n(?=\S)", ":\n", text)
    pieces = (p.strip("\n").rstrip() for p in _splitter(size).split_text(text))
    return [p for p in pieces if p.strip()]


def chunk_study(study: Study, max_chars: int = 700) -> list[Chunk]:
    """One chunk per non-empty field, more for long fields. A chunk's full text (label line +
    piece) is at most ``max_chars`` long whenever ``max_chars >= len(label) + 1 + MIN_PIECE``
    (labels are short: always true at the default)."""
    chunks: list[Chunk] = []
    next_index: dict[str, int] = {}  # one path can hold several sections (inclusion, exclusion): one numbering
    for field in study.fields:
        if field.withheld:  # see ingest/screening.py: never chunked
            continue
        label = " ".join(field.label.split())
        pieces = split_text(field.text, max(max_chars - len(label) - 1, MIN_PIECE))
        start = next_index.get(field.path, 0)
        next_index[field.path] = start + len(pieces)
        for i, piece in enumerate(pieces, start=start):
            chunk = Chunk(text=f"{label}\n{piece}", study_id=study.study_id, study_title=study.title,
                          field_path=field.path, field_label=label, source_file=study.source_file,
                          source_location=study.source_location,
                          source_url=study.source_url, chunk_index=i, section=field.section)
            chunk.content_hash = chunk.compute_hash()
            chunks.append(chunk)
    return chunks
