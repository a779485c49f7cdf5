"""Bounded work per request, decided before any route reads or parses anything.

* ``BodyLimitMiddleware``: a body over ``max_request_bytes`` is answered ``413`` from its declared
  ``Content-Length`` (nothing is read), or as soon as a chunked body passes the limit (the route then
  sees a disconnect and its answer is dropped). Gradio's file-upload routes are refused outright: the
  chat takes text only, so there is nothing to upload.
* ``RateGateMiddleware``: every question (``POST`` to an answering route) is charged to the client's
  token bucket first, so a client over its limit gets ``429`` whatever it sends — validation, JSON
  parsing and answering are never done for it.
* ``client_key`` (``web.security``): a bucket per client address, the ASGI peer (``scope["client"]``).
  That address comes from ``X-Forwarded-For`` only when the peer is a proxy the operator named
  (``TRIALCHAT_TRUSTED_PROXIES``): ``app.create_app`` then installs uvicorn's ``ProxyHeadersMiddleware``
  for those proxies only, outside these middlewares, and ``trialchat serve`` turns uvicorn's own
  proxy-header handling off. Otherwise the peer itself is the client.
"""
from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.errors import error_response
from web.security import RateLimiter, client_key

# Gradio routes that store files; this app has no file component, so they are off
UPLOAD_PATHS = ("/gradio_api/upload", "/gradio_api/process_recording")
# routes where one request is one question (the chat's questions go through the limiter in its handler)
ANSWER_PATHS = ("/api/ask", "/api/ask/stream", "/v1/chat/completions")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int, upload_paths: Iterable[str] = UPLOAD_PATHS):
        self.app = app
        self.max_bytes = max(0, int(max_bytes))
        self.upload_paths = tuple(upload_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if path.startswith(self.upload_paths) and scope.get("method") not in ("GET", "HEAD", "OPTIONS"):
            await error_response(413, "uploads_disabled", "File uploads are turned off: this chat takes text "
                                 "questions only.")(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                await error_response(400, "invalid_request", "The Content-Length header is not a number.")(
                    scope, receive, send)
                return
            if size > self.max_bytes:
                await self._too_large(scope, receive, send)
                return

        received, refused, started = 0, False, False

        async def limited_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:  # a chunked (or lying) body: stop reading it here
                    refused = True
                    if not started:
                        await self._too_large(scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 went out; whatever the route says about the "disconnect" is dropped
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, limited_receive, guarded_send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        await error_response(413, "request_too_large",
                             f"The request body is larger than this server accepts ({self.max_bytes:,} bytes). "
                             "Send a shorter question or history.", headers={"Connection": "close"})(
            scope, receive, send)


class RateGateMiddleware:
    def __init__(self, app: ASGIApp, limiter: RateLimiter, paths: Iterable[str] = ANSWER_PATHS):
        self.app = app
        self.limiter = limiter
        self.paths = frozenset(paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") == "POST" and scope.get("path") in self.paths:
            client = scope.get("client")
            decision = self.limiter.hit(client_key(client[0] if client else None))
            if not decision.allowed:
                await error_response(429, "rate_limited", decision.message(), headers=decision.headers())(
                    scope, receive, send)
                return
        await self.app(scope, receive, send)
