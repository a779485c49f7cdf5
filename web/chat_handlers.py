"""What the web chat does when someone uses it: one method per event (page load, pick a study, ask,
thumbs up/down, comment, new chat). Plain methods over plain values, so tests call them directly;
``web/chat_ui.py`` wires them to the components of ``web/chat_layout.py``.

Flow of one question: the user's words appear → the sources panel fills as soon as retrieval is
done → the answer streams in → the final, verified answer replaces the stream, with its citations.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import gradio as gr

from assistant.ask_policy import recent_history
from assistant.guard import question_problem
from assistant.protocols import AnswerService, StudySummary
from assistant.types import Answer, FinalEvent, HistoryTurn, SourcesEvent, TokenEvent
from trialchat.store import StoreUnavailable
from web import render
from web.feedback import FeedbackStore
from web.security import RateLimiter, client_key

log = logging.getLogger("trialchat.web")

STREAM_UPDATE_S = 0.05  # at most ~20 screen updates a second while tokens stream
MAX_STUDY_CHOICES = 2000
THINKING = '<span class="tc-thinking">Searching the study records…</span>'


def reading(n: int) -> str:
    what = (f"Reading {n} passage{'s' if n != 1 else ''} of the study records and writing an answer…"
            if n else "Writing…")
    return f'<span class="tc-thinking">{what}</span>'


def session_of(request: gr.Request | None) -> str:
    return getattr(request, "session_hash", None) or "unknown"


def client_of(request: gr.Request | None) -> str:
    return client_key(request.client.host if request and request.client else None)


class ChatHandlers:
    """The chat's event handlers. State lives in the browser session (``gr.State`` values passed in and
    returned); this object holds only what every session shares: the service, rate limiter, feedback file."""

    def __init__(self, service: AnswerService, *, limiter: RateLimiter, feedback: FeedbackStore,
                 max_question_chars: int = 2000):
        self.service, self.limiter, self.feedback = service, limiter, feedback
        self.max_question_chars = max_question_chars

    # ---------------------------------------------------------------- studies
    def study_choices(self) -> list[tuple[str, str]]:
        """(label, study ID) for the picker; the label carries ID, acronyms and title, all searchable."""
        return [(render.study_choice_label(s), s.study_id)
                for s in self.service.list_studies("", limit=MAX_STUDY_CHOICES)]

    def lookup(self, study_id: str | None) -> StudySummary | None:
        if not study_id or not study_id.strip():
            return None
        sid = study_id.strip()
        return self.service.get_study(sid) or self.service.get_study(sid.upper())

    def on_load(self, request: gr.Request | None = None) -> gr.Dropdown:
        """Fill the picker; ``/?study=NCT…`` pins that study."""
        wanted = (request.query_params.get("study") or "") if request is not None else ""
        found = self.lookup(wanted)
        return gr.Dropdown(choices=self.study_choices(), value=found.study_id if found else None)

    def on_page_load(self, request: gr.Request | None = None) -> tuple[gr.Dropdown, Any]:
        """The picker, and a notice when ``/?study=`` names a study this collection does not have (the picker
        stays empty; without the notice the page would not say why)."""
        wanted = ((request.query_params.get("study") or "") if request is not None else "").strip()
        note = render.unknown_study_card_html(wanted) if wanted and self.lookup(wanted) is None else gr.skip()
        return self.on_load(request), note

    def on_study(self, study_id: str | None, pinned: str | None = None) -> tuple:
        """A study picked: its card, the example questions, and a fresh conversation (and the deep-link notice
        goes once a study is picked). ``pinned`` is the study the chat was on: the picker's empty change on
        page load, when nothing was pinned, changes nothing, so it cannot wipe a question asked meanwhile."""
        s = self.lookup(study_id)
        if s is None and not pinned:
            return (gr.skip(),) * 11
        return (render.study_card_html(s), gr.Row(visible=s is not None), [], [], {},
                render.sources_html([]), gr.Group(visible=False), "", None, "" if s else gr.skip(),
                s.study_id if s else None)

    # ---------------------------------------------------------------- asking
    def respond(self, text: str, messages: list, turns: list, asked: dict, study_id: str | None,
                request: gr.Request | None = None) -> Iterator[tuple]:
        """Yields (messages, question box, history, answers, sources panel) as the answer takes shape."""
        text = (text or "").strip()
        if not text:
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        messages = [*(messages or []), {"role": "user", "content": render.text_block(text)}]
        refusal = self._refusal(text, request)
        if refusal:  # the question stays in the box, to shorten it or send it again after the wait
            messages.append({"role": "assistant", "content": render.said_html(refusal)})
            yield messages, gr.skip(), turns, asked, gr.skip()
            return

        messages.append({"role": "assistant", "content": THINKING})
        yield messages, "", turns, asked, render.sources_html([], state="Searching the study records…")

        answer: Answer | None = None
        streamed, last_push = "", 0.0
        hist = recent_history(HistoryTurn(**t) for t in (turns or []))
        try:
            for ev in self.service.stream(text, study_id=study_id or None, history=hist):
                if isinstance(ev, SourcesEvent):
                    if not streamed:
                        messages[-1] = {"role": "assistant", "content": reading(len(ev.sources))}
                    yield messages, gr.skip(), gr.skip(), gr.skip(), render.sources_html(ev.sources)
                elif isinstance(ev, TokenEvent):
                    streamed += ev.text
                    now = time.monotonic()
                    if now - last_push >= STREAM_UPDATE_S:
                        messages[-1] = {"role": "assistant", "content": render.streaming_html(streamed)}
                        last_push = now
                        yield messages, gr.skip(), gr.skip(), gr.skip(), gr.skip()
                elif isinstance(ev, FinalEvent):
                    answer = ev.answer
        except Exception as e:
            if isinstance(e, StoreUnavailable):
                log.warning("web chat: store unavailable: %s", e)
                said = "Sorry, the study index is not reachable right now. Please try again in a moment."
            else:
                log.exception("web chat: answering failed")
                said = "Sorry, something went wrong while answering. Please try again."
            messages[-1] = {"role": "assistant", "content": render.said_html(said)}
            yield messages, gr.skip(), gr.skip(), gr.skip(), render.sources_html([], state=" ")
            return
        if answer is None:
            messages[-1] = {"role": "assistant", "content": render.said_html("Sorry, no answer came back. Please try again.")}
            yield messages, gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        messages[-1] = {"role": "assistant", "content": render.answer_html(answer)}
        turns = [*(turns or []), {"role": "user", "content": text}, {"role": "assistant", "content": answer.text}]
        asked = {**(asked or {}), str(len(messages) - 1): self._asked_record(text, answer, study_id)}
        cited = {c.chunk_id for c in answer.citations if c.chunk_id}
        yield messages, gr.skip(), turns, asked, render.sources_html(answer.sources, cited)

    def _refusal(self, text: str, request: gr.Request | None) -> str | None:
        """Why this question is not asked at all (too long, too many questions), or None."""
        problem = question_problem(text, self.max_question_chars)
        if problem:
            return problem.message
        decision = self.limiter.hit(client_of(request))
        return None if decision.allowed else decision.message()

    @staticmethod
    def _asked_record(question: str, answer: Answer, study_id: str | None) -> dict[str, Any]:
        return {"question": question, "answer": answer.text, "status": answer.status,
                "study_id": answer.study_id or study_id,
                "citations": [c.model_dump(include={"n", "study_id", "field_path", "quote"}) for c in answer.citations]}

    # ---------------------------------------------------------------- feedback and reset
    def on_like(self, asked: dict, data: gr.LikeData, request: gr.Request | None = None) -> tuple:
        """👍/👎 on an answer: stored with what was asked and answered; the comment box opens."""
        idx = data.index if isinstance(data.index, int) else data.index[0]
        info = (asked or {}).get(str(idx))
        if info is None or data.liked not in (True, False):
            return None, gr.Group(visible=False), ""
        decision = self.limiter.hit(client_of(request))
        if not decision.allowed:  # feedback shares the questions' budget: a script cannot flood the table
            return None, gr.Group(visible=False), decision.message()
        fid = self.feedback.record(session_id=session_of(request), channel="web", message_index=idx,
                                   rating=1 if data.liked else -1, study_id=info.get("study_id"),
                                   question=info["question"], answer=info["answer"], status=info.get("status", ""),
                                   citations=info.get("citations"))
        return fid, gr.Group(visible=True), "Thanks for the feedback."

    def on_comment(self, fid: int | None, text: str, request: gr.Request | None = None) -> tuple:
        if fid is None or not (text or "").strip():
            return gr.skip(), gr.skip(), gr.skip()
        ok = self.feedback.add_comment(fid, session_of(request), text)
        return "", gr.Group(visible=False), ("Comment saved. Thank you!" if ok else "Could not save the comment.")

    @staticmethod
    def on_new_chat() -> tuple:
        return [], [], {}, render.sources_html([]), "", gr.Group(visible=False), "", None
