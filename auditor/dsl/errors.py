"""Compiler-quality diagnostics for rule files: ``file:line:col``, the line, a caret, a hint."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Optional


@dataclass(frozen=True)
class Diagnostic:
    """One problem at one place. ``line``/``column`` are 1-based; 0 means "the whole file"."""

    path: str
    line: int
    column: int
    message: str
    source_line: str = ""
    width: int = 1  # characters to underline

    def headline(self) -> str:
        where = f"{self.path}:{self.line}:{self.column}" if self.line else self.path
        return f"{where}: error: {self.message}"

    def render(self) -> str:
        """The headline, then the offending line with a caret under the column."""
        if not self.line or not self.source_line:
            return self.headline()
        number = str(self.line)
        gutter = " " * (len(number) + 2)
        text = self.source_line.rstrip("\n").replace("\t", " ")
        before = text[: max(self.column - 1, 0)]
        marked = text[max(self.column - 1, 0): max(self.column - 1, 0) + max(self.width, 1)]
        caret = "^" + "~" * max(_display_width(marked) - 1, 0)
        return (f"{self.headline()}\n"
                f" {number} | {text}\n"
                f"{gutter}| {' ' * _display_width(before)}{caret}")


def _display_width(text: str) -> int:
    """Terminal columns: CJK characters take two, so the caret lines up under them."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class RuleFileError(Exception):
    """A rule file (or a rule selection) that cannot be used. ``str()`` is one line;
    ``render()`` the full compiler-style message for every diagnostic."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        first = self.diagnostics[0].headline() if self.diagnostics else "invalid rule file"
        more = len(self.diagnostics) - 1
        super().__init__(first + (f" (and {more} more)" if more > 0 else ""))

    @classmethod
    def at(cls, path: str, source: str, line: int, column: int, message: str,
           width: int = 1) -> RuleFileError:
        return cls([diagnostic(path, source, line, column, message, width)])

    def render(self) -> str:
        return "\n".join(d.render() for d in self.diagnostics)

    @property
    def first(self) -> Diagnostic:
        return self.diagnostics[0]


def diagnostic(path: str, source: str, line: int, column: int, message: str,
               width: int = 1) -> Diagnostic:
    lines = source.splitlines()
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return Diagnostic(path, line, column, message, text, width)


def did_you_mean(word: str, candidates: Iterable[str], *, quote: str = "'") -> str:
    """`` — did you mean 'x'?`` for the closest candidate, or an empty string."""
    pool = sorted(set(candidates))
    close = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in pool}
        close = [lowered[m] for m in difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)]
    return f" — did you mean {quote}{close[0]}{quote}?" if close else ""


def source_text(source: str, pos: Any) -> str:
    """The text a node spans (one line only; ``…`` for more)."""
    lines = source.splitlines()
    if pos.line == pos.end_line and 0 < pos.line <= len(lines):
        return lines[pos.line - 1][pos.column - 1: pos.end_column - 1]
    return "…"


def closest(word: str, candidates: Iterable[str]) -> Optional[str]:
    close = difflib.get_close_matches(word, sorted(set(candidates)), n=1, cutoff=0.6)
    return close[0] if close else None
