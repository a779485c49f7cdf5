"""Chat-model factory: the one place that turns settings into a LangChain `BaseChatModel`.

The chain only sees `BaseChatModel` (or None for the extractive mode), so any LangChain provider
plugs in. Provider packages are imported inside their branch: choosing `ollama` never imports
`openai`, and nothing here touches the network or loads weights.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr

from assistant.llm.model_files import DEFAULT_MODEL, ModelFileError, ensure_model

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import BaseChatModel

    from trialchat.settings import Settings

__all__ = ["LLMConfigError", "ModelFileError", "ensure_model", "local_model_path",
           "make_chat_model", "DEFAULT_MODEL"]

# Sent to OpenAI-compatible local servers (llama.cpp, vLLM) that ignore the key but whose client
# refuses to start without one.
PLACEHOLDER_API_KEY = "not-needed"


class LLMConfigError(ValueError):
    """The LLM settings are incomplete or inconsistent; the message names the env var to set."""


def local_model_path(settings: Settings, progress: bool = True) -> Path:
    """The GGUF for `llm=local`: TRIALCHAT_LLM_MODEL if it names a .gguf file, else the
    default model assembled (once) into the model cache dir."""
    if settings.llm_model:
        path = Path(settings.llm_model).expanduser()
        if path.suffix.lower() != ".gguf" or not path.is_file():
            raise LLMConfigError(
                f"TRIALCHAT_LLM_MODEL={settings.llm_model!r} is not an existing .gguf file. With "
                "TRIALCHAT_LLM=local, unset it to use the default model, or point it at a GGUF.")
        return path
    return ensure_model(settings.resolved_model_cache(), progress=progress)


def _make_local(settings: Settings, progress: bool) -> BaseChatModel:
    if importlib.util.find_spec("llama_cpp") is None:  # cheap check; the import itself is lazy
        raise LLMConfigError(
            "TRIALCHAT_LLM=local needs llama-cpp-python: run `bash scripts/install.sh`, or choose "
            "TRIALCHAT_LLM=openai|ollama|extractive.")
    from assistant.llm.llama_cpp_chat import ChatLlamaCpp

    return ChatLlamaCpp(model_path=str(local_model_path(settings, progress)),
                        n_ctx=settings.llm_ctx, n_threads=settings.llm_threads,
                        temperature=settings.llm_temperature, max_tokens=settings.llm_max_tokens)


def _make_openai(settings: Settings) -> BaseChatModel:
    if not settings.llm_model:
        raise LLMConfigError("TRIALCHAT_LLM=openai needs a model name: set TRIALCHAT_LLM_MODEL "
                             "(e.g. the name your server lists at /v1/models).")
    api_key = settings.llm_api_key or os.environ.get("OPENAI_API_KEY")
    if not api_key:
        if not settings.llm_base_url:
            raise LLMConfigError("TRIALCHAT_LLM=openai without TRIALCHAT_LLM_BASE_URL talks to "
                                 "api.openai.com: set TRIALCHAT_LLM_API_KEY (or OPENAI_API_KEY), "
                                 "or set TRIALCHAT_LLM_BASE_URL to a local server.")
        api_key = PLACEHOLDER_API_KEY
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(model=settings.llm_model, base_url=settings.llm_base_url, api_key=SecretStr(api_key),
                      temperature=settings.llm_temperature, max_completion_tokens=settings.llm_max_tokens,
                      streaming=True)


def _make_ollama(settings: Settings) -> BaseChatModel:
    if not settings.llm_model:
        raise LLMConfigError("TRIALCHAT_LLM=ollama needs a model name: set TRIALCHAT_LLM_MODEL "
                             "(e.g. qwen2.5-coder:1.5b, as listed by `ollama list`).")
    from langchain_ollama import ChatOllama

    # base_url None: the ollama client's default (OLLAMA_HOST or http://127.0.0.1:11434).
    return ChatOllama(model=settings.llm_model, base_url=settings.llm_base_url,
                      temperature=settings.llm_temperature, num_predict=settings.llm_max_tokens)


def make_chat_model(settings: Settings, progress: bool = True) -> BaseChatModel | None:
    """Build the chat model named by `settings.llm`; None for `extractive` (no generation).

    For `local` this makes sure the model file exists (a stat on later starts; assembling it
    from the installed parts the first time) but does not load it: that happens on first use.
    """
    if settings.llm == "extractive":
        return None
    if settings.llm == "local":
        return _make_local(settings, progress)
    if settings.llm == "openai":
        return _make_openai(settings)
    if settings.llm == "ollama":
        return _make_ollama(settings)
    raise LLMConfigError(f"Unknown TRIALCHAT_LLM={settings.llm!r}: use local, openai, ollama "
                         "or extractive.")
