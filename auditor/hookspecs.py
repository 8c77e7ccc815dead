"""Every hook auditor calls. Built-in adapters and reporters implement these exactly as a
third-party plugin does (registered under the ``auditor`` entry-point group).

Hooks return *descriptors* — small classes with a name and a method — and the core does the
work: picks the adapter for a file, writes reporter output atomically, reports name clashes.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import TYPE_CHECKING, Protocol

import pluggy

if TYPE_CHECKING:
    from pathlib import Path

    from auditor.model import AuditRun, Document

hookspec = pluggy.HookspecMarker("auditor")
hookimpl = pluggy.HookimplMarker("auditor")


class Adapter(Protocol):
    """A format adapter: claims files and reads bytes into a ``Document``."""

    name: str  # short, unique: "text", "html"
    extensions: tuple[str, ...]  # lower-case, with dot: (".txt",)
    description: str

    def sniff(self, head: bytes) -> bool:
        """True if the first bytes of a file look like this format (used when the extension
        is unknown or wrong). Must be cheap and must not import heavy libraries."""

    def read(self, path: str, data: bytes) -> Document:
        """Read a whole file. Raise ``auditor.model.AdapterError`` with a one-line reason
        for input that cannot be read; never anything else on bad input."""


class Reporter(Protocol):
    """An output format: renders a finished ``AuditRun``.

    Optionally also ``write(run, stream, *, color=False)``: the same output written piece by
    piece to a binary stream. When a reporter has it the core calls it instead of ``render``,
    so a batch of 10^5 documents never has to exist as one string (the JSON reporter does).

    A reporter with ``folder = True`` writes a folder of files: ``--output DIR/`` is required and
    the core writes each ``(name, bytes)`` of ``files(run)`` atomically into it (the notice
    reporter does: one Word file per agency)."""

    name: str  # "junit", "sarif"…, unique across plugins
    suffix: str  # default file suffix: ".xml"
    description: str
    binary: bool  # render() returns bytes rather than str

    def render(self, run: AuditRun, *, color: bool = False) -> str | bytes:
        """The whole output. The core writes it to stdout or atomically to a file."""


@hookspec
def auditor_adapters() -> list[type[Adapter] | Adapter]:
    """Return format adapters this plugin provides. Called once at start-up; results from all
    plugins are merged and two adapters with the same ``name`` are an error naming both."""


@hookspec(firstresult=True)
def auditor_claim(path: str, head: bytes, by: str) -> Adapter | None:
    """Return the adapter that reads this file, or None. Called twice per file, first with
    ``by="extension"`` (claim only files whose name says your format), then, if no plugin
    claimed it, with ``by="content"`` (claim from ``head``, the first 4 KiB). The first plugin
    to return an adapter wins; the plain-text fallback is ``trylast`` so any specific format
    sniffs before it. ``claim(adapter, path, head, by)`` below does the usual thing."""


def claim(adapter: Adapter, path: str, head: bytes, by: str) -> Adapter | None:
    """``adapter`` if its extensions (``by="extension"``) or its ``sniff`` (``by="content"``)
    say the file is its format — what most ``auditor_claim`` implementations do."""
    if by == "extension":
        suffix = PurePath(path).suffix.lower()
        return adapter if suffix and suffix in adapter.extensions else None
    return adapter if adapter.sniff(head) else None


@hookspec
def auditor_reporters() -> list[type[Reporter] | Reporter]:
    """Return output formats this plugin provides. Called once at start-up; names must be
    unique across all plugins."""


@hookspec
def auditor_rule_paths() -> list[Path | str]:
    """Return rule files or folders this plugin ships; they are loaded with the standard packs
    whenever rules are compiled (``auditor rules list`` shows them with their pack)."""
