"""Generated report files for cross-document tests: pairs of years of one agency, whose carry-over
agrees or not, written in the seeds' text layout."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

from tests.precision.generator import Clean, clean_report, lay_out


def report(year: int, agency: str, seed: int = 1) -> Clean:
    clean = clean_report(random.Random(seed * 7919 + year), year)
    values = dict(clean.values)
    for column in ("natural", "commercial", "research", "social", "legal", "other_org", "total"):
        # nothing carried either way unless a test says so (carry() below)
        values[f"t3.new.{column}"] -= values[f"t3.carried_forward.{column}"] - values[f"t3.carried_over.{column}"]
        values[f"t3.carried_over.{column}"] = values[f"t3.carried_forward.{column}"] = 0
    return replace(clean, agency=agency, values=values)


def carry(previous: Clean, current: Clean, column: str, carried: int, received: int | None = None) -> tuple[Clean, Clean]:
    """``carried`` applications carried from ``previous`` into ``current`` in ``column`` (and the
    total column), every identity of both tables still holding; ``received``: what ``current``
    says it received from last year, when it should differ (a slip)."""
    received = carried if received is None else received
    prev, cur = dict(previous.values), dict(current.values)
    for name in (column, "total"):
        prev[f"t3.carried_forward.{name}"] += carried
        prev[f"t3.new.{name}"] += carried
        cur[f"t3.carried_over.{name}"] += received
        cur[f"t3.total.{name}"] += received
        cur[f"t3.granted.{name}"] += received
    return replace(previous, values=prev), replace(current, values=cur)


def write(folder: Path, name: str, clean: Clean) -> str:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(lay_out(clean, "pipe_rows"), encoding="utf-8")
    return str(path)
