"""Recognizer: from an adapter's ``Document`` to ``Report``s.

Steps, in one direction: split the file into documents → find the six sections → detect the
format from the table headers → map each table's rows onto canonical cell ids → read the facts
stated in prose (agency, year, period, contact, publication date) → classify the document.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache

from auditor.model import Document, Report, Section, Source, Span
from auditor.recognize.items import Item, items_from_blocks
from auditor.recognize.lines import restore_lines
from auditor.recognize.metadata import (
    administrative_level,
    agency_from_body,
    agency_from_title,
    contact_details,
    is_government_report,
    published_date,
    statistic_period,
    title_of,
)
from auditor.recognize.sections import SectionHit, find_sections
from auditor.recognize.split import Segment, split_documents
from auditor.recognize.tables import TableResult, read_tables
from auditor.recognize.tokens import RawRow, region_rows
from auditor.recognize.vocab import format_votes
from auditor.recognize.year import decide_year
from auditor.templates import FORMATS, TABLE_NAMES, format_for_year, load

__all__ = ["recognize", "recognize_items"]

SECTIONS = load("2021")  # section headings are the same in both formats


def recognize(document: Document) -> list[Report]:
    """Every document found in one adapter output, in file order."""
    if document.reports:
        return list(document.reports)
    with collector_paused():
        return _recognize(document)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector held off while one document is recognized. Recognition makes
    thousands of short-lived objects (items, tokens, rows, cells) that reference counting frees
    and that form no cycles, yet each 700 allocations start a collection, and now and then a
    full one over everything the process holds (compiled rules, caches): a tenth of the time.
    Collection resumes after the document, so cycles made anywhere are still collected. Only
    in the main thread (a pool worker's), where nothing else runs meanwhile; and never turned
    on if it was off."""
    if not gc.isenabled() or threading.current_thread() is not threading.main_thread():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _recognize(document: Document) -> list[Report]:
    items = restore_lines(items_from_blocks(document.blocks))
    reports = []
    for index, segment in enumerate(split_documents(items)):
        source = Source(path=document.path, index=index,
                        span=Span.cover(items[segment.start].span, items[segment.end - 1].span),
                        encoding=document.encoding, adapter=document.adapter, sha256=document.sha256)
        reports.append(recognize_items(items[segment.start:segment.end], source, segment))
    return reports


def _region(items: list[Item], hits: list[SectionHit], number: int) -> list[Item]:
    """The items of section ``number``; when its heading is missing, the stretch between the
    neighbouring headings that were found."""
    by_number = {h.number: h for h in hits}
    if number in by_number:
        start = by_number[number].index + 1
    else:
        before = [h for h in hits if h.number < number]
        start = before[-1].index + 1 if before else 0
    after = [h.index for h in hits if h.number > number]
    end = min(after) if after else len(items)
    return items[start:end] if start < end else []


def recognize_items(items: list[Item], source: Source, segment: Segment | None = None) -> Report:
    """Recognize one document's items."""
    lines = [i.text for i in items if i.grid is None]
    text = "\n".join(lines)
    title, title_year, title_item = title_of(items)
    hits = find_sections(items, SECTIONS)
    # Each section that holds a table is tokenised once; format detection and reading share it.
    regions = {n: region_rows(_region(items, hits, n)) for n in _table_sections()} if hits else {}
    # The wordings each region prints, counted once: they decide the format and each table's own.
    votes = {n: _votes(rows) for n, rows in regions.items()}
    detected = _detect_format(_sum_votes(votes.values()) if hits else _votes(region_rows(items)))
    period = statistic_period(items)
    published, _ = published_date(items)
    decision = decide_year(title_year=title_year, period=period, table_format=detected, published=published,
                           text=text)
    year = decision.year
    default = format_for_year(year)
    template = load(detected or (default if default in FORMATS else FORMATS[0]))

    # A table printed in the other format's own wordings (a 2019-style 表二 above a 2021 表三) is
    # read with that format's rows, and said so.
    own = {spec.id: load(fmt) for spec in template.tables if spec.section in regions
           for fmt in [_only_format(votes[spec.section])] if fmt and fmt != template.format}
    results: dict[str, TableResult] = read_tables(template, regions, own)
    cells = {}
    notes: list[str] = [f"{TABLE_NAMES[t]}使用了{other.format}年版格式的表格，与其他表格不同" for t, other in own.items()]
    tables = []
    readings = []
    for table, result in results.items():
        if result.present:
            tables.append(table)
            cells.update(result.cells)
            if result.reading is not None:
                readings.append(result.reading)
        notes.extend(result.notes)

    agency = None
    if title:
        following = items[items.index(title_item) + 1:] if title_item in items else []
        agency = agency_from_title(title, following)
    if not agency:
        agency = agency_from_body(text)
    kind = _kind(title, hits, tables, year)
    fmt = detected if detected else (format_for_year(year) if kind != "other" else None)
    if kind == "legacy-report":
        fmt = "legacy"
    sections = tuple(_section(items, hits, pos) for pos in range(len(hits)))
    return Report(
        source=source, kind=kind, agency=agency, year=year, format=fmt, title=title,
        published=published, period=period, contact=contact_details(text, lines),
        sections=sections if kind != "other" else (),
        cells=cells, tables=tuple(tables), text=text,
        government_report=is_government_report(agency, text),
        level=administrative_level(agency),
        notes=tuple(notes), readings=tuple(readings) if kind != "other" else (),
        year_evidence=decision.evidence,
    )


@cache
def _table_sections() -> tuple[int, ...]:
    return tuple(sorted({t.section for fmt in FORMATS for t in load(fmt).tables}))


def _votes(rows: list[RawRow | None]) -> dict[str, int]:
    """Per format, how many of the rows' cells print a wording only that format has."""
    return format_votes([token.text for row in rows if row is not None for token in row.cells])


def _sum_votes(counts: Iterable[dict[str, int]]) -> dict[str, int]:
    total = dict.fromkeys(FORMATS, 0)
    for votes in counts:
        for fmt, count in votes.items():
            total[fmt] += count
    return total


def _only_format(votes: dict[str, int]) -> str | None:
    """The one format whose own wordings a region prints, if it prints no other's."""
    printed = [fmt for fmt, count in votes.items() if count]
    return printed[0] if len(printed) == 1 else None


def _detect_format(votes: dict[str, int]) -> str | None:
    """The format whose own wordings the tables print most; None when no table says."""
    if not any(votes.values()):
        return None
    return max(votes, key=lambda f: (votes[f], f))


def _kind(title, hits, tables, year) -> str:
    looks_like_report = bool(title) or len(hits) >= 2 or bool(tables)
    if not looks_like_report:
        return "other"
    if year is not None and year < 2019:
        return "legacy-report"
    return "annual-report"


def _section(items: list[Item], hits: list[SectionHit], pos: int) -> Section:
    hit = hits[pos]
    end = hits[pos + 1].index if pos + 1 < len(hits) else len(items)
    lines = [i.text.strip() for i in items[hit.index + 1:end] if i.grid is None]
    text = "\n".join(filter(None, [hit.rest, *lines])).strip()
    last = items[end - 1] if end - 1 > hit.index else items[hit.index]
    return Section(number=hit.number, heading=hit.heading, standard=hit.standard, text=text,
                   span=Span.cover(items[hit.index].span, last.span),
                   expected_heading=SECTIONS.section(hit.number).heading)
