"""Split digits a scraper ran together (``351020038``) back into a row's cells.

A cell is a whole number written without leading zeros, so ``351020038`` into seven cells whose
last is the sum of the others (the row's 总计) can only be 35 1 0 2 0 0 38. Where a row alone
allows several splits, the table's column sums and balances may single one out; where they do
not, the caller says the table cannot be read reliably instead of guessing.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Callable, Optional

MAX_CANDIDATES = 64  # splits of one row kept before the row counts as hopelessly ambiguous
MAX_COMBINATIONS = 200_000  # joint choices tried when column identities must decide
MAX_DIGITS = 60  # a run longer than this is not a table row


def _parts(digits: str, start: int, end: int, count: int, target: Optional[int],
           cuts: frozenset[int] = frozenset()) -> Iterator[list[int]]:
    """Every way to cut ``digits[start:end]`` into ``count`` whole numbers without leading zeros
    (summing to ``target`` when given), never across a position in ``cuts``."""
    if count == 1:
        piece = digits[start:end]
        if not piece or (len(piece) > 1 and piece[0] == "0") or any(start < c < end for c in cuts):
            return
        value = int(piece)
        if target is None or value == target:
            yield [value]
        return
    longest = end - start - (count - 1)
    for length in range(1, longest + 1):
        if any(start < c < start + length for c in cuts):
            break
        piece = digits[start:start + length]
        if length > 1 and piece[0] == "0":
            break
        value = int(piece)
        if target is not None and value > target:
            break
        for rest in _parts(digits, start + length, end, count - 1, None if target is None else target - value, cuts):
            yield [value, *rest]


def row_splits(digits: str, width: int, *, last_is_total: bool,
               cuts: frozenset[int] = frozenset()) -> list[tuple[int, ...]]:
    """The ways ``digits`` can be the ``width`` cells of one row (up to ``MAX_CANDIDATES`` + 1).
    ``cuts`` are positions known to be cell boundaries (a space the page kept)."""
    if not digits.isdigit() or len(digits) < width or len(digits) > MAX_DIGITS:
        return []
    found: list[tuple[int, ...]] = []
    if not last_is_total or width == 1:
        for parts in _parts(digits, 0, len(digits), width, None, cuts):
            found.append(tuple(parts))
            if len(found) > MAX_CANDIDATES:
                break
        return found
    for total_length in range(1, len(digits) - (width - 1) + 1):
        total_start = len(digits) - total_length
        total_text = digits[total_start:]
        if total_length > 1 and total_text[0] == "0":
            continue
        if any(total_start < c < len(digits) for c in cuts):
            break
        total = int(total_text)
        for parts in _parts(digits, 0, total_start, width - 1, total, cuts):
            found.append((*parts, total))
            if len(found) > MAX_CANDIDATES:
                return found
    return found


def run_splits(digits: str, widths: Sequence[int], *, last_is_total: bool,
               cuts: frozenset[int] = frozenset()) -> list[tuple[tuple[int, ...], ...]]:
    """The ways one run of digits can be several consecutive rows (table 四's 15 values)."""
    results: list[tuple[tuple[int, ...], ...]] = []

    def walk(start: int, row: int, acc: tuple[tuple[int, ...], ...]) -> None:
        if len(results) > MAX_CANDIDATES:
            return
        if row == len(widths):
            if start == len(digits):
                results.append(acc)
            return
        rest = sum(widths[row + 1:])
        for end in range(start + widths[row], len(digits) - rest + 1):
            inner = frozenset(c - start for c in cuts if start < c < end)
            for split in row_splits(digits[start:end], widths[row], last_is_total=last_is_total, cuts=inner):
                walk(end, row + 1, (*acc, split))

    if digits.isdigit() and len(digits) <= MAX_DIGITS * len(widths):
        walk(0, 0, ())
    return results


def choose(candidates: dict[str, list[tuple[int, ...]]],
           consistent: Callable[[dict[str, tuple[int, ...]]], bool]) -> Optional[dict[str, tuple[int, ...]]]:
    """The only joint choice of one split per row that ``consistent`` accepts, or None when there
    is none or more than one (or too many to try)."""
    rows = list(candidates)
    sizes = [len(candidates[r]) for r in rows]
    if not rows or 0 in sizes:
        return None
    total = 1
    for size in sizes:
        total *= size
    if total > MAX_COMBINATIONS:
        return None
    found: Optional[dict[str, tuple[int, ...]]] = None
    for combination in itertools.product(*(candidates[r] for r in rows)):
        choice = dict(zip(rows, combination))
        if consistent(choice):
            if found is not None:
                return None
            found = choice
    return found
