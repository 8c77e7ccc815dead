"""Ruled tables on one page: ruling lines -> a grid of slots -> cells, merged where a line is missing.

A table is a connected group of horizontal and vertical rulings. Its column edges are the
x positions of its vertical rulings (plus the ends of its horizontal ones, for tables drawn
without side borders), its row edges the y positions of the horizontal rulings. Two
neighbouring slots belong to one cell when no ruling separates them — that is exactly what a
merged cell looks like on paper, so merges need no other evidence. Glyphs are then dropped
into slots by their centre.

This is the "lattice" method of Camelot and pdfplumber's lines strategy, written against
PDFium's objects so the file is parsed once (see ``pdf.py`` for why not pdfplumber itself).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Optional

from auditor.adapters._pdf_page import Glyph, PageContent, Ruling

SNAP = 2.0  # points: rulings this close are one line (a border drawn by both neighbouring cells)
JOIN = 2.5  # points: collinear pieces with a gap this small are one line
TOUCH = 2.5  # points: how far a ruling may stop short of the one it meets
COVER = 0.5  # share of a slot's side a ruling must cover to separate two slots
MAX_RULINGS = 4000  # after merging; more is a drawing, not a table


@dataclass
class Fragment:
    """One ruled table as drawn on one page: cell boxes with their glyphs' text."""

    page: int
    bbox: tuple[float, float, float, float]
    cells: list[tuple[tuple[float, float, float, float], str, Optional[float]]]  # box, text, confidence
    xs: list[float] = field(default_factory=list)


def cluster(values: list[float], tolerance: float) -> list[float]:
    """Sorted values merged where they lie within ``tolerance`` of each other (cluster means)."""
    clusters: list[list[float]] = []
    for value in sorted(values):
        if clusters and value - clusters[-1][-1] <= tolerance:
            clusters[-1].append(value)
        else:
            clusters.append([value])
    return [sum(c) / len(c) for c in clusters]


def merge_rulings(rulings: list[Ruling]) -> list[Ruling]:
    """Snap nearly equal positions together and join collinear pieces that touch or overlap."""
    merged: list[Ruling] = []
    by_position: list[list[Ruling]] = []
    for ruling in sorted(rulings):
        if by_position and ruling.at - by_position[-1][-1].at <= SNAP:
            by_position[-1].append(ruling)
        else:
            by_position.append([ruling])
    for group in by_position:
        at = sum(r.at for r in group) / len(group)
        pieces = sorted(group, key=lambda r: r.start)
        start, end = pieces[0].start, pieces[0].end
        for piece in pieces[1:]:
            if piece.start <= end + JOIN:
                end = max(end, piece.end)
            else:
                merged.append(Ruling(at, start, end))
                start, end = piece.start, piece.end
        merged.append(Ruling(at, start, end))
    return merged


def find_tables(content: PageContent) -> tuple[list[Fragment], list[Glyph]]:
    """The page's ruled tables (two columns or more) and the glyphs outside them."""
    horizontal = [r for r in merge_rulings(content.horizontal) if r.end - r.start > TOUCH]
    vertical = [r for r in merge_rulings(content.vertical) if r.end - r.start > TOUCH]
    if len(horizontal) + len(vertical) > MAX_RULINGS:
        content.notes.append(f"page {content.number}: {len(horizontal) + len(vertical)} ruling lines, "
                             "over the table-finding limit; its text is read as lines")
        return [], content.glyphs
    fragments = []
    for group_h, group_v in _connected(horizontal, vertical):
        grid = _Lattice(group_h, group_v)
        if len(grid.xs) >= 3 and len(grid.ys) >= 2:  # one column: a frame around prose
            fragments.append(grid)
    if not fragments:
        return [], content.glyphs
    outside: list[Glyph] = []
    for glyph in content.glyphs:
        cx, cy = (glyph.x0 + glyph.x1) / 2, (glyph.top + glyph.bottom) / 2
        for grid in fragments:
            if grid.take(glyph, cx, cy):
                break
        else:
            outside.append(glyph)
    return [grid.fragment(content.number) for grid in fragments], outside


def _connected(horizontal: list[Ruling], vertical: list[Ruling]) -> list[tuple[list[Ruling], list[Ruling]]]:
    """Groups of rulings that meet (union-find over crossing pairs); a group needs two of each."""
    parent = list(range(len(horizontal) + len(vertical)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_x = sorted(range(len(vertical)), key=lambda j: vertical[j].at)
    xs = [vertical[j].at for j in by_x]
    for i, h in enumerate(horizontal):
        lo = bisect_left(xs, h.start - TOUCH)
        for k in range(lo, len(xs)):
            if xs[k] > h.end + TOUCH:
                break
            v = vertical[by_x[k]]
            if v.start - TOUCH <= h.at <= v.end + TOUCH:
                parent[root(i)] = root(len(horizontal) + by_x[k])
    groups: dict[int, tuple[list[Ruling], list[Ruling]]] = {}
    for i, h in enumerate(horizontal):
        groups.setdefault(root(i), ([], []))[0].append(h)
    for j, v in enumerate(vertical):
        groups.setdefault(root(len(horizontal) + j), ([], []))[1].append(v)
    return [g for g in groups.values() if len(g[0]) >= 2 and len(g[1]) >= 2]


class _Lattice:
    """Slots between consecutive column and row edges, merged into cells where no line divides them."""

    def __init__(self, horizontal: list[Ruling], vertical: list[Ruling]) -> None:
        self.horizontal, self.vertical = horizontal, vertical
        self.xs = cluster([v.at for v in vertical] + [min(h.start for h in horizontal),
                                                     max(h.end for h in horizontal)], SNAP)
        self.ys = cluster([h.at for h in horizontal] + [min(v.start for v in vertical),
                                                       max(v.end for v in vertical)], SNAP)
        self.bbox = (self.xs[0], self.ys[0], self.xs[-1], self.ys[-1])
        rows, cols = len(self.ys) - 1, len(self.xs) - 1
        self.owner = list(range(rows * cols))  # union-find over slots
        for r in range(rows):
            for c in range(cols):
                if c + 1 < cols and not self._divided(vertical, self.xs[c + 1], self.ys[r], self.ys[r + 1]):
                    self._union(r * cols + c, r * cols + c + 1)
                if r + 1 < rows and not self._divided(horizontal, self.ys[r + 1], self.xs[c], self.xs[c + 1]):
                    self._union(r * cols + c, (r + 1) * cols + c)
        self.glyphs: dict[int, list[Glyph]] = {}

    @staticmethod
    def _divided(rulings: list[Ruling], at: float, start: float, end: float) -> bool:
        covered = 0.0
        for ruling in rulings:
            if abs(ruling.at - at) <= SNAP:
                covered += max(0.0, min(end, ruling.end) - max(start, ruling.start))
        return covered >= COVER * (end - start)

    def _find(self, slot: int) -> int:
        while self.owner[slot] != slot:
            self.owner[slot] = self.owner[self.owner[slot]]
            slot = self.owner[slot]
        return slot

    def _union(self, a: int, b: int) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            self.owner[max(ra, rb)] = min(ra, rb)

    def take(self, glyph: Glyph, cx: float, cy: float) -> bool:
        """Keep ``glyph`` when its centre lies inside the table."""
        x0, top, x1, bottom = self.bbox
        if not (x0 <= cx <= x1 and top <= cy <= bottom):
            return False
        c = min(max(bisect_right(self.xs, cx) - 1, 0), len(self.xs) - 2)
        r = min(max(bisect_right(self.ys, cy) - 1, 0), len(self.ys) - 2)
        self.glyphs.setdefault(self._find(r * (len(self.xs) - 1) + c), []).append(glyph)
        return True

    def fragment(self, page: int) -> Fragment:
        from auditor.adapters._pdf_text import cell_text

        cols = len(self.xs) - 1
        extent: dict[int, list[int]] = {}  # cell -> [r0, c0, r1, c1]
        for slot in range(len(self.owner)):
            cell = self._find(slot)
            r, c = divmod(slot, cols)
            box = extent.setdefault(cell, [r, c, r, c])
            box[0], box[1] = min(box[0], r), min(box[1], c)
            box[2], box[3] = max(box[2], r), max(box[3], c)
        cells = []
        for cell, (r0, c0, r1, c1) in sorted(extent.items()):
            glyphs = self.glyphs.get(cell, [])
            text, confidence = cell_text(glyphs)
            cells.append(((self.xs[c0], self.ys[r0], self.xs[c1 + 1], self.ys[r1 + 1]), text, confidence))
        return Fragment(page=page, bbox=self.bbox, cells=cells, xs=list(self.xs))
