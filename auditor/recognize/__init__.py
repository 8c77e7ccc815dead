"""Recognizer: from an adapter's ``Document`` to ``Report``s.

Steps, in one direction: split the file into documents → find the six sections → detect the
format from the table headers → map each table's rows onto canonical cell ids → read the facts
stated in prose (agency, year, period, contact, publication date) → classify the document.
"""

from __future__ import annotations

from auditor.model import Document, Report, Section, Source, Span
from auditor.recognize.items import Item, items_from_blocks
from auditor.recognize.metadata import (
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
from auditor.recognize.tables import TableResult, detect_format, read_rows_table, read_t4
from auditor.recognize.year import decide_year
from auditor.templates import format_for_year, load

__all__ = ["recognize", "recognize_items"]

SECTIONS = load("2021")  # section headings are the same in both formats


def recognize(document: Document) -> list[Report]:
    """Every document found in one adapter output, in file order."""
    if document.reports:
        return list(document.reports)
    items = items_from_blocks(document.blocks)
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
    text = "\n".join(i.text for i in items if i.grid is None)
    title, title_year, title_item = title_of(items)
    hits = find_sections(items, SECTIONS)
    table_items = [i for n in (2, 3, 4) for i in _region(items, hits, n)] if hits else items
    detected = detect_format(table_items)
    period = statistic_period(items)
    published, _ = published_date(items)
    decision = decide_year(title_year=title_year, period=period, table_format=detected, published=published,
                           text=text)
    year = decision.year
    template = load(detected or (format_for_year(year) if format_for_year(year) in ("2019", "2021") else "2019"))

    results: dict[str, TableResult] = {}
    if hits:
        results["t2"] = read_rows_table("t2", template, _region(items, hits, 2))
        results["t3"] = read_rows_table("t3", template, _region(items, hits, 3))
        results["t4"] = read_t4(template, _region(items, hits, 4))
    cells = {}
    notes: list[str] = []
    tables = []
    for table, result in results.items():
        if result.present:
            tables.append(table)
            for cell_id in template.cell_ids(table):
                if cell_id in result.cells:
                    cells[cell_id] = result.cells[cell_id]
            missing_rows = sorted({cid.rsplit(".", 1)[0] for cid in template.cell_ids(table)} -
                                  {cid.rsplit(".", 1)[0] for cid in result.cells})
            if missing_rows:
                notes.append(f"{table}: rows not found: {', '.join(missing_rows)}")
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
        published=published, period=period, contact=contact_details(text),
        sections=sections if kind != "other" else (),
        cells=cells, tables=tuple(tables), text=text,
        government_report=is_government_report(agency, text),
        notes=tuple(notes), year_evidence=decision.evidence,
    )


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
    body = [i for i in items[hit.index + 1:end] if i.grid is None]
    text = "\n".join(filter(None, [hit.rest, *(i.text.strip() for i in body)])).strip()
    last = items[end - 1] if end - 1 > hit.index else items[hit.index]
    return Section(number=hit.number, heading=hit.heading, standard=hit.standard, text=text,
                   span=Span.cover(items[hit.index].span, last.span),
                   expected_heading=SECTIONS.section(hit.number).heading)
