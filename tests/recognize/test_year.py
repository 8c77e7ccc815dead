"""The report year is the one most of title, period, table format and publication date support."""

from __future__ import annotations

from typing import Optional

import pytest

from auditor.model import Period
from auditor.recognize.year import decide_year


def period(year: int, end_year: Optional[int] = None) -> Period:
    return Period(statement="统计期限", start=f"{year}-01-01", end=f"{end_year or year}-12-31")


def decide(title: Optional[int] = None, period_year: Optional[int] = None, fmt: Optional[str] = None,
           published: Optional[str] = None, text: str = ""):
    return decide_year(title_year=title, period=period(period_year) if period_year else None,
                       table_format=fmt, published=published, text=text)


@pytest.mark.parametrize(("facts", "year"), [
    # the spec's three cases
    ({"title": 2022, "period_year": 2021, "fmt": "2021", "published": "2023-01-20"}, 2022),
    ({"title": 2018, "period_year": 2019, "fmt": "2019", "published": "2020-01-20"}, 2019),
    ({"title": 2022, "period_year": 2022, "fmt": "2019", "published": "2023-01-20"}, 2022),
    # all agree
    ({"title": 2020, "period_year": 2020, "fmt": "2019", "published": "2021-01-29"}, 2020),
    # a tie goes to the title; without a title, to the period
    ({"title": 2020, "period_year": 2021}, 2020),
    ({"period_year": 2021, "fmt": "2021", "published": "2023-01-10"}, 2021),
    # the table format breaks a tie between title and period
    ({"title": 2020, "period_year": 2021, "fmt": "2021"}, 2021),
    # publication date alone: the year before
    ({"published": "2021-01-15"}, 2020),
])
def test_majority_decides(facts: dict, year: int) -> None:
    assert decide(**facts).year == year


def test_evidence_says_which_facts_support_the_year() -> None:
    decision = decide(title=2018, period_year=2019, fmt="2019", published="2020-01-20")
    assert [(e.source, e.supports) for e in decision.evidence] == [
        ("title", False), ("period", True), ("format", True), ("published", True)]
    table = decision.evidence[2]
    assert table.read == "2019年版表格" and (table.low, table.high) == (2019, 2020)


def test_2021_format_allows_every_later_year() -> None:
    decision = decide(title=2023, fmt="2021")
    assert decision.year == 2023 and all(e.supports for e in decision.evidence)
    assert decision.evidence[1].high is None


def test_body_text_decides_only_when_nothing_else_names_a_year() -> None:
    text = "2021年，我区……2021年……2020年……"
    assert decide(fmt="2021", text=text).year == 2021
    assert decide(fmt="2019", text=text).year == 2020  # the 2019 format rules out 2021
    decision = decide(fmt="2021", text=text)
    assert decision.evidence[-1].source == "body" and "2次" in decision.evidence[-1].read
    assert decide(title=2019, text=text).year == 2019


def test_nothing_known_gives_no_year() -> None:
    assert decide().year is None
    assert decide(fmt="2019").year is None


def test_misread_dates_are_not_evidence() -> None:
    assert decide(title=2020, published="1900-01-01").evidence[-1].source == "title"
    span = decide_year(title_year=None, period=period(2019, 2020), table_format=None, published=None)
    assert span.evidence[0].low == 2019 and span.evidence[0].high == 2020
