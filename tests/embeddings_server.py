"""A small OpenAI-compatible `/v1/embeddings` server over the bundled embedder, for tests: started as its own
process (`python tests/embeddings_server.py PORT`). The model `sentence-transformers/all-MiniLM-L6-v2` gives
the bundled model's vectors; any other model name gives other vectors (the same ones reversed), to stand
for a server running another model. Answers `encoding_format: base64` as OpenAI does."""
from __future__ import annotations

import base64
import sys

import numpy as np
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

from trialchat.embeddings import shared_embeddings

MODEL = "sentence-transformers/all-MiniLM-L6-v2"
app = FastAPI()


class Request(BaseModel):
    model: str
    input: list[str] | str
    encoding_format: str = "float"


@app.post("/v1/embeddings")
def embeddings(req: Request) -> dict:
    texts = [req.input] if isinstance(req.input, str) else req.input
    vecs = np.asarray(shared_embeddings().embed_documents(texts), dtype=np.float32)
    if req.model != MODEL:
        vecs = vecs[:, ::-1].copy()
    data = [{"object": "embedding", "index": i,
             "embedding": base64.b64encode(v.astype("<f4").tobytes()).decode() if req.encoding_format == "base64"
             else v.tolist()} for i, v in enumerate(vecs)]
    return {"object": "list", "data": data, "model": req.model, "usage": {"prompt_tokens": 0, "total_tokens": 0}}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
