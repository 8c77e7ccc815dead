"""Local publication deadlines: provinces and cities that want annual reports earlier than 条例.

The configuration's ``[[deadlines]]`` table lists rules in order; the first that applies to a
report gives its deadline, and ``META-DEADLINE`` names it in its message. A rule applies by the
agency's name (``agency``: globs on the name as written and as normalised, e.g. ``"福州市*"``),
by a place the name contains (``region``: an administrative unit of the normalised name, e.g.
``"平潭综合实验区"`` or ``"福建省"``), by whose report it is (``government``: true for a
government's own report, false for a department's; absent: both) and by report year
(``from_year``, ``to_year``). ``date`` is the month and day in the year after the report year
(``"01-28"``). With no rule applying, the statutory deadline holds (31 January for a
department, 31 March for a government's own report).

```toml
[[deadlines]]
name = "福建省：省直及各市县部门年度报告1月28日前公布"
region = "福建省"
government = false
date = "01-28"
```
"""

from __future__ import annotations

import datetime
import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Optional

from auditor.agency import clean, parse_agency
from auditor.dsl.crossfacts import Deadline, statutory_deadline
from auditor.model import Report


@dataclass(frozen=True)
class DeadlineRule:
    name: str
    month: int
    day: int
    agency: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    government: Optional[bool] = None
    from_year: Optional[int] = None
    to_year: Optional[int] = None
    origin: str = ""  # auditor.toml:deadlines[0]

    def applies(self, report: Report) -> bool:
        if self.government is not None and report.government_report != self.government:
            return False
        year = report.year
        if year is None or (self.from_year is not None and year < self.from_year) \
                or (self.to_year is not None and year > self.to_year):
            return False
        name = report.agency or ""
        if self.agency and not any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(clean(name), clean(p))
                                   for p in self.agency):
            return False
        if self.region:
            parsed = parse_agency(name)
            places = parsed.place if parsed else ()
            if not any(clean(r) in places or "".join(places).startswith(clean(r)) for r in self.region):
                return False
        return bool(self.agency or self.region or self.government is not None)

    def deadline(self, report: Report) -> Deadline:
        assert report.year is not None
        try:
            date = datetime.date(report.year + 1, self.month, self.day)
        except ValueError:  # 02-29 in a year without it
            date = datetime.date(report.year + 1, self.month, 28)
        where = f"，{self.origin}" if self.origin else ""
        return Deadline(date.isoformat(), f"本地规定「{self.name}」：次年{self.month}月{self.day}日前公布{where}")


class DeadlineTable:
    """The local rules in order, then the statute: a callable giving a report's deadline."""

    def __init__(self, rules: Sequence[DeadlineRule] = ()) -> None:
        self.rules = tuple(rules)

    def __call__(self, report: Report) -> Deadline:
        for rule in self.rules:
            if rule.applies(report):
                return rule.deadline(report)
        return statutory_deadline(report)


def from_config(entries: Sequence[dict[str, Any]], origin: str = "config") -> DeadlineTable:
    """The table from the configuration's ``deadlines`` (validated by the schema already)."""
    rules = []
    for position, entry in enumerate(entries):
        month, day = (int(part) for part in str(entry["date"]).split("-"))
        rules.append(DeadlineRule(name=entry.get("name") or f"deadlines[{position}]", month=month, day=day,
                                  agency=_strings(entry.get("agency")), region=_strings(entry.get("region")),
                                  government=entry.get("government"), from_year=entry.get("from_year"),
                                  to_year=entry.get("to_year"), origin=f"{origin}:deadlines[{position}]"))
    return DeadlineTable(rules)


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)
