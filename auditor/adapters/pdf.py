"""PDF files: text lines in reading order and ruled tables as grids, across page breaks.

Libraries: pypdfium2 (Apache-2.0/BSD, Google's PDFium) opens the file first — it is fast and
strict, so corrupt, truncated and password-protected files are rejected in milliseconds with a
precise reason, and a file whose pages hold no characters at all is reported as scanned. Then
pdfplumber (MIT, on pdfminer.six) reads the layout: it sees the ruling lines, so it recovers
table cells with their bounding boxes, which is what merged cells need. PDFium alone gives
characters but no table model; PyMuPDF is fast and good at both but AGPL-licensed, which an
Apache-2.0 project cannot ship as a dependency.

Grids are built from cell bounding boxes, not from pdfplumber's text rows: column edges from every
fragment of a table are clustered (tables re-drawn on the next page are a point or two wider), and
a cell covering several slots is repeated into each. A table that ends a page and one that starts
the next page with compatible columns are one table: a repeated header is dropped, an empty label
cell continues the merged label above it, and a label broken by the page (``（四）无`` / ``法提供``)
is joined and given to every row it covers.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any, Optional

from auditor.adapters._cells import clean_cell, clean_text, drop_empty_rows, join_lines
from auditor.hookspecs import hookimpl
from auditor.model import AdapterError, Block, Document, RawCell, Span

EDGE_TOLERANCE = 4.0  # points: the same column line drawn on two pages
ROW_TOLERANCE = 1.5
MAX_PAGES = 2000
_PAGE_NUMBER = re.compile(r"^[-—–_\s]*(第\s*)?\d{1,4}\s*(页)?\s*([/／]\s*(共\s*)?\d{1,4}\s*页?)?[-—–_\s]*$")
_ENUMERATED = re.compile(r"^\s*([一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d+\s*[.、．])")
_HEADING = re.compile(r"^\s*[一二三四五六七八九十]+\s*[、.．]")
_NUMERIC = re.compile(r"^[-+]?\d[\d,.]*\s*(万元|元|件|宗|个|%)?$")
_SENTENCE_END = ("。", "；", ";", "：", ":")


@dataclass
class _Fragment:
    """One ruled table as drawn on one page: cell boxes with their text."""

    page: int
    bbox: tuple[float, float, float, float]
    cells: list[tuple[tuple[float, float, float, float], str]]
    xs: list[float] = field(default_factory=list)
    confidences: list[Optional[float]] = field(default_factory=list)  # per cell, OCR route only


@dataclass(frozen=True)
class _Line:
    """A text line with its box and the text area of its page (for paragraph joining)."""

    text: str
    page: int
    x0: float
    x1: float
    top: float
    bottom: float
    left: float
    right: float
    centre: float

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 1.0)


def _continues(above: _Line, below: _Line, new_page: bool) -> bool:
    """True when ``below`` carries on the paragraph of ``above``: a full line followed by an
    unindented one that opens no numbered item, on the next line or the next page; or two
    centred lines of one size (a title set on two lines: agency, then year and title)."""
    h = above.height
    if _ENUMERATED.match(below.text) or _HEADING.match(below.text):
        return False
    if not new_page and below.top - above.bottom > 1.2 * h:
        return False
    if new_page and below.page != above.page + 1:
        return False
    full = above.x1 >= above.right - 1.5 * h and not above.text.endswith(("。", "：", ":"))
    unindented = below.x0 <= below.left + 0.5 * h
    if full and unindented:
        return True
    centred = all(abs((line.x0 + line.x1) / 2 - line.centre) < h and line.x0 > line.left + 2 * h
                  for line in (above, below))
    return not new_page and centred and abs(above.height - below.height) < 0.2 * h


@dataclass
class _TableBuild:
    """A table being assembled from one or more page fragments."""

    index: int
    fragments: list[_Fragment]


def _cluster(values: list[float], tolerance: float) -> list[float]:
    """Sorted values merged where they lie within ``tolerance`` of each other (cluster means)."""
    clusters: list[list[float]] = []
    for value in sorted(values):
        if clusters and value - clusters[-1][-1] <= tolerance:
            clusters[-1].append(value)
        else:
            clusters.append([value])
    return [sum(c) / len(c) for c in clusters]


def _nearest(edges: list[float], value: float) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - value))


def _compatible(a: _Fragment, b: _Fragment) -> bool:
    """True when ``b``'s column lines mostly coincide with ``a``'s (the same table re-drawn)."""
    small, large = (a.xs, b.xs) if len(a.xs) <= len(b.xs) else (b.xs, a.xs)
    matched = sum(1 for x in small if any(abs(x - y) <= EDGE_TOLERANCE for y in large))
    return matched >= 0.8 * len(small)


def _grid(build: _TableBuild) -> tuple[tuple[RawCell, ...], ...]:
    """Lay all fragments of one table onto a shared column grid, page after page."""
    columns = _cluster([x for f in build.fragments for x in f.xs], EDGE_TOLERANCE)
    width = len(columns) - 1
    grid: list[list[Optional[RawCell]]] = []
    owners: list[list[int]] = []  # which source cell fills each slot, to rewrite merged labels
    sources: list[RawCell] = []
    junctions: list[int] = []  # first row index of each later fragment
    for number, fragment in enumerate(build.fragments):
        ys = _cluster([y for (_, top, _, bottom), _ in fragment.cells for y in (top, bottom)], ROW_TOLERANCE)
        base = len(grid)
        grid.extend([None] * width for _ in range(len(ys) - 1))
        owners.extend([-1] * width for _ in range(len(ys) - 1))
        if number:
            junctions.append(base)
        for k, ((x0, top, x1, bottom), text) in enumerate(fragment.cells):
            c0, c1 = _nearest(columns, x0), _nearest(columns, x1)
            r0, r1 = _nearest(ys, top), _nearest(ys, bottom)
            raw = RawCell(text, Span(page=fragment.page,
                                     locator=f"table[{build.index}]/row[{base + r0 + 1}]/cell[{c0 + 1}]"),
                          fragment.confidences[k] if fragment.confidences else None)
            sources.append(raw)
            for r in range(base + r0, base + max(r1, r0 + 1)):
                for c in range(c0, max(c1, c0 + 1)):
                    if grid[r][c] is None:
                        grid[r][c] = raw
                        owners[r][c] = len(sources) - 1
    for junction in reversed(junctions):
        _join_pages(grid, owners, junction)
    empty = RawCell("")
    rows = tuple(tuple(cell or empty for cell in row) for row in grid)
    return rows


def _join_pages(grid: list[list[Optional[RawCell]]], owners: list[list[int]], junction: int) -> None:
    """Repair the seam where a table continues on the next page (``junction`` = its first row)."""
    width = len(grid[0]) if grid else 0

    def texts(r: int) -> list[str]:
        return [(cell.text if cell else "") for cell in grid[r]]

    # A header row repeated on the new page: drop as many leading rows as match the table's top.
    repeated = 0
    while (junction + repeated < len(grid) and repeated < junction
           and texts(junction + repeated) == texts(repeated) and any(texts(repeated))):
        repeated += 1
    if repeated:
        del grid[junction:junction + repeated]
        del owners[junction:junction + repeated]
    if junction >= len(grid) or junction == 0:
        return
    above, below = texts(junction - 1), texts(junction)
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
        elif not _ENUMERATED.match(bottom_text) and not top_text.endswith(_SENTENCE_END):
            merged = top_text + bottom_text  # a label the page break cut in two
        else:
            continue
        replaced = {top_owner, bottom_owner} - {-1}
        for r, row in enumerate(owners):
            for cc, owner in enumerate(row):
                if owner in replaced:
                    old = grid[r][cc]
                    grid[r][cc] = RawCell(merged, old.span if old else Span())


def _rows_of(owners: list[list[int]], owner: int) -> int:
    return sum(1 for row in owners if owner in row)


def _columns_of(owners: list[list[int]], row: int, owner: int) -> tuple[int, ...]:
    return tuple(c for c, o in enumerate(owners[row]) if o == owner)


def _is_page_furniture(line: dict[str, Any], height: float) -> bool:
    """Page numbers and running headers in the top or bottom margin."""
    in_margin = line["top"] < height * 0.08 or line["bottom"] > height * 0.92
    return in_margin and bool(_PAGE_NUMBER.match(line["text"]))


def _open_checked(data: bytes) -> int:
    """Validate with PDFium: returns the page count or raises a one-line ``AdapterError``."""
    try:
        import pypdfium2 as pdfium
    except ImportError:
        raise AdapterError("reading PDF needs pypdfium2: pip install pypdfium2") from None
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise AdapterError("encrypted PDF: it needs a password; publish or upload an unprotected copy") from None
        if not data.lstrip()[:5] == b"%PDF-":
            raise AdapterError("not a PDF: no %PDF header (wrong extension?)") from None
        raise AdapterError("corrupt or truncated PDF (PDFium cannot load it)") from None
    try:
        pages = len(document)
        if pages == 0:
            raise AdapterError("PDF has no pages")
        if pages > MAX_PAGES:
            raise AdapterError(f"PDF has {pages} pages, over the {MAX_PAGES}-page limit")
        chars = 0
        for index in range(pages):
            page = document[index]
            textpage = page.get_textpage()
            chars += textpage.count_chars()
            textpage.close()
            page.close()
            if chars:
                break
        if not chars:
            from auditor.adapters import ocr

            if not ocr.available():
                raise AdapterError(f"no text layer; scanned PDFs need OCR: {ocr.INSTALL_HINT}")
        return pages
    finally:
        document.close()


class PdfAdapter:
    """Reads text-layer PDFs into lines and table grids."""

    name = "pdf"
    extensions = (".pdf",)
    description = "PDF (ruled tables, tables continued across pages; scanned pages with the OCR extra)"

    def sniff(self, head: bytes) -> bool:
        return b"%PDF-" in head[:1024]

    def read(self, path: str, data: bytes) -> Document:
        if not data:
            raise AdapterError("file is empty")
        if b"%PDF-" not in data[:1024]:
            raise AdapterError("not a PDF: no %PDF header (wrong extension?)")
        _open_checked(data)
        try:
            import pdfplumber
        except ImportError:
            raise AdapterError("reading PDF tables needs pdfplumber: pip install pdfplumber") from None
        import io

        try:
            with pdfplumber.open(io.BytesIO(data)) as pdf:
                items = self._read_pages(pdf)
        except AdapterError:
            raise
        except Exception as exc:  # pdfminer raises many types on damaged streams
            raise AdapterError(f"corrupt PDF: {type(exc).__name__} while reading its content") from None
        blocks = self._assemble(items)
        if not blocks:
            raise AdapterError("no text layer; scanned PDFs need OCR, and OCR found no text in this one")
        return Document(path=path, adapter=self.name, blocks=tuple(blocks), encoding=None)

    def _read_pages(self, pdf: Any) -> list[tuple[str, Any]]:
        """Per page, in reading order: ("text", (line, page)) and ("table", _Fragment) items,
        plus ("page", n) markers so continuations can be detected."""
        items: list[tuple[str, Any]] = []
        for number, page in enumerate(pdf.pages, start=1):
            items.append(("page", number))
            placed: list[tuple[float, str, Any]] = []
            boxes: list[tuple[float, float, float, float]] = []
            scan = _ocr(page) if not page.chars and page.images else None  # no text layer: OCR
            for table in scan.tables if scan else page.find_tables():
                fragment = _ocr_fragment(table, number) if scan else _fragment(table, number)
                if fragment is not None:
                    boxes.append(fragment.bbox)
                    placed.append((fragment.bbox[1], "table", fragment))

            def outside(obj: dict[str, Any], boxes: list[tuple[float, float, float, float]] = boxes) -> bool:
                if obj.get("object_type") != "char":
                    return True
                cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
                return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

            text_page = page.filter(outside) if boxes else page
            found = [dataclasses.asdict(line) for line in scan.lines] if scan else \
                text_page.extract_text_lines(return_chars=False)
            lines = [line for line in found
                     if not _is_page_furniture(line, float(page.height)) and clean_text(line["text"])]
            # Margins per page on the left (indents are relative to it); the right edge of a
            # full line is taken document-wide, since a page with two short lines has none.
            left = min((line["x0"] for line in lines), default=0.0)
            right = max((line["x1"] for line in lines), default=0.0)
            for line in lines:
                placed.append((line["top"], "text", _Line(
                    text=clean_text(line["text"]), page=number, x0=line["x0"], x1=line["x1"],
                    top=line["top"], bottom=line["bottom"], left=left, right=right,
                    centre=float(page.width) / 2)))
            placed.sort(key=lambda item: item[0])
            items.extend((kind, payload) for _, kind, payload in placed)
            page.close()
        right_edge = max((p.right for kind, p in items if kind == "text"), default=0.0)
        return [(kind, dataclasses.replace(p, right=right_edge) if kind == "text" else p) for kind, p in items]

    def _assemble(self, items: list[tuple[str, Any]]) -> list[Block]:
        """Blocks in order, joining a table that ends a page to one that starts the next."""
        blocks: list[Block] = []
        builds: list[tuple[int, _TableBuild]] = []  # (position in blocks, table)
        last_kind = None
        open_table: Optional[_TableBuild] = None
        previous_line: Optional[_Line] = None
        crossed_page = False
        for kind, payload in items:
            if kind == "page":
                crossed_page = last_kind is not None
                continue
            if kind == "text":
                line: _Line = payload
                if previous_line is not None and last_kind == "text" and _continues(previous_line, line, crossed_page):
                    joined = join_lines((blocks[-1].text, line.text))
                    blocks[-1] = Block("text", text=joined, span=blocks[-1].span)
                else:
                    blocks.append(Block("text", text=line.text, span=Span(page=line.page)))
                previous_line = line
                open_table = None
            else:
                fragment: _Fragment = payload
                previous_line = None
                if open_table is not None and crossed_page and last_kind == "table" \
                        and _compatible(open_table.fragments[-1], fragment):
                    open_table.fragments.append(fragment)
                else:
                    open_table = _TableBuild(index=len(builds) + 1, fragments=[fragment])
                    builds.append((len(blocks), open_table))
                    blocks.append(Block("table"))  # placeholder, filled below
            crossed_page = False
            last_kind = kind
        for position, build in builds:
            grid = _grid(build)
            first = build.fragments[0]
            span = Span(page=first.page, locator=f"table[{build.index}]")
            if drop_empty_rows(grid):
                blocks[position] = Block("table", rows=grid, span=span)
        return [b for b in blocks if b.kind == "text" or b.rows]


def _fragment(table: Any, page: int) -> Optional[_Fragment]:
    """A pdfplumber table as cell boxes with text; None for one-column boxes around prose."""
    cells: list[tuple[tuple[float, float, float, float], str]] = []
    texts = table.extract()
    for row, row_texts in zip(table.rows, texts):
        for box, text in zip(row.cells, row_texts):
            if box is not None:
                cells.append((tuple(box), clean_cell(text or "")))
    if not cells:
        return None
    xs = _cluster([x for (x0, _, x1, _), _ in cells for x in (x0, x1)], 1.0)
    if len(xs) < 3:
        return None  # a single column: a frame drawn around a paragraph, read as text lines
    return _Fragment(page=page, bbox=tuple(table.bbox), cells=cells, xs=xs)


OCR_DPI = 200


def _ocr(page: Any) -> Any:
    """A page without a text layer read by the OCR route (``auditor.adapters.ocr``)."""
    from auditor.adapters import ocr

    return ocr.read_image(page.to_image(resolution=OCR_DPI).original, dpi=OCR_DPI)


def _ocr_fragment(table: Any, page: int) -> _Fragment:
    """An OCR table (cell boxes in points, as drawn) as a fragment like a drawn one."""
    xs = _cluster([x for cell in table.cells for x in (cell.x0, cell.x1)], 1.0)
    return _Fragment(page=page, bbox=table.bbox, cells=[(cell.bbox, cell.text) for cell in table.cells], xs=xs,
                     confidences=[cell.confidence for cell in table.cells])


@hookimpl
def auditor_adapters() -> list[type]:
    return [PdfAdapter]
