"""`trialchat ask`: one question from the command line, streamed, or as JSON."""
from __future__ import annotations

import sys
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from assistant.scoping import UnknownStudyError
from assistant.types import FinalEvent, HistoryTurn, SourcesEvent, TokenEvent
from trialchat.settings import Settings


def load_history(path: str | None) -> list[HistoryTurn]:
    if not path:
        return []
    try:
        return TypeAdapter(list[HistoryTurn]).validate_json(Path(path).read_bytes())
    except (OSError, ValidationError, ValueError) as e:
        raise SystemExit(f"error: --history {path}: expected a JSON list of {{role: user|assistant, content}} ({e})") \
            from e


def run_ask(settings: Settings, question: str, study_id: str | None, history_file: str | None, as_json: bool) -> int:
    from assistant.service import build_answer_service

    history = load_history(history_file)
    service = build_answer_service(settings)
    try:
        if as_json:
            print(service.ask(question, study_id, history).model_dump_json())
            return 0
        streamed = False
        for event in service.stream(question, study_id, history):
            if isinstance(event, SourcesEvent):
                print(f"[{len(event.sources)} sources: " + ", ".join(
                    f"{s.study_id} · {s.field_label}" for s in event.sources) + "]", file=sys.stderr)
            elif isinstance(event, TokenEvent):
                streamed = streamed or bool(event.text.strip())
                print(event.text, end="", flush=True)
            elif isinstance(event, FinalEvent):
                a = event.answer
                if not streamed:  # abstentions and refusals come whole, with the final answer only
                    print(a.text, end="")
                print(f"\n\n({a.status})")
                for c in a.citations:
                    print(f"[{c.n}] {c.display_label}: “{c.quote}” {c.source_url}".rstrip())
    except UnknownStudyError as e:
        print(f"error: {e} List studies with the web picker or /api/studies, or ingest it first.", file=sys.stderr)
        return 2
    return 0
