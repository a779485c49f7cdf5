"""The web chat (Gradio Blocks). Per-browser-session state lives in ``gr.State``; nothing is shared
between users except the (read-only) answering service, the rate limiter and the feedback file.

Flow of one question: the user's words appear → the sources panel fills as soon as retrieval is
done → the answer streams in → the final, verified answer replaces the stream, with its citations
(click one: study ID, field label, the quoted words highlighted in the field's text, a link to the
study's public page).
"""
from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import gradio as gr

from assistant.protocols import AnswerService, StudySummary
from assistant.types import Answer, FinalEvent, HistoryTurn, SourcesEvent, TokenEvent
from web import render
from web.feedback import FeedbackStore
from web.security import RateLimiter, client_key
from web.texts import EXAMPLE_QUESTIONS, NOT_MEDICAL_ADVICE

log = logging.getLogger("trialchat.web")

STREAM_UPDATE_S = 0.05  # at most ~20 screen updates a second while tokens stream
MAX_STUDY_CHOICES = 2000
HISTORY_TURNS_SENT = 12
THINKING = '<span class="tc-thinking">Searching the study records…</span>'


def reading(n: int) -> str:
    what = f"Reading {n} passage{'s' if n != 1 else ''} of the study records and writing an answer…" if n else "Writing…"
    return f'<span class="tc-thinking">{what}</span>'


def build_chat_ui(service: AnswerService, *, limiter: RateLimiter, feedback: FeedbackStore,
                  max_question_chars: int = 2000, concurrency_limit: int = 8) -> gr.Blocks:
    def study_choices() -> list[tuple[str, str]]:
        return [(render.study_choice_label(s), s.study_id) for s in service.list_studies("", limit=MAX_STUDY_CHOICES)]

    def lookup(study_id: str | None) -> StudySummary | None:
        return service.get_study(study_id) if study_id else None

    with gr.Blocks(title="trialchat — ask about a clinical trial", analytics_enabled=False) as demo:
        gr.HTML('<h1 style="margin:0">Ask about a clinical trial</h1>'
                f'<p class="tc-note" id="tc-disclaimer">{render.e(NOT_MEDICAL_ADVICE)} Every answer cites the '
                'study record it comes from; click a citation to see the exact words. '
                '<a href="/docs" target="_blank">JSON API</a></p>')

        history = gr.State([])  # list of HistoryTurn dicts, this session only
        answers = gr.State({})  # chat message index (str) -> what was asked and answered (for feedback)
        feedback_id = gr.State(None)

        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                study = gr.Dropdown(choices=[], value=None, label="Study (search by NCT ID, title or acronym)",
                                    filterable=True, allow_custom_value=False, elem_id="tc-study")
                card = gr.HTML(render.study_card_html(None), elem_id="tc-card")
                with gr.Row(visible=False, elem_id="tc-examples") as examples_row:
                    example_buttons = [gr.Button(q, size="sm", variant="secondary") for q in EXAMPLE_QUESTIONS]
                chat = gr.Chatbot(value=[], label="Conversation", elem_id="tc-chat", height=460,
                                  render_markdown=False, sanitize_html=True, group_consecutive_messages=False,
                                  feedback_options=("Like", "Dislike"), buttons=["copy"],
                                  placeholder="Pick a study, then ask anything about it: who can join, where it "
                                              "runs, what the words in its record mean.")
                with gr.Row():
                    question = gr.Textbox(placeholder="Ask a question about the study…", show_label=False,
                                          lines=1, max_lines=4, max_length=max_question_chars, scale=5,
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
                gr.Markdown("### Sources")
                sources = gr.HTML(render.sources_html([]), elem_id="tc-sources")

        # ------------------------------------------------------------------ handlers
        def on_load(request: gr.Request):
            choices = study_choices()
            wanted = (request.query_params.get("study") or "").strip() if request else ""
            found = lookup(wanted) or lookup(wanted.upper()) if wanted else None
            value = found.study_id if found else None
            return gr.Dropdown(choices=choices, value=value)

        def on_study(study_id: str | None):
            s = lookup(study_id)
            return (render.study_card_html(s), gr.Row(visible=s is not None), [], [], {},
                    render.sources_html([]), gr.Group(visible=False), "", None)

        def respond(text: str, messages: list, turns: list, asked: dict, study_id: str | None,
                    request: gr.Request) -> Iterator[tuple]:
            text = (text or "").strip()
            if not text:
                yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
                return
            messages = list(messages or [])
            messages.append({"role": "user", "content": render.text_block(text)})
            if len(text) > max_question_chars:
                messages.append({"role": "assistant", "content": render.e(
                    f"That question is {len(text)} characters long; please keep it under {max_question_chars}.")})
                yield messages, "", turns, asked, gr.skip()
                return
            decision = limiter.hit(client_key(request.client.host if request and request.client else None))
            if not decision.allowed:
                messages.append({"role": "assistant", "content": render.e(decision.message())})
                yield messages, "", turns, asked, gr.skip()
                return

            messages.append({"role": "assistant", "content": THINKING})
            yield messages, "", turns, asked, render.sources_html([], state="Searching the study records…")

            answer: Answer | None = None
            streamed, last_push = "", 0.0
            hist = [HistoryTurn(**t) for t in (turns or [])][-HISTORY_TURNS_SENT:]
            try:
                for ev in service.stream(text, study_id=study_id or None, history=hist):
                    if isinstance(ev, SourcesEvent):
                        if not streamed:
                            messages[-1] = {"role": "assistant", "content": reading(len(ev.sources))}
                        yield messages, gr.skip(), gr.skip(), gr.skip(), render.sources_html(ev.sources)
                    elif isinstance(ev, TokenEvent):
                        streamed += ev.text
                        now = time.monotonic()
                        if now - last_push >= STREAM_UPDATE_S:
                            messages[-1] = {"role": "assistant", "content": render.answer_text(streamed)}
                            last_push = now
                            yield messages, gr.skip(), gr.skip(), gr.skip(), gr.skip()
                    elif isinstance(ev, FinalEvent):
                        answer = ev.answer
            except Exception:
                log.exception("web chat: answering failed")
                messages[-1] = {"role": "assistant", "content": render.e(
                    "Sorry, something went wrong while answering. Please try again.")}
                yield messages, gr.skip(), gr.skip(), gr.skip(), render.sources_html([], state=" ")
                return
            if answer is None:
                messages[-1] = {"role": "assistant", "content": render.e("Sorry, no answer came back. Please try again.")}
                yield messages, gr.skip(), gr.skip(), gr.skip(), gr.skip()
                return
            messages[-1] = {"role": "assistant", "content": render.answer_html(answer)}
            turns = [*(turns or []), {"role": "user", "content": text}, {"role": "assistant", "content": answer.text}]
            asked = {**(asked or {}), str(len(messages) - 1): {
                "question": text, "answer": answer.text, "status": answer.status, "study_id": answer.study_id or study_id,
                "citations": [c.model_dump(include={"n", "study_id", "field_path", "quote"}) for c in answer.citations]}}
            cited = {c.chunk_id for c in answer.citations if c.chunk_id}
            yield messages, gr.skip(), turns, asked, render.sources_html(answer.sources, cited)

        def on_like(asked: dict, data: gr.LikeData, request: gr.Request):
            idx = data.index if isinstance(data.index, int) else data.index[0]
            info = (asked or {}).get(str(idx))
            if info is None or data.liked not in (True, False):
                return None, gr.Group(visible=False), ""
            decision = limiter.hit(client_key(request.client.host if request and request.client else None))
            if not decision.allowed:  # feedback shares the questions' budget: a script cannot flood the table
                return None, gr.Group(visible=False), decision.message()
            fid = feedback.record(session_id=getattr(request, "session_hash", None) or "unknown", channel="web",
                                  message_index=idx, rating=1 if data.liked else -1, study_id=info.get("study_id"),
                                  question=info["question"], answer=info["answer"], status=info.get("status", ""),
                                  citations=info.get("citations"))
            return fid, gr.Group(visible=True), "Thanks for the feedback."

        def on_comment(fid: int | None, text: str, request: gr.Request):
            if fid is None or not (text or "").strip():
                return gr.skip(), gr.skip(), gr.skip()
            ok = feedback.add_comment(fid, getattr(request, "session_hash", None) or "unknown", text)
            return "", gr.Group(visible=False), ("Comment saved. Thank you!" if ok else "Could not save the comment.")

        def on_new_chat():
            return [], [], {}, render.sources_html([]), "", gr.Group(visible=False), "", None

        # ------------------------------------------------------------------ wiring
        demo.load(on_load, None, [study], api_visibility="private")
        study.change(on_study, [study], [card, examples_row, chat, history, answers, sources, feedback_box,
                                         feedback_note, feedback_id], api_visibility="private")
        ask_inputs = [question, chat, history, answers, study]
        ask_outputs = [chat, question, history, answers, sources]
        opts = dict(concurrency_limit=concurrency_limit, show_progress="hidden")
        question.submit(respond, ask_inputs, ask_outputs, api_name="ask", **opts)
        send.click(respond, ask_inputs, ask_outputs, api_visibility="private", **opts)
        for btn, q in zip(example_buttons, EXAMPLE_QUESTIONS):
            btn.click(lambda q=q: q, None, [question], api_visibility="private", queue=False).then(
                respond, ask_inputs, ask_outputs, api_visibility="private", **opts)
        chat.like(on_like, [answers], [feedback_id, feedback_box, feedback_note], api_visibility="private")
        comment_send.click(on_comment, [feedback_id, comment], [comment, feedback_box, feedback_note],
                           api_visibility="private")
        reset_outputs = [chat, history, answers, sources, question, feedback_box, feedback_note, feedback_id]
        new_chat.click(on_new_chat, None, reset_outputs, api_visibility="private")
        chat.clear(on_new_chat, None, reset_outputs, api_visibility="private")
    return demo
