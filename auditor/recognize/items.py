"""The recognizer's view of a document: a flat run of items, each a line of text or a grid."""

from __future__ import annotations

from typing import NamedTuple, Optional

from auditor.model import Block, RawCell, Span


class Item(NamedTuple):
    """A text line (``grid`` None) or a table grid from a structured adapter. A named tuple:
    one is made per line of every document, and a tuple is built several times faster than a
    frozen dataclass."""

    text: str
    span: Span
    grid: Optional[tuple[tuple[RawCell, ...], ...]] = None

    @property
    def stripped(self) -> str:
        return self.text.strip()


def items_from_blocks(blocks: tuple[Block, ...]) -> list[Item]:
    """Split text blocks into lines (a paragraph may hold several) and keep grids whole."""
    items: list[Item] = []
    for block in blocks:
        if block.kind == "table":
            if block.rows:
                items.append(Item("", block.span, block.rows))
            continue
        lines = block.text.split("\n")
        for offset, line in enumerate(lines):
            span = block.span
            if offset and span.line is not None:
                span = Span(line=span.line + offset, page=span.page, locator=span.locator)
            items.append(Item(line, span))
    return items
