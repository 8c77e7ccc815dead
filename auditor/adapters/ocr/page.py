"""One picture read end to end: level it, find ruled tables, detect and recognise text, and
lay the text into table cells and lines.

Order of work, and why:

1. The skew is taken out first (``image.skew_angle``), so ruling lines are straight and text
   boxes are axis-aligned rectangles.
2. Ruling lines are found on the ink mask and erased from the picture before text is read: a
   line left beside a digit is read as ``1`` or ``|``.
3. Text detection (PP-OCR's DB model) runs once on a reduced copy of the page; text in a cell
   is small but still 10+ pixels high there. A detected box that crosses a cell border is cut
   at the border, and ink in a cell that no box covers (a lone ``1`` the detector missed) is
   cropped and recognised on its own.
4. Recognition runs on crops of the full-resolution picture, all crops of a page in batches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import cv2
import numpy as np

from auditor.adapters._cells import clean_cell, clean_text
from auditor.adapters.ocr import OcrCell, OcrLine, OcrPage, OcrTable, engine
from auditor.adapters.ocr.aligned import find_runs, lay_out
from auditor.adapters.ocr.digits import CONFIDENCE_AFTER_FIX, fix_item_number, fix_number
from auditor.adapters.ocr.image import ink_mask, rotate, skew_angle, text_scale, to_gray
from auditor.adapters.ocr.rulings import RuledTable, find_tables

DETECT_PX_PER_PT = 1.7  # ~120 dpi is enough for the detector; recognition uses full resolution
MIN_CELL_OVERLAP = 0.15  # share of a detected box that must fall in a cell to count there


@dataclass
class _Piece:
    """A box of text to recognise (pixels, on the levelled page) and where it belongs."""

    x0: int
    y0: int
    x1: int
    y1: int
    owner: Optional[tuple[int, int]] = None  # (table, cell) or None for running text
    text: str = ""
    confidence: float = 0.0

    @property
    def height(self) -> int:
        return max(self.y1 - self.y0, 1)


@dataclass
class _Sheet:
    """The levelled page and the masks derived from it."""

    gray: np.ndarray  # levelled greyscale, ruling lines erased
    ink: np.ndarray  # ink of text only (lines erased), 255 on 0
    px_per_pt: float
    tables: list[RuledTable] = field(default_factory=list)

    @property
    def min_speck(self) -> int:
        """Ink components smaller than this (pixels) are scan grain, not a decimal point."""
        return max(3, int(0.5 * self.px_per_pt ** 2))


def read_page(picture: Any, *, dpi: Optional[float]) -> OcrPage:
    gray = to_gray(picture)
    px_per_pt = dpi / 72.0 if dpi else text_scale(ink_mask(gray))
    angle = skew_angle(ink_mask(gray))
    gray = rotate(gray, angle)
    ink = ink_mask(gray)
    tables, line_mask = find_tables(ink, px_per_pt)
    erased = gray.copy()
    erased[line_mask > 0] = 255
    sheet = _Sheet(erased, cv2.bitwise_and(ink, cv2.bitwise_not(line_mask)), px_per_pt, tables)
    pieces = _place(sheet, _detect(sheet))
    pieces = _complete_cells(sheet, pieces)
    _recognise(sheet, pieces)
    scale = 1.0 / px_per_pt
    out_tables = [_table(index, table, pieces, scale) for index, table in enumerate(tables)]
    groups = _in_reading_order([p for p in pieces if p.owner is None and p.text.strip()])
    runs = find_runs(groups)
    for first, end in runs:
        out_tables.append(_aligned_table(groups[first:end], scale))
    in_runs = {i for first, end in runs for i in range(first, end)}
    lines = _lines(sheet, [g for i, g in enumerate(groups) if i not in in_runs], scale)
    height, width = gray.shape
    return OcrPage(width * scale, height * scale, tuple(lines),
                   tuple(sorted(out_tables, key=lambda t: t.top)), skew=angle)


def _detect(sheet: _Sheet) -> list[tuple[int, int, int, int]]:
    """Axis-aligned text boxes (pixels) from the detector run on a reduced copy."""
    factor = min(1.0, DETECT_PX_PER_PT / sheet.px_per_pt)
    small = sheet.gray if factor >= 1.0 else cv2.resize(sheet.gray, None, fx=factor, fy=factor,
                                                        interpolation=cv2.INTER_AREA)
    quads = engine.detect(cv2.cvtColor(small, cv2.COLOR_GRAY2BGR))
    h, w = sheet.gray.shape
    boxes = []
    for quad in quads:
        xs, ys = quad[:, 0] / factor, quad[:, 1] / factor
        x0, y0 = max(0, int(xs.min())), max(0, int(ys.min()))
        x1, y1 = min(w, int(np.ceil(xs.max()))), min(h, int(np.ceil(ys.max())))
        if x1 - x0 >= 2 and y1 - y0 >= 2:
            boxes.append((x0, y0, x1, y1))
    return boxes


def _interior(table: RuledTable, cell: tuple[int, int, int, int], margin: float) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = table.box(cell)
    return int(x0 + margin), int(y0 + margin), int(x1 - margin), int(y1 - margin)


def _place(sheet: _Sheet, boxes: list[tuple[int, int, int, int]]) -> list[_Piece]:
    """Give each box to the table cell(s) it lies in, cut at cell borders; the rest is text."""
    margin = max(2.0, 0.8 * sheet.px_per_pt)
    pieces = []
    for x0, y0, x1, y1 in boxes:
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        area = (x1 - x0) * (y1 - y0)
        inside = next((t for t in range(len(sheet.tables))
                       if _contains(sheet.tables[t].bbox, cx, cy)), None)
        if inside is None:
            pieces.append(_Piece(x0, y0, x1, y1))
            continue
        table = sheet.tables[inside]
        for index, cell in enumerate(table.cells):
            ix0, iy0, ix1, iy1 = _interior(table, cell, margin)
            cx0, cy0, cx1, cy1 = max(x0, ix0), max(y0, iy0), min(x1, ix1), min(y1, iy1)
            if cx1 - cx0 < 2 or cy1 - cy0 < 2:
                continue
            if (cx1 - cx0) * (cy1 - cy0) >= MIN_CELL_OVERLAP * area:
                pieces.append(_Piece(cx0, cy0, cx1, cy1, owner=(inside, index)))
    return pieces


def _contains(bbox: tuple[float, float, float, float], x: float, y: float) -> bool:
    return bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]


def _complete_cells(sheet: _Sheet, pieces: list[_Piece]) -> list[_Piece]:
    """Cell pieces grown to the whole glyphs they touch, and the ink no piece touches as
    pieces of its own: the detector sometimes boxes only the middle of a lone ``0`` (read as
    ``1``) or misses it altogether."""
    margin = max(2.0, 0.8 * sheet.px_per_pt)
    by_cell: dict[tuple[int, int], list[_Piece]] = {}
    out = [p for p in pieces if p.owner is None]
    for p in pieces:
        if p.owner is not None:
            by_cell.setdefault(p.owner, []).append(p)
    for t, table in enumerate(sheet.tables):
        for index, cell in enumerate(table.cells):
            x0, y0, x1, y1 = _interior(table, cell, margin)
            found = by_cell.get((t, index), [])
            if x1 - x0 < 3 or y1 - y0 < 3:
                out += found
                continue
            mask = _text_ink(sheet, sheet.ink[y0:y1, x0:x1]).astype(np.uint8)
            count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
            glyphs = [(x0 + x, y0 + y, x0 + x + w, y0 + y + h) for x, y, w, h, area in stats[1:count] if area]
            grown: list[_Piece] = []
            for p in found:
                # A glyph centred in the box is its own (the neighbouring line's glyphs may reach
                # into the detector's padded box, but their centres stay out).
                for g in [g for g in glyphs if _centred_in(g, p)]:
                    p.x0, p.y0, p.x1, p.y1 = min(p.x0, g[0]), min(p.y0, g[1]), max(p.x1, g[2]), max(p.y1, g[3])
                same = next((q for q in grown if _overlap(p, q) > 0.5), None)
                if same is None:
                    grown.append(p)
                else:  # two boxes on one line of text, now the same glyphs
                    same.x0, same.y0 = min(same.x0, p.x0), min(same.y0, p.y0)
                    same.x1, same.y1 = max(same.x1, p.x1), max(same.y1, p.y1)
            out += grown
            alone = np.zeros_like(mask)
            for g in glyphs:
                if not any(_centred_in(g, p) for p in grown):
                    alone[g[1] - y0:g[3] - y0, g[0] - x0:g[2] - x0] |= mask[g[1] - y0:g[3] - y0, g[0] - x0:g[2] - x0]
            for bx0, by0, bx1, by1 in _ink_lines(alone > 0):
                out.append(_Piece(x0 + bx0, y0 + by0, x0 + bx1, y0 + by1, owner=(t, index)))
    return out


def _centred_in(glyph: tuple[int, int, int, int], p: _Piece) -> bool:
    cx, cy = (glyph[0] + glyph[2]) / 2, (glyph[1] + glyph[3]) / 2
    return p.x0 <= cx <= p.x1 and p.y0 <= cy <= p.y1


def _overlap(a: _Piece, b: _Piece) -> float:
    """Shared area as a share of the smaller box."""
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    if w <= 0 or h <= 0:
        return 0.0
    return w * h / max(1, min((a.x1 - a.x0) * a.height, (b.x1 - b.x0) * b.height))


def _ink_lines(mask: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Bounding boxes of the ink in a cell region, one per band of rows holding ink."""
    if not mask.any():
        return []
    rows = np.flatnonzero(mask.any(axis=1))
    bands: list[list[int]] = [[int(rows[0]), int(rows[0])]]
    for r in rows[1:]:
        if r - bands[-1][1] <= max(3, (bands[-1][1] - bands[-1][0]) // 2):
            bands[-1][1] = int(r)
        else:
            bands.append([int(r), int(r)])
    out = []
    for top, bottom in bands:
        cols = np.flatnonzero(mask[top:bottom + 1].any(axis=0))
        out.append((int(cols[0]), top, int(cols[-1]) + 1, bottom + 1))
    return out


RETRY_BELOW = 0.6  # a cell piece read less surely is read again in other frames
RETRY_FRAMES = ((0.04, 0.15), (0.25, 0.5))  # (vertical, horizontal) padding, in glyph heights


def _cell_crop(sheet: _Sheet, p: _Piece, frame: tuple[float, float] = (0.12, 0.3)) -> Optional[np.ndarray]:
    """A cell piece cut to its ink and framed in white, or None when it holds no ink.

    Only the cell's own ink is kept (greys around it — the halo of an erased ruling line, scan
    grain — are whitened; slivers of ruling line along the cell's edge dropped), contrast is
    stretched, and the frame is tight: PP-OCR reads a lone blurred ``0`` framed by a tenth of
    its height at 0.95 and returns nothing for the same glyph framed by a quarter.
    """
    mask = _text_ink(sheet, sheet.ink[p.y0:p.y1, p.x0:p.x1])
    if not mask.any():
        return None
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    near_ink = cv2.dilate(mask[y0:y1, x0:x1].astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    crop = np.where(near_ink, sheet.gray[p.y0 + y0:p.y0 + y1, p.x0 + x0:p.x0 + x1], 255).astype(np.uint8)
    crop = cv2.normalize(crop, None, 0, 255, cv2.NORM_MINMAX)
    h = y1 - y0
    v, side = max(1, round(frame[0] * h)), max(2, round(frame[1] * h))
    return cv2.copyMakeBorder(crop, v, v, side, side, cv2.BORDER_CONSTANT, value=255)


def _text_ink(sheet: _Sheet, ink: np.ndarray) -> np.ndarray:
    """The ink of a cell piece that is text: no grain specks, no sliver of ruling line lying
    along the piece's top/bottom (or left/right) edge."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    h, w = ink.shape
    thin = max(2, int(1.2 * sheet.px_per_pt))
    keep = np.zeros(count, dtype=bool)
    for label in range(1, count):
        x, y, cw, ch, area = stats[label]
        if area < sheet.min_speck:
            continue
        flat_on_edge = ch <= thin and cw > 2 * ch and (y <= 1 or y + ch >= h - 1)
        upright_on_edge = cw <= thin and ch > 2 * cw and (x <= 1 or x + cw >= w - 1)
        keep[label] = not (flat_on_edge or upright_on_edge)
    return keep[labels]


def _recognise(sheet: _Sheet, pieces: list[_Piece]) -> None:
    """Fill ``text`` and ``confidence`` of every piece, all crops of the page in one call."""
    h, w = sheet.gray.shape
    crops, readable = [], []
    for p in pieces:
        if p.owner is None:
            pad = max(2, p.height // 8)
            crop = sheet.gray[max(0, p.y0 - pad):min(h, p.y1 + pad), max(0, p.x0 - pad):min(w, p.x1 + pad)]
        else:
            crop = _cell_crop(sheet, p)
        if crop is not None:
            crops.append(crop)
            readable.append(p)
        else:
            p.confidence = 1.0  # nothing there to read
    for piece, (text, confidence) in zip(readable, engine.recognize(crops)):
        piece.text, piece.confidence = text.strip(), confidence
    # A glyph alone in a cell is read or missed depending on its frame: unsure ones get others.
    unsure = [p for p in readable if p.owner is not None and (p.confidence < RETRY_BELOW or not p.text)]
    if unsure:
        retries = [(p, _cell_crop(sheet, p, frame)) for p in unsure for frame in RETRY_FRAMES]
        for piece, (text, confidence) in zip([p for p, _ in retries], engine.recognize([c for _, c in retries])):
            if text.strip() and (confidence > piece.confidence or not piece.text):
                piece.text, piece.confidence = text.strip(), confidence


def _in_reading_order(pieces: list[_Piece]) -> list[list[_Piece]]:
    """Pieces grouped into lines (vertical overlap), top to bottom, each left to right."""
    lines: list[list[_Piece]] = []
    for piece in sorted(pieces, key=lambda p: (p.y0 + p.y1) / 2):
        if lines:
            line = lines[-1]
            top, bottom = min(p.y0 for p in line), max(p.y1 for p in line)
            overlap = min(bottom, piece.y1) - max(top, piece.y0)
            if overlap >= 0.5 * min(piece.height, bottom - top):
                line.append(piece)
                continue
        lines.append([piece])
    return [sorted(line, key=lambda p: p.x0) for line in lines]


def _join(line: list[_Piece]) -> str:
    """Pieces of one line: CJK-aware, a space only between Latin words or numbers."""
    text = ""
    for piece in line:
        part = piece.text.strip()
        if not part:
            continue
        if text and text[-1].isascii() and text[-1].isalnum() and part[0].isascii() and part[0].isalnum():
            text += " "
        text += part
    return text


def _cell(pieces: list[_Piece], box: tuple[float, float, float, float], slot: tuple[int, int, int, int],
          scale: float) -> OcrCell:
    """A cell from the pieces read in it: lines joined, digits fixed, the least sure piece's
    confidence (a cell with no ink is a sure blank)."""
    found = [p for p in pieces if p.text]
    text = clean_cell("\n".join(_join(line) for line in _in_reading_order(found)))
    confidence = min((p.confidence for p in pieces), default=1.0)
    fixed, changed = fix_number(text)
    if changed:
        text, confidence = fixed, min(confidence, CONFIDENCE_AFTER_FIX)
    else:
        text = fix_item_number(text)
    x0, y0, x1, y1 = box
    row, col, rows, cols = slot
    return OcrCell(text, x0 * scale, y0 * scale, x1 * scale, y1 * scale, round(confidence, 3), row, col, rows, cols)


def _table(index: int, table: RuledTable, pieces: list[_Piece], scale: float) -> OcrTable:
    by_cell: dict[int, list[_Piece]] = {}
    for p in pieces:
        if p.owner is not None and p.owner[0] == index:
            by_cell.setdefault(p.owner[1], []).append(p)
    cells = [_cell(by_cell.get(number, []), table.box(slot), (slot[0], slot[1], slot[2] - slot[0], slot[3] - slot[1]),
                   scale) for number, slot in enumerate(table.cells)]
    x0, y0, x1, y1 = table.bbox
    return OcrTable(x0 * scale, y0 * scale, x1 * scale, y1 * scale, len(table.ys) - 1, len(table.xs) - 1,
                    tuple(cells))


def _aligned_table(lines: list[list[_Piece]], scale: float) -> OcrTable:
    cells, n_cols = lay_out(lines, lambda pieces, r, c, rs, cs, box: _cell(pieces, box, (r, c, rs, cs), scale))
    return OcrTable(min(c.x0 for c in cells), min(c.top for c in cells), max(c.x1 for c in cells),
                    max(c.bottom for c in cells), len(lines), n_cols, tuple(cells), ruled=False)


def _lines(sheet: _Sheet, groups: list[list[_Piece]], scale: float) -> list[OcrLine]:
    """Running text: each group of pieces one line, with the tight box of its ink."""
    out = []
    for line in groups:
        text = clean_text(_join(line))
        if not text:
            continue
        x0, y0 = min(p.x0 for p in line), min(p.y0 for p in line)
        x1, y1 = max(p.x1 for p in line), max(p.y1 for p in line)
        ink = sheet.ink[y0:y1, x0:x1]
        rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
        if rows.size and cols.size:
            x0, x1, y0, y1 = x0 + int(cols[0]), x0 + int(cols[-1]) + 1, y0 + int(rows[0]), y0 + int(rows[-1]) + 1
        out.append(OcrLine(text, x0 * scale, y0 * scale, x1 * scale, y1 * scale,
                           round(min(p.confidence for p in line), 3)))
    return out
