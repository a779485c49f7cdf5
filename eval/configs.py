"""Named configurations: presets of `Settings` overrides, plus ad-hoc `NAME:key=value,...` variants.

    default     what the product ships
    extractive  same retrieval, no generative model (quotes the best fields)
    dense       dense-only retrieval (ablation)
    bm25        BM25-only retrieval (ablation)
    vanilla     the baseline a user would build: one text per study, 1000/200 splits, dense-only
                Chroma, the same embedder and LLM, a standard RAG prompt (see eval/vanilla.py)

`--config bm25:llm=extractive` runs a preset with more overrides (values are validated against the
`Settings` field types), so retrieval ablations can skip the slow local model.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import TypeAdapter, ValidationError

from trialchat.settings import Settings

Kind = Literal["service", "vanilla"]


@dataclass(frozen=True)
class Preset:
    description: str
    overrides: dict[str, Any] = field(default_factory=dict)
    kind: Kind = "service"
    # what it costs with the default local model on the 2-core dev machine (README / docs/eval.md figures)
    cost: str = ""


_ROUTED = "LLM only for questions the router cannot compose (6 of 30 dev questions), ~5-30 s each"
PRESETS: dict[str, Preset] = {
    "default": Preset("what the product ships", cost=_ROUTED + "; composed answers ~20 ms"),
    "extractive": Preset("same retrieval, no generative model", {"llm": "extractive"},
                         cost="no LLM; ~0.1 s/question"),
    "dense": Preset("dense-only retrieval (ablation)", {"retrieval_mode": "dense"}, cost="as default"),
    "bm25": Preset("BM25-only retrieval (ablation)", {"retrieval_mode": "bm25"}, cost="as default"),
    # a longer context: five 1000-character chunks do not fit the product's small window
    "vanilla": Preset("baseline: whole-study text, 1000/200 splits, dense-only, standard RAG prompt",
                      {"llm_ctx": 4096}, kind="vanilla",
                      cost="LLM on every question with ~5x the context: ~20-30 s/question; its own index is "
                           "built once per store fingerprint (embeds every study again: minutes for the "
                           "sample) and reused after"),
}
DEFAULT_CONFIGS = ("default", "extractive", "vanilla")


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class EvalConfig:
    name: str  # as given on the command line, e.g. "bm25:llm=extractive"
    preset: str
    kind: Kind
    settings: Settings
    overrides: dict[str, Any]

    @property
    def generates(self) -> bool:
        """Vanilla has no generation of its own without an LLM: it then reports retrieval only."""
        return not (self.kind == "vanilla" and self.settings.llm == "extractive")


def _coerce(key: str, value: str) -> Any:
    fields = Settings.model_fields
    if key not in fields:
        raise ConfigError(f"unknown setting {key!r}; known: {', '.join(sorted(fields))}")
    try:
        return TypeAdapter(fields[key].annotation).validate_strings(value)
    except ValidationError as e:
        raise ConfigError(f"bad value for {key}: {value!r} ({e.errors()[0]['msg']})") from e


def parse_config(spec: str, base: Settings, k: int | None = None) -> EvalConfig:
    """`NAME` or `NAME:key=value,key=value` → an EvalConfig with its own Settings copy."""
    preset_name, _, extra = spec.partition(":")
    preset_name = preset_name.strip()
    if preset_name not in PRESETS:
        raise ConfigError(f"unknown configuration {preset_name!r}; choose from: {', '.join(PRESETS)}")
    preset = PRESETS[preset_name]
    overrides = dict(preset.overrides)
    for item in filter(None, (p.strip() for p in extra.split(","))):
        key, eq, value = item.partition("=")
        if not eq:
            raise ConfigError(f"expected key=value in {spec!r}, got {item!r}")
        overrides[key.strip()] = _coerce(key.strip(), value.strip())
    if k is not None:
        overrides["retrieve_k"] = k  # every configuration sees exactly k chunks, so "@k" is honest
    if preset.kind == "vanilla" and "llm_ctx" in preset.overrides and "llm_ctx" not in extra:
        overrides["llm_ctx"] = max(base.llm_ctx, preset.overrides["llm_ctx"])
    return EvalConfig(spec, preset_name, preset.kind, base.model_copy(update=overrides), overrides)


def parse_configs(specs: list[str] | None, base: Settings, k: int | None = None) -> list[EvalConfig]:
    specs = list(specs or DEFAULT_CONFIGS)
    dupes = {s for s in specs if specs.count(s) > 1}
    if dupes:
        raise ConfigError(f"configuration given twice: {', '.join(sorted(dupes))}")
    return [parse_config(s, base, k) for s in specs]


def describe_presets() -> str:
    """Each preset with what it costs here (shown by `trialchat eval --help`)."""
    return "\n".join(f"  {name:<11} {p.description}\n  {'':<11}   cost: {p.cost}" for name, p in PRESETS.items())


def uses_local_model(config: EvalConfig) -> bool:
    return config.generates and config.settings.llm == "local"
