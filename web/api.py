"""JSON API: ``POST /api/ask``, ``POST /api/ask/stream`` (SSE), ``GET /api/studies``,
``GET /api/studies/{id}``, ``GET /api/widget/config``, ``GET /healthz``.

Every error is JSON ``{"error": {"code", "message", "fields"?}}`` with a 4xx status for bad input
(never a 500 or a stack trace for something the caller sent).
"""
from __future__ import annotations

import logging
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, StreamingResponse

from assistant.ask_policy import MAX_HISTORY_TURN_CHARS, MAX_HISTORY_TURNS, long_turn, recent_history
from assistant.guard import question_problem
from assistant.protocols import AnswerService, StudySummary
from assistant.types import Answer, HistoryTurn
from trialchat.store import StoreUnavailable
from web.errors import error_response
from web.public import public_answer, public_events
from web.sse import SSE_HEADERS, answer_event_stream
from web.texts import NOT_MEDICAL_ADVICE

log = logging.getLogger("trialchat.web")

MAX_WIDGET_STUDIES = 20
STUDY_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}$")


# ---------------------------------------------------------------- models
class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"question": "Who can join?", "study_id": "NCT02633163"},
        {"question": "Where is it happening?", "study_id": "NCT02633163",
         "history": [{"role": "user", "content": "Who can join?"},
                     {"role": "assistant", "content": "Adults aged 18 to 65 [1]."}]},
    ]})

    question: str = Field(description="The question, in plain words.")
    study_id: str | None = Field(default=None, description="Pin the question to one study (e.g. an NCT ID).")
    history: list[HistoryTurn] | None = Field(
        default=None, description=f"Earlier turns, oldest first (at most {MAX_HISTORY_TURNS}); lets follow-ups work.")


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: list[dict[str, Any]] | None = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


class StudyList(BaseModel):
    studies: list[StudySummary]


class WidgetConfig(BaseModel):
    studies: list[StudySummary]
    unknown: list[str] = Field(default_factory=list)
    max_question_chars: int
    notice: str = NOT_MEDICAL_ADVICE


class Health(BaseModel):
    status: str
    studies_available: bool


# ---------------------------------------------------------------- errors
class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None,
                 fields: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers, self.fields = status, code, message, headers, fields


def _describe_validation(errors: list[dict]) -> tuple[str, list[dict[str, Any]]]:
    fields, messages = [], []
    for e in errors:
        kind = e.get("type", "")
        loc = [] if kind == "json_invalid" else [str(p) for p in e.get("loc", ()) if p != "body"]
        where = ".".join(loc) or "body"
        if kind == "json_invalid":
            msg = "The request body is not valid JSON."
        elif kind == "missing" and not loc:
            msg = 'The request body is missing: send JSON like {"question": "Who can join?"}.'
        elif kind == "missing":
            msg = f"'{where}' is required."
        elif kind == "extra_forbidden":
            msg = f"'{where}' is not a known field (expected question, study_id, history)."
        elif kind == "model_attributes_type" or (kind == "dict_type" and not loc):
            msg = 'The request body must be a JSON object like {"question": "Who can join?"}.'
        elif loc and loc[0] == "history":
            msg = (f"'{where}' is malformed: history must be a list of "
                   '{"role": "user" | "assistant", "content": "..."} objects.')
        else:
            msg = f"'{where}': {e.get('msg', 'invalid value')}."
        messages.append(msg)
        fields.append({"field": where, "problem": kind, "message": msg})
    # keep the headline short: the first distinct messages
    distinct = list(dict.fromkeys(messages))
    return " ".join(distinct[:3]), fields


def _openai_validation(errors: list[dict]) -> JSONResponse:
    first = errors[0] if errors else {}
    if first.get("type") == "json_invalid":
        return error_response(400, "invalid_request", "The request body is not valid JSON.")
    loc = [str(p) for p in first.get("loc", ()) if p != "body"]
    param = ".".join(loc) or None
    if first.get("type") == "missing" and not loc:
        message = 'The request body is missing: send JSON like {"model": "trialchat", "messages": [...]}.'
    elif first.get("type") == "missing":
        message = f"'{param}' is required."
    else:
        message = f"'{param or 'body'}': {first.get('msg', 'invalid value')}."
    return error_response(400, "invalid_request", message, param=param)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError):
        return error_response(exc.status, exc.code, exc.message, exc.headers, exc.fields)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        if request.url.path.startswith("/v1/"):  # OpenAI's clients expect 400 and the offending `param`
            return _openai_validation(list(exc.errors()))
        message, fields = _describe_validation(list(exc.errors()))
        return error_response(422, "invalid_request", message, fields=fields)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException):
        codes = {404: "not_found", 405: "method_not_allowed", 413: "request_too_large"}
        code = codes.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(StoreUnavailable)  # its own handler: answered here, not re-raised as a 500 would be
    async def _store_unavailable(request: Request, exc: StoreUnavailable):
        log.warning("%s %s: store unavailable: %s", request.method, request.url.path, exc)
        return store_unavailable_response()

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", "Something went wrong on our side. Please try again.")


STORE_RETRY_AFTER_S = 10  # what a client is told to wait when the study index cannot be reached
STORE_UNAVAILABLE_MESSAGE = "The study index is not reachable right now. Please try again in a moment."


def store_unavailable_response() -> JSONResponse:
    return error_response(503, "store_unavailable", STORE_UNAVAILABLE_MESSAGE,
                          headers={"Retry-After": str(STORE_RETRY_AFTER_S)})


# ---------------------------------------------------------------- dependencies
def get_service(request: Request) -> AnswerService:
    return request.app.state.service


Service = Annotated[AnswerService, Depends(get_service)]


def resolve_study(service: AnswerService, study_id: str | None) -> str | None:
    """The canonical ID of a pinned study, or a 404/422 ApiError; None when nothing is pinned."""
    if study_id is None or not study_id.strip():
        return None
    sid = study_id.strip()
    if not STUDY_ID_RE.match(sid):
        raise ApiError(422, "invalid_study_id", "study_id must look like a study ID, e.g. NCT02633163.",
                       fields=[{"field": "study_id", "problem": "pattern"}])
    for candidate in dict.fromkeys((sid, sid.upper())):
        found = service.get_study(candidate)
        if found is not None:
            return found.study_id
    raise ApiError(404, "unknown_study", f"No study with ID {sid} is in this collection. "
                                         "Search for one with GET /api/studies?q=...")


def validate_ask(body: AskRequest, service: AnswerService, max_chars: int) -> tuple[str, str | None, list[HistoryTurn]]:
    question = body.question.strip()
    problem = question_problem(question, max_chars)
    if problem:
        code = "empty_question" if problem.code == "empty" else "question_too_long"
        raise ApiError(422, code, problem.message, fields=[{"field": "question", "problem": problem.code}])
    history = recent_history(body.history)  # the one ask policy (assistant/ask_policy.py)
    i = long_turn(history)
    if i is not None:
        raise ApiError(422, "invalid_history", f"history[{i}].content is longer than {MAX_HISTORY_TURN_CHARS} "
                       "characters.", fields=[{"field": f"history.{i}.content", "problem": "too_long"}])
    return question, resolve_study(service, body.study_id), history


# ---------------------------------------------------------------- routes
ERRORS = {s: {"model": ErrorResponse} for s in (404, 422, 429)}
router = APIRouter()


@router.post("/api/ask", response_model=Answer, tags=["answers"], responses=ERRORS,
             summary="Ask a question; get the cited Answer")
def ask(body: AskRequest, request: Request, service: Service) -> Answer:
    # the rate limit was charged before the body was read (web.limits.RateGateMiddleware)
    question, study_id, history = validate_ask(body, service, request.app.state.settings.max_question_chars)
    return public_answer(service.ask(question, study_id=study_id, history=history))


@router.post("/api/ask/stream", tags=["answers"],
             summary="Ask a question; stream sources, tokens, then the Answer (server-sent events)",
             responses={**ERRORS, 200: {"description": "`text/event-stream`: `sources`, then `token`s, then "
                                        "`answer` (the full Answer JSON), or `error`.",
                                        "content": {"text/event-stream": {}}}})
async def ask_stream(body: AskRequest, request: Request, service: Service):
    question, study_id, history = await run_in_threadpool(
        validate_ask, body, service, request.app.state.settings.max_question_chars)
    events = public_events(service.stream(question, study_id=study_id, history=history))
    return StreamingResponse(answer_event_stream(events), media_type="text/event-stream", headers=SSE_HEADERS)


@router.get("/api/studies", response_model=StudyList, tags=["studies"], responses=ERRORS,
            summary="Find studies by NCT ID, title or acronym (for the study picker)")
def studies(service: Service, q: Annotated[str, Query(max_length=200, description="words of an ID, title or acronym")] = "",
            limit: Annotated[int, Query(ge=1, le=100)] = 20) -> StudyList:
    return StudyList(studies=service.list_studies(q.strip(), limit=limit))


@router.get("/api/studies/{study_id}", response_model=StudySummary, tags=["studies"], responses=ERRORS)
def study(study_id: str, service: Service) -> StudySummary:
    sid = resolve_study(service, study_id)
    found = service.get_study(sid) if sid else None
    if found is None:  # pragma: no cover - resolve_study raised already
        raise ApiError(404, "unknown_study", f"No study with ID {study_id}.")
    return found


@router.get("/api/widget/config", response_model=WidgetConfig, tags=["widget"], responses=ERRORS,
            summary="What the partner widget needs to start: the studies it is pinned to")
def widget_config(request: Request, service: Service,
                  study: Annotated[list[str], Query(description="study IDs (repeat or comma-separate)")] = []) -> WidgetConfig:  # noqa: B006
    wanted = [s.strip() for item in study for s in item.split(",") if s.strip()][:MAX_WIDGET_STUDIES]
    found, unknown = [], []
    for sid in wanted:
        try:
            canonical = resolve_study(service, sid)
        except ApiError:
            unknown.append(sid)
            continue
        summary = service.get_study(canonical) if canonical else None
        if summary and all(s.study_id != summary.study_id for s in found):
            found.append(summary)
    return WidgetConfig(studies=found, unknown=unknown, max_question_chars=request.app.state.settings.max_question_chars)


@router.get("/healthz", response_model=Health, tags=["ops"], responses={503: {"model": Health}})
def healthz(service: Service):
    """200 only when the study index answers now: a real round trip to the vector store, then the catalog."""
    try:
        check = getattr(service, "check_store", None)
        if check is not None:
            check()
        ok = bool(service.list_studies("", limit=1))
    except StoreUnavailable as e:
        log.warning("health check: %s", e)
        return JSONResponse({"status": "unavailable", "studies_available": False}, status_code=503,
                            headers={"Retry-After": str(STORE_RETRY_AFTER_S)})
    except Exception:
        log.exception("health check: listing studies failed")
        return JSONResponse({"status": "unavailable", "studies_available": False}, status_code=503)
    return Health(status="ok", studies_available=ok)


@router.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
def api_not_found(rest: str, request: Request):
    known = {"ask": "POST", "ask/stream": "POST", "studies": "GET", "widget/config": "GET"}
    if rest in known:
        return error_response(405, "method_not_allowed", f"Use {known[rest]} /api/{rest}.",
                              headers={"Allow": known[rest]})
    if rest.startswith("studies/") and request.method != "GET":
        return error_response(405, "method_not_allowed", "Use GET.", headers={"Allow": "GET"})
    return error_response(404, "not_found", f"No such endpoint: {request.method} /api/{rest}. See /docs.")
