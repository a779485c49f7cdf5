"""What the web chat looks like: its components, built inside a ``gr.Blocks`` (no event wiring here;
``web/chat_ui.py`` connects these to ``web/chat_handlers.py``)."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from web import render
from web.texts import EXAMPLE_QUESTIONS, NOT_MEDICAL_ADVICE

CHAT_PLACEHOLDER = ("Pick a study, then ask anything about it: who can join, where it runs, what the words in "
                    "its record mean.")


@dataclass
class ChatLayout:
    study: gr.Dropdown
    notice: gr.HTML  # a deep link (/?study=) to a study this collection does not have says so here
    card: gr.HTML
    examples_row: gr.Row
    example_buttons: list[gr.Button]
    chat: gr.Chatbot
    question: gr.Textbox
    send: gr.Button
    new_chat: gr.Button
    feedback_box: gr.Group
    comment: gr.Textbox
    comment_send: gr.Button
    feedback_note: gr.Markdown
    sources: gr.HTML
    # per-browser-session state
    history: gr.State  # list of HistoryTurn dicts
    answers: gr.State  # chat message index (str) -> what was asked and answered (for feedback)
    feedback_id: gr.State  # the feedback row a comment is added to
    pinned: gr.State  # the study the conversation is on (None: no study picked)


def build_layout(max_question_chars: int) -> ChatLayout:
    """The page: header and disclaimer; left, the study picker, its card, example questions, the
    conversation and the question box; right, the sources panel. Call inside ``with gr.Blocks()``."""
    gr.HTML('<h1 style="margin:0">Ask about a clinical trial</h1>'
            f'<p class="tc-note" id="tc-disclaimer">{render.e(NOT_MEDICAL_ADVICE)} Every answer cites the '
            'study record it comes from; click a citation to see the exact words. '
            '<a href="/docs" target="_blank">JSON API</a></p>')
    history = gr.State([])
    answers = gr.State({})
    feedback_id = gr.State(None)
    pinned = gr.State(None)
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            study = gr.Dropdown(choices=[], value=None, label="Study (search by NCT ID, acronym or title)",
                                filterable=True, allow_custom_value=False, elem_id="tc-study")
            notice = gr.HTML("", elem_id="tc-notice")
            card = gr.HTML(render.study_card_html(None), elem_id="tc-card")
            with gr.Row(visible=False, elem_id="tc-examples") as examples_row:
                example_buttons = [gr.Button(q, size="sm", variant="secondary") for q in EXAMPLE_QUESTIONS]
            # no block label: Gradio pins it over the first message while the conversation scrolls
            chat = gr.Chatbot(value=[], label="Conversation", show_label=False, elem_id="tc-chat", height=560,
                              render_markdown=False, sanitize_html=True, group_consecutive_messages=False,
                              feedback_options=("Like", "Dislike"), buttons=["copy"], autoscroll=True,
                              placeholder=CHAT_PLACEHOLDER)
            with gr.Row():
                question = gr.Textbox(placeholder="Ask a question about the study…", show_label=False,
                                      # no max_length: a pasted question over the limit is kept whole and the
                                      # answer says how long it is and what the limit is (never cut silently)
                                      lines=1, max_lines=4, scale=5,
                                      elem_id="tc-question", autofocus=True)
                send = gr.Button("Send", variant="primary", scale=1, elem_id="tc-send")
            with gr.Row():
                new_chat = gr.Button("New chat", size="sm", elem_id="tc-new-chat")
            with gr.Group(visible=False, elem_id="tc-feedback") as feedback_box:
                comment = gr.Textbox(label="Thanks! Anything to add? (optional)", lines=2,
                                     max_length=2000, elem_id="tc-feedback-comment")
                comment_send = gr.Button("Send comment", size="sm", elem_id="tc-feedback-send")
            feedback_note = gr.Markdown("", elem_id="tc-feedback-note")
        with gr.Column(scale=2):
            gr.Markdown("## Sources")
            sources = gr.HTML(render.sources_html([]), elem_id="tc-sources")
    return ChatLayout(study=study, notice=notice, card=card, examples_row=examples_row, example_buttons=example_buttons, chat=chat,
                      question=question, send=send, new_chat=new_chat, feedback_box=feedback_box, comment=comment,
                      comment_send=comment_send, feedback_note=feedback_note, sources=sources, history=history,
                      answers=answers, feedback_id=feedback_id, pinned=pinned)
