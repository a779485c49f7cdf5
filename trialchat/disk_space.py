"""Disk space for a write: checked before anything is changed, and a full disk said as what it is.

A full disk used to end an ingest with Chroma's "Error in compaction: Failed to apply logs to the
metadata segment", with no word of space. An ingest now estimates what it will write and refuses up
front, naming the path and the space needed, so the store is left as it was; a disk that fills anyway
(another process writing) is reported the same way.
"""
from __future__ import annotations

import errno
import shutil
from pathlib import Path

# Chroma's disk per chunk (text, metadata, vector, HNSW): 6.1 KB measured at 129,636 chunks (docs/deploy.md),
# with a margin for SQLite's write-ahead log
BYTES_PER_CHUNK = 8 * 1024
HEADROOM = 4 * 1024 * 1024  # sqlite journals, lock and version files
NEARLY_FULL = 1024 * 1024  # under this much free, a failed write is taken for a full disk


class DiskFull(RuntimeError):
    """Not enough space on the data dir's disk; says where, how much, and that nothing was changed."""


def _existing(path: Path) -> Path:
    path = Path(path).resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def free_bytes(path: Path) -> int:
    return shutil.disk_usage(_existing(path)).free


def tree_bytes(path: Path) -> int:
    """Bytes of the files under ``path`` (0 when it does not exist)."""
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


def require(path: Path, needed: int) -> None:
    """Raise DiskFull unless ``needed`` bytes (plus headroom) are free where ``path`` lives."""
    needed += HEADROOM
    free = free_bytes(path)
    if free < needed:
        raise DiskFull(f"not enough disk space for {path}: about {_mb(needed)} needed, {_mb(free)} free. "
                       "Nothing was changed: free some space (or set TRIALCHAT_DATA_DIR elsewhere) and run again.")


def looks_full(error: BaseException, path: Path) -> bool:
    """Whether a failed write failed for want of space (ENOSPC, or any error with the disk nearly full)."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    try:
        return free_bytes(path) < NEARLY_FULL
    except OSError:
        return False


def full_during_write(path: Path) -> DiskFull:
    return DiskFull(f"the disk holding {path} filled up during the write ({_mb(free_bytes(path))} free). What was "
                    "committed before this run is still served; free some space and run again to complete it.")
