"""Turn the paths a user gives into documents to parse: files, folders (recursive) and .zip members."""
from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MAX_DOCUMENT_BYTES = 200 * 1024 * 1024  # refuse a single 200 MB+ document (or zip member) instead of exhausting memory
FOLDER_EXTENSIONS = {".json", ".jsonl", ".ndjson", ".xml", ".txt", ".md", ".zip"}


@dataclass
class Document:
    name: str  # used for format detection
    source_file: str  # what the user sees in errors and in chunk metadata
    data: bytes | None = None
    error: str | None = None  # set when the document could not even be read


def _read(path: Path) -> Document:
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            return Document(path.name, str(path), error=f"file is too large ({size:,} bytes; limit {MAX_DOCUMENT_BYTES:,})")
        return Document(path.name, str(path), data=path.read_bytes())
    except OSError as e:
        return Document(path.name, str(path), error=f"cannot read file: {e.strerror or e}")


def _zip_members(path: Path) -> Iterator[Document]:
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                member = Path(info.filename)
                if info.is_dir() or any(p.startswith((".", "__MACOSX")) for p in member.parts):
                    continue
                source = f"{path}!{info.filename}"
                if member.suffix.lower() not in FOLDER_EXTENSIONS - {".zip"}:
                    continue
                if info.file_size > MAX_DOCUMENT_BYTES:
                    yield Document(member.name, source, error=f"zip member is too large ({info.file_size:,} bytes)")
                    continue
                try:
                    yield Document(member.name, source, data=zf.read(info))
                except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as e:
                    yield Document(member.name, source, error=f"cannot read zip member: {e}")
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        yield Document(path.name, str(path), error=f"not a readable zip archive: {e}")


def discover(paths: list[Path]) -> Iterator[Document]:
    """Yield documents in a stable order. Explicit files are always tried; folders keep known extensions."""
    for root in paths:
        if not root.exists():
            yield Document(root.name, str(root), error="no such file or folder")
        elif root.is_dir():
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                rel = path.relative_to(root)
                if any(part.startswith(".") for part in rel.parts) or path.suffix.lower() not in FOLDER_EXTENSIONS:
                    continue
                yield from (_zip_members(path) if path.suffix.lower() == ".zip" else [_read(path)])
        elif root.suffix.lower() == ".zip":
            yield from _zip_members(root)
        else:
            yield _read(root)
