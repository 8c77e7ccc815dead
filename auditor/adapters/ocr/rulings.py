"""Ruled tables in a page picture: ruling lines found by morphology, cells by the lines drawn.

A long horizontal (vertical) opening of the ink mask keeps only ruling lines: no glyph is that
long. Line segments are clustered into the table's row and column lines; two neighbouring slots
of that lattice belong to one cell where no line is drawn between them, which is how merged
cells (``申请人情况`` across five columns, ``三、本年度办理结果`` down twenty rows) come back as one
box — the same cell boxes the text route reads from a PDF's drawing operators.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

COVERED = 0.6  # share of a slot edge a drawn line must cover to separate two slots


@dataclass(frozen=True)
class RuledTable:
    """One table: lattice lines (pixels) and its cells as slot ranges ``(r0, c0, r1, c1)``,
    end-exclusive, each with its box snapped to the lattice."""

    xs: tuple[float, ...]
    ys: tuple[float, ...]
    cells: tuple[tuple[int, int, int, int], ...]

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]

    def box(self, cell: tuple[int, int, int, int]) -> tuple[float, float, float, float]:
        r0, c0, r1, c1 = cell
        return self.xs[c0], self.ys[r0], self.xs[c1], self.ys[r1]


@dataclass(frozen=True)
class _Segment:
    at: float  # y of a horizontal line, x of a vertical one
    start: float
    end: float
    label: int = 0  # its connected component in the line mask


def line_masks(ink: np.ndarray, unit: float) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical ruling-line masks; ``unit`` is pixels per typographic point."""
    long_h = max(20, int(30 * unit))  # 30 pt: longer than any glyph or a "——" placeholder
    long_v = max(12, int(9 * unit))  # 9 pt: a table row is taller, a glyph stroke shorter
    # Close one-pixel gaps first (blur and thresholding break thin lines).
    bridged_h = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 1)))
    bridged_v = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 5)))
    horizontal = cv2.morphologyEx(bridged_h, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (long_h, 1)))
    vertical = cv2.morphologyEx(bridged_v, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, long_v)))
    return horizontal, vertical


def _segments(mask: np.ndarray, horizontal: bool) -> tuple[list[_Segment], np.ndarray]:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    for label in range(1, count):
        x, y, w, h, _area = stats[label]
        if horizontal:
            out.append(_Segment(y + h / 2, float(x), float(x + w), label))
        else:
            out.append(_Segment(x + w / 2, float(y), float(y + h), label))
    return out, labels


def _cluster(values: list[float], tolerance: float) -> list[float]:
    groups: list[list[float]] = []
    for value in sorted(values):
        if groups and value - groups[-1][-1] <= tolerance:
            groups[-1].append(value)
        else:
            groups.append([value])
    return [sum(g) / len(g) for g in groups]


def _coverage(segments: list[_Segment], at: float, start: float, end: float, tolerance: float) -> float:
    """Share of ``[start, end]`` on line ``at`` that drawn segments cover."""
    spans = sorted((max(s.start, start), min(s.end, end)) for s in segments
                   if abs(s.at - at) <= tolerance and s.end > start and s.start < end)
    covered, reach = 0.0, start
    for a, b in spans:
        if b > reach:
            covered += b - max(a, reach)
            reach = b
    return covered / max(end - start, 1e-6)


def _crossings(v: _Segment, hs: list[_Segment], tolerance: float) -> int:
    """How many horizontal lines a vertical one meets or crosses. A ruling line meets two or
    more (its row's top and bottom); a tall glyph stroke inside a cell touches none."""
    return sum(1 for h in hs if v.start - tolerance <= h.at <= v.end + tolerance
               and h.start - tolerance <= v.at <= h.end + tolerance)


def _page_cuts(hs: list[_Segment], vs: list[_Segment], tolerance: float) -> list[_Segment]:
    """The edges of a table cut by the page: column lines running past the first (last) row
    line with none drawn there — the table goes on from the previous page (onto the next)."""
    if not hs or not vs:
        return []
    left, right = min(v.at for v in vs), max(v.at for v in vs)
    top, bottom = min(h.at for h in hs), max(h.at for h in hs)
    cuts = []
    start, end = min(v.start for v in vs), max(v.end for v in vs)
    if start < top - 2 * tolerance:
        cuts.append(_Segment(start, left, right, label=-1))
    if end > bottom + 2 * tolerance:
        cuts.append(_Segment(end, left, right, label=-1))
    return cuts


def _inside(inner: tuple[float, ...], outer: tuple[float, ...], slack: float = 2.0) -> bool:
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack
            and inner[2] <= outer[2] + slack and inner[3] <= outer[3] + slack)


def find_tables(ink: np.ndarray, unit: float) -> tuple[list[RuledTable], np.ndarray]:
    """Ruled tables (top to bottom) and the mask of every ruling line found (to erase before
    reading text)."""
    horizontal, vertical = line_masks(ink, unit)
    lines = cv2.bitwise_or(horizontal, vertical)
    joined = cv2.dilate(lines, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
    _, regions, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    (h_segments, h_labels), (v_segments, v_labels) = _segments(horizontal, True), _segments(vertical, False)
    # A table is a region holding two horizontal lines or more; glyph strokes make regions too.
    by_region: dict[int, list[_Segment]] = {}
    for segment in h_segments:
        region = int(regions[int(segment.at), int((segment.start + segment.end) / 2)])
        by_region.setdefault(region, []).append(segment)
    tolerance = max(3.0, 2.5 * unit)
    found: list[tuple[RuledTable, list[int], list[int]]] = []
    for region, hs in by_region.items():
        if len(hs) < 2 or region == 0:
            continue
        x, y, w, h, _area = stats[region]
        x0, y0, x1, y1 = x - 2, y - 2, x + w + 2, y + h + 2
        vs = [s for s in v_segments if x0 <= s.at <= x1 and s.start >= y0 and s.end <= y1]
        vs = [v for v in vs if _crossings(v, hs, tolerance) >= 2]
        table = _lattice(hs + _page_cuts(hs, vs, tolerance), vs, tolerance)
        if table is not None:
            found.append((table, [s.label for s in hs], [s.label for s in vs]))
    # Strokes of a header's glyphs can line up like a tiny lattice inside a real cell: a table
    # lying inside another is never a table of its own.
    found = [f for f in found if not any(o is not f and _inside(f[0].bbox, o[0].bbox) for o in found)]
    tables = sorted((t for t, _, _ in found), key=lambda t: t.ys[0])
    # Erase only what belongs to a table: a glyph's long stroke elsewhere is text.
    drawn = np.isin(h_labels, [x for f in found for x in f[1]]) | np.isin(v_labels, [x for f in found for x in f[2]])
    mask = drawn.astype(np.uint8) * 255
    # Wide enough to take the grey edge of a blurred line too (text keeps 2 pt off the lines).
    return tables, cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))


def _lattice(hs: list[_Segment], vs: list[_Segment], tolerance: float) -> RuledTable | None:
    """Slots between the clustered lines, merged where no line separates them."""
    ys = _cluster([s.at for s in hs], tolerance)
    xs = _cluster([s.at for s in vs], tolerance)
    if len(ys) < 2 or len(xs) < 3:
        return None  # one column: a frame drawn around a paragraph, read as text
    heights = sorted(b - a for a, b in zip(ys, ys[1:]))
    if heights[len(heights) // 2] < 2.4 * tolerance or ys[-1] - ys[0] < 4 * tolerance:
        return None  # rows too low to hold text: strokes of large glyphs (a title), not rulings
    rows, cols = len(ys) - 1, len(xs) - 1
    parent = list(range(rows * cols + 1))
    outside = rows * cols

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        parent[find(a)] = find(b)

    def h_line(r: int, c: int) -> bool:  # line along ys[r] over column c
        return _coverage(hs, ys[r], xs[c], xs[c + 1], tolerance) >= COVERED

    def v_line(r: int, c: int) -> bool:  # line along xs[c] over row r
        return _coverage(vs, xs[c], ys[r], ys[r + 1], tolerance) >= COVERED

    for r in range(rows):
        for c in range(cols):
            slot = r * cols + c
            if c + 1 < cols and not v_line(r, c + 1):
                union(slot, slot + 1)
            if r + 1 < rows and not h_line(r + 1, c):
                union(slot, slot + cols)
            if (r == 0 and not h_line(0, c)) or (r == rows - 1 and not h_line(rows, c)) \
                    or (c == 0 and not v_line(r, 0)) or (c == cols - 1 and not v_line(r, cols)):
                union(slot, outside)
    regions: dict[int, list[tuple[int, int]]] = {}
    for r in range(rows):
        for c in range(cols):
            root = find(r * cols + c)
            if root != find(outside):
                regions.setdefault(root, []).append((r, c))
    cells = []
    for slots in regions.values():
        r0 = min(r for r, _ in slots)
        c0 = min(c for _, c in slots)
        cells.append((r0, c0, max(r for r, _ in slots) + 1, max(c for _, c in slots) + 1))
    if len(cells) < 2:
        return None  # a frame around a paragraph or a picture, not a table
    cells.sort()
    return RuledTable(tuple(xs), tuple(ys), tuple(cells))
