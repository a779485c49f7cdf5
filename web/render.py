"""HTML for the web chat. Every piece of document or answer text goes through ``html.escape``; links
are only ever http(s). Nothing here is trusted markup from a study record."""
from __future__ import annotations

import re
from html import escape

from assistant.protocols import StudySummary
from assistant.types import Answer, Citation, Source
from trialchat.schema import GLOSSARY_ID
from web.texts import PUBLIC_PAGE_LABEL

EXCERPT_CHARS = 320  # field text shown either side of a highlighted quote


def e(text: object) -> str:
    return escape(str(text or ""), quote=True)


def safe_url(url: str | None) -> str | None:
    url = (url or "").strip()
    return url if re.match(r"^https?://[^\s\"'<>]+$", url, re.IGNORECASE) else None


def link(url: str | None, label: str) -> str:
    href = safe_url(url)
    if not href:
        return ""
    return f'<a href="{e(href)}" target="_blank" rel="noopener noreferrer">{e(label)} ↗</a>'


def text_block(text: str) -> str:
    """Plain text → escaped HTML with line breaks kept."""
    return e(text).replace("\n", "<br>")


def answer_text(text: str) -> str:
    """The answer's words, escaped; citation markers ``[n]`` become small anchors to the list."""
    html = text_block(text)
    return re.sub(r"\[(\d{1,2})\]", r'<sup class="tc-mark">[\1]</sup>', html)


def streaming_html(text: str) -> str:
    """The answer's words while they stream in (``tc-stream``: a screen reader is not told each one)."""
    return f'<div class="tc-stream">{answer_text(text)}</div>'


def said_html(text: str) -> str:
    """A message that ends a turn without an answer (a question too long, too many questions, an error):
    ``tc-said``, so the page announces it like a finished answer."""
    return f'<div class="tc-said">{e(text)}</div>'


def _find(haystack: str, needle: str) -> tuple[int, int] | None:
    if not needle:
        return None
    i = haystack.find(needle)
    if i >= 0:
        return i, i + len(needle)
    i = haystack.lower().find(needle.lower())
    if i >= 0:
        return i, i + len(needle)
    # tolerate differences in whitespace between the quote and the field text
    words = [re.escape(w) for w in needle.split()]
    if words:
        m = re.search(r"\s+".join(words), haystack, re.IGNORECASE)
        if m:
            return m.start(), m.end()
    return None


def highlight(field_text: str, quote: str | list[str], context: int = EXCERPT_CHARS) -> str:
    """The field's text around the quote(s), escaped, each quoted passage in ``<mark>`` (one excerpt from
    the first quote to the last, so a field cited for several of its lines is shown once)."""
    quotes = [q for q in ([quote] if isinstance(quote, str) else quote) if q]
    found = sorted(span for q in quotes if (span := _find(field_text, q)))
    missing = [q for q in quotes if not _find(field_text, q)]
    if not found:
        shown = field_text[: 2 * context] + ("…" if len(field_text) > 2 * context else "")
        return text_block(shown) + "".join(f"<br><mark>{e(q)}</mark>" for q in missing)
    spans: list[tuple[int, int]] = []
    for a, b in found:  # overlapping quotes become one mark
        if spans and a <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(b, spans[-1][1]))
        else:
            spans.append((a, b))
    start, end = max(0, spans[0][0] - context), min(len(field_text), spans[-1][1] + context)
    out, pos = ["…" if start > 0 else ""], start
    for a, b in spans:
        out.append(f"{text_block(field_text[pos:a])}<mark>{text_block(field_text[a:b])}</mark>")
        pos = b
    out.append(text_block(field_text[pos:end]) + ("…" if end < len(field_text) else ""))
    return "".join(out) + "".join(f"<br><mark>{e(q)}</mark>" for q in missing)


def source_for(citation: Citation, sources: list[Source]) -> Source | None:
    for s in sources:
        if citation.chunk_id and s.chunk_id == citation.chunk_id:
            return s
    for s in sources:
        if s.study_id == citation.study_id and s.field_path == citation.field_path:
            return s
    return None


def citation_html(group: list[Citation], sources: list[Source]) -> str:
    """One numbered source of an answer, openable: its label (never a field path: those are for machines,
    in the API), every quote the answer took from it highlighted in the field's text, its public page."""
    c = group[0]
    src = source_for(c, sources)
    if src:
        body = highlight(src.body, [g.quote for g in group])
    else:
        body = "".join(f"<mark>{e(g.quote)}</mark>" for g in group)
    page = link(c.source_url or (src.source_url if src else ""), public_page_label(c))
    quotes = " · ".join(f"<q>{e(_short(g.quote, 90 // len(group) + 20))}</q>" for g in group)
    return (f'<details class="tc-cite" data-study="{e(c.study_id)}" data-n="{int(c.n)}" data-path="{e(c.field_path)}">'
            f'<summary><b>[{int(c.n)}]</b> {e(c.display_label)} — {quotes}</summary>'
            f'<div class="tc-field">{body}</div>{page}</details>')


def public_page_label(c: Citation) -> str:
    return PUBLIC_PAGE_LABEL if c.study_id == GLOSSARY_ID else f"{c.study_id} · {PUBLIC_PAGE_LABEL}"


def by_number(citations: list[Citation]) -> list[list[Citation]]:
    """Citations grouped by their number: a sentence pair citing [2] twice is one source, listed once."""
    groups: dict[int, list[Citation]] = {}
    for c in citations:
        groups.setdefault(c.n, []).append(c)
    return [groups[n] for n in sorted(groups)]


def _short(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _short_lines(text: str, n: int) -> str:
    """Like ``_short`` but keeps the field's line breaks (a site's name, its town, its status)."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    text = "\n".join(line for line in lines if line)
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def answer_html(answer: Answer) -> str:
    """The whole assistant message: answer text, then its clickable citations (one per source number)."""
    parts = [f'<div class="tc-answer tc-{e(answer.status)}">{answer_text(answer.text)}</div>']
    if answer.citations:
        parts.append('<div class="tc-cites">' + "".join(citation_html(g, answer.sources)
                                                         for g in by_number(answer.citations)) + "</div>")
    return "".join(parts)


def source_label(s: Source) -> str:
    return s.field_label if s.study_id == GLOSSARY_ID else f"{s.study_id} · {s.field_label}"


def sources_html(sources: list[Source], cited_ids: set[str] | None = None, state: str = "") -> str:
    if not sources:
        msg = state or "Sources appear here as soon as the study records have been searched."
        return f'<div class="tc-sources-empty">{e(msg)}</div>'
    cited_ids = cited_ids or set()
    items = []
    for s in sources:
        tag = ' <span class="tc-cited">cited</span>' if s.chunk_id in cited_ids else ""
        items.append(f'<li class="tc-source" data-study="{e(s.study_id)}"><div class="tc-src-head">'
                     f'{e(source_label(s))}{tag}</div>'
                     f'<div class="tc-src-text">{text_block(_short_lines(s.body, 280))}</div>'
                     f'{link(s.source_url, PUBLIC_PAGE_LABEL)}</li>')
    n = len(sources)
    head = e(state) if state else f"{n} passage{'s' if n != 1 else ''} from the study records"
    return f'<div class="tc-sources"><div class="tc-sources-head">{head}</div><ol>{"".join(items)}</ol></div>'


def study_card_html(study: StudySummary | None) -> str:
    if study is None:
        return ('<div class="tc-card tc-card-empty">No study pinned: pick one above, or name a study ID '
                '(like NCT02633163) in your question.</div>')
    acr = f" ({e(study.acronym)})" if study.acronym else ""
    return (f'<div class="tc-card" data-study="{e(study.study_id)}">'
            f'<div class="tc-card-id">{e(study.study_id)}{acr}</div>'
            f'<div class="tc-card-title">{e(study.title)}</div>{link(study.source_url, PUBLIC_PAGE_LABEL)}</div>')


def unknown_study_card_html(study_id: str) -> str:
    return ('<div class="tc-notice" role="status">There is no study '
            f'<b>{e(_short(study_id, 80))}</b> in this collection. Search the picker by NCT ID, acronym or a '
            'word of the title, or ask without one.</div>')


def study_choice_label(s: StudySummary) -> str:
    """Dropdown label (shown as text, and what Gradio's filter matches): the ID and the study's short names
    first, then the whole title: a word near a long title's end ("lupus") must still find it."""
    short = dict.fromkeys([s.acronym or "", *s.names])
    names = " · ".join(n for n in short if n and n.lower() not in s.study_id.lower())
    return " ".join(f"{s.study_id}{' · ' + names if names else ''} · {s.title}".split())


