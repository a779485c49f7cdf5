"""``/docs`` (Swagger UI) without a CDN: its JS, CSS and favicon come from the ``fastapi-offline``
package and are served by us (FastAPI's self-hosted docs recipe, packaged), so the docs work with no
network, like the rest of the app. ``/redoc`` is off: ReDoc always loads its logo from cdn.redoc.ly."""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

DOCS_STATIC_URL = "/docs-static"


def offline_docs_app(**kwargs: Any) -> FastAPI:
    # validatorUrl=None: Swagger UI would otherwise send the spec's URL to validator.swagger.io for a badge
    params = {"validatorUrl": None, **kwargs.pop("swagger_ui_parameters", {})}
    return FastAPIOffline(static_url=DOCS_STATIC_URL, redoc_url=None, swagger_ui_parameters=params, **kwargs)
