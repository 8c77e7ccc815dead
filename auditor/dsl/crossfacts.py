"""What a rule may know beyond its own document: the facts of the run (``auditor.crossdoc``).

- ``previous``: the same agency's report of the year before (``previous.t3.carried_forward[col]``);
  a rule that reads it on a document without one is *skipped*, with the reason.
- ``similar_reports``: reports of the run or the history whose narrative is close to this one's.
- ``publication_deadline``: the publication deadline that applies, from the local table of the configuration
  or the statutory one (条例第四十九条), and which rule it is.

Rules that read any of these run once every document is read, on what each document keeps
(its ``Signature``); ``RunFacts`` is what the cross-document phase hands them. Outside a batch
(``auditor check``, rule cases) the facts are empty: no previous year, nothing compared, the
statutory deadlines.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from auditor.model import Report

CROSS_NAMES = ("previous", "similar_reports", "publication_deadline")
NO_PREVIOUS = "没有同一机关上一年度的报告可比较"
NOTHING_COMPARED = "没有其他报告可比较"
# What a rule reading cross-document facts may read of a report: what a Signature keeps.
KEPT_REPORT_FIELDS = ("kind", "year", "format", "agency", "title", "published", "government_report", "tables", "path")
KEPT_SECTION_FIELDS = ("number",)


@dataclass(frozen=True)
class Deadline:
    """The day a report must be published by, and the rule that says so (in words)."""

    date: str  # ISO
    rule: str


@dataclass(frozen=True)
class Similar:
    """Another report whose narrative shares most of its clauses with this one's."""

    agency: str
    year: Optional[int]
    path: str
    similarity: float  # Jaccard similarity of the two sets of clauses, 0–1
    shared: int  # clauses in common
    passages: str  # the shared passages, quoted by their first words and section
    same_agency: bool
    source: str  # 本批次 or 历史报告


def statutory_deadline(report: Report) -> Deadline:
    """条例第四十九条: a department by 31 January, a government's own report by 31 March."""
    if report.year is None:
        from auditor.dsl.runtime import Missing

        raise Missing("报告缺少年度")
    if report.government_report:
        return Deadline(datetime.date(report.year + 1, 3, 31).isoformat(),
                        "《政府信息公开条例》第四十九条：本级政府年度报告于次年3月31日前公布")
    return Deadline(datetime.date(report.year + 1, 1, 31).isoformat(),
                    "《政府信息公开条例》第四十九条：政府部门年度报告于次年1月31日前公布")


@dataclass
class RunFacts:
    """The facts of the run about one document (see the module docstring)."""

    previous: Optional[Report] = None
    no_previous: str = NO_PREVIOUS  # why there is no previous report
    similar: tuple[Similar, ...] = ()
    compared: int = 0  # how many other documents the narrative was compared with
    not_compared: str = NOTHING_COMPARED  # why it was compared with none
    deadline: Callable[[Report], Deadline] = statutory_deadline
    # Section fingerprints (clause hashes) of sections built from signatures, by id(section).
    prints: dict[int, frozenset[int]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


EMPTY_FACTS = RunFacts()
