"""``/docs`` renders with the network off: a real browser whose every request to anything
but the app's own host is aborted (and recorded). Before the fix Swagger UI came from a CDN and the page
stayed blank."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from conftest_web import browser, live_app, page, partner_page_dir, partner_site, real_corpus, real_service  # noqa: F401

pytestmark = pytest.mark.browser


def offline(page, app_url: str) -> list[str]:
    """Cut the page off from everything but the app; returns the list of requests that tried to leave."""
    own = urlsplit(app_url).netloc
    left: list[str] = []

    def route(r):
        if urlsplit(r.request.url).netloc == own:
            r.continue_()
        else:
            left.append(r.request.url)
            r.abort("internetdisconnected")
    page.context.route("**/*", route)
    return left


def test_swagger_ui_renders_offline(page, live_app):
    left = offline(page, live_app.url)
    page.goto(live_app.url + "/docs")
    page.locator(".swagger-ui .info .title", has_text="trialchat").wait_for(timeout=30_000)
    for path in ("/api/ask", "/api/ask/stream", "/v1/chat/completions", "/v1/models"):
        assert page.locator(f".opblock-summary-path[data-path='{path}']").count() == 1, path
    # try one out, as a reader of the docs would: the operation's panel opens with its schema
    page.locator(".opblock-summary-path[data-path='/api/ask']").click()
    page.get_by_text("AskRequest").first.wait_for()
    assert left == [], left
