"""A small LangChain chat model over an in-process `llama_cpp.Llama` (no server, no network).

Why our own class: langchain-community's ChatLlamaCpp isn't a dependency, and we want two
things it doesn't promise: the Llama is loaded lazily and shared per process (one 1 GB model
and one KV cache, whichever chain/eval config asks for it), and every call runs under a lock
because a llama.cpp context is not re-entrant.

Prompt-prefix reuse: `Llama.generate` keeps the KV cache of the previous call and only evaluates
the tokens after the longest common prefix. So keep the system prompt first and constant and
send messages unchanged; nothing here adds per-call text (dates, ids) in front of them.
"""
from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
)
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

_ROLES: dict[type[BaseMessage], str] = {
    SystemMessage: "system", HumanMessage: "user", AIMessage: "assistant",
}


@dataclass
class _Loaded:
    llama: Any  # llama_cpp.Llama
    lock: threading.Lock = field(default_factory=threading.Lock)


# One Llama (and its generation lock) per distinct load config, per process.
_REGISTRY: dict[tuple, _Loaded] = {}
_REGISTRY_LOCK = threading.Lock()


def _load(key: tuple, kwargs: dict[str, Any]) -> _Loaded:
    with _REGISTRY_LOCK:  # two first calls in parallel must not load the model twice
        loaded = _REGISTRY.get(key)
        if loaded is None:
            from llama_cpp import Llama  # heavy native import: only when a model is first used

            if not _REGISTRY:
                # Why: Llama.__del__ during interpreter teardown fails noisily ("'NoneType'
                # object is not callable") once llama_cpp's globals are gone; close it first.
                atexit.register(unload_all, wait_s=5.0)
            loaded = _REGISTRY[key] = _Loaded(Llama(**kwargs))
        return loaded


def unload_all(wait_s: float | None = None) -> None:
    """Close every loaded model (tests, processes switching models, interpreter exit).

    A model still generating after `wait_s` seconds is left alone: freeing it under a running
    generation would crash, and process exit reclaims it anyway.
    """
    with _REGISTRY_LOCK:
        for loaded in _REGISTRY.values():
            if loaded.lock.acquire(timeout=-1 if wait_s is None else wait_s):
                try:
                    loaded.llama.close()
                finally:
                    loaded.lock.release()
        _REGISTRY.clear()


def _text(content: str | list) -> str:
    if isinstance(content, str):
        return content
    parts = [c if isinstance(c, str) else c.get("text", "") for c in content
             if isinstance(c, str) or c.get("type") == "text"]
    return "".join(parts)


def to_llama_messages(messages: list[BaseMessage]) -> list[dict[str, str]]:
    out = []
    for m in messages:
        role = m.role if isinstance(m, ChatMessage) else _ROLES.get(type(m))
        if role is None:  # subclasses (e.g. AIMessageChunk) map by isinstance
            role = next((r for t, r in _ROLES.items() if isinstance(m, t)), None)
        if role is None:
            raise ValueError(f"ChatLlamaCpp can't send a {type(m).__name__} (no tool support)")
        out.append({"role": role, "content": _text(m.content)})
    return out


class ChatLlamaCpp(BaseChatModel):
    """Chat model running a local GGUF with llama-cpp-python; the model loads on first use."""

    model_path: str
    n_ctx: int = 1536
    n_threads: int | None = None  # None: os.cpu_count()
    n_batch: int = 512
    chat_format: str | None = None  # None: the chat template stored in the GGUF metadata
    temperature: float = 0.0
    max_tokens: int = 160
    stop: list[str] | None = None
    seed: int = 0  # fixed: identical prompts give identical answers when temperature > 0 too
    model_kwargs: dict[str, Any] = Field(default_factory=dict)  # extra Llama(...) arguments

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "n_ctx": self.n_ctx,
                "temperature": self.temperature, "max_tokens": self.max_tokens}

    def _load_key(self) -> tuple:
        threads = self.n_threads or os.cpu_count() or 1
        return (os.path.realpath(self.model_path), self.n_ctx, threads, self.n_batch,
                self.chat_format, tuple(sorted(self.model_kwargs.items())))

    def _loaded(self) -> _Loaded:
        path, n_ctx, threads, n_batch, chat_format, _ = key = self._load_key()
        return _load(key, {
            "model_path": path, "n_ctx": n_ctx, "n_threads": threads,
            "n_threads_batch": threads, "n_batch": n_batch, "chat_format": chat_format,
            "verbose": False, **self.model_kwargs,
        })

    @property
    def llama(self) -> Any:
        """The shared `llama_cpp.Llama` (loads it). Hold `generation_lock` while using it."""
        return self._loaded().llama

    @property
    def generation_lock(self) -> threading.Lock:
        return self._loaded().lock

    def _params(self, stop: list[str] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        stops = [*(self.stop or []), *(stop or []), *(kwargs.pop("stop", None) or [])]
        return {"temperature": kwargs.pop("temperature", self.temperature),
                "max_tokens": kwargs.pop("max_tokens", self.max_tokens),
                "seed": kwargs.pop("seed", self.seed),
                "stop": stops, **kwargs}

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None,
                  **kwargs: Any) -> ChatResult:
        loaded = self._loaded()
        with loaded.lock:
            resp = loaded.llama.create_chat_completion(
                messages=to_llama_messages(messages), **self._params(stop, kwargs))
        choice = resp["choices"][0]
        u = resp.get("usage") or {}
        usage = UsageMetadata(input_tokens=u.get("prompt_tokens", 0),
                              output_tokens=u.get("completion_tokens", 0),
                              total_tokens=u.get("total_tokens", 0))
        msg = AIMessage(content=choice["message"].get("content") or "", usage_metadata=usage,
                        response_metadata={"finish_reason": choice.get("finish_reason"),
                                           "model_name": os.path.basename(self.model_path)})
        return ChatResult(generations=[ChatGeneration(message=msg)])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None,
                **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        loaded = self._loaded()
        # The lock is held until the stream ends or the consumer closes the generator. It is a
        # plain Lock, not an RLock: `astream` advances this generator from executor threads, so
        # the release may happen on a different thread than the acquire.
        with loaded.lock:
            for part in loaded.llama.create_chat_completion(
                    messages=to_llama_messages(messages), stream=True,
                    **self._params(stop, kwargs)):
                choice = part["choices"][0]
                text = choice.get("delta", {}).get("content") or ""
                finish = choice.get("finish_reason")
                if not text and not finish:
                    continue  # the opening {"role": "assistant"} delta carries no text
                meta = {"finish_reason": finish} if finish else {}
                # No run_manager.on_llm_new_token here: BaseChatModel (1.x) reports each chunk.
                yield ChatGenerationChunk(
                    message=AIMessageChunk(content=text, response_metadata=meta))
