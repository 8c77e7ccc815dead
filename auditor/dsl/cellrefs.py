"""Cell references at run time: build the id, look the cell up, read it as a number.

Blank and placeholder cells read as 0 only in rules that ``treat blank as 0``; a cell the report
lacks, or one holding text, raises ``Missing`` naming it, so the rule is not assessable.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Callable

from auditor import templates
from auditor.dsl.fields import unusable_reason
from auditor.dsl.runtime import MAX_STEPS, Context, Missing, axes, cell_number, rows_under
from auditor.model import Cell

Fn = Callable[[Context], Any]



@cache
def known_rows(table: str) -> frozenset[str]:
    return frozenset(r.id for fmt in templates.FORMATS for r in templates.load(fmt).rows(table))


@cache
def known_columns(table: str) -> frozenset[str]:
    return frozenset(c.id for fmt in templates.FORMATS for c in templates.load(fmt).columns(table))


@cache
def valid_ids(format_id: str) -> frozenset[str]:
    return frozenset(templates.load(format_id).cell_ids())


def absent_reason(ctx: Context, cid: str) -> str:
    table = cid.partition(".")[0]
    if table not in ctx.report.tables:
        return f"报告中没有{templates.TABLE_NAMES.get(table, table)}"
    if ctx.format is not None and cid not in valid_ids(ctx.format):
        return f"{ctx.format}年版格式没有单元格 {cid}"
    return f"报告中没有单元格 {cid}"


class Slot(int):
    """A cell-id part that is a loop variable: read from its slot without a call."""


def id_builder(table: str, parts: list[Any]) -> Fn:
    """A closure building the cell id; the common shapes get a fast path."""
    if len(parts) == 2 and isinstance(parts[0], str) and isinstance(parts[1], Slot):
        prefix, slot = f"{table}.{parts[0]}.", int(parts[1])
        return lambda ctx: prefix + ctx.vars[slot]
    if len(parts) == 2 and isinstance(parts[0], Slot) and isinstance(parts[1], Slot):
        head, row, column = f"{table}.", int(parts[0]), int(parts[1])
        return lambda ctx: head + ctx.vars[row] + "." + ctx.vars[column]
    if len(parts) == 2 and isinstance(parts[0], Slot) and isinstance(parts[1], str):
        head, row, suffix = f"{table}.", int(parts[0]), "." + parts[1]
        return lambda ctx: head + ctx.vars[row] + suffix
    parts = [p if isinstance(p, str) else slot_reader(p) if isinstance(p, Slot) else p for p in parts]
    if all(isinstance(p, str) for p in parts):
        constant = f"{table}." + ".".join(parts)
        return lambda ctx: constant
    if all(isinstance(p, str) for p in parts[:-1]):
        prefix = f"{table}." + "".join(p + "." for p in parts[:-1])
        last = parts[-1]
        return lambda ctx: prefix + last(ctx)
    if len(parts) == 2 and isinstance(parts[1], str):
        first, suffix = parts[0], "." + parts[1]
        head = f"{table}."
        return lambda ctx: head + first(ctx) + suffix
    if len(parts) == 2:
        row, column = parts
        head = f"{table}."
        return lambda ctx: head + row(ctx) + "." + column(ctx)
    return lambda ctx: f"{table}." + ".".join(p if isinstance(p, str) else p(ctx) for p in parts)


def slot_reader(slot: int) -> Fn:
    index = int(slot)
    return lambda ctx: ctx.vars[index]


def cell_getter(ident: Fn) -> Fn:
    def get(ctx: Context) -> Cell:
        cid = ident(ctx)
        cell = ctx.cells.get(cid)
        if cell is None:
            raise Missing(absent_reason(ctx, cid))
        return cell
    return get


def read_value(ctx: Context, cell: Cell, blank_zero: bool) -> Any:
    """A cell that is not a plain number: rounded figure, blank read as 0, or not assessable."""
    state = cell.state
    if state == "number":
        return cell_number(cell)
    if blank_zero and (state == "blank" or state == "placeholder"):
        return 0
    raise Missing(unusable_reason(cell))


def value_getter(table: str, parts: list[Any], blank_zero: bool) -> Fn:
    """The value of one referenced cell. The common shapes (constant id, row + column variable,
    two variables) build the id inline: this runs for every cell of every identity."""
    if len(parts) == 2 and isinstance(parts[0], str) and isinstance(parts[1], Slot):
        prefix, slot = f"{table}.{parts[0]}.", int(parts[1])

        def row_and_column_variable(ctx: Context) -> Any:
            cid = prefix + ctx.vars[slot]
            cell = ctx.cells.get(cid)
            if cell is None:
                raise Missing(absent_reason(ctx, cid))
            ctx.touched.append(cell)
            if cell.state == "number" and not cell.decimals:
                return cell.value
            return read_value(ctx, cell, blank_zero)
        return row_and_column_variable
    if len(parts) == 2 and isinstance(parts[0], Slot) and isinstance(parts[1], Slot):
        head, row, column = f"{table}.", int(parts[0]), int(parts[1])

        def two_variables(ctx: Context) -> Any:
            variables = ctx.vars
            cid = head + variables[row] + "." + variables[column]
            cell = ctx.cells.get(cid)
            if cell is None:
                raise Missing(absent_reason(ctx, cid))
            ctx.touched.append(cell)
            if cell.state == "number" and not cell.decimals:
                return cell.value
            return read_value(ctx, cell, blank_zero)
        return two_variables
    ident = id_builder(table, parts)

    def value(ctx: Context) -> Any:
        cid = ident(ctx)
        cell = ctx.cells.get(cid)
        if cell is None:
            raise Missing(absent_reason(ctx, cid))
        ctx.touched.append(cell)
        if cell.state == "number" and not cell.decimals:
            return cell.value
        return read_value(ctx, cell, blank_zero)
    return value


def star_getter(table: str, parts: list[Any], column_star: bool, blank_zero: bool) -> Fn:
    """Every cell a ``*`` stands for, in the report's format, as a list of values."""
    row_parts = parts[:-1]
    star_in_row = "*" in row_parts
    literal_prefix = [p for p in row_parts if p != "*"]

    ids_cache: dict[tuple[str, str, str], tuple[str, ...]] = {}

    def ids(fmt: str, row_text: str, column: str) -> tuple[str, ...]:
        """The cell ids a reference stands for in one format (computed once per shape)."""
        if star_in_row:
            prefix = row_text + "." if row_text else ""
            rows: tuple[str, ...] = rows_under(fmt, table, prefix)
        else:
            rows = (row_text,)
        cols: tuple[str, ...] = axes(fmt, table, "column") if column_star else (column,)
        valid = valid_ids(fmt)
        return tuple(cid for cid in (f"{table}.{r}.{c}" for r in rows for c in cols) if cid in valid)

    last = parts[-1]

    def values(ctx: Context) -> list[Any]:
        fmt = ctx.format or ctx.need_format(f"{templates.TABLE_NAMES[table]}的行列")
        row_text = ".".join(p if isinstance(p, str) else p(ctx) for p in literal_prefix)
        column = "*" if column_star else last if isinstance(last, str) else last(ctx)
        key = (fmt, row_text, column)
        wanted = ids_cache.get(key)
        if wanted is None:
            if len(ids_cache) > 4096:  # dynamic parts are rows and columns: this never grows far
                ids_cache.clear()
            wanted = ids_cache[key] = ids(fmt, row_text, column)
        ctx.steps += len(wanted)
        if ctx.steps > MAX_STEPS:
            ctx.tick()
        cells = ctx.cells
        touched = ctx.touched
        out = []
        for cid in wanted:
            cell = cells.get(cid)
            if cell is None:
                raise Missing(absent_reason(ctx, cid))
            touched.append(cell)
            state = cell.state
            if state == "number":
                out.append(cell.value if not cell.decimals else cell_number(cell))
            elif blank_zero and (state == "blank" or state == "placeholder"):
                out.append(0)
            else:
                raise Missing(unusable_reason(cell))
        return out
    return values
