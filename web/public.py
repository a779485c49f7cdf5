"""What the web shows of an answer that the answering core keeps for itself.

``source_file`` is where a chunk came from on the server. Over HTTP it is shown relative to what was
ingested: a path the operator gave relative (``corpus/sample/NCT1.json``) is shown as is; an absolute
one (``/srv/trials/2026/NCT1.json``) only from its file name on (``NCT1.json``, or ``bundle.zip!NCT1.json``
for a zip member) — never the server's directories.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath, PureWindowsPath

from assistant.types import Answer, AnswerEvent, FinalEvent, Source, SourcesEvent


def public_source_file(path: str) -> str:
    if not path:
        return path
    archive, sep, member = path.partition("!")  # "bundle.zip!folder/NCT1.json": a zip member
    shown = _relative(archive)
    return f"{shown}{sep}{member}" if sep else shown


def _relative(path: str) -> str:
    for flavour in (PurePosixPath, PureWindowsPath):
        p = flavour(path)
        if p.is_absolute() or p.drive:
            return p.name
    parts = PurePosixPath(path.replace("\\", "/")).parts
    if ".." in parts:  # "../elsewhere/x.json" says where the server's files are: the name is enough
        return parts[-1]
    return path


def public_sources(sources: list[Source]) -> list[Source]:
    return [s if s.source_file == public_source_file(s.source_file)
            else s.model_copy(update={"source_file": public_source_file(s.source_file)}) for s in sources]


def public_answer(answer: Answer) -> Answer:
    return answer.model_copy(update={"sources": public_sources(answer.sources)})


def public_events(events: Iterator[AnswerEvent]) -> Iterator[AnswerEvent]:
    try:
        for ev in events:
            if isinstance(ev, SourcesEvent):
                yield ev.model_copy(update={"sources": public_sources(ev.sources)})
            elif isinstance(ev, FinalEvent):
                yield FinalEvent(answer=public_answer(ev.answer))
            else:
                yield ev
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()
