"""Who may talk to the server, and how often.

* CORS only for the configured partner origins (``TRIALCHAT_ALLOWED_ORIGINS``).
* A request that carries an ``Origin`` header from anywhere else is refused with 403 before it
  reaches a handler (browsers send ``Origin`` on every cross-origin fetch), so a page that is not a
  partner gets nothing, not even a computed answer it cannot read.
* ``Content-Security-Policy: frame-ancestors 'self' <partners>`` on every HTML page: only we and
  the partners may frame the chat.
  The refusal itself carries ``Access-Control-Allow-Origin`` (it holds nothing but the reason), so
  the widget on such a page can read it and say what is wrong instead of a bare "Failed to fetch".
* ``Permissions-Policy`` turns off the browser features the chat never uses (camera, microphone, …).
* A per-client token bucket for questions (``rate_limit_per_minute``), with a readable message.
"""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.errors import error_response

# paths that any page may load with a plain <script>/<link> tag (no Origin header is sent then,
# but a page using crossorigin="anonymous" would send one)
PUBLIC_ASSET_PATHS = ("/widget.js",)
GUARDED_PREFIXES = ("/api/", "/gradio_api/", "/v1/", "/mcp")  # /mcp: the MCP server (web/mcp_server.py)
# features no page of ours uses: a partner framing the chat cannot turn them on through it
PERMISSIONS_POLICY = b"camera=(), microphone=(), geolocation=(), payment=(), usb=(), display-capture=()"


def normalize_origin(origin: str) -> str:
    """``https://Partner.org:443/`` → ``https://partner.org``; ``*`` stays ``*``."""
    origin = origin.strip()
    if origin == "*":
        return origin
    parts = urlsplit(origin)
    if not parts.scheme or not parts.netloc:
        raise ValueError(f"not an origin (scheme://host[:port]): {origin!r}")
    host = parts.hostname or ""
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    port = f":{parts.port}" if parts.port and parts.port != default_port else ""
    return f"{parts.scheme.lower()}://{host.lower()}{port}"


def normalize_origins(origins: Iterable[str]) -> list[str]:
    out: list[str] = []
    for o in origins:
        for piece in str(o).split(","):  # tolerate "a,b" in one entry
            if piece.strip():
                n = normalize_origin(piece)
                if n not in out:
                    out.append(n)
    return out


class OriginPolicy:
    def __init__(self, allowed: Iterable[str]):
        self.allowed = normalize_origins(allowed)
        self.allow_all = "*" in self.allowed

    def allows(self, origin: str, host_header: str) -> bool:
        if self.allow_all:
            return True
        try:
            norm = normalize_origin(origin)
        except ValueError:
            return False  # "null" (sandboxed iframes, file://) and garbage
        if norm in self.allowed:
            return True
        # same origin: our own pages calling our own API
        return urlsplit(norm).netloc == host_header.lower() or _same_host_port(norm, host_header)

    def frame_ancestors(self) -> str:
        if self.allow_all:
            return "frame-ancestors *"
        return " ".join(["frame-ancestors 'self'", *self.allowed])


def _same_host_port(origin: str, host_header: str) -> bool:
    parts = urlsplit(origin)
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    return f"{parts.hostname}:{parts.port or default_port}" == host_header.lower()


class OriginGuardMiddleware:
    """403 for API (and Gradio API) requests whose ``Origin`` is neither ours nor a partner's;
    adds the ``frame-ancestors`` policy (HTML) and the same safe headers (``nosniff``, ``Referrer-Policy``,
    ``Permissions-Policy``) to every response, that 403 included."""

    def __init__(self, app: ASGIApp, policy: OriginPolicy):
        self.app = app
        self.policy = policy
        self.csp = policy.frame_ancestors().encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        origin = headers.get("origin")
        path = scope.get("path", "")
        # our own host as the browser sees it: Host, or X-Forwarded-Host behind a proxy that rewrites Host
        # (a page cannot make a browser send that header cross-origin without a preflight, which is refused)
        own_hosts = [headers.get("host", ""), headers.get("x-forwarded-host", "").split(",")[0].strip()]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", []))
                names = {k.lower() for k, _ in raw}
                ctype = next((v for k, v in raw if k.lower() == b"content-type"), b"")
                if ctype.startswith(b"text/html") and b"content-security-policy" not in names:
                    raw.append((b"content-security-policy", self.csp))
                if b"x-content-type-options" not in names:
                    raw.append((b"x-content-type-options", b"nosniff"))
                if b"referrer-policy" not in names:
                    raw.append((b"referrer-policy", b"strict-origin-when-cross-origin"))
                if b"permissions-policy" not in names:
                    raw.append((b"permissions-policy", PERMISSIONS_POLICY))
                message = {**message, "headers": raw}
            await send(message)

        if (origin is not None and path.startswith(GUARDED_PREFIXES) and path not in PUBLIC_ASSET_PATHS
                and not any(self.policy.allows(origin, h) for h in own_hosts if h)):
            headers = {"Vary": "Origin"}
            if scope.get("method") != "OPTIONS":  # a refused preflight stays opaque: the request is never sent
                headers["Access-Control-Allow-Origin"] = origin
            response = error_response(
                403, "origin_not_allowed", f"This site ({origin}) is not allowed to use the trialchat API. "
                "Ask the trialchat operator to add it to TRIALCHAT_ALLOWED_ORIGINS.", headers=headers)
            await response(scope, receive, send_with_headers)  # the same security headers as any response
            return

        await self.app(scope, receive, send_with_headers)


def install_security(app: FastAPI, allowed_origins: Iterable[str]) -> OriginPolicy:
    policy = OriginPolicy(allowed_origins)
    # added last = outermost: the guard runs before CORS, CORS answers preflights for partners
    app.add_middleware(
        CORSMiddleware,
        allow_origins=policy.allowed,
        allow_methods=["GET", "POST"],
        # the Mcp-* headers: a partner page's own MCP client (streamable HTTP sends them on every request)
        allow_headers=["Content-Type", "Mcp-Protocol-Version", "Mcp-Session-Id", "Mcp-Method", "Mcp-Name"],
        expose_headers=["Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "Mcp-Session-Id"],
        allow_credentials=False,
        max_age=600,
    )
    app.add_middleware(OriginGuardMiddleware, policy=policy)
    return policy


@dataclass
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # seconds until one more request is allowed (0 when allowed)

    def message(self) -> str:
        return (f"Too many questions from your connection: the limit is {self.limit} per minute. "
                f"Please wait {self.retry_after} second{'s' if self.retry_after != 1 else ''} and try again.")

    def headers(self) -> dict[str, str]:
        h = {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining)}
        if not self.allowed:
            h["Retry-After"] = str(self.retry_after)
        return h


class RateLimiter:
    """Token bucket per client key: ``per_minute`` tokens, refilled continuously. In memory, one
    process (the app runs as one process); old idle buckets are dropped so memory stays bounded."""

    MAX_KEYS = 50_000

    def __init__(self, per_minute: int, clock=time.monotonic):
        self.per_minute = max(0, int(per_minute))
        self.rate = self.per_minute / 60.0
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last time)
        self._lock = threading.Lock()

    def hit(self, key: str) -> RateDecision:
        if self.per_minute <= 0:  # 0 = unlimited
            return RateDecision(True, 0, 0, 0)
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                tokens -= 1.0
                self._buckets[key] = (tokens, now)
                decision = RateDecision(True, self.per_minute, int(tokens), 0)
            else:
                self._buckets[key] = (tokens, now)
                decision = RateDecision(False, self.per_minute, 0, max(1, math.ceil((1.0 - tokens) / self.rate)))
            if len(self._buckets) > self.MAX_KEYS:
                self._prune(now)
        return decision

    def _prune(self, now: float) -> None:
        full_after = 60.0  # an idle minute refills any bucket: forgetting it changes nothing
        for key in [k for k, (_, last) in self._buckets.items() if now - last > full_after]:
            del self._buckets[key]


def client_key(host: str | None) -> str:
    return host or "unknown"
