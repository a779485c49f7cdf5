"""The MCP server through the official SDK's own client, over both transports, against real servers:
``trialchat mcp`` as a subprocess on stdio, and ``trialchat serve`` on loopback with ``/mcp`` (streamable
HTTP), both over the ingested sample corpus with extractive answers (real retrieval, real citations)."""
from __future__ import annotations

import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import httpx
import pytest
from conftest_web import (  # noqa: F401
    REPO,
    LiveServer,
    partner_page_dir,
    partner_site,
    real_corpus,
    real_service,
    real_settings,
    served_app,
)

pytestmark = pytest.mark.server

STUDY = "NCT02552212"  # C-AXSPAND, API v2 JSON in the sample
SELECT_SLE = "NCT05843643"  # "lupus" is near the end of its long title
TOOLS = {"search_studies", "ask", "study_facts", "check_eligibility"}


def stdio_params(data_dir) -> Any:
    from mcp.client.stdio import StdioServerParameters

    # the session's environment (model cache, embedder settings…) as ServedApp passes it, over that data dir
    env = {**os.environ, "TRIALCHAT_DATA_DIR": str(data_dir), "TRIALCHAT_LLM": "extractive", "PYTHONPATH": str(REPO)}
    return StdioServerParameters(command=sys.executable, args=["-m", "cli", "mcp"], env=env, cwd=str(REPO))


def run_client(fn, *args):
    """The SDK client's event loop in a thread of its own: the browser tests' Playwright keeps one running in the
    main thread for the whole session, and an event loop cannot start inside another."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(anyio.run, fn, *args).result()


def structured(result) -> dict:
    assert not result.is_error, result.content
    if result.structured_content is not None:
        return result.structured_content
    return json.loads(result.content[0].text)


async def exercise(server: Any) -> dict[str, Any]:
    """What an MCP client does first: list what the server offers, find a study, ask, read its facts and record."""
    from mcp import Client

    seen: dict[str, Any] = {}
    async with Client(server, read_timeout_seconds=120) as client:
        seen["tools"] = {t.name: t for t in (await client.list_tools()).tools}
        seen["templates"] = [t.uri_template for t in (await client.list_resource_templates()).resource_templates]
        seen["lupus"] = structured(await client.call_tool("search_studies", {"query": "lupus"}))
        seen["completed_phase3"] = structured(await client.call_tool(
            "search_studies", {"status": "Completed", "phase": "Phase 3"}))
        seen["answer"] = structured(await client.call_tool("ask", {"question": "Who can join?", "study_id": STUDY}))
        seen["follow_up"] = structured(await client.call_tool("ask", {
            "question": "Where is it happening?",
            "history": [{"role": "user", "content": "Who can join the C-AXSPAND study?"},
                        {"role": "assistant", "content": seen["answer"]["text"]}]}))
        seen["facts"] = structured(await client.call_tool("study_facts", {"study_id": STUDY}))
        seen["eligibility"] = structured(await client.call_tool("check_eligibility", {
            "study_id": STUDY, "about_the_person": "I'm 34 and I have had tuberculosis"}))
        seen["unknown"] = await client.call_tool("ask", {"question": "Who can join?", "study_id": "NCT00000000"})
        seen["too_long"] = await client.call_tool("ask", {"question": "why " * 600, "study_id": STUDY})
        record = await client.read_resource(f"trialchat://studies/{STUDY}")
        seen["record"] = record.contents[0].text
        listing = await client.read_resource("trialchat://studies")
        seen["listing"] = json.loads(listing.contents[0].text)
    return seen


def check(seen: dict[str, Any]) -> None:
    assert TOOLS <= set(seen["tools"]), seen["tools"].keys()
    assert "question" in seen["tools"]["ask"].input_schema["properties"]
    assert "trialchat://studies/{study_id}" in seen["templates"]

    lupus = {s["study_id"]: s for s in seen["lupus"]["studies"]}
    assert SELECT_SLE in lupus and lupus[SELECT_SLE]["phase"] and lupus[SELECT_SLE]["conditions"]
    assert all(s["status"] == "Completed" and "Phase 3" in s["phase"] for s in seen["completed_phase3"]["studies"])
    assert STUDY in {s["study_id"] for s in seen["completed_phase3"]["studies"]}

    answer = seen["answer"]
    assert answer["status"] == "answered" and answer["study_id"] == STUDY and "[1]" in answer["text"]
    paths = [c["field_path"] for c in answer["citations"]]
    assert "protocolSection.eligibilityModule.eligibilityCriteria" in paths, paths
    for c in answer["citations"]:
        assert c["field_label"] and c["quote"].strip() and c["display_label"].startswith(c["study_id"])
    follow = seen["follow_up"]  # no pin: the study comes from the conversation
    assert follow["study_id"] == STUDY and any("locations" in c["field_path"] for c in follow["citations"])

    facts = seen["facts"]
    assert facts["study_id"] == STUDY and facts["status"]["value"] == "Completed"
    assert facts["status"]["path"].startswith("protocolSection.statusModule") and facts["status"]["quote"]
    assert facts["inclusion"] and facts["exclusion"]

    checked = seen["eligibility"]["eligibility"]  # C-AXSPAND excludes tuberculosis: said as a reason, with its rule
    assert checked and checked["verdict"] in ("excluded", "not_excluded_so_far", "unknown") and checked["checks"]
    assert all(c["section"] in ("inclusion", "exclusion") and c["quote"] and c["field_path"] for c in checked["checks"])

    assert seen["unknown"].is_error and "No study with ID NCT00000000" in seen["unknown"].content[0].text
    assert seen["too_long"].is_error and "the limit is 2000" in seen["too_long"].content[0].text

    record = seen["record"]
    assert record.startswith(f"# {STUDY}:") and "`protocolSection.eligibilityModule.eligibilityCriteria`" in record
    assert any(s["study_id"] == STUDY and s["uri"] == f"trialchat://studies/{STUDY}" for s in seen["listing"])


def test_mcp_over_stdio_with_the_sdk_client(real_corpus):
    """``trialchat mcp`` as an MCP client starts it (Claude Desktop's config runs exactly this)."""
    check(run_client(exercise, stdio_params(real_corpus)))


def test_mcp_over_streamable_http_in_trialchat_serve(served_app):
    """``/mcp`` inside ``trialchat serve`` (a real process on loopback), through the SDK's HTTP client."""
    check(run_client(exercise, served_app.url + "/mcp"))


def test_mcp_http_is_guarded_like_the_api(served_app, partner_site):
    """A foreign page is refused before anything runs; a partner page gets CORS; a body over the limit is 413."""
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "0"}}}
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    url = served_app.url + "/mcp"
    refused = httpx.post(url, json=init, headers={**headers, "Origin": "https://evil.example"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "origin_not_allowed"
    preflight = httpx.options(url, headers={"Origin": partner_site.origin, "Access-Control-Request-Method": "POST",
                                            "Access-Control-Request-Headers": "content-type,mcp-protocol-version"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == partner_site.origin
    ok = httpx.post(url, json=init, headers={**headers, "Origin": partner_site.origin})
    assert ok.status_code == 200 and ok.json()["result"]["serverInfo"]["name"] == "trialchat"
    big = httpx.post(url, content=b"{" + b" " * 1_100_000 + b"}", headers=headers)
    assert big.status_code == 413 and big.json()["error"]["code"] == "request_too_large"


def test_mcp_ask_shares_the_rate_limit_of_the_api(real_service, real_corpus):
    """One question per minute: the first ask is answered, the next (MCP or JSON API) is told to wait."""
    from mcp import Client

    from app import create_app

    settings = real_settings(real_corpus, rate_limit_per_minute=1)
    server = LiveServer(create_app(settings, service=real_service)).start()

    async def two_questions():
        async with Client(server.url + "/mcp", read_timeout_seconds=120) as client:
            first = await client.call_tool("ask", {"question": "Who can join?", "study_id": STUDY})
            listed = await client.call_tool("search_studies", {"query": "C-AXSPAND"})  # not a question: free
            second = await client.call_tool("ask", {"question": "Where is it happening?", "study_id": STUDY})
        return first, listed, second

    try:
        first, listed, second = run_client(two_questions)
        assert not first.is_error and not listed.is_error
        assert second.is_error and "Too many questions" in second.content[0].text
        api = httpx.post(server.url + "/api/ask", json={"question": "Who can join?", "study_id": STUDY})
        assert api.status_code == 429
    finally:
        server.stop()
