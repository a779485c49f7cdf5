"""One error shape for every route — the JSON API, the OpenAI-compatible API and the middlewares that
refuse a request before it reaches a route (origin, body size, rate limit)::

    {"error": {"message": "...", "type": "invalid_request_error", "param": null, "code": "...", "fields"?: [...]}}

It is OpenAI's error object (so the ``openai`` SDK and the tools built on it show ``message``), and
``code`` + ``message`` are what our own clients (the widget, the chat) read.
"""
from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

# OpenAI's ``type`` for each status (the SDK maps the status to its exception class; ``type`` is informative)
_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
          404: "invalid_request_error", 405: "invalid_request_error", 413: "invalid_request_error",
          422: "invalid_request_error", 429: "requests"}


def error_type(status: int) -> str:
    return _TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")


def error_body(status: int, code: str, message: str, fields: list[dict[str, Any]] | None = None,
               param: str | None = None) -> dict[str, Any]:
    err: dict[str, Any] = {"message": message, "type": error_type(status), "param": param, "code": code}
    if fields:
        err["fields"] = fields
    return {"error": err}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None,
                   fields: list[dict[str, Any]] | None = None, param: str | None = None) -> JSONResponse:
    return JSONResponse(error_body(status, code, message, fields, param), status_code=status, headers=headers)
