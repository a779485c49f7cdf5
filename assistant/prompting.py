"""Prompts are files in prompts/ rendered with Jinja2 and *strict* undefined variables.

A missing variable is an error at render time, not a silently empty hole in what the model sees.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

import jinja2


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: resources.files("prompts").joinpath(name).read_text("utf-8")),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # plain-text prompts; quoting of untrusted text is done by the callers
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_prompt(name: str, **variables: object) -> str:
    """Render prompts/<name> (e.g. "rewrite.txt") with exactly the variables it uses."""
    return _env().get_template(name).render(**variables).strip()
