"""Serve the local GGUF as an OpenAI-compatible endpoint with N parallel slots (llama.cpp's own server).

    .venv/bin/python scripts/llm_server.py --parallel 2 --port 8081 [--ctx-per-slot 2048] [--threads 2]

Uses `xllamacpp` (a prebuilt wheel of llama.cpp's C++ server: continuous batching, one KV cache slot per
parallel request; `pip install xllamacpp`). `python -m llama_cpp.server` answers one request at a time,
so it cannot show what `trialchat eval --jobs N` gains. Point the harness at it with

    TRIALCHAT_LLM=openai TRIALCHAT_LLM_BASE_URL=http://127.0.0.1:8081/v1 TRIALCHAT_LLM_MODEL=trialchat-local \\
        trialchat eval eval/questions/dev.jsonl --config default --jobs 2

Runs until interrupted (Ctrl-C). See docs/eval.md.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parallel", type=int, default=2, help="requests served at once (slots)")
    ap.add_argument("--port", type=int, default=8081)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--ctx-per-slot", type=int, default=4096, help="context of each slot (vanilla needs ~4096)")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--model", type=Path, help="a GGUF (default: the assembled local model)")
    ap.add_argument("--alias", default="trialchat-local", help="model name clients send (TRIALCHAT_LLM_MODEL)")
    args = ap.parse_args()
    try:
        import xllamacpp as xlc
    except ImportError:
        print("error: xllamacpp is not installed: `.venv/bin/pip install xllamacpp` (a prebuilt llama.cpp server)",
              file=sys.stderr)
        return 2
    from assistant.llm import local_model_path
    from trialchat.settings import Settings

    model = args.model or local_model_path(Settings(llm="local"), progress=True)
    params = xlc.CommonParams()
    params.model.path = str(model)
    params.model_alias = {args.alias}  # a set of names in this llama.cpp version
    params.n_parallel = args.parallel
    params.n_ctx = args.ctx_per_slot * args.parallel  # llama.cpp divides the context among the slots
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    params.hostnames = [args.host]
    params.port = args.port
    server = xlc.Server(params)
    print(f"serving {model.name} as {args.alias!r} with {args.parallel} slots at {server.listening_address}/v1",
          flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
