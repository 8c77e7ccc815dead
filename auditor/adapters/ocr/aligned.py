"""Tables printed without ruling lines: rows of text aligned into columns.

A line whose text breaks into three chunks or more with wide gaps between them (wider than
1.5 character heights, which no sentence has) is a table row. Runs of such rows — with a row
of a single chunk allowed between them (a group heading such as ``第二十条第（一）项``) — are
laid into columns found by projecting every chunk onto the x axis: chunks of one column overlap
there, gaps between columns stay empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

MIN_COLUMNS = 3
MIN_ROWS = 2
GAP = 1.5  # character heights between two cells of a row


class Box(Protocol):
    x0: int
    y0: int
    x1: int
    y1: int
    text: str
    confidence: float


@dataclass
class Chunk:
    """Neighbouring pieces of one line read together as one cell."""

    pieces: list
    x0: int
    x1: int


def chunks(line: list, height: float) -> list[Chunk]:
    out: list[Chunk] = []
    for piece in line:
        if out and piece.x0 - out[-1].x1 <= GAP * height:
            out[-1].pieces.append(piece)
            out[-1].x1 = max(out[-1].x1, piece.x1)
        else:
            out.append(Chunk([piece], piece.x0, piece.x1))
    return out


def _height(line: list) -> float:
    heights = sorted(p.y1 - p.y0 for p in line)
    return max(heights[len(heights) // 2], 1)


def find_runs(lines: list[list]) -> list[tuple[int, int]]:
    """``(first, end)`` index ranges of ``lines`` that form aligned tables."""
    counts = [len(chunks(line, _height(line))) for line in lines]
    runs = []
    i = 0
    while i < len(lines):
        if counts[i] < MIN_COLUMNS:
            i += 1
            continue
        end = i + 1
        while end < len(lines) and (counts[end] >= 2 or (
                end + 1 < len(lines) and counts[end] == 1 and counts[end + 1] >= MIN_COLUMNS)):
            end += 1
        if sum(1 for c in counts[i:end] if c >= MIN_COLUMNS) >= MIN_ROWS:
            runs.append((i, end))
        i = end
    return runs


def columns(rows: list[list[Chunk]]) -> list[tuple[int, int]]:
    """Column intervals: the x-projection of every chunk of rows with two chunks or more."""
    spans = sorted((c.x0, c.x1) for row in rows if len(row) >= 2 for c in row)
    merged: list[list[int]] = []
    for x0, x1 in spans:
        if merged and x0 <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], x1)
        else:
            merged.append([x0, x1])
    return [(a, b) for a, b in merged]


def lay_out(lines: list[list], make_cell: Callable[[list, int, int, int, int, tuple[int, int, int, int]], object]
            ) -> tuple[list, int]:
    """Cells of one aligned run: ``make_cell(pieces, row, col, rows, cols, box)`` for each chunk
    (a one-chunk row spans every column). Returns the cells and the number of columns."""
    rows = [chunks(line, _height(line)) for line in lines]
    bands = columns(rows)
    cells = []
    for r, (line, row) in enumerate(zip(lines, rows)):
        top, bottom = min(p.y0 for p in line), max(p.y1 for p in line)
        if len(row) == 1 and len(bands) > 1:
            cells.append(make_cell(row[0].pieces, r, 0, 1, len(bands), (bands[0][0], top, bands[-1][1], bottom)))
            continue
        taken: dict[int, list] = {}
        for chunk in row:
            centre = (chunk.x0 + chunk.x1) / 2
            col = min(range(len(bands)), key=lambda c: 0 if bands[c][0] <= centre <= bands[c][1]
                      else min(abs(bands[c][0] - centre), abs(bands[c][1] - centre)))
            taken.setdefault(col, []).extend(chunk.pieces)
        for col, (x0, x1) in enumerate(bands):
            cells.append(make_cell(taken.get(col, []), r, col, 1, 1, (x0, top, x1, bottom)))
    return cells, len(bands)
