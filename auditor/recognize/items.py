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
        first = block.span
        if first.line is None:
            items.extend(Item(line, first) for line in lines)
            continue
        items.append(Item(lines[0], first))
        plain = first.page is None and first.locator is None
        for offset, line in enumerate(lines[1:], first.line + 1):
            span = _line_span(offset) if plain else Span(line=offset, page=first.page, locator=first.locator)
            items.append(Item(line, span))
    return items


_LINE_SPANS: dict[int, Span] = {}  # Span(line=n), shared: spans are immutable, and every line needs one


def _line_span(line: int) -> Span:
    span = _LINE_SPANS.get(line)
    if span is None:
        if len(_LINE_SPANS) >= 1 << 17:
            _LINE_SPANS.clear()
        span = _LINE_SPANS[line] = Span(line=line)
    return span
