"""Which line of a TOML file sets a key: ``tomllib`` gives values without positions, and an
error that says ``auditor.toml:12: ignore: …`` is found at once in a long file.

A line scanner, not a parser: it follows table headers (``[severity]``, ``[[waivers]]`` with
their running index) and ``key =`` lines (dotted and quoted keys included), which is what
configuration and case files are made of. Values spread over several lines are found by the
line their key starts on. Imports nothing of auditor's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Optional, Union

Part = Union[str, int]

_BARE = r"[A-Za-z0-9_-]+"
_QUOTED = r'"(?:[^"\\]|\\.)*"|\'[^\']*\''
_KEY = rf"(?:{_BARE}|{_QUOTED})(?:\s*\.\s*(?:{_BARE}|{_QUOTED}))*"
# Pattern strings, compiled by ``re`` on first use: only a configuration error looks for a line.
_ARRAY_TABLE = rf"^\s*\[\[\s*({_KEY})\s*\]\]"
_TABLE = rf"^\s*\[\s*({_KEY})\s*\]"
_ASSIGN = rf"^\s*({_KEY})\s*="
_PART = rf"{_BARE}|{_QUOTED}"


def _parts(key: str) -> tuple[str, ...]:
    return tuple(p[1:-1] if p[:1] in "\"'" else p for p in re.findall(_PART, key))


def key_lines(text: str) -> list[tuple[int, tuple[Part, ...]]]:
    """(1-based line, full key path) for every table header and assignment, in file order."""
    entries: list[tuple[int, tuple[Part, ...]]] = []
    table: tuple[Part, ...] = ()
    counts: dict[tuple[Part, ...], int] = {}
    in_multiline = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.count('"""') % 2 or line.count("'''") % 2:
            in_multiline = not in_multiline
            if not in_multiline:
                continue
        elif in_multiline:
            continue
        match = re.match(_ARRAY_TABLE, line)
        if match:
            name = _parts(match.group(1))
            index = counts.get(name, 0)
            counts[name] = index + 1
            table = (*name, index)
            entries.append((number, table))
            continue
        match = re.match(_TABLE, line)
        if match:
            table = _parts(match.group(1))
            entries.append((number, table))
            continue
        match = re.match(_ASSIGN, line)
        if match:
            entries.append((number, (*table, *_parts(match.group(1)))))
    return entries


def line_of(text: str, path: Sequence[Part]) -> Optional[int]:
    """The line that sets ``path`` (``["waivers", 1, "expires"]``), or the nearest enclosing key
    or table that is written in the file; None when not even the first part is."""
    wanted = tuple(path)
    best: Optional[int] = None
    best_length = 0
    for number, key in key_lines(text):
        if len(key) > len(wanted) or wanted[: len(key)] != key:
            continue
        if len(key) > best_length:
            best, best_length = number, len(key)
    if best is None:  # an array of tables ([[outputs]]): the first of them
        best = next((number for number, key in key_lines(text) if key[: len(wanted)] == wanted), None)
    return best
