"""Serves the partner widget: one small vanilla-JS file, loaded with one <script> tag."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

from fastapi import APIRouter
from starlette.responses import Response

router = APIRouter()


@lru_cache(maxsize=1)
def widget_source() -> bytes:
    return resources.files("web").joinpath("static/widget.js").read_bytes()


@router.get("/widget.js", include_in_schema=False)
def widget_js() -> Response:
    return Response(widget_source(), media_type="application/javascript; charset=utf-8", headers={
        "Cache-Control": "public, max-age=300",
        "Cross-Origin-Resource-Policy": "cross-origin",  # partner pages with COEP may load it
    })
