"""The recognizer's view of a document: a flat run of items, each a line of text or a grid."""

from __future__ import annotations

from itertools import repeat
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
        if first.page is None and first.locator is None:
            # Item(line, span) for every line, without a call of the named tuple's __new__ each.
            spans = line_spans(first.line + 1, len(lines) - 1)
            items.extend(map(tuple.__new__, repeat(Item), zip(lines[1:], spans, repeat(None))))
        else:
            items.extend(Item(line, Span(line=offset, page=first.page, locator=first.locator))
                         for offset, line in enumerate(lines[1:], first.line + 1))
    return items


MAX_SHARED_LINE = 1 << 17
_LINE_SPANS: list[Span] = [Span(line=0)]  # Span(line=n) at n, shared: spans are immutable, and every line needs one


def line_spans(start: int, count: int) -> list[Span]:
    """``Span(line=n)`` for ``count`` lines from ``start``, the same objects for every file."""
    end = start + count
    if end > len(_LINE_SPANS) and len(_LINE_SPANS) <= MAX_SHARED_LINE:
        _LINE_SPANS.extend(Span(line=n) for n in range(len(_LINE_SPANS), min(end, MAX_SHARED_LINE + 1)))
    if end <= len(_LINE_SPANS):
        return _LINE_SPANS[start:end]
    return [Span(line=n) for n in range(start, end)]  # a file longer than anything shared
