"""trialchat as an MCP server (the official ``mcp`` SDK's ``MCPServer``, formerly FastMCP), for any MCP
client: Claude Desktop, Open WebUI, an agent framework.

* tools: ``search_studies`` (words and filters → studies with status, phase, conditions), ``ask`` (a
  question → the cited answer: text, status, citations with field path, label and quote), ``study_facts``
  (a study → its fact sheet, every fact with the field it was read from);
* resources: ``trialchat://studies`` (the list) and ``trialchat://studies/{study_id}`` (one study's record,
  field by field, with each field's path and label);
* transports: stdio (``trialchat mcp``) and streamable HTTP at ``/mcp`` inside ``trialchat serve``
  (``mount_mcp``), behind the same origin guard, body limit and rate limit as the JSON API.

Built from the same answering service as every other front end (``app.create_app`` wires it); nothing
here answers on its own.
"""
from __future__ import annotations

import contextlib
import json
import re
from collections.abc import AsyncIterator, Iterable
from typing import Any, Protocol

import anyio
from fastapi import FastAPI
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import BaseModel, Field

from assistant.ask_policy import recent_history
from assistant.guard import question_problem
from assistant.protocols import AnswerService, StudySummary
from assistant.types import Citation, Contact, Eligibility, HistoryTurn
from trialchat.facts import FactSheet
from trialchat.schema import split_chunk_text
from trialchat.store_port import StoredChunk
from web.security import RateLimiter, client_key
from web.texts import NOT_MEDICAL_ADVICE

MCP_PATH = "/mcp"
STUDY_URI = "trialchat://studies/{study_id}"
MAX_RESULTS = 50
MAX_CATALOG = 5000  # studies scanned by search_studies (the whole sample; a big corpus is searched by its first 5,000)
STUDY_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}$")

INSTRUCTIONS = ("Answers questions about clinical trials from the studies' own records. Find a study with "
                "search_studies, then call ask with its study_id; every sentence of an answer cites a record field "
                "(citations carry the field path, label and the quoted words): show them to the person. "
                f"{NOT_MEDICAL_ADVICE}")


class StudyRecords(Protocol):
    """What the MCP tools read besides answers: the fact sheets and the stored record fields (a part of
    ``trialchat.store_port.StoreReader``; ``trialchat.store.ChunkStore`` is one)."""

    def facts(self, study_id: str) -> FactSheet | None: ...

    def chunks_of_studies(self, study_ids: Iterable[str]) -> list[StoredChunk]: ...


def records_of(service: AnswerService) -> StudyRecords | None:
    # the AnswerService protocol has no fact-sheet call yet; the real service keeps its store
    store = getattr(service, "store", None)
    return store if store is not None and hasattr(store, "facts") and hasattr(store, "chunks_of_studies") else None


# ---------------------------------------------------------------- results (structured tool output)
class StudyHit(BaseModel):
    study_id: str
    title: str
    acronym: str | None = None
    status: str | None = None
    phase: str | None = None
    conditions: list[str] = Field(default_factory=list)
    source_url: str = ""
    resource_uri: str = Field(description="read the whole record with resources/read")


class StudySearch(BaseModel):
    studies: list[StudyHit]
    total: int = Field(description="how many studies matched (the list holds at most `limit`)")


class AskResult(BaseModel):
    text: str = Field(description="the answer; [n] marks the citation each sentence rests on")
    status: str = Field(description="answered, abstained (the record does not say) or declined")
    study_id: str | None = None
    citations: list[Citation] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list, description="who to ask when the answer stops short")
    notice: str = NOT_MEDICAL_ADVICE


class EligibilityResult(AskResult):
    eligibility: Eligibility | None = Field(
        default=None, description="verdict (excluded / not_excluded_so_far / unknown) and every rule checked against "
                                  "what the person said, each with the record's words and field path")


# ---------------------------------------------------------------- the server
def build_mcp(service: AnswerService, *, records: StudyRecords | None = None, limiter: RateLimiter | None = None,
              max_question_chars: int = 2000, version: str = "") -> MCPServer:
    """The MCP server over ``service``. ``limiter`` charges each ``ask`` over HTTP to the caller's address,
    like ``POST /api/ask`` (stdio has one local caller: no limit)."""
    mcp = MCPServer("trialchat", title="trialchat: clinical trial Q&A", instructions=INSTRUCTIONS, version=version,
                    log_level="WARNING")

    def resolve(study_id: str | None) -> str | None:
        if study_id is None or not study_id.strip():
            return None
        sid = study_id.strip()
        if not STUDY_ID_RE.match(sid):
            raise ToolError(f"{sid[:80]!r} is not a study ID (like NCT02633163).")
        found = service.get_study(sid) or service.get_study(sid.upper())
        if found is None:
            raise ToolError(f"No study with ID {sid} is in this collection. Find one with search_studies.")
        return found.study_id

    def hit(s: StudySummary) -> StudyHit:
        sheet = records.facts(s.study_id) if records is not None else None
        return StudyHit(study_id=s.study_id, title=s.title, acronym=s.acronym,
                        status=sheet.status.value if sheet and sheet.status else None,
                        phase=sheet.phase.value if sheet and sheet.phase else None,
                        conditions=[c.value for c in sheet.conditions] if sheet else [],
                        source_url=s.source_url, resource_uri=STUDY_URI.format(study_id=s.study_id))

    def search(query: str, status: str | None, phase: str | None, condition: str | None, limit: int) -> StudySearch:
        words = [w for w in re.findall(r"\w[\w-]*", query.lower()) if w]
        out: list[StudyHit] = []
        total = 0
        for s in service.list_studies("", limit=MAX_CATALOG):
            h = hit(s)
            # every word somewhere in the ID, names, title or conditions (not one phrase: "lupus trial" finds lupus)
            hay = " ".join([s.study_id, s.title, *(s.names or []), s.acronym or "", *h.conditions]).lower()
            if words and not all(w in hay for w in words):
                continue
            if status and (h.status or "").lower() != status.strip().lower():
                continue
            if phase and phase.strip().lower() not in (h.phase or "").lower():
                continue
            if condition and not any(condition.strip().lower() in c.lower() for c in h.conditions):
                continue
            total += 1
            if len(out) < limit:
                out.append(h)
        return StudySearch(studies=out, total=total)

    @mcp.tool(title="Search studies")
    async def search_studies(query: str = "", status: str | None = None, phase: str | None = None,
                             condition: str | None = None, limit: int = 10) -> StudySearch:
        """Find studies by words of their ID, title, acronym or conditions (all words must match), optionally
        filtered by overall status (e.g. "Recruiting", "Completed"), phase (e.g. "Phase 3") or condition.
        Returns each study's ID, title, status, phase and conditions."""
        if len(query) > 200:
            raise ToolError("query is longer than 200 characters.")
        limit = max(1, min(int(limit), MAX_RESULTS))
        return await anyio.to_thread.run_sync(search, query, status, phase, condition, limit)

    @mcp.tool(title="Ask about a study")
    async def ask(question: str, ctx: Context, study_id: str | None = None,
                  history: list[HistoryTurn] | None = None) -> AskResult:
        """Ask a question in plain words ("Who can join?", "Where is it happening?", "What does double-blind
        mean here?"). Pin it to one study with study_id (from search_studies), or name the study in the
        question. history: earlier turns, oldest first, so follow-ups work. Every sentence of the answer
        cites a record field; status says whether it answered, abstained (the record does not say) or
        declined (e.g. personal medical advice)."""
        problem = question_problem(question, max_question_chars)
        if problem:
            raise ToolError(problem.message)
        _charge(ctx, limiter)
        sid = resolve(study_id)
        turns = recent_history(history)
        answer = await anyio.to_thread.run_sync(lambda: service.ask(question.strip(), study_id=sid, history=turns))
        return AskResult(text=answer.text, status=answer.status, study_id=answer.study_id,
                         citations=answer.citations, contacts=answer.contacts)

    @mcp.tool(title="Check eligibility")
    async def check_eligibility(study_id: str, about_the_person: str, ctx: Context) -> EligibilityResult:
        """Check what a person says about themselves ("I'm 52 and have diabetes", "my daughter is 9") against every
        rule of the study for who can join. The answer says first what rules the person out, then what fits,
        then what only the study team can check; it never says yes. eligibility carries each check."""
        question = f"Can I join? {about_the_person.strip()}"
        problem = question_problem(question, max_question_chars)
        if problem:
            raise ToolError(problem.message)
        _charge(ctx, limiter)
        sid = resolve(study_id)
        answer = await anyio.to_thread.run_sync(lambda: service.ask(question, study_id=sid))
        return EligibilityResult(text=answer.text, status=answer.status, study_id=answer.study_id,
                                 citations=answer.citations, contacts=answer.contacts, eligibility=answer.eligibility)

    @mcp.tool(title="Study fact sheet")
    async def study_facts(study_id: str) -> FactSheet:
        """The study's fact sheet: status, phase, dates, ages, sex, enrollment, design, arms, interventions,
        outcomes, sites, contacts and each eligibility criterion. Every fact carries `path` (the record field
        it was read from) and `quote` (that field's exact words)."""
        sid = resolve(study_id)
        sheet = await anyio.to_thread.run_sync(lambda: records.facts(sid) if records is not None and sid else None)
        if sheet is None:
            raise ToolError(f"No fact sheet for {study_id}: its record was ingested before fact sheets existed, "
                            "or this server has none. Read the record resource instead.")
        return sheet

    @mcp.resource("trialchat://studies", name="studies", title="Studies in this collection",
                  mime_type="application/json")
    async def studies_resource() -> str:
        """Every study: ID, title, acronym and the URI of its record."""
        found = await anyio.to_thread.run_sync(lambda: service.list_studies("", limit=MAX_CATALOG))
        return json.dumps([{"study_id": s.study_id, "title": s.title, "acronym": s.acronym,
                            "uri": STUDY_URI.format(study_id=s.study_id)} for s in found], ensure_ascii=False)

    @mcp.resource(STUDY_URI, name="study_record", title="A study's record", mime_type="text/markdown")
    async def study_record(study_id: str) -> str:
        """One study's record as stored: each field's label, path and text, in record order."""
        summary = service.get_study(study_id) if STUDY_ID_RE.match(study_id) else None
        if summary is None:
            raise ResourceNotFoundError(f"No study with ID {study_id} in this collection.")
        rows = await anyio.to_thread.run_sync(
            lambda: records.chunks_of_studies([summary.study_id]) if records is not None else [])
        return record_markdown(summary, rows)

    return mcp


def _charge(ctx: Context, limiter: RateLimiter | None) -> None:
    """One ``ask`` over HTTP is one question against the caller's bucket, as on the JSON API."""
    request = getattr(ctx.request_context, "request", None)
    if limiter is None or request is None:
        return  # no limiter (stdio: the one local user who started the process), or no HTTP request
    client = getattr(request, "client", None)
    decision = limiter.hit(client_key(client.host if client else None))
    if not decision.allowed:
        raise ToolError(decision.message())


def record_markdown(summary: StudySummary, rows: list[StoredChunk]) -> str:
    """The record's fields in order (field path, then chunk index), each under its label and path."""
    lines = [f"# {summary.study_id}: {summary.title}"]
    if summary.source_url:
        lines.append(f"Public page: {summary.source_url}")
    ordered = sorted(rows, key=lambda r: (_path_key(r.field_path), r.chunk_index))
    last_path = None
    for _cid, text, meta in ordered:
        label, body = split_chunk_text(text)
        path = meta.get("field_path", "")
        if path != last_path:
            lines.append(f"\n## {meta.get('field_label') or label}\n`{path}`\n")
            last_path = path
        lines.append(body.strip())
    if not rows:
        lines.append("\n(The record's fields are not available from this server.)")
    return "\n".join(lines) + "\n"


def _path_key(path: str) -> list[Any]:
    # locations[10] after locations[9]
    return [int(p) if p.isdigit() else p for p in re.split(r"\[(\d+)\]", path)]


# ---------------------------------------------------------------- HTTP: mounted in the web app
def mount_mcp(app: FastAPI, mcp: MCPServer) -> None:
    """Serve streamable HTTP at ``/mcp`` in ``app``. Its requests pass the app's middlewares: the origin
    guard (``/mcp`` is a guarded path), the body limit and the rate limit (charged per ``ask``). Stateless:
    every request stands alone, so nothing is kept per client between questions."""
    # the SDK's own Host/Origin check is off: the app's origin guard decides, for /mcp as for /api
    http_app = mcp.streamable_http_app(streamable_http_path=MCP_PATH, stateless_http=True, json_response=True,
                                       transport_security=TransportSecuritySettings(
                                           enable_dns_rebinding_protection=False))
    app.router.routes.extend(http_app.routes)
    outer = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[Any]:
        async with mcp.session_manager.run():  # the task group the transport runs requests in
            async with outer(a) as state:
                yield state

    app.router.lifespan_context = lifespan
