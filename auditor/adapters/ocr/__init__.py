"""OCR route: page pictures (scanned PDF pages, ``<img>`` tables of web pages) read into the
same text lines and ruled-table cells the text routes produce, so recognition and every rule
work unchanged.

This module is light (no numpy): adapters import it to ask ``available()`` and for the result
types; ``read_image`` loads the image stack and the recogniser on first use. Coordinates are in
typographic points (1/72 inch) at the picture's resolution, as in a PDF page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from auditor.adapters.ocr.engine import INSTALL_HINT, available
from auditor.model import RawCell, Span

__all__ = ["INSTALL_HINT", "OcrCell", "OcrLine", "OcrPage", "OcrTable", "available", "read_image"]


@dataclass(frozen=True)
class OcrLine:
    """A line of text outside tables, with its ink box."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    confidence: float


@dataclass(frozen=True)
class OcrCell:
    """A table cell as drawn (a merged cell is one box) with the slots of the table's lattice
    it covers: rows ``row``…``row + rows - 1``, columns likewise."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    confidence: Optional[float]
    row: int
    col: int
    rows: int = 1
    cols: int = 1

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return self.x0, self.top, self.x1, self.bottom


@dataclass(frozen=True)
class OcrTable:
    """A table found in a picture: ruled (cells as drawn) or aligned (rows and columns of text
    with no lines)."""

    x0: float
    top: float
    x1: float
    bottom: float
    n_rows: int
    n_cols: int
    cells: tuple[OcrCell, ...]
    ruled: bool = True

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return self.x0, self.top, self.x1, self.bottom

    def grid(self, span: Span) -> tuple[tuple[RawCell, ...], ...]:
        """The table as a rectangle of ``RawCell``, a merged cell repeated into every slot it
        covers (as ``_cells.expand_grid`` does for HTML); ``span`` locates the table and each
        cell gets ``row[r]/cell[c]`` appended to its locator."""
        slots: list[list[RawCell]] = [[RawCell("", span)] * self.n_cols for _ in range(self.n_rows)]
        base = span.locator or "image"
        for cell in self.cells:
            raw = RawCell(cell.text, Span(page=span.page, locator=f"{base}/row[{cell.row + 1}]/cell[{cell.col + 1}]"),
                          cell.confidence)
            for r in range(cell.row, min(cell.row + cell.rows, self.n_rows)):
                for c in range(cell.col, min(cell.col + cell.cols, self.n_cols)):
                    slots[r][c] = raw
        return tuple(tuple(row) for row in slots)


@dataclass(frozen=True)
class OcrPage:
    """What OCR found on one picture, in reading order within each kind."""

    width: float
    height: float
    lines: tuple[OcrLine, ...]
    tables: tuple[OcrTable, ...]
    skew: float = 0.0  # degrees the picture was turned to level it


def read_image(picture: Any, *, dpi: Optional[float] = None) -> OcrPage:
    """OCR one picture (a PIL image or a greyscale/BGR array) scanned or drawn at ``dpi``;
    without ``dpi`` (a web page's picture) the scale is judged from the height of its text.

    Raises ``AdapterError`` naming the extra to install when the OCR packages are missing.
    """
    if not available():
        from auditor.model import AdapterError

        raise AdapterError(f"reading images needs the OCR extra: {INSTALL_HINT}")
    from auditor.adapters.ocr.page import read_page

    return read_page(picture, dpi=dpi)
