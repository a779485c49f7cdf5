"""`make_chat_model` for each backend (no network), plus a real OpenAI-compatible server run."""
from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, SystemMessage, ToolMessage

from assistant.llm import LLMConfigError, local_model_path, make_chat_model
from assistant.llm.llama_cpp_chat import _REGISTRY, ChatLlamaCpp, to_llama_messages
from trialchat.settings import Settings

requires_llama_cpp = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None,
    reason="llama-cpp-python is not installed (bash scripts/install.sh builds it)")


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch):
    """Settings built only from the test's arguments: no .env file, no TRIALCHAT_/OPENAI_ env."""
    for name in list(os.environ):
        if name.startswith(("TRIALCHAT_", "OPENAI_", "OLLAMA_")):
            monkeypatch.delenv(name)
    return lambda **kw: Settings(_env_file=None, **kw)


def test_extractive_has_no_model(settings) -> None:
    assert make_chat_model(settings(llm="extractive")) is None


def test_openai_passes_config_through(settings) -> None:
    chat = make_chat_model(settings(llm="openai", llm_base_url="http://127.0.0.1:9/v1",
                                    llm_model="qwen-test", llm_temperature=0.3,
                                    llm_max_tokens=42))
    from langchain_openai import ChatOpenAI

    assert isinstance(chat, ChatOpenAI)
    assert chat.openai_api_base == "http://127.0.0.1:9/v1" and chat.model_name == "qwen-test"
    assert chat.openai_api_key.get_secret_value() == "not-needed"  # local servers ignore it
    assert chat.streaming and chat.temperature == 0.3 and chat.max_tokens == 42


def test_openai_uses_given_key(settings) -> None:
    chat = make_chat_model(settings(llm="openai", llm_model="gpt-x", llm_api_key="sk-test"))
    assert chat.openai_api_key.get_secret_value() == "sk-test"


def test_openai_without_model_names_the_env_var(settings) -> None:
    with pytest.raises(LLMConfigError, match="TRIALCHAT_LLM_MODEL"):
        make_chat_model(settings(llm="openai", llm_base_url="http://127.0.0.1:9/v1"))


def test_openai_cloud_without_key_names_the_env_var(settings) -> None:
    with pytest.raises(LLMConfigError, match="TRIALCHAT_LLM_API_KEY"):
        make_chat_model(settings(llm="openai", llm_model="gpt-x"))


def test_ollama_passes_config_through(settings) -> None:
    chat = make_chat_model(settings(llm="ollama", llm_base_url="http://127.0.0.1:9",
                                    llm_model="qwen2.5-coder:1.5b", llm_max_tokens=50))
    from langchain_ollama import ChatOllama

    assert isinstance(chat, ChatOllama)
    assert chat.base_url == "http://127.0.0.1:9" and chat.model == "qwen2.5-coder:1.5b"
    assert chat.num_predict == 50 and chat.temperature == 0.0


def test_ollama_without_model_names_the_env_var(settings) -> None:
    with pytest.raises(LLMConfigError, match="TRIALCHAT_LLM_MODEL"):
        make_chat_model(settings(llm="ollama"))


@requires_llama_cpp
def test_local_with_gguf_path_is_lazy(settings, tmp_path: Path) -> None:
    gguf = tmp_path / "some-model.gguf"
    gguf.write_bytes(b"not loaded at construction")
    before = dict(_REGISTRY)
    chat = make_chat_model(settings(llm="local", llm_model=str(gguf), llm_ctx=777,
                                    llm_threads=3, llm_max_tokens=9))
    assert isinstance(chat, ChatLlamaCpp)
    assert chat.model_path == str(gguf) and chat.n_ctx == 777 and chat.n_threads == 3
    assert chat.max_tokens == 9
    assert _REGISTRY == before  # nothing loaded yet


def test_local_model_override_must_be_a_gguf_file(settings, tmp_path: Path) -> None:
    with pytest.raises(LLMConfigError, match="not an existing .gguf file"):
        local_model_path(settings(llm="local", llm_model=str(tmp_path / "missing.gguf")))


def test_messages_map_to_chat_roles() -> None:
    msgs = [SystemMessage("s"), HumanMessage([{"type": "text", "text": "q"}]), AIMessage("a"),
            AIMessageChunk(content="b")]
    assert to_llama_messages(msgs) == [
        {"role": "system", "content": "s"}, {"role": "user", "content": "q"},
        {"role": "assistant", "content": "a"}, {"role": "assistant", "content": "b"}]
    with pytest.raises(ValueError, match="ToolMessage"):
        to_llama_messages([ToolMessage("x", tool_call_id="1")])


# ---- real end-to-end: ChatOpenAI against llama_cpp.server on loopback -----------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def openai_server():
    """`python -m llama_cpp.server` over the local GGUF; yields its /v1 base URL."""
    gguf = local_model_path(Settings(_env_file=None, llm="local"), progress=False)
    port = _free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1",
           "--port", str(port), "--model_alias", "trialchat-test", "--n_ctx", "1024",
           "--n_threads", str(os.cpu_count() or 1), "--verbose", "False"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited ({proc.returncode}):\n{proc.stdout.read()}")
            try:
                with urllib.request.urlopen(f"{base}/models", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("llama_cpp.server did not answer /v1/models within 120 s")
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.llm
@requires_llama_cpp
def test_openai_backend_against_local_server(openai_server) -> None:
    chat = make_chat_model(Settings(_env_file=None, llm="openai", llm_base_url=openai_server,
                                    llm_model="trialchat-test", llm_api_key=None,
                                    llm_max_tokens=12))
    msgs = [SystemMessage("Answer in at most five words."),
            HumanMessage("Name the three primary colours of paint.")]
    reply = chat.invoke(msgs)
    assert "red" in reply.content.lower()
    assert reply.response_metadata.get("model_name") == "trialchat-test"

    chunks = [c.content for c in chat.stream(msgs) if c.content]
    assert len(chunks) >= 2  # really streamed (SSE), not one block
    assert "".join(chunks) == reply.content  # greedy decoding: same text either way
