"""JSON API contract: every endpoint and every error, first over a test double (fast, exact), then
over the real service and the ingested sample corpus (extractive answers: real retrieval, real
citations), including 20 concurrent sessions that must each get their own study's answer."""
from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from conftest_web import live_app, partner_page_dir, partner_site, real_corpus, real_service  # noqa: F401
from fastapi.testclient import TestClient
from web_doubles import FakeAnswerService


@pytest.fixture(scope="module")
def fake():
    return FakeAnswerService()


@pytest.fixture(scope="module")
def client(fake, tmp_path_factory):
    from app import create_app
    from trialchat.settings import Settings

    settings = Settings(data_dir=tmp_path_factory.mktemp("api"), allowed_origins=["https://partner.example"],
                        rate_limit_per_minute=1000, max_question_chars=200)
    with TestClient(create_app(settings, service=fake)) as c:
        yield c


def parse_sse(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.split("\n\n"):
        kind, data = None, ""
        for line in block.splitlines():
            if line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:"):
                data += line[5:].strip()
        if kind:
            events.append((kind, json.loads(data)))
    return events


def assert_error(r: httpx.Response, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["error"]["code"] == code, body
    assert body["error"]["message"]
    assert "Traceback" not in r.text and 'File "' not in r.text
    return body["error"]


# ------------------------------------------------------------------ contract (test double)
def test_ask_returns_the_answer_as_json(client):
    r = client.post("/api/ask", json={"question": "What does masking mean?", "study_id": "NCT02633163"})
    assert r.status_code == 200
    a = r.json()
    assert set(a) >= {"text", "status", "citations", "sources", "study_id"}
    assert a["status"] == "answered" and a["study_id"] == "NCT02633163"
    c = a["citations"][0]
    assert set(c) >= {"n", "study_id", "field_path", "field_label", "quote", "source_url"}
    assert c["field_path"] == "protocolSection.designModule.designInfo.maskingInfo"


def test_ask_study_id_is_case_insensitive_and_history_is_passed(client, fake):
    history = [{"role": "user", "content": "Who can join?"}, {"role": "assistant", "content": "Adults [1]."}]
    r = client.post("/api/ask", json={"question": "And where?", "study_id": " nct02633163 ", "history": history})
    assert r.status_code == 200 and r.json()["study_id"] == "NCT02633163"
    call = fake.calls[-1]
    assert call["study_id"] == "NCT02633163" and [t.content for t in call["history"]] == ["Who can join?", "Adults [1]."]


def test_stream_sends_sources_then_tokens_then_answer(client):
    with client.stream("POST", "/api/ask/stream", json={"question": "Who can join?", "study_id": "NCT02633163"}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["cache-control"].startswith("no-cache")
        text = "".join(r.iter_text())
    events = parse_sse(text)
    kinds = [k for k, _ in events]
    assert kinds[0] == "sources" and kinds[-1] == "answer" and set(kinds[1:-1]) == {"token"}
    streamed = "".join(d["text"] for k, d in events if k == "token")
    final = events[-1][1]["answer"]
    assert streamed == final["text"] and final["citations"]
    assert events[0][1]["sources"][0]["study_id"] == "NCT02633163"


def test_stream_failure_is_reported_in_band_without_details(tmp_path):
    from app import create_app
    from trialchat.settings import Settings

    app = create_app(Settings(data_dir=tmp_path), service=FakeAnswerService(fail_on="explode"))
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.post("/api/ask/stream", json={"question": "please explode"})
        events = parse_sse(r.text)
        assert events[-1][0] == "error" and "boom" not in r.text and "Traceback" not in r.text
        r = c.post("/api/ask", json={"question": "please explode"})
        assert_error(r, 500, "internal_error")
        assert "boom" not in r.text


@pytest.mark.parametrize("path", ["/api/ask", "/api/ask/stream"])
@pytest.mark.parametrize("body,status,code", [
    ({}, 422, "invalid_request"),                                   # missing question
    ({"question": ""}, 422, "empty_question"),
    ({"question": "   \n "}, 422, "empty_question"),
    ({"question": "x" * 201}, 422, "question_too_long"),             # over max_question_chars
    ({"question": 42}, 422, "invalid_request"),
    ({"question": "Who?", "study_id": "NCT00000000"}, 404, "unknown_study"),
    ({"question": "Who?", "study_id": "<script>"}, 422, "invalid_study_id"),
    ({"question": "Who?", "history": "not a list"}, 422, "invalid_request"),
    ({"question": "Who?", "history": [{"role": "system", "content": "x"}]}, 422, "invalid_request"),
    ({"question": "Who?", "history": [{"content": "x"}]}, 422, "invalid_request"),
    ({"question": "Who?", "history": [{"role": "user", "content": "x" * 9000}]}, 422, "invalid_history"),
    ({"question": "Who?", "studyId": "NCT02633163"}, 422, "invalid_request"),  # unknown field: say so
])
def test_bad_input_gets_a_clear_4xx(client, path, body, status, code):
    err = assert_error(client.post(path, json=body), status, code)
    if code == "invalid_request":
        assert err["fields"] and err["fields"][0]["field"]


def test_error_messages_name_the_problem(client):
    assert "required" in client.post("/api/ask", json={}).json()["error"]["message"]
    assert "200" in client.post("/api/ask", json={"question": "x" * 201}).json()["error"]["message"]
    msg = client.post("/api/ask", json={"question": "a", "history": [{"role": "bot", "content": "x"}]}).json()
    assert "history" in msg["error"]["message"]


@pytest.mark.parametrize("raw,ctype", [(b"{not json", "application/json"), (b"[1, 2]", "application/json"),
                                       (b"", "application/json"), (b"question=hi", "application/x-www-form-urlencoded")])
def test_malformed_bodies(client, raw, ctype):
    r = client.post("/api/ask", content=raw, headers={"content-type": ctype})
    assert_error(r, 422, "invalid_request")


def test_long_history_is_trimmed_not_refused(client, fake):
    history = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"turn {i}"} for i in range(50)]
    r = client.post("/api/ask", json={"question": "Who can join?", "study_id": "NCT02633163", "history": history})
    assert r.status_code == 200
    assert len(fake.calls[-1]["history"]) == 20 and fake.calls[-1]["history"][-1].content == "turn 49"


def test_studies_search_for_the_picker(client):
    assert [s["study_id"] for s in client.get("/api/studies", params={"q": "nct026"}).json()["studies"]] == ["NCT02633163"]
    assert [s["study_id"] for s in client.get("/api/studies", params={"q": "dexsleep"}).json()["studies"]] == ["NCT02633163"]
    assert [s["study_id"] for s in client.get("/api/studies", params={"q": "sleep after"}).json()["studies"]] == ["NCT02633163"]
    everything = client.get("/api/studies", params={"limit": 5}).json()["studies"]
    assert len(everything) == 5 and set(everything[0]) >= {"study_id", "title", "acronym", "source_url"}
    assert client.get("/api/studies", params={"q": "zzzz"}).json() == {"studies": []}
    assert_error(client.get("/api/studies", params={"limit": 0}), 422, "invalid_request")
    assert_error(client.get("/api/studies", params={"limit": "many"}), 422, "invalid_request")
    assert_error(client.get("/api/studies", params={"q": "x" * 201}), 422, "invalid_request")


def test_one_study(client):
    assert client.get("/api/studies/NCT02633163").json()["acronym"] == "DEXSLEEP"
    assert_error(client.get("/api/studies/NCT00000000"), 404, "unknown_study")


def test_widget_config(client):
    r = client.get("/api/widget/config", params=[("study", "NCT02633163,NCT05000001"), ("study", "NCT00000000")])
    body = r.json()
    assert [s["study_id"] for s in body["studies"]] == ["NCT02633163", "NCT05000001"]
    assert body["unknown"] == ["NCT00000000"] and body["max_question_chars"] == 200 and "medical advice" in body["notice"]


def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok", "studies_available": True}


def test_unknown_routes_and_methods_are_json(client):
    assert_error(client.get("/api/ask"), 405, "method_not_allowed")
    assert client.get("/api/ask").headers["allow"] == "POST"
    assert_error(client.post("/api/studies"), 405, "method_not_allowed")
    assert_error(client.get("/api/nothing-here"), 404, "not_found")


def test_openapi_documents_every_endpoint(client):
    spec = client.get("/openapi.json").json()
    assert set(spec["paths"]) == {"/api/ask", "/api/ask/stream", "/api/studies", "/api/studies/{study_id}",
                                  "/api/widget/config", "/healthz", "/v1/chat/completions", "/v1/models",
                                  "/v1/models/{model}"}
    assert "ChatCompletionRequest" in spec["components"]["schemas"]
    assert "AskRequest" in spec["components"]["schemas"] and "Answer" in spec["components"]["schemas"]
    assert "text/event-stream" in spec["paths"]["/api/ask/stream"]["post"]["responses"]["200"]["content"]
    assert client.get("/docs").status_code == 200


# ------------------------------------------------------------------ the real service


@pytest.fixture(scope="module")
def real_client(real_service, real_corpus, tmp_path_factory):
    from conftest_web import real_settings

    from app import create_app

    settings = real_settings(real_corpus, rate_limit_per_minute=1000)
    with TestClient(create_app(settings, service=real_service)) as c:
        yield c


def belongs_to(answer: dict, study_id: str) -> bool:
    ids = {c["study_id"] for c in answer["citations"]} | {s["study_id"] for s in answer["sources"]}
    return ids <= {study_id, "glossary"}


@pytest.mark.server
def test_real_ask_cites_the_pinned_study(real_client):
    r = real_client.post("/api/ask", json={"question": "Who can join?", "study_id": "NCT02552212"})
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["study_id"] == "NCT02552212" and a["status"] == "answered" and a["citations"]
    assert belongs_to(a, "NCT02552212")
    assert all(c["source_url"].startswith("https://") for c in a["citations"])


@pytest.mark.server
def test_real_stream_and_studies(real_client):
    r = real_client.post("/api/ask/stream", json={"question": "Where is it happening?", "study_id": "NCT02552212"})
    events = parse_sse(r.text)
    assert events[0][0] == "sources" and events[-1][0] == "answer"
    assert events[-1][1]["answer"]["study_id"] == "NCT02552212"
    ids = [s["study_id"] for s in real_client.get("/api/studies", params={"q": "NCT0255"}).json()["studies"]]
    assert "NCT02552212" in ids
    assert_error(real_client.post("/api/ask", json={"question": "Who?", "study_id": "NCT00000001"}), 404, "unknown_study")
    assert real_client.get("/healthz").json()["status"] == "ok"


@pytest.mark.server
def test_twenty_concurrent_sessions_get_their_own_answers(live_app, real_service):
    """20 sessions at once over real HTTP, each pinned to its own study, each with a follow-up that
    relies on its own history: every answer's citations and sources belong to that session's study."""
    studies = [s.study_id for s in real_service.list_studies("", limit=100) if s.study_id != "glossary"]
    assert len(studies) >= 5
    sessions = [(i, studies[i % len(studies)]) for i in range(20)]
    questions = ["Who can join?", "Where is it happening?", "What is the study about?", "How many people take part?"]
    barrier = threading.Barrier(20)
    problems: list[str] = []

    def session(i: int, sid: str) -> int:
        with httpx.Client(base_url=live_app.url, timeout=120) as http:
            barrier.wait()  # all 20 ask at the same moment
            q = questions[i % len(questions)]
            first = http.post("/api/ask", json={"question": q, "study_id": sid}).json()
            if first.get("study_id") != sid or not belongs_to(first, sid):
                problems.append(f"session {i} asked {sid}, got {first.get('study_id')} / "
                                f"{ {c['study_id'] for c in first.get('citations', [])} }")
            history = [{"role": "user", "content": f"{q} ({sid})"}, {"role": "assistant", "content": first["text"]}]
            r = http.post("/api/ask/stream", json={"question": "Who can join?", "study_id": sid, "history": history})
            final = parse_sse(r.text)[-1][1]["answer"]
            if final.get("study_id") != sid or not belongs_to(final, sid):
                problems.append(f"session {i} follow-up on {sid} got {final.get('study_id')}")
            return 2

    with ThreadPoolExecutor(max_workers=20) as pool:
        done = sum(pool.map(lambda args: session(*args), sessions))
    assert done == 40 and not problems, problems
