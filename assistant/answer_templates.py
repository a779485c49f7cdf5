"""The plain-language sentences of composed answers: ``prompts/answers.toml``, rendered strictly."""
from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources

import jinja2

FILE = "answers.toml"


@lru_cache(maxsize=1)
def _templates() -> dict[str, jinja2.Template]:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
    raw = tomllib.loads(resources.files("prompts").joinpath(FILE).read_text("utf-8"))
    return {f"{group}.{key}": env.from_string(text) for group, table in raw.items() for key, text in table.items()}


def has_sentence(key: str) -> bool:
    return key in _templates()


def sentence(key: str, **variables: object) -> str:
    """Render one sentence ("status.completed"); a missing variable or key is an error, never a gap."""
    try:
        template = _templates()[key]
    except KeyError:
        raise KeyError(f"no sentence {key!r} in prompts/{FILE}") from None
    return template.render(**variables).strip()
