"""A region's lines and grids as rows of cell tokens, tokenised once.

Whatever the layout, a table arrives as a run of *rows*:

- positional rows keep every cell in place: a `|`-split line (markdown tables included), a grid
  row from HTML/DOCX/PDF. The slots of a merged grid cell share their ``source``, so a value
  cell spanning two columns can be read once;
- flat tokens carry no positions: one cell per line (blank cells dropped by the scraper), a
  label followed by a run of values on one line (``行政许可 1234``,
  ``一、本年新收… 35 1 0 2 0 0 38``), or values run together with no separator at all;
- gap rows: lines with nothing but whitespace or pipes between flat tokens. Some layouts keep a
  blank cell's position this way (a line that is only ``|``, a tab-only line, an extra empty
  line); the table reader decides from the region as a whole whether they mean blanks;
- ``None``: prose, which ends a row.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, NamedTuple, Optional

import re2

from auditor.model import Span
from auditor.recognize.items import Item
from auditor.recognize.normalize import is_value_token, norm_label

NARRATIVE_MIN = 45  # a cell/line longer than this (and no known label) is prose, not a cell
_GLUED = re2.compile(r"^(.*[^\d\s.,，+\-])([+\-]?\d+(?:\.\d+)?(?:[+\-]\d+(?:\.\d+)?)*(?:万元|元|件|条|项|宗|个)?)$")


class Token(NamedTuple):
    """One cell's text where it was read. A named tuple: a document makes tens of thousands of
    them, and a tuple is built several times faster than a frozen dataclass."""

    text: str
    span: Span
    confidence: Optional[float] = None  # OCR confidence of the grid cell it came from
    source: int = 0  # grid cells: one id per source cell, shared by the slots of a merged cell
    glued: bool = False  # digits printed right after the label with no separator (``规章000``)


class RawRow(NamedTuple):
    """One row of a region. A named tuple, never changed once made: a gap row (no cells) is
    shared by every line that holds the same gap, and a row is built per line of every table."""

    cells: tuple[Token, ...]
    positional: bool
    gap: str = ""  # for gap rows: what the line held (``|``, ``\t\t``, ``""``)

    @property
    def is_gap(self) -> bool:
        return not self.cells


def region_rows(items: list[Item]) -> list[Optional[RawRow]]:
    """Rows, flat tokens and gaps of a region in reading order; ``None`` marks prose."""
    rows: list[Optional[RawRow]] = []
    for item in items:
        if item.grid is not None:
            for grid_row in item.grid:
                rows.append(RawRow(tuple([Token(c.text.strip(), c.span, c.confidence, id(c)) for c in grid_row]),
                                   True))
            continue
        _add_line_rows(rows, item.text, item.span)
    return rows


# The shape of a line, cached by its text (table lines repeat: ``0 |``, ``|``, ``0``): gap lines
# (their row, ready), positional rows, flat tokens (text, glued to its label?) and prose (None).
Shape = tuple[Optional[tuple[str, Any]], ...]


def line_rows(line: str, span: Span) -> list[Optional[RawRow]]:
    """The rows one text line contributes."""
    rows: list[Optional[RawRow]] = []
    _add_line_rows(rows, line, span)
    return rows


def _add_line_rows(rows: list[Optional[RawRow]], line: str, span: Span) -> None:
    # Rows and tokens are made with tuple.__new__, every field given: a named tuple's own
    # __new__ is a Python function, and a report makes a row and a token for most of its lines.
    for entry in _shape(line):
        if entry is None:
            rows.append(None)
        elif entry[0] == "gap":
            rows.append(entry[1])  # shared: a gap row holds no span
        elif entry[0] == "row":
            rows.append(_new(RawRow, (tuple([_new(Token, (p, span, None, 0, False)) for p in entry[1]]), True, "")))
        else:
            text, glued = entry[1]
            rows.append(_new(RawRow, ((_new(Token, (text, span, None, 0, glued)),), False, "")))


_new = tuple.__new__


_PIPE_GAP = RawRow((), False, "|")


@lru_cache(maxsize=32768)
def _shape(line: str) -> Shape:
    text = line.strip()
    if not text or set(text) <= {"|", " ", "\t", "\u3000"}:
        return (("gap", RawRow((), False, line.strip(" \u3000") or line)),)
    leading = 0
    if "|" in text:
        parts = [p.strip() for p in text.split("|")]
        if text.startswith("|"):  # markdown: | a | b |
            parts = parts[1:]
        if text.endswith("|"):
            parts = parts[:-1]
        filled = [p for p in parts if p]
        if len(filled) >= 2:
            return (("row", tuple(parts)),)
        if not filled:
            return (("gap", _PIPE_GAP),)
        leading = 0 if text.startswith("|") and len(parts) == 1 else parts.index(filled[0])
        text = filled[0]
    out: list[Optional[tuple[str, Any]]] = [("gap", _PIPE_GAP)] * leading
    run = value_run(text)
    if run is not None:
        return (*out, *(("flat", (p, False)) for p in run))
    split = None if is_value_token(text) else label_and_values(text)
    if split is not None:
        label, values, glued = split
        return (*out, ("flat", (label, False)), *(("flat", (v, glued)) for v in values))
    if len(norm_label(text)) > NARRATIVE_MIN:
        return (*out, None)
    return (*out, ("flat", (text, False)))


def value_run(text: str) -> Optional[list[str]]:
    """``7 7 7`` → ``['7', '7', '7']``; ``35  0 2`` (two spaces where a cell is blank, in a line
    that otherwise uses single spaces) → ``['35', '', '0', '2']``; None unless every part is a
    value."""
    stripped = text.strip()
    parts = stripped.split()
    if len(parts) < 2 or not all(is_value_token(p) for p in parts):
        return None
    gaps = [len(g) for g in re.findall(r" +", stripped)] if "\t" not in stripped else []
    if gaps and set(gaps) == {1, 2} and gaps.count(1) > gaps.count(2):
        return stripped.replace("  ", " \0 ").replace("\0", "").split(" ")
    return parts


def label_and_values(text: str) -> Optional[tuple[str, list[str], bool]]:
    """``行政许可 1234`` → (行政许可, [1234]); ``一、本年新收…数量 35 1 0`` → label and three values;
    ``行政许可 5 新增11 3`` keeps the sign word. Values run together with the label
    (``…数量351020038``) come back as one value, flagged, for the table reader to split; a sign
    inside such a run is a cell boundary (``行政事业性收费8-2`` → 8 and -2)."""
    stripped = text.strip()
    parts = stripped.split()
    first_value = len(parts)
    while first_value > 0 and is_value_token(parts[first_value - 1]):
        first_value -= 1
    glued = False
    if 0 < first_value < len(parts):
        label = " ".join(parts[:first_value])
        tail = stripped[stripped.index(parts[first_value], len(label)):]
        values = value_run(tail) or [tail]
        touching = _GLUED.match(label)
        if touching and touching.group(2).isdigit():  # 一、本年新收…数量0 0 0 0 0 00
            label, values, glued = touching.group(1), [touching.group(2), *values], True
    else:
        match = _GLUED.match(stripped)
        if not match:
            return None
        label, glued = match.group(1), True
        values = [v for v in re.split(r"(?=[+\-])", match.group(2)) if v]
        if not all(is_value_token(v) for v in values):
            return None
    if len(norm_label(label)) > NARRATIVE_MIN or label[-1] in "第至年月日号:：" or is_value_token(label):
        return None
    return label, values, glued
