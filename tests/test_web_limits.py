"""Bounded work (issue #10): a body limit answered before parsing, uploads off, the rate limit before
validation and on feedback, X-Forwarded-For believed only from named proxies, no server paths in
answers, a Permissions-Policy. Each test here failed before its fix."""
from __future__ import annotations

import socket

import httpx
import pytest
from conftest_web import (  # noqa: F401
    PINNED_STUDY,
    REPO,
    XSS_STUDY_ID,
    LiveServer,
    ServedApp,
    browser,
    page,
    partner_page_dir,
    partner_site,
    real_corpus,
    real_service,
    real_settings,
    served_app,
)
from fastapi.testclient import TestClient
from web_doubles import FakeAnswerService

from web.feedback import FeedbackStore
from web.public import public_source_file

ASK = {"question": "Who can join?", "study_id": "NCT02633163"}


@pytest.fixture()
def make_client(tmp_path):
    from app import create_app
    from trialchat.settings import Settings

    def make(**overrides):
        service = FakeAnswerService()
        return TestClient(create_app(Settings(data_dir=tmp_path, **overrides), service=service)), service
    return make


# ------------------------------------------------------------------ request bodies
def test_a_large_body_is_refused_before_it_is_parsed(make_client):
    client, service = make_client(max_request_bytes=10_000)
    # not even JSON: a 413, not a 422 — the body was never parsed
    r = client.post("/api/ask", content=b"{" * 20_000, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "request_too_large" and "10,000" in r.text
    # the same without a Content-Length (chunked): cut off once it passes the limit
    r = client.post("/api/ask", content=(b"x" * 4096 for _ in range(10)), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert service.calls == []
    assert client.post("/api/ask", json=ASK).status_code == 200  # a normal question is untouched


def test_a_huge_declared_body_is_answered_without_reading_it(served_app):
    """70 MB announced, 1 KB sent: the real server says 413 at once instead of waiting for (and
    buffering) the rest."""
    with socket.create_connection(("127.0.0.1", served_app.port), timeout=20) as s:
        s.sendall(b"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 70000000\r\n\r\n" + b"x" * 1024)
        reply = b""
        while b"request_too_large" not in reply and (data := s.recv(4096)):
            reply += data
        reply = reply.decode("latin-1")
    assert reply.startswith("HTTP/1.1 413") and "request_too_large" in reply


def test_uploads_are_turned_off(make_client):
    client, _ = make_client()
    for path in ("/gradio_api/upload", "/gradio_api/process_recording"):
        r = client.post(path, files={"files": ("notes.txt", b"hello " * 1000, "text/plain")})
        assert r.status_code == 413 and r.json()["error"]["code"] == "uploads_disabled", r.text


# ------------------------------------------------------------------ rate limit
def test_the_rate_limit_comes_before_validation(make_client):
    client, service = make_client(rate_limit_per_minute=2)
    assert client.post("/api/ask", json=ASK).status_code == 200
    assert client.post("/api/ask", json={"question": ""}).status_code == 422  # bad input costs a question too
    for body in ({"question": ""}, {"nonsense": True}):
        r = client.post("/api/ask", json=body)
        assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited", r.text
    r = client.post("/v1/chat/completions", content=b"not json", headers={"content-type": "application/json"})
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert len(service.calls) == 1


def test_forwarded_for_is_ignored_unless_the_proxy_is_named(real_corpus):
    """The real `trialchat serve` with no trusted proxy: a client cannot get a fresh bucket by sending a
    new X-Forwarded-For each time."""
    server = ServedApp(real_corpus, rate_limit_per_minute="2").start()
    try:
        codes = [httpx.post(server.url + "/api/ask", json={"question": "Who can join?", "study_id": PINNED_STUDY},
                            headers={"X-Forwarded-For": f"203.0.113.{i}"}, timeout=60).status_code for i in range(4)]
    finally:
        server.stop()
    assert codes == [200, 200, 429, 429]


def test_named_proxies_are_believed(tmp_path):
    from app import create_app
    from trialchat.settings import Settings

    settings = Settings(data_dir=tmp_path, rate_limit_per_minute=1, trusted_proxies=["127.0.0.0/8"])
    server = LiveServer(create_app(settings, service=FakeAnswerService())).start()
    try:
        def ask(forwarded: str) -> int:
            return httpx.post(server.url + "/api/ask", json=ASK, headers={"X-Forwarded-For": forwarded}).status_code
        # behind the proxy, each visitor has their own bucket; the proxy's own address is not the client
        assert [ask("198.51.100.1"), ask("198.51.100.2"), ask("198.51.100.1")] == [200, 200, 429]
        # a visitor's own X-Forwarded-For is not believed: the proxy appends the address it saw
        assert ask("198.51.100.1, 198.51.100.3") == 200 and ask("198.51.100.9, 198.51.100.3") == 429
    finally:
        server.stop()


def test_trusted_proxies_from_the_environment(monkeypatch):
    from trialchat.settings import Settings

    monkeypatch.setenv("TRIALCHAT_TRUSTED_PROXIES", "10.0.0.5, 172.16.0.0/12")
    assert Settings().trusted_proxies == ["10.0.0.5", "172.16.0.0/12"]
    monkeypatch.delenv("TRIALCHAT_TRUSTED_PROXIES")
    assert Settings().trusted_proxies == []


@pytest.mark.browser
def test_feedback_is_under_the_rate_limit(page, tmp_path):
    """Likes are rows in a table: a script clicking 👍/👎 in a loop gets the rate-limit message, not
    a row per click."""
    from app import create_app
    from trialchat.settings import Settings

    settings = Settings(data_dir=tmp_path, rate_limit_per_minute=3)
    server = LiveServer(create_app(settings, service=FakeAnswerService())).start()
    try:
        page.goto(server.url + "/?study=NCT02633163")
        page.locator("#tc-examples button").first.wait_for()  # the study is picked: the chat is wired
        page.locator("#tc-question textarea").fill("Who can join?")
        page.locator("#tc-question textarea").press("Enter")  # 1 of 3
        page.locator("#tc-chat .tc-answer").first.wait_for(timeout=60_000)
        note = page.locator("#tc-feedback-note")
        for label in ["Like", "Dislike"] * 3:  # 6 ratings; 2 questions' worth of budget left
            page.locator(f"#tc-chat button[aria-label='{label}']").last.click()
            page.wait_for_timeout(400)
        note.get_by_text("Too many").wait_for(timeout=20_000)
        rows = FeedbackStore(tmp_path / "feedback.sqlite3").all()
        assert len(rows) == 2, rows
    finally:
        server.stop()


# ------------------------------------------------------------------ what answers show
def test_answers_do_not_show_server_paths(served_app):
    """The hostile test study was ingested from an absolute temp path; its sources name the file relative
    to what was ingested (ingest stores it so; web.public.public_source_file strips what an older store
    kept absolute)."""
    r = httpx.post(served_app.url + "/api/ask", json={"question": "What is the study about?",
                                                      "study_id": XSS_STUDY_ID}, timeout=60)
    files = {s["source_file"] for s in r.json()["sources"] if s["study_id"] == XSS_STUDY_ID}
    assert files and all(f.endswith(f"{XSS_STUDY_ID}.json") and not f.startswith("/") for f in files), files
    stream = httpx.post(served_app.url + "/api/ask/stream", json={"question": "Who can join?",
                                                                   "study_id": XSS_STUDY_ID}, timeout=60).text
    assert '"source_file":"/' not in stream and str(served_app.log_path.parent) not in stream
    r = httpx.post(served_app.url + "/api/ask", json={"question": "Who can join?", "study_id": PINNED_STUDY}, timeout=60)
    files = {s["source_file"] for s in r.json()["sources"] if s["study_id"] == PINNED_STUDY}
    assert files and not any(f.startswith("/") or str(REPO) in f for f in files), files


def test_public_source_file():
    assert public_source_file("/srv/trials/2026/NCT1.json") == "NCT1.json"
    assert public_source_file("C:\\trials\\NCT1.xml") == "NCT1.xml"
    assert public_source_file("/srv/bundle.zip!studies/NCT1.json") == "bundle.zip!studies/NCT1.json"
    assert public_source_file("corpus/sample/NCT1.json") == "corpus/sample/NCT1.json"
    assert public_source_file("../../etc/NCT1.json") == "NCT1.json"
    assert public_source_file("") == ""


def test_permissions_policy_on_every_response(make_client):
    client, _ = make_client()
    for r in (client.get("/"), client.get("/healthz"), client.post("/api/ask", json=ASK), client.get("/docs")):
        policy = r.headers["permissions-policy"]
        assert "camera=()" in policy and "microphone=()" in policy and "geolocation=()" in policy


def test_quick_refusals_cost_nothing(make_client):
    """A 413, a 429 and a 403 each come back without the service being called (a sanity check on the
    order of the middlewares)."""
    client, service = make_client(rate_limit_per_minute=1, max_request_bytes=1000,
                                  allowed_origins=["https://partner.example"])
    assert client.post("/api/ask", json=ASK, headers={"Origin": "https://evil.example"}).status_code == 403
    assert client.post("/api/ask", content=b"x" * 5000).status_code == 413
    assert client.post("/api/ask", json=ASK).status_code == 200
    assert client.post("/api/ask", json=ASK).status_code == 429
    assert len(service.calls) == 1


def test_the_module_doc_names_only_what_exists():
    """web.limits's docstring lists its parts by name (``BodyLimitMiddleware``: …): each must be real, and
    the forwarded-address rule it states must be where it says (app.create_app, only for named proxies)."""
    import re

    import app
    from web import limits

    named = re.findall(r"^\* ``(\w+)``", limits.__doc__ or "", re.MULTILINE)
    assert {"BodyLimitMiddleware", "RateGateMiddleware", "client_key"} <= set(named)
    assert [n for n in named if not callable(getattr(limits, n, None))] == []
    source = open(app.__file__).read()
    assert "ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies" in source and "proxy_headers=False" in source
