"""What PDFium sees on one page: glyphs with their boxes, and the ruling lines drawn on it.

Both come straight from PDFium's C API (through pypdfium2's ctypes bindings) and are turned
into display coordinates — origin top-left, y growing downwards, page rotation applied — so
that everything after this module reasons about the page as a reader sees it.

Glyph boxes are PDFium's *loose* boxes (font ascent to descent), so every glyph of a line has
the same height whatever its shape (``一`` is as tall as ``国``); that keeps line grouping simple.
Where a font's metrics are broken and the loose box is absurd, the glyph's tight box is used.
Ruling lines are the horizontal and vertical pieces of stroked paths and thin filled rectangles
(Word draws a border either way); curves and large filled areas (cell shading, page
backgrounds) are not rulings.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Optional

MAX_PAGE_CHARS = 100_000  # a report page holds 3,000 at most; more is generated or hostile
MAX_PAGE_OBJECTS = 300_000
MAX_PATH_SEGMENTS = 100_000  # beyond this a page is a vector drawing: rulings are not read
MAX_FORM_DEPTH = 8
LOOSE_LIMIT = 60.0  # points: a loose glyph box wider or taller than this comes from broken metrics
THIN = 2.5  # points: a filled rectangle this thin is a drawn line
AXIS_SLOPE = 0.5  # points of drift allowed along a horizontal or vertical ruling

_PATH, _FORM = 2, 5
_SEGMENT_LINE, _SEGMENT_BEZIER, _SEGMENT_MOVE = 0, 1, 2


class Glyph(NamedTuple):
    """One character (or, from an OCR route, one word) and its box in display coordinates."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    confidence: Optional[float] = None


class Ruling(NamedTuple):
    """A horizontal (``at`` = y, from ``start`` to ``end`` in x) or vertical line."""

    at: float
    start: float
    end: float


@dataclass
class PageContent:
    """A page as the layout code needs it."""

    number: int
    width: float
    height: float
    glyphs: list[Glyph] = field(default_factory=list)
    horizontal: list[Ruling] = field(default_factory=list)
    vertical: list[Ruling] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    scan: Any = None  # a page without a text layer as the OCR route read its picture (ocr.OcrPage)
    pictures: int = 0  # image objects on the page


class PageLimitError(ValueError):
    """A page over one of the size limits above; the message says which."""


class _Display:
    """PDF user space -> display space (top-left origin, y down), honouring /Rotate."""

    def __init__(self, box: tuple[float, float, float, float], rotation: int) -> None:
        self.left, self.bottom, self.right, self.top = box
        self.rotation = rotation % 360
        width, height = self.right - self.left, self.top - self.bottom
        self.size = (height, width) if self.rotation in (90, 270) else (width, height)

    def point(self, x: float, y: float) -> tuple[float, float]:
        if self.rotation == 90:
            return y - self.bottom, x - self.left
        if self.rotation == 180:
            return self.right - x, y - self.bottom
        if self.rotation == 270:
            return self.top - y, self.right - x
        return x - self.left, self.top - y

    def box(self, left: float, bottom: float, right: float, top: float) -> tuple[float, float, float, float]:
        (ax, ay), (bx, by) = self.point(left, bottom), self.point(right, top)
        return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)


def read_page(page: Any, number: int) -> PageContent:
    """Glyphs and rulings of one ``pypdfium2.PdfPage``; raises ``PageLimitError`` past the limits."""
    import pypdfium2.raw as pdfium_c

    display = _Display(tuple(page.get_cropbox()), page.get_rotation())
    content = PageContent(number=number, width=display.size[0], height=display.size[1])
    objects = pdfium_c.FPDFPage_CountObjects(page.raw)
    if objects > MAX_PAGE_OBJECTS:
        raise PageLimitError(f"page {number} holds {objects} drawing objects, over the {MAX_PAGE_OBJECTS} limit")
    content.glyphs = _glyphs(page, number, display)
    _rulings(page, display, content)
    if not content.glyphs:
        content.pictures = sum(1 for i in range(objects)
                               if pdfium_c.FPDFPageObj_GetType(pdfium_c.FPDFPage_GetObject(page.raw, i))
                               == pdfium_c.FPDF_PAGEOBJ_IMAGE)
    return content


def _glyphs(page: Any, number: int, display: _Display) -> list[Glyph]:
    import pypdfium2.raw as pdfium_c

    textpage = pdfium_c.FPDFText_LoadPage(page.raw)
    if not textpage:
        return []
    try:
        count = pdfium_c.FPDFText_CountChars(textpage)
        if count > MAX_PAGE_CHARS:
            raise PageLimitError(f"page {number} holds {count} characters, over the {MAX_PAGE_CHARS} limit")
        get_unicode, is_generated = pdfium_c.FPDFText_GetUnicode, pdfium_c.FPDFText_IsGenerated
        loose_box = pdfium_c.FPDFText_GetLooseCharBox
        tight_box = pdfium_c.FPDFText_GetCharBox
        rect = pdfium_c.FS_RECTF()
        rect_ref = ctypes.byref(rect)
        left, right, bottom_, top_ = (ctypes.c_double() for _ in range(4))
        left_ref, right_ref, bottom_ref, top_ref = (ctypes.byref(v) for v in (left, right, bottom_, top_))
        glyphs: list[Glyph] = []
        for index in range(count):
            code = get_unicode(textpage, index)
            # Line breaks and word spaces PDFium infers are dropped: spacing is decided from the
            # boxes, the same way for every producer.
            if code < 0x20 or code in (0xFFFE, 0xFFFF) or 0xD800 <= code < 0xE000 or is_generated(textpage, index):
                continue
            if not loose_box(textpage, index, rect_ref):
                continue
            if rect.right - rect.left > LOOSE_LIMIT or rect.top - rect.bottom > LOOSE_LIMIT:
                # A font with bogus metrics (seen: a label set one character per line, each
                # loose box 200 pt wide): the glyph's tight box is the truth.
                if not tight_box(textpage, index, left_ref, right_ref, bottom_ref, top_ref):
                    continue
                x0, top, x1, bottom = display.box(left.value, bottom_.value, right.value, top_.value)
            else:
                x0, top, x1, bottom = display.box(rect.left, rect.bottom, rect.right, rect.top)
            glyphs.append(Glyph(chr(code), x0, top, x1, bottom))
        return glyphs
    finally:
        pdfium_c.FPDFText_ClosePage(textpage)


def _rulings(page: Any, display: _Display, content: PageContent) -> None:
    """Collect ruling lines from the page's path objects, descending into form XObjects."""
    import pypdfium2.raw as pdfium_c

    budget = [MAX_PATH_SEGMENTS]
    identity = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    objects = [pdfium_c.FPDFPage_GetObject(page.raw, i) for i in range(pdfium_c.FPDFPage_CountObjects(page.raw))]
    try:
        _walk(objects, identity, display, content, budget, 0)
    except _OverBudget:
        content.horizontal.clear()
        content.vertical.clear()
        content.notes.append(f"page {content.number}: over {MAX_PATH_SEGMENTS} drawing segments, "
                             "table lines not read (the page is a vector drawing)")


class _OverBudget(Exception):
    pass


Matrix = tuple[float, float, float, float, float, float]


def _compose(inner: Matrix, outer: Matrix) -> Matrix:
    """``inner`` then ``outer`` (PDF row-vector convention)."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _walk(objects: list[Any], outer: Matrix, display: _Display, content: PageContent,
          budget: list[int], depth: int) -> None:
    import pypdfium2.raw as pdfium_c

    matrix = pdfium_c.FS_MATRIX()
    for obj in objects:
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind not in (_PATH, _FORM):
            continue
        if not pdfium_c.FPDFPageObj_GetMatrix(obj, ctypes.byref(matrix)):
            continue
        own = _compose((matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f), outer)
        if kind == _FORM:
            if depth < MAX_FORM_DEPTH:
                children = [pdfium_c.FPDFFormObj_GetObject(obj, i) for i in range(pdfium_c.FPDFFormObj_CountObjects(obj))]
                _walk(children, own, display, content, budget, depth + 1)
            continue
        _path(obj, own, display, content, budget)


def _path(obj: Any, matrix: Matrix, display: _Display, content: PageContent, budget: list[int]) -> None:
    import pypdfium2.raw as pdfium_c

    fill, stroke = ctypes.c_int(), ctypes.c_int()
    if not pdfium_c.FPDFPath_GetDrawMode(obj, ctypes.byref(fill), ctypes.byref(stroke)):
        return
    if not fill.value and not stroke.value:
        return  # a clipping path or an invisible one
    count = pdfium_c.FPDFPath_CountSegments(obj)
    budget[0] -= max(count, 0)
    if budget[0] < 0:
        raise _OverBudget
    a, b, c, d, e, f = matrix
    x, y = ctypes.c_float(), ctypes.c_float()
    xref, yref = ctypes.byref(x), ctypes.byref(y)
    get_segment, get_point = pdfium_c.FPDFPath_GetPathSegment, pdfium_c.FPDFPathSegment_GetPoint
    get_type, get_close = pdfium_c.FPDFPathSegment_GetType, pdfium_c.FPDFPathSegment_GetClose
    subpaths: list[list[Optional[tuple[float, float]]]] = []  # None marks a curve (breaks a line)
    for index in range(count):
        segment = get_segment(obj, index)
        get_point(segment, xref, yref)
        px, py = x.value * a + y.value * c + e, x.value * b + y.value * d + f
        point = display.point(px, py)
        kind = get_type(segment)
        if kind == _SEGMENT_MOVE or not subpaths:
            subpaths.append([point])
        elif kind == _SEGMENT_BEZIER:
            subpaths[-1].extend((None, point))
        else:
            subpaths[-1].append(point)
        if get_close(segment) and subpaths[-1][0] is not None:
            subpaths[-1].append(subpaths[-1][0])
    for points in subpaths:
        if stroke.value:
            _stroked(points, content)
        else:
            _filled(points, content)


def _stroked(points: list[Optional[tuple[float, float]]], content: PageContent) -> None:
    for start, end in zip(points, points[1:]):
        if start is None or end is None:
            continue
        (x0, y0), (x1, y1) = start, end
        if abs(y1 - y0) <= AXIS_SLOPE and abs(x1 - x0) > AXIS_SLOPE:
            content.horizontal.append(Ruling((y0 + y1) / 2, min(x0, x1), max(x0, x1)))
        elif abs(x1 - x0) <= AXIS_SLOPE and abs(y1 - y0) > AXIS_SLOPE:
            content.vertical.append(Ruling((x0 + x1) / 2, min(y0, y1), max(y0, y1)))


def _filled(points: list[Optional[tuple[float, float]]], content: PageContent) -> None:
    """A thin filled rectangle is a line along its long side; anything else is an area."""
    if None in points or len(points) < 4:
        return
    xs = [p[0] for p in points if p is not None]
    ys = [p[1] for p in points if p is not None]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    # Only axis-aligned rectangles: every point on the box's border.
    if any(min(abs(px - x0), abs(px - x1)) > AXIS_SLOPE and min(abs(py - y0), abs(py - y1)) > AXIS_SLOPE
           for px, py in zip(xs, ys)):
        return
    if y1 - y0 <= THIN < x1 - x0:
        content.horizontal.append(Ruling((y0 + y1) / 2, x0, x1))
    elif x1 - x0 <= THIN < y1 - y0:
        content.vertical.append(Ruling((x0 + x1) / 2, y0, y1))
