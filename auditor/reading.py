"""From a path to recognized reports: read safely, pick the adapter, recognize.

Only regular files are read: a FIFO, a device (a link to ``/dev/zero``), a socket or a folder is
an error entry before anything is opened for reading, and a file's size is checked before its
bytes are read (and again while reading, in case it grows). Paths with ``://`` are fsspec URLs
(``s3://…``, ``https://…``; fsspec must be installed) read under the same size cap.

Every failure is an ``AdapterError`` with a one-line reason, so callers can list the file as an
error entry and go on with the batch.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import stat
from pathlib import Path
from typing import Optional

from auditor.model import AdapterError, Document, Report

MAX_FILE_BYTES = 64 * 1024 * 1024
SNIFF_BYTES = 4096
_CHUNK = 1 << 20


def is_url(path: str) -> bool:
    """``s3://bucket/key``, ``https://host/file``…; ``file://`` too. Not Windows drive paths."""
    head, sep, _ = path.partition("://")
    return bool(sep) and len(head) > 1 and head.replace("+", "").replace("-", "").isalnum()


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MiB" if size >= 1024 * 1024 else f"{size} bytes"


def _too_big(size: int, limit: int) -> AdapterError:
    return AdapterError(f"file is {_mib(size)}, over the {_mib(limit)} limit")


def read_bytes(path: str, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file (or an fsspec URL), at most ``max_bytes`` of them."""
    if is_url(path):
        return _read_url(path, max_bytes)
    try:
        info = os.stat(path)  # follows links: a link to /dev/zero is a device
    except FileNotFoundError:
        raise AdapterError("no such file") from None
    except PermissionError:
        raise AdapterError("permission denied") from None
    except OSError as exc:
        raise AdapterError(f"cannot read: {exc.strerror or exc}") from None
    _check_kind(info.st_mode)
    if info.st_size > max_bytes:
        raise _too_big(info.st_size, max_bytes)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except PermissionError:
        raise AdapterError("permission denied") from None
    except OSError as exc:
        raise AdapterError(f"cannot read: {exc.strerror or exc}") from None
    try:
        _check_kind(os.fstat(fd).st_mode)  # swapped for a FIFO between stat and open
        chunks = []
        total = 0
        while True:
            chunk = os.read(fd, _CHUNK)
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:
                raise _too_big(total, max_bytes)
            chunks.append(chunk)
    except OSError as exc:
        raise AdapterError(f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def _check_kind(mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise AdapterError("is a directory")
    kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
    raise AdapterError(f"is {kind}, not a regular file: not read")


def _read_url(url: str, max_bytes: int) -> bytes:
    try:
        import fsspec
    except ImportError:
        raise AdapterError("reading URLs needs fsspec: pip install \"auditor[dask]\"") from None
    try:
        fs, target = fsspec.core.url_to_fs(url)
        size = fs.size(target)
        if size is not None and size > max_bytes:
            raise _too_big(size, max_bytes)
        with fs.open(target, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except AdapterError:
        raise
    except FileNotFoundError:
        raise AdapterError("no such file") from None
    except Exception as exc:  # every fsspec backend has its own errors
        raise AdapterError(f"cannot read: {type(exc).__name__}: {exc}") from None
    if len(data) > max_bytes:
        raise _too_big(len(data), max_bytes)
    return data


def pick_adapter(path: str, head: bytes):
    """The adapter for a file, claimed through the ``auditor_claim`` hook (first result wins):
    by extension first, then by content. A plugin that only lists adapters
    (``auditor_adapters``) without claiming is asked the same two questions afterwards."""
    from auditor import plugins
    from auditor.hookspecs import claim

    hook = plugins.manager().hook.auditor_claim
    for by in ("extension", "content"):
        chosen = hook(path=path, head=head, by=by)
        if chosen is None:
            chosen = next((a for a in plugins.unclaimed_adapters() if claim(a, path, head, by)), None)
        if chosen is not None:
            return chosen
    available = [loaded.obj for loaded in plugins.adapters().values()]
    known = ", ".join(sorted({ext for a in available for ext in a.extensions}))
    suffix = Path(path).suffix.lower()
    raise AdapterError(f"no adapter reads '{suffix or Path(path).name}' files (known: {known})")


def read_document(path: str | os.PathLike[str], data: Optional[bytes] = None, *,
                  max_bytes: int = MAX_FILE_BYTES) -> Document:
    """Read one file (or use ``data``, its bytes already read) with the adapter that claims it."""
    name = os.fspath(path)
    if data is None:
        data = read_bytes(name, max_bytes)
    if not data:
        raise AdapterError("file is empty")
    adapter = pick_adapter(name, data[:SNIFF_BYTES])
    document = adapter.read(name, data)
    digest = hashlib.sha256(data).hexdigest()
    return dataclasses.replace(document, sha256=digest)


def load_reports(path: str | os.PathLike[str], data: Optional[bytes] = None, *,
                 max_bytes: int = MAX_FILE_BYTES) -> list[Report]:
    """Every document recognized in one file (a scraped page may hold several)."""
    from auditor.recognize import recognize

    document = read_document(path, data, max_bytes=max_bytes)
    reports = recognize(document)
    if not any(r.kind != "other" for r in reports):
        found = f" ({len(reports)} document(s) of another kind)" if reports else ""
        raise AdapterError(f"no annual report found: no report title, section headings or tables{found}")
    return reports
