"""The chat's Gradio API, for ``gradio_client`` and the other Gradio clients: named endpoints with
docstrings (shown by ``Client.view_api()`` and the page's "Use via API"), plain data in and out.

    from gradio_client import Client
    client = Client("http://127.0.0.1:7860/")
    client.predict("MiSLE", api_name="/find_studies")          # [{"study_id": "NCT02633163", ...}]
    client.predict("Who can join?", "NCT02633163", api_name="/ask")  # {"text": ..., "citations": [...]}

The UI's own event handlers are private (not callable by clients): this is the contract.
Bad input is a ``gr.Error`` with a sentence saying what to do (the client raises ``AppError``); the
server logs no traceback for it.
"""

from typing import Literal, TypedDict

import gradio as gr
from gradio.context import get_blocks_context

from assistant.ask_policy import MAX_HISTORY_TURNS
from assistant.guard import question_problem
from assistant.protocols import AnswerService, StudySummary
from assistant.types import Answer, HistoryTurn
from web.chat_handlers import client_of
from web.security import RateLimiter

MAX_STUDIES = 100


class CitationData(TypedDict):
    n: int
    label: str
    study_id: str
    field_label: str
    field_path: str
    quote: str
    source_url: str


class ContactData(TypedDict):
    name: str
    role: str
    phone: str
    email: str
    affiliation: str


class AnswerData(TypedDict):
    text: str
    status: Literal["answered", "abstained", "declined"]
    study_id: str | None
    intent: str | None
    citations: list[CitationData]
    contacts: list[ContactData]


class StudyData(TypedDict):
    study_id: str
    title: str
    acronym: str | None
    names: list[str]
    source_url: str


def answer_data(answer: Answer) -> AnswerData:
    """An Answer as plain data: the text, status, and each citation with its label for people and its field
    path for machines (retrieved passages are left out: ``POST /api/ask`` returns them)."""
    return AnswerData(
        text=answer.text, status=answer.status, study_id=answer.study_id, intent=answer.intent,
        citations=[CitationData(n=c.n, label=c.display_label, study_id=c.study_id, field_label=c.field_label,
                                field_path=c.field_path, quote=c.quote, source_url=c.source_url)
                   for c in answer.citations],
        contacts=[ContactData(name=p.name, role=p.role, phone=p.phone, email=p.email, affiliation=p.affiliation)
                  for p in answer.contacts])


def study_data(s: StudySummary) -> StudyData:
    return StudyData(study_id=s.study_id, title=s.title, acronym=s.acronym, names=list(s.names),
                     source_url=s.source_url)


def _error(message: str) -> gr.Error:
    return gr.Error(message, print_exception=False)  # the caller's mistake: no traceback in the server log


def _endpoint(fn, api_name: str, output: str, **options) -> None:
    """``gr.api`` (types and description from ``fn``), its result named ``output`` in ``view_api()`` instead of
    Gradio's "1st" (a cosmetic rename: skipped if a Gradio version keeps its functions elsewhere)."""
    dep = gr.api(fn, api_name=api_name, **options)
    blocks = get_blocks_context()
    fns = getattr(blocks, "fns", {}) if blocks is not None else {}
    if dep.get("id") in fns and fns[dep["id"]].outputs:
        fns[dep["id"]].outputs[0].label = output


class ChatApi:
    """The endpoints. Methods are registered with ``gr.api`` by :meth:`register` (inside a Blocks)."""

    def __init__(self, service: AnswerService, *, limiter: RateLimiter, max_question_chars: int = 2000):
        self.service, self.limiter, self.max_question_chars = service, limiter, max_question_chars

    def register(self, concurrency_limit: int = 8) -> None:
        _endpoint(self.ask, "ask", "answer", concurrency_limit=concurrency_limit, concurrency_id="ask")
        _endpoint(self.find_studies, "find_studies", "studies", queue=False)
        _endpoint(self.study, "study", "study", queue=False)

    def ask(self, question: str, study_id: str = "", history: list[dict[str, str]] | None = None,
            request: gr.Request | None = None) -> AnswerData:
        """Ask a question about a clinical trial; get the answer with a citation for every sentence.

        Args:
            question: the question in plain words, e.g. "Who can join?"
            study_id: pin the question to one study by its ID (e.g. "NCT02633163", see /find_studies);
                empty to let the question or the history name the study
            history: earlier turns, oldest first, [{"role": "user" | "assistant", "content": "..."}];
                lets follow-ups ("Where is it?") work
        Returns:
            {"text", "status" (answered / abstained / declined), "study_id", "intent",
             "citations": [{"n", "label", "study_id", "field_label", "field_path", "quote", "source_url"}],
             "contacts": [{"name", "role", "phone", "email", "affiliation"}]}
        """
        text = (question or "").strip()
        problem = question_problem(text, self.max_question_chars)
        if problem:
            raise _error(problem.message)
        pinned = self._known_study(study_id) if (study_id or "").strip() else None
        turns = self._history(history)
        decision = self.limiter.hit(client_of(request))
        if not decision.allowed:
            raise _error(decision.message())
        return answer_data(self.service.ask(text, study_id=pinned, history=turns))

    def find_studies(self, query: str = "", limit: int = 20) -> list[StudyData]:
        """Find studies by ID, acronym (e.g. "MiSLE") or words of the title; an empty query lists them all.

        Args:
            query: an ID, an acronym or words of the title
            limit: at most this many studies (1 to 100)
        Returns:
            [{"study_id", "title", "acronym", "names", "source_url"}]
        """
        limit = max(1, min(int(limit or 20), MAX_STUDIES))
        return [study_data(s) for s in self.service.list_studies((query or "").strip()[:200], limit=limit)]

    def study(self, study_id: str) -> StudyData:
        """One study by its ID (e.g. "NCT02552212"); an error names what to do when it is not in this collection.

        Args:
            study_id: the study's ID
        Returns:
            {"study_id", "title", "acronym", "names", "source_url"}
        """
        sid = self._known_study(study_id)
        found = self.service.get_study(sid)
        assert found is not None  # _known_study checked it
        return study_data(found)

    # ---------------------------------------------------------------- checks
    def _known_study(self, study_id: str | None) -> str:
        sid = (study_id or "").strip()
        if not sid:
            raise _error("study_id is empty: give a study ID such as NCT02633163 (find one with /find_studies).")
        for candidate in dict.fromkeys((sid, sid.upper())):
            found = self.service.get_study(candidate)
            if found is not None:
                return found.study_id
        raise _error(f"No study with ID {sid[:80]!r} is in this collection: find one with /find_studies "
                     "(by ID, acronym or title).")

    @staticmethod
    def _history(history: list[dict[str, str]] | None) -> list[HistoryTurn]:
        turns = []
        for i, turn in enumerate((history or [])[-MAX_HISTORY_TURNS:]):
            if not isinstance(turn, dict) or turn.get("role") not in ("user", "assistant") \
                    or not isinstance(turn.get("content"), str):
                raise _error(f"history[{i}] must look like {{'role': 'user' or 'assistant', 'content': '...'}}.")
            turns.append(HistoryTurn(role=turn["role"], content=turn["content"]))
        return turns
