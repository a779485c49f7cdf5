"""Turn the paths a user gives into documents to parse: files, folders (recursive) and .zip members.

Only regular files are read (a FIFO would block for ever, ``/dev/zero`` never ends), and never more than
``MAX_DOCUMENT_BYTES`` of one. A document's ``source_file`` is relative to what was ingested (the folder's
name and the path inside it, the file's name, ``archive.zip!member``), so the same files ingested by an
absolute or a relative path, or from another working directory, are the same sources.
"""
from __future__ import annotations

import os
import stat
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
    # where it really is (resolved absolute path, ``!member`` for a zip member): which stored studies came
    # from this file, for per-file sync; two folders with the same name are different places
    location: str = ""


def _not_regular(mode: int) -> str | None:
    for test, what in ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return what
    return None if stat.S_ISREG(mode) else "not a regular file"


def _read(path: Path, source: str) -> Document:
    doc = _read_file(path, source)
    doc.location = location(path)
    return doc


def location(path: Path) -> str:
    """A path's resolved absolute form: the same file however it was named."""
    try:
        return str(path.resolve())
    except (OSError, RuntimeError):
        return str(path.absolute())


def _read_file(path: Path, source: str) -> Document:
    try:
        st = path.stat()  # follows links: a link to /dev/zero is a device
        if not stat.S_ISREG(st.st_mode):
            return Document(path.name, source, error=f"{_not_regular(st.st_mode)}, not a regular file: not read")
        if st.st_size > MAX_DOCUMENT_BYTES:
            return Document(path.name, source, error=f"file is too large ({st.st_size:,} bytes; limit {MAX_DOCUMENT_BYTES:,})")
        # O_NONBLOCK: a file swapped for a FIFO after the check must not block; read at most the limit + 1
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return Document(path.name, source, error="not a regular file: not read")
            data = fh.read(MAX_DOCUMENT_BYTES + 1)
        if len(data) > MAX_DOCUMENT_BYTES:
            return Document(path.name, source, error=f"file is too large (over {MAX_DOCUMENT_BYTES:,} bytes)")
        return Document(path.name, source, data=data)
    except OSError as e:
        return Document(path.name, source, error=f"cannot read file: {e.strerror or e}")


def root_name(root: Path) -> str:
    return root.name or root.resolve().name or str(root)


def _zip_members(path: Path, source_prefix: str) -> Iterator[Document]:
    archive = location(path)
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                member = Path(info.filename)
                if info.is_dir() or any(p.startswith((".", "__MACOSX")) for p in member.parts):
                    continue
                source, where = f"{source_prefix}!{info.filename}", f"{archive}!{info.filename}"
                if member.suffix.lower() not in FOLDER_EXTENSIONS - {".zip"}:
                    continue
                if info.file_size > MAX_DOCUMENT_BYTES:
                    yield Document(member.name, source, error=f"zip member is too large ({info.file_size:,} bytes)",
                                   location=where)
                    continue
                try:
                    yield Document(member.name, source, data=zf.read(info), location=where)
                except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as e:
                    yield Document(member.name, source, error=f"cannot read zip member: {e}", location=where)
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        yield Document(path.name, source_prefix, error=f"not a readable zip archive: {e}", location=archive)


def discover(paths: list[Path]) -> Iterator[Document]:
    """Yield documents in a stable order. Explicit files are always tried; folders keep known extensions."""
    for root in paths:
        name = root_name(root)
        if not root.exists():
            yield Document(root.name, name, error="no such file or folder", location=location(root))
        elif root.is_dir():
            for path in sorted(root.rglob("*")):
                rel = path.relative_to(root)
                if any(part.startswith(".") for part in rel.parts) or path.suffix.lower() not in FOLDER_EXTENSIONS:
                    continue
                if path.is_dir():
                    continue
                source = f"{name}/{rel.as_posix()}"
                if path.suffix.lower() == ".zip" and path.is_file():
                    yield from _zip_members(path, source)
                else:
                    yield _read(path, source)  # reports a FIFO or device by name instead of skipping it
        elif root.suffix.lower() == ".zip" and root.is_file():
            yield from _zip_members(root, name)
        else:
            yield _read(root, name)
