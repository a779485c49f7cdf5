"""The bundled embedder on ONNX Runtime: same vectors as sentence-transformers, far less CPU per query.

Runs an fp32 ONNX export of the model (``trialchat.onnx_export``) with the model's own fast tokenizer
(``tokenizer.json``) and the same mean pooling + L2 normalisation. Importing this module does not
import torch, so a process that only answers questions starts faster.
"""
from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings


class OnnxEncoder:
    """Tokenize → ONNX transformer → masked mean → unit vectors (numpy in, numpy out)."""

    def __init__(self, model_dir: Path, onnx_file: Path, threads: int = 0):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        cfg_path = model_dir / "sentence_bert_config.json"
        max_len = json.loads(cfg_path.read_text()).get("max_seq_length", 256) if cfg_path.exists() else 256
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=max_len)
        self.tokenizer.enable_padding(pad_id=self.tokenizer.token_to_id("[PAD]") or 0)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads  # 0 = one per core, like torch
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        self.input_names = {i.name for i in self.session.get_inputs()}

    def _batch(self, texts: list[str]) -> np.ndarray:
        encoded = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, {k: v for k, v in feeds.items() if k in self.input_names})[0]
        m = mask[..., None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Longest first in batches of similar length, so padding stays small (as sentence-transformers does)."""
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out: np.ndarray | None = None
        for start in range(0, len(texts), batch_size):
            idx = order[start:start + batch_size]
            vecs = self._batch([texts[i] for i in idx])
            if out is None:
                out = np.zeros((len(texts), vecs.shape[1]), dtype=np.float32)
            out[idx] = vecs
        return out if out is not None else np.zeros((0, 0), dtype=np.float32)


class OnnxEmbeddings(Embeddings):
    """LangChain ``Embeddings`` over :class:`OnnxEncoder`; loads lazily on first use, thread-safe."""

    backend = "onnx"

    def __init__(self, model_dir: Path, onnx_file: Path, batch_size: int = 32, threads: int = 0):
        self.model_dir = model_dir
        self.onnx_file = onnx_file
        self.batch_size = batch_size
        self.threads = threads
        self._encoder: Any = None
        self._lock = threading.Lock()

    @property
    def encoder(self) -> OnnxEncoder:
        with self._lock:
            if self._encoder is None:
                self._encoder = OnnxEncoder(self.model_dir, self.onnx_file, self.threads)
            return self._encoder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return self.encoder.encode(list(texts), self.batch_size).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encoder.encode([text], 1)[0].tolist()
