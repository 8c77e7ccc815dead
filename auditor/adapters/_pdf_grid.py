"""One table from its page fragments: a shared column grid, and the seams at page breaks repaired.

Column edges from every fragment of a table are clustered (a table re-drawn on the next page is
a point or two wider, or has fewer columns), and a cell covering several slots is repeated into
each. At each page break:

- a header the next page repeats is dropped;
- a merged label that carries on, empty, on the next page is given to every row it covers;
- a label the break cut in two (``（四）无`` / ``法提供``) is joined;
- a row the break cut in two — its label at the foot of one page and its numbers at the top of
  the next, or its numbers first and the end of its label after — becomes one row again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from auditor.adapters._cells import join_lines
from auditor.adapters._pdf_lattice import Fragment, cluster
from auditor.adapters._pdf_text import ENUMERATED
from auditor.model import RawCell, Span

EDGE_TOLERANCE = 4.0  # points: the same column line drawn on two pages
ROW_TOLERANCE = 1.5
_NUMERIC = re.compile(r"^[-+]?\d[\d,.]*\s*(万元|元|件|宗|个|%)?$")
_SENTENCE_END = ("。", "；", ";", "：", ":")


@dataclass
class TableBuild:
    """A table being assembled from one or more page fragments."""

    index: int
    fragments: list[Fragment]


def compatible(a: Fragment, b: Fragment) -> bool:
    """True when ``b``'s column lines mostly coincide with ``a``'s (the same table re-drawn)."""
    small, large = (a.xs, b.xs) if len(a.xs) <= len(b.xs) else (b.xs, a.xs)
    matched = sum(1 for x in small if any(abs(x - y) <= EDGE_TOLERANCE for y in large))
    return matched >= 0.8 * len(small)


def _nearest(edges: list[float], value: float) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - value))


def build_grid(build: TableBuild) -> tuple[tuple[RawCell, ...], ...]:
    """Lay all fragments of one table onto a shared column grid, page after page."""
    columns = cluster([x for f in build.fragments for x in f.xs], EDGE_TOLERANCE)
    width = len(columns) - 1
    grid: list[list[Optional[RawCell]]] = []
    owners: list[list[int]] = []  # which source cell fills each slot, to rewrite merged labels
    junctions: list[int] = []  # first row index of each later fragment
    source = 0
    for number, fragment in enumerate(build.fragments):
        ys = cluster([y for (_, top, _, bottom), _, _ in fragment.cells for y in (top, bottom)], ROW_TOLERANCE)
        base = len(grid)
        grid.extend([None] * width for _ in range(len(ys) - 1))
        owners.extend([-1] * width for _ in range(len(ys) - 1))
        if number:
            junctions.append(base)
        if width < 1 or len(ys) < 2:
            continue  # every edge in one place: no slot to lay a cell in
        for (x0, top, x1, bottom), text, confidence in fragment.cells:
            # A box flatter or narrower than the tolerances (an OCR box on a ruling, a stroke)
            # may snap both its edges to the last line: it is then laid in the last slot.
            c0, c1 = min(_nearest(columns, x0), width - 1), _nearest(columns, x1)
            r0, r1 = min(_nearest(ys, top), len(ys) - 2), _nearest(ys, bottom)
            raw = RawCell(text, Span(page=fragment.page,
                                     locator=f"table[{build.index}]/row[{base + r0 + 1}]/cell[{c0 + 1}]"),
                          confidence=confidence)
            source += 1
            for r in range(base + r0, base + max(r1, r0 + 1)):
                for c in range(c0, max(c1, c0 + 1)):
                    if grid[r][c] is None:
                        grid[r][c] = raw
                        owners[r][c] = source
    for junction in reversed(junctions):
        _join_pages(grid, owners, junction)
    empty = RawCell("")
    return tuple(tuple(cell or empty for cell in row) for row in grid)


def _texts(grid: list[list[Optional[RawCell]]], r: int) -> list[str]:
    return [(cell.text if cell else "") for cell in grid[r]]


def _join_pages(grid: list[list[Optional[RawCell]]], owners: list[list[int]], junction: int) -> None:
    """Repair the seam where a table continues on the next page (``junction`` = its first row)."""
    # A header row repeated on the new page: drop as many leading rows as match the table's top.
    repeated = 0
    while (junction + repeated < len(grid) and repeated < junction
           and _texts(grid, junction + repeated) == _texts(grid, repeated) and any(_texts(grid, repeated))):
        repeated += 1
    if repeated:
        del grid[junction:junction + repeated]
        del owners[junction:junction + repeated]
    if junction >= len(grid) or junction == 0:
        return
    _join_labels(grid, owners, junction)
    _join_split_row(grid, owners, junction)


def _join_labels(grid: list[list[Optional[RawCell]]], owners: list[list[int]], junction: int) -> None:
    """A merged (group) label continued on the new page, empty or with the rest of its words."""
    width = len(grid[0])
    above, below = _texts(grid, junction - 1), _texts(grid, junction)
    for c in range(width):
        top_owner, bottom_owner = owners[junction - 1][c], owners[junction][c]
        if top_owner < 0 or bottom_owner < 0 or top_owner == bottom_owner:
            continue
        # Only a cell continuing in exactly the same columns (a group label cut by the page),
        # never a full-width group heading followed by the next group's first label.
        if _columns_of(owners, junction - 1, top_owner) != _columns_of(owners, junction, bottom_owner):
            continue
        top_text, bottom_text = above[c], below[c]
        if not top_text or _NUMERIC.match(top_text) or _NUMERIC.match(bottom_text):
            continue
        # A group label has finer labels to its right, or spans several rows; a single-row
        # cell beside numbers or blanks is a row label or a value of its own row.
        last = max(_columns_of(owners, junction, bottom_owner))
        finer_label = last + 1 < width and below[last + 1] and not _NUMERIC.match(below[last + 1])
        if not (finer_label or _rows_of(owners, bottom_owner) > 1):
            continue
        if not bottom_text:
            merged = top_text  # the merged label carries on, empty, on the new page
        elif not ENUMERATED.match(bottom_text) and not top_text.endswith(_SENTENCE_END):
            merged = join_lines((top_text, bottom_text))  # a label the page break cut in two
        else:
            continue
        _rewrite(grid, owners, {top_owner, bottom_owner}, merged)


def _join_split_row(grid: list[list[Optional[RawCell]]], owners: list[list[int]], junction: int) -> None:
    """One row drawn on both sides of the break: numbers on one side only, and wherever both
    sides hold words they are one cell's (the same merged label, or a label visibly cut off)."""
    above, below = _texts(grid, junction - 1), _texts(grid, junction)
    numbers_above = any(_NUMERIC.match(t) for t in above)
    numbers_below = any(_NUMERIC.match(t) for t in below)
    if numbers_above == numbers_below or not any(above) or not any(below):
        return  # two rows of numbers, or two rows of words: separate rows
    joined: list[str] = []
    for c, (top, bottom) in enumerate(zip(above, below)):
        if not top or not bottom or top == bottom or owners[junction - 1][c] == owners[junction][c]:
            joined.append(top or bottom)
        elif _cut_off(top) and not _NUMERIC.match(bottom) and not ENUMERATED.match(bottom):
            joined.append(join_lines((top, bottom)))
        else:
            return  # two different entries in one column (a row left blank, then the next row)
    for c, text in enumerate(joined):
        kept = grid[junction - 1][c] if above[c] else grid[junction][c]
        if kept is not None and kept.text != text:
            _rewrite(grid, owners, {owners[junction - 1][c], owners[junction][c]} - {-1}, text)
        else:
            grid[junction - 1][c] = kept
            owners[junction - 1][c] = owners[junction - 1][c] if above[c] else owners[junction][c]
    del grid[junction]
    del owners[junction]


def _cut_off(label: str) -> bool:
    """A label visibly unfinished: a bracket left open, or a comma or 顿号 at its end."""
    opened = label.count("（") + label.count("(") - label.count("）") - label.count(")")
    return opened > 0 or label.endswith(("，", ",", "、"))


def _rewrite(grid: list[list[Optional[RawCell]]], owners: list[list[int]], replaced: set[int], text: str) -> None:
    for r, row in enumerate(owners):
        for c, owner in enumerate(row):
            if owner in replaced:
                old = grid[r][c]
                grid[r][c] = RawCell(text, old.span if old else Span(), old.confidence if old else None)


def _rows_of(owners: list[list[int]], owner: int) -> int:
    return sum(1 for row in owners if owner in row)


def _columns_of(owners: list[list[int]], row: int, owner: int) -> tuple[int, ...]:
    return tuple(c for c, o in enumerate(owners[row]) if o == owner)
