"""An OpenAI-compatible face on the same answers: ``POST /v1/chat/completions`` (streaming and not),
``GET /v1/models`` and ``GET /v1/models/{model}``, so the tools people already use — the ``openai``
SDK, Open WebUI, LibreChat, LangChain's ``ChatOpenAI`` — can talk to trialchat as a model.

* **Model** ``trialchat`` answers about the study named in the conversation; ``trialchat:<study ID>``
  (e.g. ``trialchat:NCT02552212``) pins one study, like the chat's study picker. ``GET /v1/models`` lists
  both forms, so a client's model menu doubles as a study picker. The study may instead come from the
  request's ``metadata`` (``{"study_id": "NCT02552212"}``); naming two different studies is an error.
* **Messages**: the last message is the question (it must be the user's); earlier user and assistant
  messages are the conversation history; system and developer messages are ignored (the answering
  rules are trialchat's own). Sampling parameters (``temperature``, ``max_tokens``, …) are accepted and
  ignored: the answer is the verified, cited one, whatever the client asks for.
* **Answer**: ``message.content`` is the verified answer with its ``[n]`` markers, followed by the cited
  sources as footnotes; the structured ``status``, ``intent``, ``study_id`` and ``citations`` are in the
  extra top-level field ``trialchat`` (the last chunk carries it when streaming).
* Same origin rules, body limit and rate limit as ``/api`` (the middlewares in ``web.security`` and
  ``web.limits`` cover ``/v1/``); errors are OpenAI's error JSON (``web.errors``). The API key a client
  sends is not checked: this API is as public as ``/api/ask``.
"""
from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.responses import StreamingResponse

from assistant.ask_policy import cut_turn
from assistant.protocols import AnswerService
from assistant.types import Answer, FinalEvent, HistoryTurn, TokenEvent, final_answer
from trialchat.store import StoreUnavailable
from web.api import ApiError, AskRequest, ErrorResponse, get_service, validate_ask
from web.errors import error_body, error_response
from web.public import public_events
from web.sse import SSE_HEADERS

log = logging.getLogger("trialchat.web")

MODEL = "trialchat"
MAX_LISTED_STUDIES = 2000
FOOTNOTES_HEADING = "Sources:"
CREATED = int(time.time())  # models exist since the server started


# ---------------------------------------------------------------- request
class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None


class ChatCompletionRequest(BaseModel):
    """OpenAI's chat completion request. Fields not listed (``temperature``, ``max_tokens``, ``tools``, …)
    are accepted and ignored."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [
        {"model": "trialchat:NCT02552212", "messages": [{"role": "user", "content": "Who can join?"}]},
        {"model": "trialchat", "metadata": {"study_id": "NCT02552212"}, "stream": True,
         "messages": [{"role": "user", "content": "Who can join?"},
                      {"role": "assistant", "content": "Adults aged 18 or older could take part [1]."},
                      {"role": "user", "content": "Where is it happening?"}]},
    ]})

    model: str = Field(description="`trialchat`, or `trialchat:<study ID>` to pin one study.")
    messages: list[ChatMessage] = Field(min_length=1, description="The conversation, oldest first; the last "
                                        "message is the user's question.")
    stream: bool = False
    metadata: dict[str, str] | None = Field(default=None, description='`{"study_id": "NCT…"}` pins a study '
                                            "(instead of a model suffix).")
    n: int | None = Field(default=None, description="Only 1 is supported.")


# ---------------------------------------------------------------- response models (for the docs)
class Model(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = MODEL
    name: str  # shown by Open WebUI in its model menu


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[Model]


class ResponseMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str
    refusal: str | None = None


class Choice(BaseModel):
    index: int = 0
    message: ResponseMessage
    logprobs: None = None
    finish_reason: Literal["stop"] = "stop"


class TrialchatExtra(BaseModel):
    status: str
    intent: str | None = None
    study_id: str | None = None
    citations: list[dict[str, Any]]


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: None = None  # no token accounting: most answers are composed without a model
    system_fingerprint: None = None
    trialchat: TrialchatExtra


# ---------------------------------------------------------------- study and conversation
def _model_study(model: str) -> str | None:
    """``trialchat`` → None; ``trialchat:NCT1`` → ``NCT1``; anything else is not one of ours."""
    name, sep, study = model.strip().partition(":")
    if name.lower() != MODEL:
        raise ApiError(404, "model_not_found", f"The model '{model}' does not exist here. Use '{MODEL}', or "
                       f"'{MODEL}:<study ID>' to pin a study (GET /v1/models lists them).")
    return study.strip() or None


def _pinned_study(body: ChatCompletionRequest) -> str | None:
    from_model = _model_study(body.model)
    from_meta = ((body.metadata or {}).get("study_id") or "").strip() or None
    if from_model and from_meta and from_model.upper() != from_meta.upper():
        raise ApiError(400, "conflicting_study", f"The model names study {from_model} but metadata.study_id is "
                       f"{from_meta}: name one study.", fields=[{"field": "metadata.study_id", "problem": "conflict"}])
    return from_model or from_meta


def _text(message: ChatMessage) -> str:
    if message.content is None or isinstance(message.content, str):
        return message.content or ""
    kinds = {p.type for p in message.content} - {"text"}
    if kinds:
        raise ApiError(400, "unsupported_content",
                       f"Only text messages are understood (got {', '.join(sorted(kinds))}).")
    return "\n".join(p.text or "" for p in message.content)


_FOOTNOTES = re.compile(r"\n\n" + re.escape(FOOTNOTES_HEADING) + r"\n\[\d+\].*\Z", re.DOTALL)


def strip_footnotes(text: str) -> str:
    """An assistant turn as we sent it → the answer alone (the footnotes are not conversation)."""
    return _FOOTNOTES.sub("", text).replace("\\[", "[").replace("\\]", "]").replace("\\<", "<").replace("\\\\", "\\")


def conversation(body: ChatCompletionRequest) -> tuple[str, list[HistoryTurn]]:
    last = body.messages[-1]
    if last.role != "user":
        raise ApiError(400, "invalid_request", "The last message must be the user's question "
                       f"(it is a '{last.role}' message).", fields=[{"field": "messages", "problem": "last_role"}])
    history = []
    for m in body.messages[:-1]:
        if m.role in ("user", "assistant"):
            text = _text(m)
            text = strip_footnotes(text) if m.role == "assistant" else text
            if text.strip():  # a long turn from another model is cut, not refused: the client resends it each time
                history.append(HistoryTurn(role=m.role, content=cut_turn(text)))
    return _text(last), history


def validate(body: ChatCompletionRequest, service: AnswerService, max_chars: int):
    if body.n not in (None, 1):
        raise ApiError(400, "invalid_request", "Only one choice per request is supported: leave n out or set it to 1.",
                       fields=[{"field": "n", "problem": "unsupported"}])
    question, history = conversation(body)
    try:
        return validate_ask(AskRequest(question=question, study_id=_pinned_study(body), history=history),
                            service, max_chars)
    except ApiError as e:  # OpenAI clients expect 400 where /api says 422
        if e.status == 422:
            e.status = 400
        raise


# ---------------------------------------------------------------- rendering
def markdown_safe(text: str) -> str:
    """Record words can reach a client that renders Markdown: escape what would make them a link, an
    image or HTML there (``[``, ``]``, ``<``), keeping our ``[n]`` citation markers."""
    out = text.replace("\\", "\\\\").replace("<", "\\<").replace("[", "\\[").replace("]", "\\]")
    return re.sub(r"\\\[(\d{1,2})\\\]", r"[\1]", out)


def footnotes(answer: Answer) -> str:
    """One footnote per number, under the label people see (``NCT… · Eligibility``, ``Glossary › Double-blind``,
    never a field path or the internal ``glossary`` ID): a source cited for several sentences shows each quoted
    passage once. The machine fields (``study_id``, ``field_path``) are in the ``trialchat`` extra field."""
    if not answer.citations:
        return ""
    by_n: dict[int, list] = {}
    for c in answer.citations:
        by_n.setdefault(c.n, []).append(c)
    lines = []
    for n, cites in by_n.items():
        first = cites[0]
        note = f"[{n}] {markdown_safe(first.display_label)}"  # the label people see; paths stay in `trialchat`
        quotes = list(dict.fromkeys(c.quote for c in cites if c.quote))
        if quotes:
            note += ": " + " … ".join(f"“{markdown_safe(q)}”" for q in quotes)
        if first.source_url.startswith(("https://", "http://")):
            note += f" — {first.source_url}"
        lines.append(note)
    return f"\n\n{FOOTNOTES_HEADING}\n" + "\n\n".join(lines)


def extra(answer: Answer) -> dict[str, Any]:
    return TrialchatExtra(status=answer.status, intent=answer.intent, study_id=answer.study_id,
                          citations=[c.model_dump(mode="json") for c in answer.citations]).model_dump(mode="json")


# ---------------------------------------------------------------- routes
router = APIRouter()
Service = Annotated[AnswerService, Depends(get_service)]
ERRORS = {s: {"model": ErrorResponse} for s in (400, 404, 413, 429)}


def _models(service: AnswerService) -> list[Model]:
    out = [Model(id=MODEL, created=CREATED, name="trialchat (any study: name it in the question)")]
    for s in service.list_studies("", limit=MAX_LISTED_STUDIES):
        if s.study_id != "glossary":
            label = " · ".join(p for p in (s.study_id, s.acronym, s.title) if p)
            out.append(Model(id=f"{MODEL}:{s.study_id}", created=CREATED, name=f"trialchat · {label}"[:200]))
    return out


@router.get("/v1/models", response_model=ModelList, tags=["openai"],
            summary="OpenAI-compatible: the models (trialchat, and trialchat:<study ID> per study)")
def list_models(service: Service) -> ModelList:
    return ModelList(data=_models(service))


@router.get("/v1/models/{model}", response_model=Model, tags=["openai"], responses=ERRORS,
            summary="OpenAI-compatible: one model")
def get_model(model: str, service: Service) -> Model:
    study = _model_study(model)
    if study is None:
        return Model(id=MODEL, created=CREATED, name="trialchat")
    found = service.get_study(study) or service.get_study(study.upper())
    if found is None:
        raise ApiError(404, "model_not_found", f"No study {study} in this collection, so no model '{model}'.")
    return Model(id=f"{MODEL}:{found.study_id}", created=CREATED, name=f"trialchat · {found.study_id}")


@router.post("/v1/chat/completions", response_model=ChatCompletion, tags=["openai"],
             responses={**ERRORS, 200: {"content": {"text/event-stream": {}}, "description": "With `stream: true`, "
                                        "`chat.completion.chunk`s as server-sent events, then `data: [DONE]`."}},
             summary="OpenAI-compatible chat completion: the verified, cited answer")
async def chat_completions(body: ChatCompletionRequest, request: Request, service: Service):
    max_chars = request.app.state.settings.max_question_chars
    question, study_id, history = await run_in_threadpool(validate, body, service, max_chars)
    completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    events = public_events(service.stream(question, study_id=study_id, history=history))
    if body.stream:
        return StreamingResponse(_chunks(events, completion_id, created, body.model), media_type="text/event-stream",
                                 headers=SSE_HEADERS)
    answer = await run_in_threadpool(final_answer, events)
    content = markdown_safe(answer.text) + footnotes(answer)
    return ChatCompletion(id=completion_id, created=created, model=body.model, choices=[
        Choice(message=ResponseMessage(content=content))], trialchat=TrialchatExtra(**extra(answer)))


@router.api_route("/v1/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
def v1_not_found(rest: str, request: Request):
    return error_response(404, "not_found", f"No such endpoint: {request.method} /v1/{rest}. This server offers "
                          "POST /v1/chat/completions and GET /v1/models.")


def _chunk(completion_id: str, created: int, model: str, delta: dict[str, Any], finish: str | None = None,
           **more: Any) -> bytes:
    data = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model,
            "system_fingerprint": None,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}], **more}
    return f"data: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n".encode()


def remainder(streamed: str, final: str) -> str:
    """What of the final, verified answer the client has not been sent yet (nothing streams for an
    abstention; a streamed answer's final text repeats the streamed sentences)."""
    sent = streamed.rstrip()
    if final.startswith(sent):
        rest = final[len(sent):]
        return rest.lstrip() if streamed != sent else rest
    log.warning("openai stream: the final answer does not continue the streamed text; sending it whole")
    return "\n\n" + final


async def _chunks(events: Iterator, completion_id: str, created: int, model: str) -> AsyncIterator[bytes]:
    yield _chunk(completion_id, created, model, {"role": "assistant", "content": ""})
    streamed = ""
    try:
        async for ev in iterate_in_threadpool(events):
            if isinstance(ev, TokenEvent) and ev.text:
                streamed += ev.text
                yield _chunk(completion_id, created, model, {"content": markdown_safe(ev.text)})
            elif isinstance(ev, FinalEvent):
                rest = remainder(streamed, ev.answer.text)
                tail = markdown_safe(rest) + footnotes(ev.answer)
                if tail:
                    yield _chunk(completion_id, created, model, {"content": tail})
                yield _chunk(completion_id, created, model, {}, "stop", trialchat=extra(ev.answer))
    except StoreUnavailable as e:
        log.warning("openai stream: store unavailable: %s", e)
        body = error_body(503, "store_unavailable", "The study index is not reachable right now. "
                                                    "Please try again in a moment.")
        yield f"data: {json.dumps(body)}\n\n".encode()
    except Exception:  # the status line is sent: report in-band as OpenAI does (the SDK raises it)
        log.exception("openai stream failed")
        body = error_body(500, "internal_error", "Something went wrong while answering. Please try again.")
        yield f"data: {json.dumps(body)}\n\n".encode()
    yield b"data: [DONE]\n\n"
