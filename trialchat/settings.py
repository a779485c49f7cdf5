"""All configuration in one typed place (env prefix ``TRIALCHAT_``)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_EMBEDDING_MODEL = "bundled:all-MiniLM-L6-v2"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRIALCHAT_", env_file=".env", extra="ignore")

    data_dir: Path = Path("./data")
    chroma_url: str | None = None  # unset = embedded PersistentClient under data_dir
    chroma_timeout: float = 30.0  # seconds a Chroma server may take to answer one call (then: store unavailable)
    collection: str = "trialchat"
    # how long an ingest or removal waits for another process writing the same collection before giving up
    write_lock_wait: float = 300.0
    embedding_model: str = DEFAULT_EMBEDDING_MODEL  # or any sentence-transformers model path
    embed_batch_size: int = 64
    # an OpenAI-compatible /v1/embeddings server (e.g. a GPU one for large ingests) instead of the local model;
    # checked against the vectors the collection was written with, so two models never mix
    embeddings_url: str | None = None
    embeddings_url_model: str = "sentence-transformers/all-MiniLM-L6-v2"  # the model name sent to it
    embeddings_api_key: str | None = None
    # onnx: fp32 ONNX export of the same weights (same vectors, ~1.5-2x bulk, >10x less CPU per query);
    # auto: onnx when the export can be made and verified, else torch (sentence-transformers)
    embedding_backend: Literal["auto", "onnx", "torch"] = "auto"
    # the bundled sample's vectors ship in corpus/sample_vectors.npz (checked against the embedder first)
    shipped_vectors: bool = True

    llm: Literal["local", "openai", "ollama", "extractive"] = "local"
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_temperature: float = 0.0
    llm_max_tokens: int = 160
    llm_ctx: int = 1536
    llm_threads: int | None = None
    model_cache_dir: Path | None = None  # where the assembled GGUF lives; default ~/.cache/trialchat

    retrieval_mode: Literal["hybrid", "dense", "bm25"] = "hybrid"  # dense/bm25 are eval ablations
    reranker: bool = True  # the shipped cross-encoder picks the record's sentence that answers (assistant/rerank.py)
    reranker_min_score: float = -4.0  # its ms-marco logit below which the records are taken not to say
    retrieve_k: int = 4  # chunks shown to the model: few and good (prompt speed ~58 tok/s)
    max_question_chars: int = 2000

    host: str = "127.0.0.1"
    port: int = 7860
    # partner sites allowed to embed the widget: "https://a.org,https://b.org" (or a JSON list)
    allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    rate_limit_per_minute: int = 20
    # reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (IPs or CIDR ranges, comma-
    # separated or a JSON list); empty = the peer's own address is the client, whatever headers it sends
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # the largest request body accepted (answered 413 before it is read or parsed); uploads are always off
    max_request_bytes: int = 1_000_000

    @field_validator("allowed_origins", "trusted_proxies", mode="before")
    @classmethod
    def _split_origins(cls, value):
        if isinstance(value, str):
            value = value.strip()
            if value.startswith("["):
                return json.loads(value)
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    def bm25_dir(self, collection: str | None = None) -> Path:
        return self.data_dir / "bm25" / (collection or self.collection)

    def facts_dir(self, collection: str | None = None) -> Path:
        return self.data_dir / "facts" / (collection or self.collection)

    def resolved_model_cache(self) -> Path:
        return self.model_cache_dir or Path.home() / ".cache" / "trialchat"
