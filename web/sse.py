"""Server-sent events for the streaming answer: ``sources`` → ``token``… → ``answer`` (or ``error``).

Wire format (one event per blank-line-terminated block, data is always one line of JSON)::

    event: sources
    data: {"type": "sources", "study_id": "NCT…", "sources": [...]}

    event: token
    data: {"type": "token", "text": "The study "}

    event: answer
    data: {"type": "answer", "answer": {...Answer...}}

A failure after the stream has started is reported as ``event: error`` with a short message
(never a stack trace) and ends the stream.
"""
from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator

from starlette.concurrency import iterate_in_threadpool

from assistant.types import AnswerEvent
from trialchat.store import StoreUnavailable

log = logging.getLogger("trialchat.web")

SSE_HEADERS = {
    "Cache-Control": "no-cache, no-transform",
    "X-Accel-Buffering": "no",  # nginx: do not buffer the stream
}


def format_event(event: str, data: dict) -> bytes:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"event: {event}\ndata: {payload}\n\n".encode()


async def answer_event_stream(events: Iterator[AnswerEvent]) -> AsyncIterator[bytes]:
    """Drive the service's (blocking) event iterator in a worker thread and encode each event."""
    yield b": stream open\n\n"  # a comment: lets proxies and clients see the response start at once
    try:
        async for ev in iterate_in_threadpool(events):
            yield format_event(ev.type, ev.model_dump(mode="json"))
    except StoreUnavailable as e:  # said as what it is, like the 503 of /api/ask
        log.warning("answer stream: store unavailable: %s", e)
        yield format_event("error", {"type": "error", "code": "store_unavailable", "retry_after": 10,
                                     "message": "The study index is not reachable right now. "
                                                "Please try again in a moment."})
    except Exception:  # the status line is already sent: report in-band, keep the trace in the log
        log.exception("answer stream failed")
        yield format_event("error", {"type": "error", "code": "internal_error",
                                     "message": "Something went wrong while answering. Please try again."})
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            try:
                close()
            except Exception:  # pragma: no cover - best effort
                pass
