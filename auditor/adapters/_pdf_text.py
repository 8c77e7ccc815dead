"""Glyphs into lines, lines into paragraphs: the text of a PDF page in reading order.

Chinese text has no spaces between words and Word justifies it by spreading the characters,
so spacing is decided from the gaps between glyph boxes: a gap wider than a fifth of the line
height is a space, except between two CJK characters (a justified or distributed line, ``结 果``).
A paragraph wraps anywhere, even inside a word (``统`` / ``计期限``), so wrapped lines are joined
by position, never by content alone: a line that reaches the right margin — or stops short only
because the next line's first number or Latin word did not fit — continues on the next line
when that one starts at the left margin and opens no numbered item.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Optional

from auditor.adapters._cells import clean_cell, clean_text, join_lines
from auditor.adapters._pdf_page import Glyph

LINE_TOLERANCE = 0.45  # of the glyph height: centres this close are on one line
SPACE_GAP = 0.15  # of the line height: a wider gap between glyphs is a space
_CJK = re.compile("[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\u3000-\u303f]")
_LEAD = re.compile(r"^[0-9A-Za-z@._:/\-+%()（）]+")
ENUMERATED = re.compile(r"^\s*([一二三四五六七八九十]+\s*[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+\s*[.、．](?!\d))")
SECTION_HEADING = re.compile(r"^\s*[一二三四五六七八九十]+\s*[、.．]\s*\S")
_PAGE_NUMBER = re.compile(r"^[-—–_\s]*(第\s*)?\d{1,4}\s*(页)?\s*([/／]\s*(共\s*)?\d{1,4}\s*页?)?[-—–_\s]*$")
_NO_CONTINUATION_AFTER = ("。", "：", ":", "！", "？")


def group_lines(glyphs: list[Glyph]) -> list[list[Glyph]]:
    """Glyphs grouped into visual lines, top to bottom, each sorted left to right."""
    lines: list[list[Glyph]] = []
    centre = height = 0.0
    for glyph in sorted(glyphs, key=lambda g: (g.top + g.bottom) / 2):
        mid, size = (glyph.top + glyph.bottom) / 2, glyph.bottom - glyph.top
        if lines and abs(mid - centre) <= LINE_TOLERANCE * max(min(size, height), 1.0):
            line = lines[-1]
            line.append(glyph)
            centre += (mid - centre) / len(line)
        else:
            lines.append([glyph])
            centre, height = mid, size
    for line in lines:
        line.sort(key=lambda g: g.x0)
    lines.sort(key=lambda line: min(g.top for g in line))
    return lines


def line_text(line: list[Glyph]) -> str:
    """The characters of one line with spaces where the gaps are wide (not between CJK)."""
    heights = sorted(g.bottom - g.top for g in line)
    gap_limit = SPACE_GAP * max(heights[len(heights) // 2], 1.0)
    parts: list[str] = []
    previous: Optional[Glyph] = None
    for glyph in line:
        if previous is not None and glyph.x0 - previous.x1 > gap_limit and parts[-1] != " " \
                and glyph.text != " " and not (_CJK.match(previous.text[-1]) and _CJK.match(glyph.text[0])):
            parts.append(" ")
        parts.append(glyph.text)
        previous = glyph
    return "".join(parts)


def cell_text(glyphs: list[Glyph]) -> tuple[str, Optional[float]]:
    """A table cell's text (wrapped lines joined CJK-aware) and the lowest OCR confidence in it."""
    if not glyphs:
        return "", None
    text = clean_cell("\n".join(line_text(line) for line in group_lines(glyphs)))
    confidences = [g.confidence for g in glyphs if g.confidence is not None]
    return text, (min(confidences) if confidences else None)


@dataclass(frozen=True)
class TextLine:
    """A line of running text with its box; ``lead`` is the width of its first Latin/number run."""

    text: str
    page: int
    x0: float
    x1: float
    top: float
    bottom: float
    lead: float = 0.0

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 1.0)


def page_lines(glyphs: list[Glyph], page: int, page_height: float) -> list[TextLine]:
    """The page's text lines, without page numbers in the top or bottom margin."""
    lines = []
    for group in group_lines(glyphs):
        text = clean_text(line_text(group))
        if not text:
            continue
        top, bottom = min(g.top for g in group), max(g.bottom for g in group)
        if (top < page_height * 0.08 or bottom > page_height * 0.92) and _PAGE_NUMBER.match(text):
            continue
        lead = _LEAD.match(text)
        lead_width = 0.0
        if lead:
            run = [g for g in group if g.text.strip()][: len(lead.group(0))]
            lead_width = run[-1].x1 - run[0].x0 if run else 0.0
        lines.append(TextLine(text, page, group[0].x0, max(g.x1 for g in group), top, bottom, lead_width))
    return lines


@dataclass(frozen=True)
class Margins:
    """Where full lines start and end: the most common left and right edges of the document."""

    left: float
    right: float
    centre: float

    @staticmethod
    def of(lines: list[TextLine], page_width: float) -> Margins:
        if not lines:
            return Margins(0.0, page_width, page_width / 2)
        lefts = Counter(round(line.x0 / 3) for line in lines)
        rights = Counter(round(line.x1 / 3) for line in lines)
        left = 3 * max(lefts, key=lambda k: (lefts[k], -k))
        right = 3 * max(rights, key=lambda k: (rights[k], k))
        return Margins(left, right, page_width / 2)


def continues(above: TextLine, below: TextLine, margins: Margins, new_page: bool) -> bool:
    """True when ``below`` carries on the paragraph of ``above`` (see the module docstring), or
    when both are centred lines of one size (a title set on two lines, cut anywhere)."""
    h = above.height
    if ENUMERATED.match(below.text) or abs(above.height - below.height) >= 0.25 * h:
        return False  # a numbered item, or another font size: a new paragraph
    if new_page:
        if below.page != above.page + 1:
            return False
    elif below.top - above.bottom > 1.2 * h or below.top < above.top:
        return False
    room = margins.right - above.x1
    full = (room <= 1.5 * h or (below.lead and room <= below.lead + 1.5 * h)) \
        and not above.text.endswith(_NO_CONTINUATION_AFTER)
    unindented = below.x0 <= margins.left + 0.5 * h
    if full and unindented:
        return True
    if new_page:
        return False
    return all(abs((line.x0 + line.x1) / 2 - margins.centre) < h and line.x0 > margins.left + h
               for line in (above, below))


def join_paragraph(first: str, second: str) -> str:
    """A wrapped line joined to its paragraph. Chinese text wraps anywhere, even inside a
    number or an address (``20`` / ``20年``, ``163.c`` / ``om``), so a mostly Chinese paragraph
    is joined with no space at all; other text gets a space between two Latin words."""
    near = first[-400:] + second[:100]
    if len(_CJK.findall(near)) * 2 > len(near):
        return first.rstrip() + second.lstrip()
    return join_lines((first, second))
