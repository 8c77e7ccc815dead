"""The report year, decided once from every fact that points to one.

The title, the statistic period, the table format and the publication date each allow one year
or a range of years (a 2021-format table: 2021 or later; a 2019-format table: 2019–2020; a
publication date in year N+1: N). The report year is the one most of them support; on a tie, the
title's, then the period's, then the publication date's. Every rule reads this one year, so a
single slip — a title saying 2018 on a 2019 report — is one ``META-YEAR`` finding instead of a
cascade through ``META-FORMAT``, ``META-PERIOD`` and ``META-DEADLINE``.

Only when none of title, period and publication date names a year does the body text decide:
the year it mentions most, within what the table format allows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

from auditor.model import Period, YearEvidence
from auditor.recognize.metadata import years_in

__all__ = ["YearDecision", "decide_year", "format_years"]

EARLIEST, LATEST = 1990, 2100  # a "year" outside this is a misread date, not evidence
# On a tie, the year of the first of these sources that supports it wins.
TIE_ORDER = ("title", "period", "published")


@dataclass(frozen=True)
class YearDecision:
    """The decided year (None when nothing points to one) and what it was decided from."""

    year: Optional[int]
    evidence: tuple[YearEvidence, ...]


def format_years(table_format: Optional[str]) -> Optional[tuple[int, Optional[int]]]:
    """The report years a national table format is used for."""
    if table_format == "2019":
        return 2019, 2020
    if table_format == "2021":
        return 2021, None
    return None


def _sane(year: int) -> bool:
    return EARLIEST <= year <= LATEST


def gather(title_year: Optional[int], period: Optional[Period], table_format: Optional[str],
           published: Optional[str]) -> list[YearEvidence]:
    """Each fact the report states about its year, as the range of years it allows."""
    evidence: list[YearEvidence] = []
    if title_year is not None and _sane(title_year):
        evidence.append(YearEvidence("title", str(title_year), title_year, title_year))
    if period is not None and period.start:
        start = int(period.start[:4])
        end = int(period.end[:4]) if period.end else start
        if _sane(start) and _sane(end) and start <= end:
            evidence.append(YearEvidence("period", f"{period.start} – {period.end or '?'}", start, end))
    span = format_years(table_format)
    if span is not None:
        evidence.append(YearEvidence("format", f"{table_format}年版表格", span[0], span[1]))
    if published:
        year = int(published[:4]) - 1
        if _sane(year):
            evidence.append(YearEvidence("published", published, year, year))
    return evidence


def decide_year(*, title_year: Optional[int], period: Optional[Period], table_format: Optional[str],
                published: Optional[str], text: str = "") -> YearDecision:
    """The year most of the report's facts support (see the module docstring for ties)."""
    evidence = gather(title_year, period, table_format, published)
    candidates = sorted({year for e in evidence if e.source in TIE_ORDER and e.high is not None
                         for year in range(e.low, e.high + 1)})
    if not candidates:
        fallback = _body_year(text, format_years(table_format))
        if fallback is not None:
            year, count = fallback
            evidence.append(YearEvidence("body", f"正文{count}次提到{year}年", year, year))
            candidates = [year]
    if not candidates:
        return YearDecision(None, tuple(evidence))

    def rank(year: int) -> tuple[int, int]:
        support = [e for e in evidence if e.allows(year)]
        first = min((TIE_ORDER.index(e.source) for e in support if e.source in TIE_ORDER), default=len(TIE_ORDER))
        return len(support), -first

    year = max(candidates, key=rank)
    return YearDecision(year, tuple(replace(e, supports=e.allows(year)) for e in evidence))


def _body_year(text: str, allowed: Optional[tuple[int, Optional[int]]]) -> Optional[tuple[int, int]]:
    """The year the body mentions most (the later one on a tie), within the format's years."""
    counts = years_in(text)
    if allowed is not None:
        low, high = allowed
        counts = {y: c for y, c in counts.items() if low <= y and (high is None or y <= high)}
    counts = {y: c for y, c in counts.items() if _sane(y)}
    if not counts:
        return None
    year = max(counts, key=lambda y: (counts[y], y))
    return year, counts[year]
