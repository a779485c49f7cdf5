"""Who may use the server and how often; nothing from a document or an answer runs as markup."""
from __future__ import annotations

import pytest
from conftest_web import browser, live_app, other_site, page, partner_page_dir, partner_site, real_corpus, real_service  # noqa: F401
from fastapi.testclient import TestClient
from web_doubles import XSS_TITLE, FakeAnswerService

from assistant.types import Answer, Citation, Source
from web import render
from web.feedback import FeedbackStore
from web.security import OriginPolicy, RateLimiter, normalize_origin, normalize_origins

PARTNER = "https://partner.example"


@pytest.fixture()
def make_client(tmp_path):
    from app import create_app
    from trialchat.settings import Settings

    def make(**overrides):
        settings = Settings(data_dir=tmp_path, **{"allowed_origins": [PARTNER], **overrides})
        service = FakeAnswerService()
        return TestClient(create_app(settings, service=service)), service
    return make


# ------------------------------------------------------------------ origins, CORS, framing
def test_origin_normalisation():
    assert normalize_origin("HTTPS://Partner.Example:443/") == "https://partner.example"
    assert normalize_origin("http://127.0.0.1:8080") == "http://127.0.0.1:8080"
    assert normalize_origins(["https://a.org, https://b.org", "https://a.org"]) == ["https://a.org", "https://b.org"]
    with pytest.raises(ValueError):
        normalize_origin("partner.example")
    policy = OriginPolicy([PARTNER])
    assert policy.allows("https://partner.example", "api.example")
    assert policy.allows("https://api.example", "api.example")  # same origin
    assert not policy.allows("https://evil.example", "api.example")
    assert not policy.allows("null", "api.example")
    assert policy.frame_ancestors() == "frame-ancestors 'self' https://partner.example"


def test_allowed_origins_from_the_environment(monkeypatch):
    from trialchat.settings import Settings

    monkeypatch.setenv("TRIALCHAT_ALLOWED_ORIGINS", "https://a.org, https://b.org:8443")
    assert Settings().allowed_origins == ["https://a.org", "https://b.org:8443"]
    monkeypatch.setenv("TRIALCHAT_ALLOWED_ORIGINS", '["https://a.org"]')
    assert Settings().allowed_origins == ["https://a.org"]


def test_own_pages_behind_a_proxy_are_same_origin(make_client):
    client, _ = make_client()
    r = client.get("/api/studies", headers={"Origin": "https://trials.example.org", "Host": "127.0.0.1:7860",
                                            "X-Forwarded-Host": "trials.example.org"})
    assert r.status_code == 200


def test_partner_origin_gets_cors(make_client):
    client, _ = make_client()
    pre = client.options("/api/ask/stream", headers={"Origin": PARTNER, "Access-Control-Request-Method": "POST",
                                                     "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == PARTNER
    r = client.post("/api/ask", json={"question": "Who can join?", "study_id": "NCT02633163"}, headers={"Origin": PARTNER})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == PARTNER


@pytest.mark.parametrize("origin", ["https://evil.example", "http://partner.example", "https://partner.example.evil.com",
                                    "null"])
def test_other_origins_are_refused_before_any_work(make_client, origin):
    client, service = make_client()
    pre = client.options("/api/ask", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 403 and "access-control-allow-origin" not in pre.headers
    for method, path, kw in [("post", "/api/ask", {"json": {"question": "Who can join?"}}),
                             ("post", "/api/ask/stream", {"json": {"question": "Who can join?"}}),
                             ("get", "/api/widget/config?study=NCT02633163", {}), ("get", "/api/studies", {})]:
        r = getattr(client, method)(path, headers={"Origin": origin}, **kw)
        assert r.status_code == 403 and r.json()["error"]["code"] == "origin_not_allowed"
        # the refusal (and only it) is readable by that page, so the widget can say why it cannot work there
        assert r.headers["access-control-allow-origin"] == origin and origin in r.json()["error"]["message"]
    assert service.calls == []  # nothing was answered for them


def test_refusals_carry_the_same_security_headers_as_answers(make_client):
    """The origin guard's own 403 (and its refused preflight), a 413, a 429 and a 404 carry every header
    a normal answer does — Permissions-Policy included."""
    client, _ = make_client(rate_limit_per_minute=1, max_request_bytes=1000)
    ok = {"question": "Who can join?", "study_id": "NCT02633163"}
    answered = client.post("/api/ask", json=ok)
    assert answered.status_code == 200
    security = ("permissions-policy", "x-content-type-options", "referrer-policy")
    expected = {h: answered.headers[h] for h in security}
    evil = {"Origin": "https://evil.example"}
    refusals = [
        (403, client.post("/api/ask", json=ok, headers=evil)),
        (403, client.options("/api/ask", headers={**evil, "Access-Control-Request-Method": "POST"})),
        (403, client.post("/v1/chat/completions", json={}, headers=evil)),
        (413, client.post("/api/ask", content=b"x" * 5000)),
        (429, client.post("/api/ask", json=ok)),
        (404, client.get("/api/nothing-here")),
    ]
    for status, r in refusals:
        assert r.status_code == status
        assert {h: r.headers.get(h) for h in security} == expected, (status, r.request.method, r.request.url)


def test_server_to_server_calls_without_origin_work(make_client):
    client, _ = make_client(allowed_origins=[])
    assert client.post("/api/ask", json={"question": "Who can join?", "study_id": "NCT02633163"}).status_code == 200


def test_framing_is_limited_to_partners(make_client):
    client, _ = make_client()
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-security-policy"] == f"frame-ancestors 'self' {PARTNER}"
    assert r.headers["x-content-type-options"] == "nosniff"
    client2, _ = make_client(allowed_origins=[])
    assert client2.get("/").headers["content-security-policy"] == "frame-ancestors 'self'"


def test_widget_script_is_public_and_small(make_client):
    client, _ = make_client()
    r = client.get("/widget.js", headers={"Origin": "https://anyone.example"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/javascript")
    # light: no bundle in the partner's page (~20 KB since the accessibility work: a log region, focus
    # handling, contrast for any partner colour, reduced motion; about 7 KB gzipped)
    assert len(r.content) < 24_000
    for risky in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert risky not in r.text


def test_the_widget_can_only_ask(make_client):
    """No ingest, admin or feedback routes exist over HTTP at all."""
    client, _ = make_client()
    paths = set(client.get("/openapi.json").json()["paths"])
    assert not any(w in p for p in paths for w in ("ingest", "admin", "feedback", "export", "delete"))
    for path in ["/api/ingest", "/api/admin", "/api/feedback", "/api/feedback/export"]:
        assert client.post(path, json={}).status_code == 404
        assert client.get(path).status_code == 404


# ------------------------------------------------------------------ rate limit
def test_token_bucket():
    now = [0.0]
    limiter = RateLimiter(3, clock=lambda: now[0])
    assert [limiter.hit("a").allowed for _ in range(4)] == [True, True, True, False]
    assert limiter.hit("b").allowed  # per client
    d = limiter.hit("a")
    assert not d.allowed and d.retry_after == 20 and "3 per minute" in d.message() and "20 seconds" in d.message()
    now[0] = 20.0  # one token back after 60/3 s
    assert limiter.hit("a").allowed and not limiter.hit("a").allowed
    assert RateLimiter(0).hit("x").allowed  # 0 = unlimited


def test_rate_limit_answers_429_with_a_clear_message(make_client):
    client, service = make_client(rate_limit_per_minute=2)
    ok = {"question": "Who can join?", "study_id": "NCT02633163"}
    assert client.post("/api/ask", json=ok).status_code == 200
    assert client.post("/api/ask/stream", json=ok).status_code == 200
    r = client.post("/api/ask", json=ok)
    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"
    assert "2 per minute" in r.json()["error"]["message"] and int(r.headers["retry-after"]) >= 1
    assert len(service.calls) == 2
    # over the limit, even bad input gets the 429: nothing is parsed or validated for that client
    assert client.post("/api/ask", json={"question": ""}).status_code == 429
    # other clients are not affected (uvicorn sets client from X-Forwarded-For only behind a trusted proxy;
    # TestClient lets us set the client address directly)
    other = TestClient(client.app, client=("10.0.0.9", 5000))
    assert other.post("/api/ask", json=ok).status_code == 200


# ------------------------------------------------------------------ escaping
def test_answers_and_documents_are_escaped():
    src = Source(chunk_id="c1", text="Brief summary\n<script>alert(1)</script> and <b>x</b>", study_id="NCT09999999",
                 study_title=XSS_TITLE, field_path="protocolSection.descriptionModule.briefSummary",
                 field_label="Brief summary", source_url="javascript:alert(1)")
    cite = Citation(n=1, study_id="NCT09999999", field_path=src.field_path, field_label="<i>label</i>",
                    quote="<script>alert(1)</script>", source_url="javascript:alert(1)", chunk_id="c1")
    answer = Answer(text='<img src=x onerror=alert(1)> says "hi" [1]', status="answered", citations=[cite], sources=[src])
    html = render.answer_html(answer) + render.sources_html([src], {"c1"})
    assert "<script>" not in html and "<img" not in html and "<b>x" not in html and "<i>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<mark>&lt;script&gt;alert(1)&lt;/script&gt;</mark>" in html
    assert "javascript:" not in html  # never a link to anything but http(s)
    from assistant.protocols import StudySummary
    card = render.study_card_html(StudySummary(study_id="NCT09999999", title=XSS_TITLE, source_url='https://x.org/"onmouseover=1'))
    assert "<img" not in card and "onmouseover" not in card


def test_highlight_finds_the_quote_in_the_field_text():
    text = "Inclusion Criteria:\n* adults aged 18 to 65\n* able to consent"
    out = render.highlight(text, "Adults  aged 18 to 65")
    assert "<mark>adults aged 18 to 65</mark>" in out and "Inclusion Criteria:" in out
    assert render.safe_url("https://clinicaltrials.gov/study/NCT1") and not render.safe_url("data:text/html,x")


# ------------------------------------------------------------------ feedback store
def test_feedback_is_stored_server_side(tmp_path):
    store = FeedbackStore(tmp_path / "fb" / "feedback.sqlite3")
    fid = store.record(session_id="s1", rating=-1, question="Who?", answer="Adults [1]", study_id="NCT1",
                       citations=[{"n": 1, "quote": "adults"}])
    assert not store.add_comment(fid, "someone-else", "hijack")  # only the session that rated
    assert store.add_comment(fid, "s1", "  The age range is wrong.  ")
    [row] = store.all()
    assert row["rating"] == -1 and row["comment"] == "The age range is wrong." and row["study_id"] == "NCT1"
    with pytest.raises(ValueError):
        store.record(session_id="s1", rating=5)


# ------------------------------------------------------------------ framing, in a real browser
@pytest.mark.browser
def test_chat_cannot_be_framed_by_other_sites(page, live_app, partner_site, other_site, partner_page_dir):
    (partner_page_dir / "frame.html").write_text(
        f'<!doctype html><title>frame</title><iframe id="f" src="{live_app.url}/" width="800" height="600"></iframe>')
    # a site that is not a partner: Chromium refuses to render the chat in the frame (an error page instead)
    with page.expect_event("console", lambda m: "frame-ancestors" in m.text, timeout=20_000):
        page.goto(f"{other_site.origin}/frame.html")
    assert page.frame_locator("#f").locator("#tc-question").count() == 0
    # the partner may frame it
    page.goto(f"{partner_site.origin}/frame.html")
    page.frame_locator("#f").locator("#tc-question textarea").wait_for(timeout=30_000)
