"""Shared helpers for the structured adapters: cell-text normalisation and grid expansion.

Every structured format (HTML, DOCX, PDF) describes tables as cells with spans; the recognizer
wants a plain rectangle where a merged cell is repeated into every slot it covers. Doing that
once here keeps the three adapters in agreement about what a grid is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

from auditor.model import RawCell, Span

# Spaces a page uses for layout, not meaning: NBSP, ideographic space, zero-width characters.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_ASCII_WORD = re.compile(r"[0-9A-Za-z]")
_CJK = "\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"


@cache
def _space_between_cjk() -> re.Pattern[str]:
    """Justified PDF text and hand-aligned Word labels put spaces between Chinese characters
    (结 果). Compiled on first use (slow to compile; a text report never needs it)."""
    return re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")


MAX_SPAN = 1000  # colspan/rowspan beyond this is hostile or broken input, not a report table
MAX_GRID_SLOTS = 200_000


def join_lines(lines: Iterable[str]) -> str:
    """Join wrapped lines: no space where either side is CJK (``本年新`` + ``制作数量``), one
    space between two Latin words or numbers."""
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if out and _ASCII_WORD.match(out[-1]) and _ASCII_WORD.match(line[0]):
            out += " "
        out += line
    return out


def clean_text(text: str) -> str:
    """Inline text of a paragraph: invisible characters dropped, runs of spaces collapsed."""
    return _SPACES.sub(" ", text.translate(_INVISIBLE)).strip()


def clean_cell(text: str) -> str:
    """Cell text: lines joined CJK-aware, spaces collapsed, NBSP and ``\\u3000`` stripped."""
    lines = (_SPACES.sub(" ", line.translate(_INVISIBLE)) for line in text.splitlines())
    return _space_between_cjk().sub("", join_lines(lines))


@dataclass
class SourceCell:
    """A cell as the source declares it, before expansion."""

    text: str
    rowspan: int = 1
    colspan: int = 1
    span: Span = field(default_factory=Span)


class GridTooLarge(ValueError):
    """A table whose declared spans would expand past ``MAX_GRID_SLOTS``."""


def expand_grid(rows: Sequence[Sequence[SourceCell]]) -> tuple[tuple[RawCell, ...], ...]:
    """Lay out rows of spanning cells (HTML table model) into a rectangle of ``RawCell``.

    A merged cell is repeated into every slot it covers; slots nobody fills are ``RawCell("")``.
    A rowspan reaching past the last row is cut there (browsers do the same).
    """
    occupied: dict[tuple[int, int], RawCell] = {}
    width = 0
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in occupied:
                c += 1
            rowspan = min(max(cell.rowspan, 1), MAX_SPAN, len(rows) - r)
            colspan = min(max(cell.colspan, 1), MAX_SPAN)
            raw = RawCell(cell.text, cell.span)
            for dr in range(rowspan):
                for dc in range(colspan):
                    occupied.setdefault((r + dr, c + dc), raw)
            if len(occupied) > MAX_GRID_SLOTS:
                raise GridTooLarge(f"table expands past {MAX_GRID_SLOTS} cells")
            c += colspan
            width = max(width, c)
    empty = RawCell("")
    return tuple(tuple(occupied.get((r, c), empty) for c in range(width)) for r in range(len(rows)))


def drop_empty_rows(grid: tuple[tuple[RawCell, ...], ...]) -> tuple[tuple[RawCell, ...], ...]:
    """Rows with no text at all carry nothing for the recognizer (spacer rows in layouts)."""
    return tuple(row for row in grid if any(cell.text for cell in row))


def is_data_grid(grid: tuple[tuple[RawCell, ...], ...]) -> bool:
    """A grid worth handing over as a table: at least two rows and two columns with text.

    One-column "tables" are boxes drawn around a paragraph (seen in the 淮安 PDF) or layout
    wrappers; their text reads as paragraphs.
    """
    if len(grid) < 2:
        return False
    columns_with_text = {c for row in grid for c, cell in enumerate(row) if cell.text}
    return len(columns_with_text) >= 2
