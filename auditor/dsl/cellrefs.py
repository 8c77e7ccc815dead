"""Cell references: ``t3.new.natural``, ``t3.new[col]``, ``t3[row].total``, ``t3.denied.*[col]``.

At compile time a reference is split into parts, checked against every format's template
(unknown rows and columns get "did you mean") and typed; at run time a closure builds the id,
looks the cell up and reads it as a number. Blank and placeholder cells read as 0 only in rules
that ``treat blank as 0`` (and in identities); a cell the report lacks, or one holding text,
raises ``Missing`` naming it, so the rule is not assessable.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Callable, Literal, Optional, Protocol, Union

from auditor import templates
from auditor.dsl import ast
from auditor.dsl.errors import did_you_mean, source_text
from auditor.dsl.fields import unusable_reason
from auditor.dsl.runtime import Context, Missing, axes, cell_number, rows_under
from auditor.dsl.types import CELL, NUMBER, Binding, Compiled, describe, is_axis, is_stringy, list_of
from auditor.model import Cell

Fn = Callable[[Context], Any]


# ---------------------------------------------------------------- compile time


@dataclass(frozen=True)
class RefPart:
    """One part of a reference as written: a name (``new``), a ``*``, or an index (``[col]``)."""

    kind: Literal["name", "star", "index"]
    value: Union[str, ast.Expr]
    pos: ast.Pos


class ExprCompiler(Protocol):
    """What compiling a reference needs from the rule compiler."""

    source: str
    blank_zero: bool

    def error(self, pos: ast.Pos, message: str) -> Exception: ...

    def expr(self, node: ast.Expr, scope: dict[str, Binding]) -> Compiled: ...

    def note_reference(self, table: str, parts: list[RefPart]) -> None: ...


def reference_parts(node: ast.Expr) -> list[RefPart]:
    """The parts after the table name, in the order written."""
    parts: list[RefPart] = []
    cur: Any = node
    while not isinstance(cur, ast.Name):
        if isinstance(cur, ast.Attr):
            parts.append(RefPart("name", cur.name, cur.name_pos))
        elif isinstance(cur, ast.Star):
            parts.append(RefPart("star", "*", cur.pos))
        else:
            parts.append(RefPart("index", cur.index, cur.index.pos))
        cur = cur.obj
    parts.reverse()
    return parts


def compile_reference(compiler: ExprCompiler, node: ast.Expr, table: str, scope: dict[str, Binding],
                      mode: Literal["value", "cell"]) -> Compiled:
    """A reference as a closure: the cell (``mode="cell"``, for ``is`` tests), its value, or the
    list of values a ``*`` stands for."""
    parts = reference_parts(node)
    name = templates.TABLE_NAMES[table]
    if len(parts) < 2:
        raise compiler.error(node.pos, f"a cell of {name} needs a row and a column, like {table}.new.natural "
                             f"or {table}.new[col]")
    stars = [p for p in parts if p.kind == "star"]
    if len(stars) > 1 or (stars and parts.index(stars[0]) not in (len(parts) - 2, len(parts) - 1)):
        raise compiler.error(stars[-1].pos, "'*' stands for the last part of a row (t3.denied.*[col]) or for "
                             "every column (t3.new.*), once per reference")
    _check_against_templates(compiler, node, table, parts)
    compiler.note_reference(table, parts)
    runtime_parts: list[Any] = []
    for i, part in enumerate(parts):
        if part.kind != "index":
            runtime_parts.append(part.value)
            continue
        runtime_parts.append(_index_part(compiler, part, table, scope, "column" if i == len(parts) - 1 else "row"))
    if mode == "cell":
        if stars:
            raise compiler.error(node.pos, "'is' tests one cell; '*' stands for several")
        return Compiled(CELL, cell_getter(id_builder(table, runtime_parts)))
    if not stars:
        return Compiled(NUMBER, value_getter(table, runtime_parts, compiler.blank_zero))
    readers = [slot_reader(p) if isinstance(p, Slot) and i < len(runtime_parts) - 1 else p
               for i, p in enumerate(runtime_parts)]  # the column, when a variable, is read in place
    return Compiled(list_of(NUMBER), star_getter(table, readers, parts[-1].kind == "star", compiler.blank_zero))


def _check_against_templates(compiler: ExprCompiler, node: ast.Expr, table: str, parts: list[RefPart]) -> None:
    """Rows and columns written as names must exist in some format's template."""
    name = templates.TABLE_NAMES[table]
    column, rows = parts[-1], parts[:-1]
    row_dynamic = any(p.kind == "index" for p in rows)
    row_star = any(p.kind == "star" for p in rows)
    if column.kind == "name" and column.value not in known_columns(table):
        if not row_dynamic and not row_star:
            raise _unknown_cell(compiler, f"{table}.{'.'.join(str(p.value) for p in parts)}", node.pos, column.pos)
        raise compiler.error(column.pos, f"unknown column '{column.value}' of {name}"
                             + did_you_mean(str(column.value), known_columns(table)))
    if row_dynamic:
        return
    row_id = ".".join(str(p.value) for p in rows if p.kind == "name")
    if row_star:
        prefix = row_id + "." if row_id else ""
        if not any(r.startswith(prefix) for r in known_rows(table)):
            raise compiler.error(rows[0].pos, f"no row of {name} starts with '{prefix}'"
                                 + did_you_mean(row_id, {r.rpartition('.')[0] for r in known_rows(table)}))
    elif row_id not in known_rows(table):
        if column.kind == "name":
            raise _unknown_cell(compiler, f"{table}.{row_id}.{column.value}", node.pos, rows[0].pos)
        raise compiler.error(rows[0].pos, f"unknown cell '{table}.{row_id}'"
                             + did_you_mean(f"{table}.{row_id}", [f"{table}.{r}" for r in known_rows(table)]))
    elif column.kind == "name":
        full = f"{table}.{row_id}.{column.value}"
        if full not in templates.all_cell_ids():
            raise _unknown_cell(compiler, full, node.pos)


def _index_part(compiler: ExprCompiler, part: RefPart, table: str, scope: dict[str, Binding], where: str) -> Any:
    """``[expr]``: a text or a row/column variable of this table, in its place."""
    compiled = compiler.expr(part.value, scope)  # type: ignore[arg-type]
    if not is_stringy(compiled.type):
        raise compiler.error(part.pos, f"a {where} must be a text or a {where} variable, not {describe(compiled.type)}")
    if is_axis(compiled.type):
        written = source_text(compiler.source, part.pos)
        of = compiled.type.table or table
        if compiled.type.kind != where:
            raise compiler.error(part.pos, f"'{written}' is a {compiled.type.kind} of "
                                 f"{templates.TABLE_NAMES[of]}, used here as a {where}")
        if of != table:
            raise compiler.error(part.pos, f"'{written}' is a {compiled.type.kind} of "
                                 f"{templates.TABLE_NAMES[of]}, not of {templates.TABLE_NAMES[table]}")
    return Slot(compiled.slot) if compiled.slot is not None else compiled.fn


def _unknown_cell(compiler: ExprCompiler, full: str, pos: ast.Pos, at: Optional[ast.Pos] = None) -> Exception:
    return compiler.error(at or pos, f"unknown cell '{full}'" + did_you_mean(full, templates.all_cell_ids()))


def reference_table(node: ast.Expr, scope: dict[str, Binding]) -> Optional[str]:
    """The table a reference starts from (``t3`` in ``t3.new[col]``), unless the name is shadowed."""
    while isinstance(node, (ast.Attr, ast.Index, ast.Star)):
        node = node.obj
    if isinstance(node, ast.Name) and node.id in templates.TABLES and node.id not in scope:
        return node.id
    return None


# ---------------------------------------------------------------- run time



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
    reading = ctx.report.reading(table)
    row = cid[len(table) + 1:].rpartition(".")[0]
    name = templates.TABLE_NAMES.get(table, table)
    if reading is not None and row in reading.undivided_rows:
        return f"{name}有几行未按格式分行填写（由 STRUCT-ROWS 报告）"
    if reading is not None and row in reading.missing_rows:
        return f"{name}缺行（由 STRUCT-ROWS 报告）"
    if reading is not None and row in reading.ambiguous_rows:
        return f"{name}有行的数值未能读取（由 READ-AMBIGUOUS 报告）"
    label = templates.load(ctx.format).full_row_label(table, row) if ctx.format in templates.FORMATS else row
    if label != row:  # one reason per row, not per cell (a rule's reasons are joined without repeats)
        return f"报告中没有{name}「{label}」行的数值"
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
        # What it reads, for a generator over the column to read the cells itself (``row_cells``).
        two_variables.row_column = (head, row, column, blank_zero)  # type: ignore[attr-defined]
        return two_variables
    if len(parts) == 2 and isinstance(parts[0], Slot) and isinstance(parts[1], str):
        head, row_slot, suffix = f"{table}.", int(parts[0]), "." + parts[1]

        def row_variable(ctx: Context) -> Any:
            cid = head + ctx.vars[row_slot] + suffix
            cell = ctx.cells.get(cid)
            if cell is None:
                raise Missing(absent_reason(ctx, cid))
            ctx.touched.append(cell)
            if cell.state == "number" and not cell.decimals:
                return cell.value
            return read_value(ctx, cell, blank_zero)
        return row_variable
    if all(isinstance(p, str) for p in parts):
        constant = f"{table}." + ".".join(parts)

        def fixed(ctx: Context) -> Any:
            cell = ctx.cells.get(constant)
            if cell is None:
                raise Missing(absent_reason(ctx, constant))
            ctx.touched.append(cell)
            if cell.state == "number" and not cell.decimals:
                return cell.value
            return read_value(ctx, cell, blank_zero)
        return fixed
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


def row_cells(ctx: Context, prefix: str, columns: tuple, blank_zero: bool) -> list[Any]:
    """The values of ``prefix + column`` for each column: what a generator such as
    ``sum(t3[row][c] for c in t3.columns where …)`` reads, cell by cell as ``value_getter`` would."""
    cells = ctx.cells
    touched = ctx.touched
    out = []
    for column in columns:
        cid = prefix + column
        cell = cells.get(cid)
        if cell is None:
            raise Missing(absent_reason(ctx, cid))
        touched.append(cell)
        if cell.state == "number" and not cell.decimals:
            out.append(cell.value)
        else:
            out.append(read_value(ctx, cell, blank_zero))
    return out


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
    column_slot = int(last) if isinstance(last, Slot) else None
    # The row part as written (t3.denied.*[col]) is the same text every time: joined once here.
    fixed_row = ".".join(literal_prefix) if all(isinstance(p, str) for p in literal_prefix) else None

    def values(ctx: Context) -> list[Any]:
        fmt = ctx.format or ctx.need_format(f"{templates.TABLE_NAMES[table]}的行列")
        row_text = fixed_row if fixed_row is not None else ".".join(p if isinstance(p, str) else p(ctx)
                                                                    for p in literal_prefix)
        if column_slot is not None:
            column = ctx.vars[column_slot]
        else:
            column = "*" if column_star else last if isinstance(last, str) else last(ctx)
        key = (fmt, row_text, column)
        wanted = ids_cache.get(key)
        if wanted is None:
            if len(ids_cache) > 4096:  # dynamic parts are rows and columns: this never grows far
                ids_cache.clear()
            wanted = ids_cache[key] = ids(fmt, row_text, column)
        ctx.charge(len(wanted))
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
