"""The local model: file assembly + verification (fake parts), and real generation (llm marker)."""
from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import os
import threading
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from assistant.llm import make_chat_model, model_files
from assistant.llm.model_files import DEFAULT_MODEL, ModelFileError, ModelSpec, ensure_model
from trialchat.settings import Settings

requires_llama_cpp = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None,
    reason="llama-cpp-python is not installed (bash scripts/install.sh builds it)")


# ---- assembly and verification, with three tiny fake parts --------------------------------

@pytest.fixture
def fake_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[ModelSpec, bytes]:
    blobs = [os.urandom(n) for n in (3000, 3000, 1234)]
    paths = []
    for i, blob in enumerate(blobs, 1):
        p = tmp_path / "site" / f"part{i:02d}.bin"
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(blob)
        paths.append(p)
    whole = b"".join(blobs)
    spec = ModelSpec(filename="tiny.gguf", dist_prefix="fake-part", part_count=3, version="0",
                     size=len(whole), sha256=hashlib.sha256(whole).hexdigest())
    monkeypatch.setattr(model_files, "locate_parts", lambda s: list(paths))
    return spec, whole


def test_assembles_verifies_and_stamps(tmp_path: Path, fake_parts) -> None:
    spec, whole = fake_parts
    cache = tmp_path / "cache" / "nested"
    path = ensure_model(cache, progress=False, spec=spec)
    assert path == cache / "tiny.gguf" and path.read_bytes() == whole
    assert (cache / "tiny.gguf.verified.json").is_file()
    assert sorted(p.name for p in cache.iterdir()) == ["tiny.gguf", "tiny.gguf.verified.json"]


def test_stamp_fast_path_does_not_rehash(tmp_path: Path, fake_parts, monkeypatch) -> None:
    spec, _ = fake_parts
    first = ensure_model(tmp_path, progress=False, spec=spec)

    def boom(*a, **k):
        raise AssertionError("fast path must not hash or look for parts")

    monkeypatch.setattr(model_files, "sha256_file", boom)
    monkeypatch.setattr(model_files, "locate_parts", boom)
    assert ensure_model(tmp_path, progress=False, spec=spec) == first


def test_existing_file_without_stamp_is_hashed_once(tmp_path: Path, fake_parts, monkeypatch) -> None:
    spec, whole = fake_parts
    (tmp_path / "tiny.gguf").write_bytes(whole)  # e.g. copied in by hand
    calls = []
    real = model_files.sha256_file
    monkeypatch.setattr(model_files, "sha256_file", lambda p, progress=False: calls.append(p) or real(p))
    ensure_model(tmp_path, progress=False, spec=spec)
    ensure_model(tmp_path, progress=False, spec=spec)
    assert len(calls) == 1


@pytest.mark.parametrize("damage", ["flip_byte", "truncate"])
def test_changed_cached_file_is_detected_and_rebuilt(tmp_path: Path, fake_parts, damage) -> None:
    spec, whole = fake_parts
    path = ensure_model(tmp_path, progress=False, spec=spec)
    bad = bytearray(whole)
    if damage == "flip_byte":
        bad[100] ^= 0xFF
    else:
        bad = bad[:-10]
    path.write_bytes(bytes(bad))
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # mtime differs from stamp
    assert ensure_model(tmp_path, progress=False, spec=spec).read_bytes() == whole


def test_damaged_parts_give_clear_error_and_leave_nothing(tmp_path: Path, fake_parts) -> None:
    spec, _ = fake_parts
    wrong = dataclasses.replace(spec, sha256="0" * 64)
    cache = tmp_path / "cache"
    with pytest.raises(ModelFileError, match="sha256.*force-reinstall"):
        ensure_model(cache, progress=False, spec=wrong)
    assert list(cache.iterdir()) == []  # temp file removed, nothing half-written


def test_missing_part_names_it_and_the_fix(tmp_path: Path) -> None:
    spec = ModelSpec(filename="x.gguf", dist_prefix="trialchat-test-absent-part", part_count=5,
                     version="1", size=1, sha256="0" * 64)
    with pytest.raises(ModelFileError, match=r"Model part 1 of 5 not installed.*scripts/install\.sh"):
        ensure_model(tmp_path, progress=False, spec=spec)


def test_installed_parts_are_located_in_order() -> None:
    parts = model_files.locate_parts(DEFAULT_MODEL)
    assert [p.name for p in parts] == [f"part{i:02d}.bin" for i in range(1, 23)]
    assert sum(p.stat().st_size for p in parts) == DEFAULT_MODEL.size


# ---- the real model (loaded once per session) ---------------------------------------------

SYSTEM = ("You answer questions about one clinical trial using only the numbered sources. "
          "Answer in at most five words.")


@pytest.fixture(scope="session")
def local_chat():
    # TRIALCHAT_LLM_MODEL may point at another GGUF (e.g. a 0.5B for quick runs).
    chat = make_chat_model(Settings(_env_file=None, llm="local", llm_max_tokens=12,
                                    llm_temperature=0.0), progress=False)
    yield chat


@pytest.mark.llm
@requires_llama_cpp
def test_uses_the_ggufs_chatml_template(local_chat) -> None:
    assert local_chat.llama.chat_format == "chat_template.default"  # read from GGUF metadata
    assert "<|im_start|>" in local_chat.llama.metadata["tokenizer.chat_template"]


@pytest.mark.llm
@requires_llama_cpp
def test_invoke_and_stream_agree(local_chat) -> None:
    msgs = [SystemMessage(SYSTEM), HumanMessage("Name the three primary colours of paint.")]
    reply = local_chat.invoke(msgs)
    assert isinstance(reply, AIMessage) and "red" in reply.content.lower()
    assert 0 < reply.usage_metadata["output_tokens"] <= 12
    assert "<|im_" not in reply.content  # the template's stop token ended the turn

    chunks = [c for c in local_chat.stream(msgs) if c.content]
    assert len(chunks) >= 2  # token by token, not one block
    assert "".join(c.content for c in chunks) == reply.content  # greedy: same text either way


@pytest.mark.llm
@requires_llama_cpp
def test_stop_and_max_tokens_per_call(local_chat) -> None:
    msgs = [HumanMessage("Count from 1 to 10, separated by spaces. Only the numbers.")]
    text = local_chat.invoke(msgs, stop=["4"]).content
    assert "3" in text and "4" not in text, text
    assert local_chat.invoke(msgs, max_tokens=2).usage_metadata["output_tokens"] <= 2


@pytest.mark.llm
@requires_llama_cpp
def test_constant_system_prompt_is_not_re_evaluated(local_chat, monkeypatch) -> None:
    """Why: prompt eval (~58 tok/s) dominates latency; the KV cache of a shared prefix is kept."""
    system = SYSTEM + " Sources: " + " ".join(f"[{i}] Field {i} of the study record." for i in range(30))
    llama = local_chat.llama
    evaluated: list[int] = []
    real_eval = llama.eval
    monkeypatch.setattr(llama, "eval", lambda toks: evaluated.append(len(toks)) or real_eval(toks))
    local_chat.invoke([SystemMessage(system), HumanMessage("Where is the study?")], max_tokens=1)
    first = sum(evaluated)
    evaluated.clear()
    local_chat.invoke([SystemMessage(system), HumanMessage("Can I join at 70?")], max_tokens=1)
    second = sum(evaluated)
    assert first > 250 and second < 30, (first, second)


@pytest.mark.llm
@requires_llama_cpp
def test_concurrent_calls_are_serialised(local_chat) -> None:
    results: dict[str, str] = {}
    errors: list[BaseException] = []

    def ask(key: str, q: str) -> None:
        try:
            results[key] = local_chat.invoke([SystemMessage(SYSTEM), HumanMessage(q)],
                                             max_tokens=6).content
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=ask, args=("sky", "What colour is a clear daytime sky?")),
               threading.Thread(target=ask, args=("grass", "What colour is fresh grass?"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    assert "blue" in results["sky"].lower() and "green" in results["grass"].lower()
