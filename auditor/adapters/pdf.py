"""PDF files: paragraphs in reading order and ruled tables as grids, across page breaks.

Library: pypdfium2 (Apache-2.0/BSD, Google's PDFium). It is strict and fast — corrupt,
truncated and password-protected files are rejected in milliseconds with a precise reason —
and its C API gives everything layout needs in one parse: each character with its box, and
each path with its segments. From those, auditor finds tables itself (``_pdf_lattice``: ruling
lines -> slots -> merged cells), groups characters into lines and paragraphs (``_pdf_text``),
and joins tables continued on the next page (``_pdf_grid``). Tables used to be found by
pdfplumber, which re-parses the file in pure Python (pdfminer.six) and spent ~40 ms a page;
this route spends ~4 ms (``benchmarks/bench_pdf.py`` compares both). PyMuPDF would be as fast
but is AGPL-licensed, which an Apache-2.0 project cannot ship as a dependency.

Untrusted files: the streams are measured before PDFium sees them (``_pdf_limits``), and pages,
characters and drawing objects are counted against limits (``_pdf_page``), each reported as
an ``AdapterError`` naming the limit.

A page whose text layer is empty but holds a picture (a scan) goes to the OCR route
(``auditor.adapters.ocr``, the ``auditor[ocr]`` extra): its tables and lines come back with the
same boxes as printed text, and the rest of the adapter treats them alike.
"""

from __future__ import annotations

from typing import Any, Optional, Union

from auditor.hookspecs import claim, hookimpl
from auditor.model import AdapterError, Block, Document, Span

MAX_PAGES = 2000
OCR_DPI = 200  # scans are read at this resolution: enough for 10.5 pt table digits


def _scan(page: Any) -> Any:
    """A page without a text layer, read from its picture by the OCR route (``ocr.OcrPage``)."""
    from auditor.adapters import ocr

    bitmap = page.render(scale=OCR_DPI / 72)
    try:
        return ocr.read_image(bitmap.to_pil(), dpi=OCR_DPI)
    finally:
        bitmap.close()


def _no_text(pages: list[Any]) -> str:
    """Why a PDF gave no text: no text layer and no OCR, or OCR found nothing."""
    from auditor.adapters import ocr

    if not any(p.pictures for p in pages):
        return "no text layer and no pictures: the PDF holds no readable text"
    if not ocr.available():
        return f"no text layer; scanned PDFs need OCR: {ocr.INSTALL_HINT}"
    return "no text layer; scanned PDFs need OCR, and OCR found no text in this one"


class PdfAdapter:
    """Reads text-layer PDFs into paragraphs and table grids."""

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
        from auditor.adapters._pdf_limits import LimitError, check_limits

        try:
            check_limits(data)
        except LimitError as exc:
            raise AdapterError(str(exc)) from None
        pages, notes = _read_pages(data)
        blocks = _assemble(pages)
        if not blocks:
            raise AdapterError(_no_text(pages))
        return Document(path=path, adapter=self.name, blocks=tuple(blocks), encoding=None, notes=tuple(notes))


def _open(data: bytes) -> Any:
    """A ``PdfDocument``, or a one-line ``AdapterError`` saying why not."""
    try:
        import pypdfium2 as pdfium
    except ImportError:
        raise AdapterError("reading PDF needs pypdfium2: pip install pypdfium2") from None
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise AdapterError("encrypted PDF: it needs a password; publish or upload an unprotected copy") from None
        if not data.lstrip()[:5] == b"%PDF-":
            raise AdapterError("not a PDF: no %PDF header (wrong extension?)") from None
        raise AdapterError("corrupt or truncated PDF (PDFium cannot load it)") from None


def _read_pages(data: bytes) -> tuple[list[Any], list[str]]:
    """Every page's content (``_pdf_page.PageContent``) and the notes collected on the way."""
    from auditor.adapters import ocr
    from auditor.adapters._pdf_page import PageLimitError, read_page

    document = _open(data)
    try:
        count = len(document)
        if count == 0:
            raise AdapterError("PDF has no pages")
        if count > MAX_PAGES:
            raise AdapterError(f"PDF has {count} pages, over the {MAX_PAGES}-page limit")
        pages, notes = [], []
        for index in range(count):
            try:
                page = document[index]
            except Exception as exc:  # PdfiumError: a page object PDFium cannot load (found by tests/fuzz)
                raise AdapterError(f"corrupt PDF: page {index + 1} cannot be loaded ({type(exc).__name__})") from None
            try:
                content = read_page(page, index + 1)
                if not content.glyphs and content.pictures and ocr.available():
                    content.scan = _scan(page)
                    content.notes.append(f"page {index + 1}: no text layer, read by OCR")
            except PageLimitError as exc:
                raise AdapterError(str(exc)) from None
            except (AdapterError, MemoryError):  # MemoryError: the memory limit, named as such by the caller
                raise
            except Exception as exc:  # PDFium and ctypes raise little, but a broken page must not crash a batch
                raise AdapterError(f"corrupt PDF: page {index + 1} cannot be read ({type(exc).__name__})") from None
            finally:
                page.close()
            pages.append(content)
            notes.extend(content.notes)
        if not any(p.glyphs or (p.scan and (p.scan.lines or p.scan.tables)) for p in pages):
            raise AdapterError(_no_text(pages))
        return pages, notes
    finally:
        document.close()


def _assemble(pages: list[Any]) -> list[Block]:
    """Blocks in reading order: paragraphs joined across lines and pages, tables joined
    across pages when one ends a page and the next starts the following page."""
    from auditor.adapters._pdf_grid import TableBuild, build_grid, compatible
    from auditor.adapters._pdf_lattice import Fragment, find_tables
    from auditor.adapters._pdf_text import Margins, TextLine, continues, join_paragraph, page_lines

    items: list[tuple[str, Union[int, TextLine, Fragment]]] = []
    all_lines: list[TextLine] = []
    for content in pages:
        if content.scan is not None:
            fragments, lines = _scanned(content)
        else:
            fragments, outside = find_tables(content)
            lines = page_lines(outside, content.number, content.height)
        all_lines.extend(lines)
        placed: list[tuple[float, str, Union[TextLine, Fragment]]] = [(f.bbox[1], "table", f) for f in fragments]
        placed += [(line.top, "text", line) for line in lines]
        placed.sort(key=lambda item: item[0])
        items.append(("page", content.number))
        items.extend((kind, payload) for _, kind, payload in placed)
    width = max((p.width for p in pages), default=0.0)
    margins = Margins.of(all_lines, width)

    blocks: list[Block] = []
    builds: list[tuple[int, TableBuild]] = []  # (position in blocks, table)
    last_kind: Optional[str] = None
    open_table: Optional[TableBuild] = None
    previous_line: Optional[TextLine] = None
    crossed_page = False
    for kind, payload in items:
        if kind == "page":
            crossed_page = last_kind is not None
            continue
        if isinstance(payload, TextLine):
            if previous_line is not None and last_kind == "text" \
                    and continues(previous_line, payload, margins, crossed_page):
                blocks[-1] = Block("text", text=join_paragraph(blocks[-1].text, payload.text), span=blocks[-1].span)
            else:
                blocks.append(Block("text", text=payload.text, span=Span(page=payload.page)))
            previous_line = payload
            open_table = None
        elif isinstance(payload, Fragment):
            previous_line = None
            if open_table is not None and crossed_page and last_kind == "table" \
                    and compatible(open_table.fragments[-1], payload):
                open_table.fragments.append(payload)
            else:
                open_table = TableBuild(index=len(builds) + 1, fragments=[payload])
                builds.append((len(blocks), open_table))
                blocks.append(Block("table"))  # placeholder, filled below
        crossed_page = False
        last_kind = kind
    tables = {position: build for position, build in builds}
    out: list[Block] = []
    for position, block in enumerate(blocks):
        if position not in tables:
            out.append(block)
            continue
        build = tables[position]
        grid = tuple(row for row in build_grid(build) if any(cell.text for cell in row))
        span = Span(page=build.fragments[0].page, locator=f"table[{build.index}]")
        if grid and _is_heading_row(grid[0]):
            out.append(Block("text", text=grid[0][0].text, span=Span(page=span.page)))
            grid = grid[1:]
        if grid:
            out.append(Block("table", rows=grid, span=span))
    return out


def _scanned(content: Any) -> tuple[list[Any], list[Any]]:
    """An OCR'd page as table fragments and text lines, like a printed page's (cell confidences
    kept, so the recognizer marks those cells)."""
    from auditor.adapters._pdf_lattice import Fragment, cluster
    from auditor.adapters._pdf_text import TextLine

    fragments = [Fragment(page=content.number, bbox=table.bbox,
                          cells=[(cell.bbox, cell.text, cell.confidence) for cell in table.cells],
                          xs=cluster([x for cell in table.cells for x in (cell.x0, cell.x1)], 1.0))
                 for table in content.scan.tables]
    lines = [TextLine(line.text, content.number, line.x0, line.x1, line.top, line.bottom)
             for line in content.scan.lines]
    return fragments, lines


def _is_heading_row(row: tuple[Any, ...]) -> bool:
    """A section heading typed into the table's top row, one cell across the whole width."""
    from auditor.adapters._pdf_text import SECTION_HEADING

    return len({cell.text for cell in row}) == 1 and bool(SECTION_HEADING.match(row[0].text))


@hookimpl
def auditor_adapters() -> list[type]:
    return [PdfAdapter]


@hookimpl
def auditor_claim(path: str, head: bytes, by: str):
    return claim(PdfAdapter(), path, head, by)
