"""Blank cells grouped by extent, so a table left empty is one finding, not one per row.

Every blank cell of tables 二/三/四 falls in exactly one region: a wholly blank table; else a
wholly blank column (tables 三 and 四; table 二 is printed in groups with their own columns);
else a wholly blank row; else the row's remaining blank cells. ``CELL-BLANK`` reports one
finding per region, and identities over a wholly blank table are not assessable.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

from auditor import templates
from auditor.dsl.runtime import axes, row_cell_ids
from auditor.model import Cell, Report

RegionKind = Literal["table", "column", "row", "cells"]


@dataclass(frozen=True)
class BlankRegion:
    """Blank cells of one table that belong together: ``description`` says it in Chinese."""

    table: str
    kind: RegionKind
    region_id: str  # t3 · t3.*.total · t3.granted
    label: str  # the column's or row's printed label ("" for a table)
    cells: tuple[Cell, ...]
    description: str


def _extent(rows: int, columns: int, count: int) -> str:
    return f"{rows}行×{columns}列" if rows * columns == count else f"{rows}行共{count}格"


@cache
def _layout(format_id: str, table: str) -> tuple[tuple, tuple, dict[str, str]]:
    """One table of a format, worked out once: its rows with their cell ids, its columns with
    theirs (row by row; only for a table printed as one grid) and each cell's column label."""
    template = templates.load(format_id)
    rows = tuple((axis, ids) for t, axis, ids in row_cell_ids(format_id) if t == table)
    columns: tuple = ()
    if template.table(table).plain_grid:
        columns = tuple((column, tuple(cid for _, ids in rows for cid in ids if cid.rpartition(".")[2] == column))
                        for column in axes(format_id, table, "column"))
    labels = {cid: template.column_label(table, cid.rpartition(".")[2]) for _, ids in rows for cid in ids}
    return rows, columns, labels


def blank_regions(report: Report, format_id: str) -> tuple[BlankRegion, ...]:
    """The blank regions of every table the report has, in printed order."""
    regions: list[BlankRegion] = []
    cells = report.cells
    for table in templates.TABLES:
        if table not in report.tables:
            continue
        name = templates.TABLE_NAMES[table]
        layout_rows, layout_columns, labels = _layout(format_id, table)
        rows = [(axis, [cid for cid in ids if cid in cells]) for axis, ids in layout_rows]
        rows = [(axis, cids) for axis, cids in rows if cids]
        ids = [cid for _, cids in rows for cid in cids]
        blank = {cid for cid in ids if cells[cid].state == "blank"}
        if not blank:
            continue
        if len(blank) == len(ids):
            columns = {cid.rpartition(".")[2] for cid in ids}
            regions.append(BlankRegion(table, "table", table, "", tuple(cells[c] for c in ids),
                                       f"{name}整表未填写（{_extent(len(rows), len(columns), len(ids))}）"))
            continue
        taken: set[str] = set()
        if layout_columns and len(rows) > 1:
            for column, column_ids in layout_columns:
                if not any(cid in blank for cid in column_ids):
                    continue  # nothing blank in it: not a blank column (the common case)
                cids = [cid for cid in column_ids if cid in cells]
                if len(cids) > 1 and all(cid in blank for cid in cids):
                    taken.update(cids)
                    regions.append(BlankRegion(table, "column", f"{table}.*.{column}", column.label,
                                               tuple(cells[c] for c in cids),
                                               f"{name}「{column.label}」列整列未填写（{len(cids)}行）"))
        for axis, cids in rows:
            left = [cid for cid in cids if cid in blank and cid not in taken]
            if not left:
                continue
            found = tuple(cells[c] for c in left)
            if len(cids) > 1 and all(cid in blank for cid in cids):
                regions.append(BlankRegion(table, "row", f"{table}.{axis}", axis.full_label, found,
                                           f"{name}「{axis.full_label}」行整行未填写（{len(cids)}列）"))
                continue
            text = "、".join(labels[cid] for cid in left)
            regions.append(BlankRegion(table, "cells", f"{table}.{axis}", axis.full_label, found,
                                       f"{name}「{axis.full_label}」行{len(left)}格留空（{text}）"))
    return tuple(regions)
