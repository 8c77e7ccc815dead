"""Fields of the data model as the rule language sees them: name → (type, getter).

A getter returns the value or raises ``Missing`` with what the report lacks, in Chinese.
"""

from __future__ import annotations

from functools import cache
from operator import attrgetter
from typing import Any, Callable, Optional

from auditor.dsl.runtime import Context, Missing, cell_labels, cell_number
from auditor.dsl.types import (
    BOOL,
    CELL,
    CLAIM,
    CONTACT,
    NUMBER,
    PERIOD,
    READING,
    SECTION,
    STRING,
    Type,
    is_axis,
    list_of,
)
from auditor.model import Cell, Reading, Report
from auditor.templates import FORMATS, TABLE_NAMES, load

Fn = Callable[[Context], Any]
STATE_WORDS = {"blank": "留空", "placeholder": "填写了占位符", "text": "填写了文字"}


def unusable_reason(cell: Cell) -> str:
    """Why a cell cannot be read as a number."""
    word = STATE_WORDS.get(cell.state, cell.state)
    return f"单元格 {cell.id} {word}" + (f"「{cell.raw}」" if cell.raw.strip() else "")



def _need(value: Any, what: str) -> Any:
    if value is None:
        raise Missing(f"报告缺少{what}")
    return value


def cell_value(ctx: Context, cell: Cell) -> Any:
    """A cell's number, or ``Missing`` saying why it has none."""
    if cell.state != "number":
        raise Missing(unusable_reason(cell))
    return cell_number(cell)


YEAR_SOURCE_WORDS = {"title": "标题", "period": "统计期限", "format": "表格格式", "published": "发布日期",
                     "body": "正文"}


def title_year(report: Report) -> Optional[int]:
    """The year the title names: as the recognizer read it, else the first ``NNNN年`` in the title
    (reports built by hand or read from JSON without the recognizer's evidence)."""
    if report.year_evidence:
        return next((e.low for e in report.year_evidence if e.source == "title"), None)
    title = report.title or ""
    for pos in range(4, len(title)):
        head = title[pos - 4: pos]
        if title[pos] == "年" and head.isdigit() and head[:2] in ("19", "20"):
            return int(head)
    return None


def period_year(report: Report) -> Optional[int]:
    """The calendar year the statistic period lies in (None when it spans two or has no dates)."""
    period = report.period
    if period is None or not period.start or not period.start[:4].isdigit():
        return None
    start = int(period.start[:4])
    if period.end and period.end[:4] != period.start[:4]:
        return None
    return start


def year_basis(report: Report) -> str:
    """The facts that support the decided year, in words: 标题、统计期限、发布日期."""
    words = [YEAR_SOURCE_WORDS[e.source] for e in report.year_evidence if e.supports]
    return "、".join(dict.fromkeys(words)) or "报告内容"


def _labels(ctx: Context, cell: Cell) -> tuple[str, str, str]:
    return cell_labels(ctx.format or "", cell.id)


def row_labels(ctx: Context, reading: Reading, rows: tuple[str, ...]) -> list[str]:
    """Printed labels of a table's rows (1.属于国家秘密), in the report's format or any."""
    if not rows:
        return []
    labels = _row_label_map(ctx.format, reading.table)
    return [labels.get(row, row) for row in rows]


@cache
def _row_label_map(format_id: Optional[str], table: str) -> dict[str, str]:
    """Row id → printed label in ``format_id`` (the first format's wording when there is none);
    built once per table, not for every reading a rule looks at. Never handed out to change."""
    labels: dict[str, str] = {}
    for fmt in [format_id] if format_id else list(FORMATS):
        for row in load(fmt).rows(table):
            labels.setdefault(row.id, row.label)
    return labels


def unplaced_groups(reading: Reading) -> list[str]:
    """Values that could not be placed, one text per reason: 未知的行「…」：1 0 0 0 0 0 1（第63行）."""
    groups: dict[str, list] = {}
    for item in reading.unplaced:
        groups.setdefault(item.reason, []).append(item)
    out = []
    for reason, items in groups.items():
        where = items[0].span.describe()
        shown = " ".join(i.text for i in items[:15]) + (" …" if len(items) > 15 else "")
        out.append(f"{reason}：{shown}" + (f"（{'第' + where + '行' if where.isdigit() else where}）" if where else ""))
    return out


def narrative_of(report: Report) -> str:
    from auditor.narrative import narrative_text

    return "\n".join(filter(None, (narrative_text(s) for s in report.sections)))


def section_narrative(section: Any) -> str:
    from auditor.narrative import narrative_text

    return narrative_text(section)


def claim_cells(ctx: Context, claim: Any, reading: int) -> list[Cell]:
    """The cells one reading of a claim sums, in the report's format (``Missing`` when the table
    is not there or a cell holds text)."""
    from auditor.dsl.runtime import rows_under

    fmt = ctx.need_format("正文数字对应的单元格")
    ids: list[str] = []
    for pattern in claim.quantity.readings[reading]:
        table, _, rest = pattern.partition(".")
        row, _, column = rest.rpartition(".")
        rows = rows_under(fmt, table, row[:-1]) if row.endswith("*") else (row,)
        ids.extend(f"{table}.{r}.{column}" for r in rows)
    cells = [ctx.cells[cid] for cid in ids if cid in ctx.cells]
    if not cells:
        table = claim.quantity.readings[reading][0].partition(".")[0]
        raise Missing(f"报告中没有{TABLE_NAMES.get(table, table)}的相应单元格")
    for cell in cells:
        if cell.state == "text":
            raise Missing(unusable_reason(cell))
    return cells


def _sum(cells: list[Cell]) -> Any:
    total: Any = 0
    for cell in cells:
        total += cell.value if cell.state == "number" and cell.value is not None else 0
    return total


def claim_table_value(ctx: Context, claim: Any) -> Any:
    cells = claim_cells(ctx, claim, 0)
    ctx.touched.extend(cells)
    _claim_span(ctx, claim)
    return _sum(cells)


def claim_agrees(ctx: Context, claim: Any) -> bool:
    """The figure matches the table under some reading the wording allows."""
    _claim_span(ctx, claim)
    first = claim_cells(ctx, claim, 0)
    ctx.touched.extend(first)
    readings = [first] + [claim_cells(ctx, claim, i) for i in range(1, len(claim.quantity.readings))]
    return any(_sum(cells) == claim.value for cells in readings)


def _claim_span(ctx: Context, claim: Any) -> None:
    section = ctx.report.section(claim.section)
    if section is not None:
        ctx.spans.append(section.span)


Field = tuple[Type, Callable[[Context, Any], Any]]

# By the kind of value they belong to (``axis``: a row or column of a table).
FIELDS: dict[str, dict[str, Field]] = {
    "report": {
        "kind": (STRING, lambda c, r: r.kind),
        "year": (NUMBER, lambda c, r: _need(r.year, "年度")),
        "title_year": (NUMBER, lambda c, r: _need(title_year(r), "标题中的年度")),
        "period_year": (NUMBER, lambda c, r: _need(period_year(r), "统计期限所在的年度")),
        "year_basis": (STRING, lambda c, r: year_basis(r)),
        "format": (STRING, lambda c, r: _need(r.format, "表格格式")),
        "agency": (STRING, lambda c, r: _need(r.agency, "发布机关")),
        "title": (STRING, lambda c, r: _need(r.title, "标题")),
        "published": (STRING, lambda c, r: _need(r.published, "发布日期")),
        "period": (PERIOD, lambda c, r: _need(r.period, "统计期限说明")),
        "contact": (CONTACT, lambda c, r: r.contact),
        "sections": (list_of(SECTION), lambda c, r: r.sections),
        "tables": (list_of(STRING), lambda c, r: r.tables),
        "text": (STRING, lambda c, r: r.text),
        "government_report": (BOOL, lambda c, r: r.government_report),
        "level": (STRING, lambda c, r: _need(r.level, "行政级别")),
        "body": (STRING, lambda c, r: "政府" if r.government_report else "部门"),
        "path": (STRING, lambda c, r: r.source.path),
        "notes": (list_of(STRING), lambda c, r: r.notes),
        "readings": (list_of(READING), lambda c, r: r.readings),
        "claims": (list_of(CLAIM), lambda c, r: c.claims() if r is c.report else _claims_of(r)),
        "narrative": (STRING, lambda c, r: narrative_of(r)),
    },
    "period": {
        "statement": (STRING, lambda c, p: p.statement),
        "start": (STRING, lambda c, p: _need(p.start, "统计期限起始日期")),
        "end": (STRING, lambda c, p: _need(p.end, "统计期限截止日期")),
    },
    "contact": {
        "phones": (list_of(STRING), lambda c, k: k.phones),
        "emails": (list_of(STRING), lambda c, k: k.emails),
        "address": (STRING, lambda c, k: _need(k.address, "通信地址")),
        "postcode": (STRING, lambda c, k: _need(k.postcode, "邮政编码")),
    },
    "section": {
        "number": (NUMBER, lambda c, s: s.number),
        "heading": (STRING, lambda c, s: s.heading),
        "standard": (BOOL, lambda c, s: s.standard),
        "text": (STRING, lambda c, s: s.text),
        "expected_heading": (STRING, lambda c, s: s.expected_heading),
        "narrative": (STRING, lambda c, s: section_narrative(s)),
    },
    "claim": {
        "quantity": (STRING, lambda c, x: x.quantity.id),
        "label": (STRING, lambda c, x: x.quantity.label),
        "value": (NUMBER, lambda c, x: x.value),
        "text": (STRING, lambda c, x: x.text),
        "sentence": (STRING, lambda c, x: x.sentence),
        "section": (NUMBER, lambda c, x: x.section),
        "table_label": (STRING, lambda c, x: x.quantity.table_label),
        "table_value": (NUMBER, claim_table_value),
        "agrees": (BOOL, claim_agrees),
    },
    "mention": {
        "value": (NUMBER, lambda c, m: m.value),
        "text": (STRING, lambda c, m: m.text),
        "sentence": (STRING, lambda c, m: m.sentence),
        "ambiguous": (BOOL, lambda c, m: m.ambiguous),
    },
    "similar": {
        "agency": (STRING, lambda c, s: s.agency),
        "year": (NUMBER, lambda c, s: _need(s.year, "相似报告的年度")),
        "path": (STRING, lambda c, s: s.path),
        "similarity": (NUMBER, lambda c, s: s.similarity),
        "percent": (NUMBER, lambda c, s: int(s.similarity * 100)),
        "shared": (NUMBER, lambda c, s: s.shared),
        "passages": (STRING, lambda c, s: s.passages),
        "same_agency": (BOOL, lambda c, s: s.same_agency),
        "source": (STRING, lambda c, s: s.source),
    },
    "deadline": {
        "date": (STRING, lambda c, d: d.date),
        "rule": (STRING, lambda c, d: d.rule),
    },
    "cell": {
        "id": (STRING, lambda c, x: x.id),
        "table": (STRING, lambda c, x: x.id.partition(".")[0]),
        "row": (STRING, lambda c, x: x.id.partition(".")[2].rpartition(".")[0]),
        "column": (STRING, lambda c, x: x.id.rpartition(".")[2]),
        "value": (NUMBER, cell_value),
        "raw": (STRING, lambda c, x: x.raw),
        "state": (STRING, lambda c, x: x.state),
        "unit": (STRING, lambda c, x: _need(x.unit, f"单元格 {x.id} 的单位")),
        "decimals": (NUMBER, lambda c, x: x.decimals),
        "table_name": (STRING, lambda c, x: _labels(c, x)[0]),
        "row_label": (STRING, lambda c, x: _labels(c, x)[1]),
        "column_label": (STRING, lambda c, x: _labels(c, x)[2]),
    },
    "tablerow": {
        "id": (STRING, lambda c, r: str(r.axis)),
        "table": (STRING, lambda c, r: r.table),
        "label": (STRING, lambda c, r: r.axis.label),
        "full_label": (STRING, lambda c, r: r.axis.full_label),
        "table_name": (STRING, lambda c, r: TABLE_NAMES[r.table]),
        "cells": (list_of(CELL), lambda c, r: r.cells),
    },
    "blank_region": {
        "table": (STRING, lambda c, b: b.table),
        "table_name": (STRING, lambda c, b: TABLE_NAMES[b.table]),
        "kind": (STRING, lambda c, b: b.kind),
        "id": (STRING, lambda c, b: b.region_id),
        "label": (STRING, lambda c, b: b.label),
        "cells": (list_of(CELL), lambda c, b: b.cells),
        "size": (NUMBER, lambda c, b: len(b.cells)),
        "description": (STRING, lambda c, b: b.description),
    },
    "reading": {
        "table": (STRING, lambda c, r: r.table),
        "table_name": (STRING, lambda c, r: TABLE_NAMES.get(r.table, r.table)),
        "missing": (list_of(STRING), lambda c, r: row_labels(c, r, r.missing_rows)),
        "undivided": (list_of(STRING), lambda c, r: row_labels(c, r, r.undivided_rows)),
        "ambiguous": (list_of(STRING), lambda c, r: row_labels(c, r, r.ambiguous_rows)),
        "unbalanced": (list_of(STRING), lambda c, r: row_labels(c, r, r.unbalanced_rows)),
        "inferred": (list_of(STRING), lambda c, r: list(r.inferred_rows)),
        "identities": (list_of(STRING), lambda c, r: list(r.identities)),
        "unplaced": (list_of(STRING), lambda c, r: unplaced_groups(r)),
    },
    "axis": {
        "id": (STRING, lambda c, a: str(a)),
        "label": (STRING, lambda c, a: a.label),
        "full_label": (STRING, lambda c, a: a.full_label),
        "table": (STRING, lambda c, a: a.table),
    },
}


def _claims_of(report: Report) -> list[Any]:
    from auditor.narrative import claims

    return claims(report)


def _cell_var_value(slot: int) -> Fn:
    """``cell.value`` of a loop's cell: a whole number read inline (every cell of a table)."""
    def value(ctx: Context) -> Any:
        cell = ctx.vars[slot]
        if cell.state == "number" and not cell.decimals:
            return cell.value
        return cell_value(ctx, cell)
    return value


CELL_VAR_FIELDS: dict[str, Callable[[int], Fn]] = {
    "id": lambda slot: lambda ctx: ctx.vars[slot].id,
    "table": lambda slot: lambda ctx: ctx.vars[slot].id.partition(".")[0],
    "column": lambda slot: lambda ctx: ctx.vars[slot].id.rpartition(".")[2],
    "raw": lambda slot: lambda ctx: ctx.vars[slot].raw,
    "value": lambda slot: _cell_var_value(slot),
    "state": lambda slot: lambda ctx: ctx.vars[slot].state,
}
CELL_TEXT_FIELDS = ("id", "table", "column", "raw", "state")


def cell_text_test(field: str, slot: int, compare: Callable[[Any, Any], bool], constant: Any) -> Fn:
    """``cell.column != "change"`` for a loop's cell as one closure (it runs for every cell)."""
    if field == "table":
        return lambda ctx: compare(ctx.vars[slot].id.partition(".")[0], constant)
    if field == "column":
        return lambda ctx: compare(ctx.vars[slot].id.rpartition(".")[2], constant)
    get = attrgetter(field)
    return lambda ctx: compare(get(ctx.vars[slot]), constant)


def cell_state_and_text_test(slot: int, state: str, negated: bool, field: str,
                             compare: Callable[[Any, Any], bool], constant: Any) -> Fn:
    """``cell is number and cell.column != "change"`` for a loop's cell as one closure."""
    if field == "column":
        def state_and_column(ctx: Context) -> bool:
            cell = ctx.vars[slot]
            return (cell.state == state) is not negated and compare(cell.id.rpartition(".")[2], constant)
        return state_and_column
    if field == "table":
        def state_and_table(ctx: Context) -> bool:
            cell = ctx.vars[slot]
            return (cell.state == state) is not negated and compare(cell.id.partition(".")[0], constant)
        return state_and_table
    get = attrgetter(field)

    def state_and_field(ctx: Context) -> bool:
        cell = ctx.vars[slot]
        return (cell.state == state) is not negated and compare(get(cell), constant)
    return state_and_field


def cell_text_in(field: str, slot: int, container: Fn, negate: bool) -> Fn:
    """``cell.table in report.tables`` for a loop's cell as one closure."""
    if field == "table":
        return lambda ctx: (ctx.vars[slot].id.partition(".")[0] in container(ctx)) is not negate
    if field == "column":
        return lambda ctx: (ctx.vars[slot].id.rpartition(".")[2] in container(ctx)) is not negate
    get = attrgetter(field)
    return lambda ctx: (get(ctx.vars[slot]) in container(ctx)) is not negate


PLAIN_REPORT_FIELDS = ("kind", "contact", "sections", "tables", "text", "government_report", "notes")


def field_table(type_: Type) -> Optional[dict[str, Field]]:
    if is_axis(type_):
        return FIELDS["axis"]
    return FIELDS.get(type_.kind)
