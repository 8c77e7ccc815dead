"""From a path to recognized reports: pick the adapter, enforce limits, recognize.

Every failure is an ``AdapterError`` with a one-line reason, so callers can list the file as an
error entry and go on with the batch.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from pathlib import Path

from auditor import plugins
from auditor.model import AdapterError, Document, Report

MAX_FILE_BYTES = 64 * 1024 * 1024
SNIFF_BYTES = 4096


def pick_adapter(path: str, head: bytes):
    """The adapter for a file: by extension first, then by sniffing its first bytes."""
    available = [loaded.obj for loaded in plugins.adapters().values()]
    suffix = Path(path).suffix.lower()
    for adapter in available:
        if suffix in adapter.extensions:
            return adapter
    # Specific formats first: plain text would claim any readable bytes (a saved .jsp page).
    for adapter in sorted(available, key=lambda a: getattr(a, "fallback", False)):
        if adapter.sniff(head):
            return adapter
    known = ", ".join(sorted({ext for a in available for ext in a.extensions}))
    raise AdapterError(f"no adapter reads '{suffix or Path(path).name}' files (known: {known})")


def read_document(path: str | os.PathLike[str]) -> Document:
    """Read one file with the adapter that claims it."""
    name = os.fspath(path)
    try:
        size = os.path.getsize(name)
        if os.path.isdir(name):
            raise AdapterError("is a directory")
        if size > MAX_FILE_BYTES:
            raise AdapterError(f"file is {size // (1024 * 1024)} MiB, over the {MAX_FILE_BYTES // (1024 * 1024)} MiB limit")
        with open(name, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise AdapterError("no such file") from None
    except PermissionError:
        raise AdapterError("permission denied") from None
    except IsADirectoryError:
        raise AdapterError("is a directory") from None
    except OSError as exc:
        raise AdapterError(f"cannot read: {exc.strerror or exc}") from None
    if not data:
        raise AdapterError("file is empty")
    adapter = pick_adapter(name, data[:SNIFF_BYTES])
    document = adapter.read(name, data)
    digest = hashlib.sha256(data).hexdigest()
    return dataclasses.replace(document, sha256=digest)


def load_reports(path: str | os.PathLike[str]) -> list[Report]:
    """Every document recognized in one file (a scraped page may hold several)."""
    from auditor.recognize import recognize

    document = read_document(path)
    reports = recognize(document)
    if not any(r.kind != "other" for r in reports):
        found = f" ({len(reports)} document(s) of another kind)" if reports else ""
        raise AdapterError(f"no annual report found: no report title, section headings or tables{found}")
    return reports
