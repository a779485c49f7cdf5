"""Export a local sentence-transformers model (BERT-style, mean pooling) to ONNX once, into a cache dir.

The export is fp32 and lossless: the transformer graph is traced from the bundled weights with
``torch.onnx.export``, then ONNX Runtime's own BERT fusions (attention, layer norm, GELU) are applied —
the same arithmetic in fewer, faster kernels, no quantization. Before an export is used it must give
the same vectors as sentence-transformers on probe texts (cosine ≥ ``MIN_COSINE``); otherwise it is
thrown away and the caller keeps torch. Nothing is downloaded: the weights come from the model folder.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

EXPORT_VERSION = "1"  # bump when the export recipe changes: old exports are then rebuilt
MIN_COSINE = 0.9999   # an export below this is not "the same vectors" and is discarded
MODEL_FILE = "model.onnx"
META_FILE = "export.json"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
PROBES = [  # short and long, with padding in one batch: the cases a trace can get wrong
    "What does double-blind mean here?",
    "Can I join if I'm 70?",
    "Eligibility Criteria\nInclusion Criteria:\n* Adults aged 18 to 65 years with systemic lupus erythematosus "
    "fulfilling the ACR criteria, stable treatment for at least 4 weeks before screening. " * 6,
    "Locations › Cedars-Sinai Medical Center, Los Angeles, California, United States",
    "x",
]


class ExportError(RuntimeError):
    pass


def export_key(model_dir: Path) -> str:
    """Cheap identity of a model folder (names, sizes, mtimes) plus the recipe version."""
    h = hashlib.sha256(f"{EXPORT_VERSION}|{model_dir.resolve()}".encode())
    for p in sorted(model_dir.rglob("*")):
        if p.is_file():
            st = p.stat()
            h.update(f"{p.relative_to(model_dir)}|{st.st_size}|{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def export_dir(model_dir: Path, cache_dir: Path) -> Path:
    return cache_dir / "embedder-onnx" / export_key(model_dir)


def discard_export(model_dir: Path, cache_dir: Path) -> None:
    """Remove a cached export (the next ``ensure_export`` makes it again)."""
    shutil.rmtree(export_dir(model_dir, cache_dir), ignore_errors=True)


def ensure_export(model_dir: Path, cache_dir: Path) -> Path:
    """The verified ONNX file for ``model_dir``, exporting it on first use (a few seconds, once).

    Safe with several processes starting at once: one exports under a file lock, the others wait.
    """
    target = export_dir(model_dir, cache_dir)
    if (target / MODEL_FILE).exists() and (target / META_FILE).exists():
        return target / MODEL_FILE
    from filelock import FileLock

    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock", timeout=600):
        if (target / MODEL_FILE).exists() and (target / META_FILE).exists():
            return target / MODEL_FILE
        tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=target.parent))
        tmp.chmod(0o755)  # mkdtemp makes it private; the cache is shared like the GGUF
        try:
            meta = _export(model_dir, tmp / MODEL_FILE)
            (tmp / META_FILE).write_text(json.dumps(meta, indent=2))
            if target.exists():  # a half-written folder from a killed run
                shutil.rmtree(target)
            os.replace(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return target / MODEL_FILE


def _export(model_dir: Path, out: Path) -> dict:
    import numpy as np
    import torch
    from transformers import AutoModel, AutoTokenizer

    _check_mean_pooling(model_dir)
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager")  # eager traces to plain ops
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))

    class LastHidden(torch.nn.Module):  # keyword call: BertModel's positional order is not ours
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    sample = tokenizer(PROBES[:2], return_tensors="pt", padding=True)
    raw = out.with_name("raw.onnx")
    import warnings

    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer chatter about constant-folded Python values
        torch.onnx.export(LastHidden(model), tuple(sample[k] for k in INPUTS), str(raw),
                          input_names=list(INPUTS), output_names=["last_hidden_state"],
                          dynamic_axes={k: {0: "batch", 1: "tokens"} for k in (*INPUTS, "last_hidden_state")},
                          opset_version=17, dynamo=False)
    fused = _fuse(raw, out, model.config)
    if not fused:
        os.replace(raw, out)
    else:
        raw.unlink(missing_ok=True)

    # Verify against sentence-transformers itself on a padded batch of probes.
    from sentence_transformers import SentenceTransformer

    from trialchat.onnx_embedder import OnnxEncoder

    reference = SentenceTransformer(str(model_dir), device="cpu").encode(
        PROBES, normalize_embeddings=True, convert_to_numpy=True)
    ours = OnnxEncoder(model_dir, out, threads=0).encode(PROBES, batch_size=len(PROBES))
    min_cos = float(np.min(np.sum(reference * ours, axis=1)))
    if min_cos < MIN_COSINE:
        raise ExportError(f"ONNX export of {model_dir} gives different vectors (min cosine {min_cos:.5f} "
                          f"< {MIN_COSINE}); keeping torch.")
    return {"model_dir": str(model_dir), "export_version": EXPORT_VERSION, "fused": fused,
            "min_cosine_probes": round(min_cos, 6), "torch": torch.__version__}


def _check_mean_pooling(model_dir: Path) -> None:
    modules = json.loads((model_dir / "modules.json").read_text()) if (model_dir / "modules.json").exists() else []
    kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
    pooling_cfg = next((model_dir / m["path"] / "config.json" for m in modules
                        if m.get("type", "").endswith("Pooling")), None)
    pooling = json.loads(pooling_cfg.read_text()) if pooling_cfg and pooling_cfg.exists() else {}
    extra = [k for k in kinds if k not in ("Transformer", "Pooling", "Normalize")]
    if not pooling.get("pooling_mode_mean_tokens") or extra or any(
            pooling.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens",
                                     "pooling_mode_mean_sqrt_len_tokens")):
        raise ExportError(f"{model_dir} is not a Transformer + mean pooling model; the ONNX path covers only those.")


def _fuse(raw: Path, out: Path, config) -> bool:
    """ONNX Runtime's BERT fusions (fp32, exact up to float rounding); False when they do not apply."""
    if getattr(config, "model_type", "") != "bert":
        return False
    try:
        from onnxruntime.transformers import optimizer

        model = optimizer.optimize_model(str(raw), model_type="bert", num_heads=config.num_attention_heads,
                                         hidden_size=config.hidden_size, opt_level=1)
        model.save_model_to_file(str(out))
        return True
    except Exception as e:  # fusion is a speed-up, never a requirement
        log.warning("ONNX fusion skipped (%s); using the plain export", e)
        return False
