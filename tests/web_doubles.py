"""A real class implementing ``AnswerService`` for fast web-layer tests (the browser tests and the
concurrency test also run against the real service over the ingested sample corpus)."""
from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator

from assistant.protocols import StudySummary
from assistant.types import Answer, AnswerEvent, Citation, FinalEvent, HistoryTurn, Source, SourcesEvent, TokenEvent

XSS_TITLE = "<img src=x onerror=alert(1)> study"

# study id -> (title, acronym, [(field_path, field_label, text)])
STUDIES: dict[str, tuple[str, str | None, list[tuple[str, str, str]]]] = {
    "NCT02633163": ("Dexmedetomidine for sleep after surgery", "DEXSLEEP", [
        ("protocolSection.designModule.designInfo.maskingInfo", "Design › Masking",
         "Double (Participant, Investigator). Neither the participants nor the investigators know who gets the drug."),
        ("protocolSection.eligibilityModule.eligibilityCriteria", "Eligibility › Criteria",
         "Inclusion Criteria: adults aged 18 to 65 years scheduled for surgery."),
        ("protocolSection.contactsLocationsModule.locations[0]", "Locations › Cedars-Sinai Medical Center, Los Angeles",
         "Cedars-Sinai Medical Center, Los Angeles, California, United States"),
    ]),
    "NCT09999999": (XSS_TITLE, None, [
        ("protocolSection.descriptionModule.briefSummary", "Description › Brief summary",
         "This study tests <b>bold</b> claims <script>alert(2)</script> about nothing."),
    ]),
}
for i in range(20):  # many small studies for the concurrency test
    sid = f"NCT0500{i:04d}"
    STUDIES[sid] = (f"Study number {i} of aspirin", f"ASP{i}", [
        ("protocolSection.eligibilityModule.eligibilityCriteria", "Eligibility › Criteria",
         f"Participants must be at least {20 + i} years old."),
    ])

NCT_RE = re.compile(r"\bNCT\d{8}\b", re.IGNORECASE)


class FakeAnswerService:
    """Deterministic: 'retrieves' the study's fields sharing a word with the question (or all of
    them), and answers by quoting the first one, streaming the text a word at a time."""

    def __init__(self, token_delay: float = 0.0, fail_on: str | None = None):
        self.token_delay = token_delay
        self.fail_on = fail_on
        self.calls: list[dict] = []
        self._lock = threading.Lock()

    # ---- catalogue
    def list_studies(self, query: str = "", limit: int = 20) -> list[StudySummary]:
        q = query.lower().strip()
        out = [self._summary(sid) for sid, (title, acr, _) in STUDIES.items()
               if not q or q in sid.lower() or q in title.lower() or (acr and q in acr.lower())]
        return out[:limit]

    def get_study(self, study_id: str) -> StudySummary | None:
        return self._summary(study_id) if study_id in STUDIES else None

    @staticmethod
    def _summary(sid: str) -> StudySummary:
        title, acr, _ = STUDIES[sid]
        return StudySummary(study_id=sid, title=title, acronym=acr, source_url=f"https://clinicaltrials.gov/study/{sid}")

    # ---- answering
    def _resolve(self, question: str, study_id: str | None, history: list[HistoryTurn] | None) -> str | None:
        if study_id:
            return study_id
        for text in [question, *[t.content for t in reversed(history or [])]]:
            m = NCT_RE.search(text)
            if m and m.group(0).upper() in STUDIES:
                return m.group(0).upper()
        return None

    def _sources(self, question: str, sid: str | None) -> list[Source]:
        if sid is None:
            return []
        title, _, fields = STUDIES[sid]
        words = {w for w in re.findall(r"[a-z]+", question.lower()) if len(w) > 3}
        scored = []
        for idx, (path, label, text) in enumerate(fields):
            overlap = len(words & set(re.findall(r"[a-z]+", (label + " " + text).lower())))
            scored.append((overlap, -idx, path, label, text))
        scored.sort(reverse=True)
        return [Source(chunk_id=f"{sid}::{p}::0", text=f"{label}\n{text}", study_id=sid, study_title=title,
                       field_path=p, field_label=label, source_url=f"https://clinicaltrials.gov/study/{sid}",
                       score=float(o)) for o, _, p, label, text in scored]

    def stream(self, question: str, study_id: str | None = None,
               history: list[HistoryTurn] | None = None) -> Iterator[AnswerEvent]:
        with self._lock:
            self.calls.append({"question": question, "study_id": study_id, "history": history or []})
        if self.fail_on and self.fail_on in question:
            raise RuntimeError("boom: internal detail that must not leak")
        sid = self._resolve(question, study_id, history)
        sources = self._sources(question, sid)
        yield SourcesEvent(sources=sources, study_id=sid)
        if not sources:
            answer = Answer(text="The study documents don't say. Pick a study or name its NCT ID.", status="abstained",
                            study_id=sid)
        else:
            top = sources[0]
            quote = top.text.split("\n", 1)[1]
            text = f"According to {sid}, {quote} [1]"
            cite = Citation(n=1, study_id=sid, field_path=top.field_path, field_label=top.field_label, quote=quote,
                            source_url=top.source_url, chunk_id=top.chunk_id)
            answer = Answer(text=text, status="answered", citations=[cite], sources=sources, study_id=sid,
                            standalone_question=question)
        for word in re.findall(r"\S+\s*", answer.text):
            if self.token_delay:
                time.sleep(self.token_delay)
            yield TokenEvent(text=word)
        yield FinalEvent(answer=answer)

    def ask(self, question: str, study_id: str | None = None, history: list[HistoryTurn] | None = None) -> Answer:
        final = None
        for ev in self.stream(question, study_id, history):
            if isinstance(ev, FinalEvent):
                final = ev.answer
        assert final is not None
        return final
