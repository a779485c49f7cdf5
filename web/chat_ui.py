"""The web chat (Gradio Blocks): layout (``web/chat_layout.py``) + handlers (``web/chat_handlers.py``)
wired together here, plus the chat's API for Gradio clients (``web/chat_api.py``). Its CSS is the
static file ``web/static/chat.css``; ``web/static/chat_a11y.js`` tells screen readers about answers.

Per-browser-session state lives in ``gr.State``; nothing is shared between users except the
(read-only) answering service, the rate limiter and the feedback file.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

import gradio as gr

from assistant.protocols import AnswerService
from web.chat_api import ChatApi
from web.chat_handlers import ChatHandlers
from web.chat_layout import ChatLayout, build_layout
from web.feedback import FeedbackStore
from web.security import RateLimiter
from web.texts import EXAMPLE_QUESTIONS

PRIVATE = "private"  # the UI's own events: not part of the API (Gradio clients use web/chat_api.py)


@lru_cache(maxsize=1)
def chat_css() -> str:
    return resources.files("web").joinpath("static/chat.css").read_text("utf-8")


@lru_cache(maxsize=1)
def chat_js() -> str:
    """Run by the page on load: what screen readers are told while an answer streams (web/static/chat_a11y.js)."""
    return resources.files("web").joinpath("static/chat_a11y.js").read_text("utf-8")


def build_chat_ui(service: AnswerService, *, limiter: RateLimiter, feedback: FeedbackStore,
                  max_question_chars: int = 2000, concurrency_limit: int = 8) -> gr.Blocks:
    handlers = ChatHandlers(service, limiter=limiter, feedback=feedback, max_question_chars=max_question_chars)
    api = ChatApi(service, limiter=limiter, max_question_chars=max_question_chars)
    with gr.Blocks(title="trialchat — ask about a clinical trial", analytics_enabled=False) as demo:
        layout = build_layout(max_question_chars)
        wire(demo, layout, handlers, concurrency_limit)
        api.register(concurrency_limit)
    return demo


def wire(demo: gr.Blocks, ui: ChatLayout, h: ChatHandlers, concurrency_limit: int) -> None:
    """Connect the components to the handlers. Every UI event is private: the API is ``ChatApi``'s."""
    demo.load(h.on_page_load, None, [ui.study, ui.notice], api_visibility=PRIVATE)
    ui.study.change(h.on_study, [ui.study, ui.pinned],
                    [ui.card, ui.examples_row, ui.chat, ui.history, ui.answers, ui.sources,
                     ui.feedback_box, ui.feedback_note, ui.feedback_id, ui.notice, ui.pinned],
                    api_visibility=PRIVATE)
    ask_inputs = [ui.question, ui.chat, ui.history, ui.answers, ui.study]
    ask_outputs = [ui.chat, ui.question, ui.history, ui.answers, ui.sources]
    opts = dict(concurrency_limit=concurrency_limit, concurrency_id="ask", show_progress="hidden",
                api_visibility=PRIVATE)
    ui.question.submit(h.respond, ask_inputs, ask_outputs, **opts)
    ui.send.click(h.respond, ask_inputs, ask_outputs, **opts)
    for btn, q in zip(ui.example_buttons, EXAMPLE_QUESTIONS):
        btn.click(lambda q=q: q, None, [ui.question], api_visibility=PRIVATE, queue=False).then(
            h.respond, ask_inputs, ask_outputs, **opts)
    ui.chat.like(h.on_like, [ui.answers], [ui.feedback_id, ui.feedback_box, ui.feedback_note],
                 api_visibility=PRIVATE)
    ui.comment_send.click(h.on_comment, [ui.feedback_id, ui.comment], [ui.comment, ui.feedback_box, ui.feedback_note],
                          api_visibility=PRIVATE)
    reset_outputs = [ui.chat, ui.history, ui.answers, ui.sources, ui.question, ui.feedback_box, ui.feedback_note,
                     ui.feedback_id]
    ui.new_chat.click(h.on_new_chat, None, reset_outputs, api_visibility=PRIVATE)
    ui.chat.clear(h.on_new_chat, None, reset_outputs, api_visibility=PRIVATE)
