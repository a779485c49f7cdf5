"""HTML for the web chat. Every piece of document or answer text goes through ``html.escape``; links
are only ever http(s). Nothing here is trusted markup from a study record."""
from __future__ import annotations

import re
from html import escape

from assistant.protocols import StudySummary
from assistant.types import Answer, Citation, Source
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


def highlight(field_text: str, quote: str, context: int = EXCERPT_CHARS) -> str:
    """The field's text around the quote, escaped, with the quoted words in ``<mark>``."""
    span = _find(field_text, quote)
    if span is None:
        shown = field_text[: 2 * context] + ("…" if len(field_text) > 2 * context else "")
        return f'{text_block(shown)}<br><mark>{e(quote)}</mark>' if quote else text_block(shown)
    a, b = span
    start, end = max(0, a - context), min(len(field_text), b + context)
    before = ("…" if start > 0 else "") + field_text[start:a]
    after = field_text[b:end] + ("…" if end < len(field_text) else "")
    return f"{text_block(before)}<mark>{text_block(field_text[a:b])}</mark>{text_block(after)}"


def source_for(citation: Citation, sources: list[Source]) -> Source | None:
    for s in sources:
        if citation.chunk_id and s.chunk_id == citation.chunk_id:
            return s
    for s in sources:
        if s.study_id == citation.study_id and s.field_path == citation.field_path:
            return s
    return None


def field_text(s: Source) -> str:
    """A chunk's text without the field label it starts with (the label is shown on its own)."""
    text = s.text
    if s.field_label and text.startswith(s.field_label):
        text = text[len(s.field_label):].lstrip(" :\n")
    return text


def citation_html(c: Citation, sources: list[Source]) -> str:
    src = source_for(c, sources)
    body = highlight(field_text(src), c.quote) if src else f"<mark>{e(c.quote)}</mark>"
    page = link(c.source_url or (src.source_url if src else ""), f"{c.study_id} · {PUBLIC_PAGE_LABEL}")
    return (f'<details class="tc-cite" data-study="{e(c.study_id)}" data-n="{int(c.n)}">'
            f'<summary><b>[{int(c.n)}]</b> {e(c.study_id)} · {e(c.field_label)} — '
            f'<q>{e(_short(c.quote, 90))}</q></summary>'
            f'<div class="tc-field"><div class="tc-path">{e(c.field_path)}</div>{body}</div>'
            f'{page}</details>')


def _short(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def answer_html(answer: Answer) -> str:
    """The whole assistant message: answer text, then its clickable citations."""
    parts = [f'<div class="tc-answer tc-{e(answer.status)}">{answer_text(answer.text)}</div>']
    if answer.citations:
        parts.append('<div class="tc-cites">' + "".join(citation_html(c, answer.sources) for c in answer.citations)
                     + "</div>")
    return "".join(parts)


def sources_html(sources: list[Source], cited_ids: set[str] | None = None, state: str = "") -> str:
    if not sources:
        msg = state or "Sources appear here as soon as the study records have been searched."
        return f'<div class="tc-sources-empty">{e(msg)}</div>'
    cited_ids = cited_ids or set()
    items = []
    for i, s in enumerate(sources, 1):
        tag = ' <span class="tc-cited">cited</span>' if s.chunk_id in cited_ids else ""
        items.append(f'<li class="tc-source" data-study="{e(s.study_id)}"><div class="tc-src-head">'
                     f'{e(s.study_id)} · {e(s.field_label)}{tag}</div>'
                     f'<div class="tc-src-text">{text_block(_short(field_text(s), 280))}</div>'
                     f'{link(s.source_url, PUBLIC_PAGE_LABEL)}</li>')
    n = len(sources)
    head = e(state) if state else f"{n} passage{'s' if n != 1 else ''} from the study records"
    return f'<div class="tc-sources"><div class="tc-sources-head">{head}</div><ol>{"".join(items)}</ol></div>'


def study_card_html(study: StudySummary | None) -> str:
    if study is None:
        return ('<div class="tc-card tc-card-empty">No study pinned: pick one above, or name a study ID '
                '(like NCT02633163) in your question.</div>')
    acr = f" ({e(study.acronym)})" if study.acronym else ""
    return (f'<div class="tc-card" data-study="{e(study.study_id)}"><div class="tc-card-id">{e(study.study_id)}{acr}</div>'
            f'<div class="tc-card-title">{e(study.title)}</div>{link(study.source_url, PUBLIC_PAGE_LABEL)}</div>')


def study_choice_label(s: StudySummary) -> str:
    """Dropdown label (shown as text by Gradio); searchable by ID, acronym and title."""
    acr = f" · {s.acronym}" if s.acronym else ""
    return _short(f"{s.study_id}{acr} · {s.title}", 140)


CSS = """
.tc-note {font-size: .85em; color: var(--body-text-color-subdued); margin: 0}
.tc-card {padding: 8px 10px; border: 1px solid var(--border-color-primary); border-radius: 8px}
.tc-card-id {font-weight: 600} .tc-card-title {margin: 2px 0 4px}
.tc-cites {margin-top: 8px; font-size: .92em}
.tc-cite {border-left: 3px solid var(--color-accent); padding: 2px 8px; margin: 4px 0}
.tc-cite summary {cursor: pointer}
.tc-field {margin: 6px 0; white-space: normal} .tc-path {font-family: monospace; font-size: .8em; opacity: .7}
.tc-cite mark, .tc-field mark {background: #ffe36e; color: #111; padding: 0 2px}
.tc-mark {font-size: .75em}
.tc-sources ol {padding-left: 18px} .tc-source {margin-bottom: 8px}
.tc-src-head {font-weight: 600} .tc-src-text {font-size: .88em; opacity: .9}
.tc-cited {background: var(--color-accent); color: white; border-radius: 4px; padding: 0 4px; font-size: .75em}
.tc-sources-head {font-weight: 600; margin-bottom: 4px}
"""
