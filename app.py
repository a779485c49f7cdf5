"""The composition root: one process serves the web chat (``/``), the partner widget
(``/widget.js``), the JSON API (``/api/...``, docs at ``/docs``), the OpenAI-compatible API (``/v1/...``)
and the MCP server (``/mcp``), all over the same answering service, built once here.

    trialchat serve [--host H] [--port P]      # or: python app.py
"""
from __future__ import annotations

import logging

from fastapi import FastAPI

from trialchat.settings import Settings

log = logging.getLogger("trialchat.web")

API_DESCRIPTION = """Answers questions about clinical trials from the studies' own records. Every claim in an
answer cites the exact source field (`study_id`, `field_path`, `field_label`) and quotes its words.

* `POST /api/ask` returns the whole `Answer`; `POST /api/ask/stream` streams server-sent events:
  `sources` (as soon as retrieval is done), `token`s, then `answer` (the verified `Answer`), or `error`.
* `GET /api/studies?q=` finds studies by NCT ID, title or acronym.
* `/mcp`: the same answers and study records for MCP clients (streamable HTTP; tools `search_studies`, `ask`,
  `study_facts`; resources `trialchat://studies/{study_id}`).
* `POST /v1/chat/completions` and `GET /v1/models`: the same answers for OpenAI clients (the `openai` SDK,
  Open WebUI, LibreChat, LangChain's `ChatOpenAI`), as the model `trialchat` (or `trialchat:<study ID>`).
* Errors are JSON `{"error": {"code", "message", "type", "param"}}` (OpenAI's error object) with a 4xx
  status for bad input; 413 for a body over the limit; 429 when a client asks too often (see `Retry-After`).

This is information from the study records, not medical advice."""


def create_app(settings: Settings | None = None, service=None) -> FastAPI:
    """Build the whole web app. ``service`` defaults to the real answering service
    (``assistant.service.build_answer_service(settings)``); pass one to reuse an already built service."""
    import gradio as gr

    from web import api, openai_api, widget
    from web.chat_ui import build_chat_ui, chat_css, chat_js
    from web.docs import offline_docs_app
    from web.feedback import FeedbackStore
    from web.limits import BodyLimitMiddleware, RateGateMiddleware
    from web.mcp_server import build_mcp, mount_mcp, records_of
    from web.security import RateLimiter, install_security

    settings = settings or Settings()
    if service is None:
        from assistant.service import build_answer_service

        service = build_answer_service(settings)

    app = offline_docs_app(title="trialchat", version=_version(), description=API_DESCRIPTION,
                           openapi_tags=[{"name": "answers"}, {"name": "studies"}, {"name": "openai"},
                                         {"name": "widget"}, {"name": "ops"}])
    app.state.settings = settings
    app.state.service = service
    app.state.limiter = RateLimiter(settings.rate_limit_per_minute)
    app.state.feedback = FeedbackStore(settings.data_dir / "feedback.sqlite3")
    # middlewares, innermost first (each add_middleware wraps the ones before): a question is charged to
    # the rate limit, a body is bounded, CORS is answered, a foreign origin is refused, and before all of
    # it the client address is taken from X-Forwarded-For only when a trusted proxy sent it
    app.add_middleware(RateGateMiddleware, limiter=app.state.limiter)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_request_bytes)
    install_security(app, settings.allowed_origins)
    if settings.trusted_proxies:
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    api.install_error_handlers(app)
    app.include_router(widget.router)
    app.include_router(openai_api.router)
    app.include_router(api.router)  # its /api/{rest} catch-all must stay the last /api route
    # the MCP server at /mcp (streamable HTTP), before the chat claims "/"; `trialchat mcp` serves it on stdio
    mount_mcp(app, build_mcp(service, records=records_of(service), limiter=app.state.limiter,
                             max_question_chars=settings.max_question_chars, version=_version()))

    blocks = build_chat_ui(service, limiter=app.state.limiter, feedback=app.state.feedback,
                           max_question_chars=settings.max_question_chars)
    blocks.queue(default_concurrency_limit=8)
    # max_file_size=0: Gradio's own check, behind BodyLimitMiddleware's refusal of its upload routes
    gr.mount_gradio_app(app, blocks, path="/", css=chat_css(), js=chat_js(), footer_links=[], run_history=False,
                        show_error=False,
                        max_file_size=0,
                        theme=gr.themes.Soft(font=["system-ui", "sans-serif"],
                                              font_mono=["ui-monospace", "monospace"]))
    return app


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("trialchat")
    except Exception:
        return "0.1.0"


def serve(settings: Settings | None = None) -> None:
    import uvicorn

    settings = settings or Settings()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = create_app(settings)
    import threading  # the router trains while uvicorn starts, so the first question does not wait for it

    warm_up = getattr(app.state.service, "warm_up", None)
    if warm_up:
        threading.Thread(target=warm_up, name="warm-up", daemon=True).start()
    print(f"trialchat: chat on http://{settings.host}:{settings.port}/  ·  API docs /docs  ·  widget /widget.js",
          flush=True)
    # proxy headers are handled in the app, for TRIALCHAT_TRUSTED_PROXIES only (uvicorn's own default would
    # believe X-Forwarded-For from any loopback peer)
    uvicorn.run(app, host=settings.host, port=settings.port, proxy_headers=False, log_level="info")


if __name__ == "__main__":
    serve(Settings())
