"""What compiled rules compute with: values, the evaluation context, and its limits.

Rounded figures are ``Approx`` values (a written figure with d decimals stands for the interval
value ± 0.5·10⁻ᵈ, as in XBRL Calculations 1.1); exact integers stay plain ``int``. Anything a
report lacks raises ``Missing`` with a reason, which the engine turns into *not assessable*.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any, Optional, Union

from auditor import templates
from auditor.model import Cell, Report, Span

MAX_STEPS = 200_000  # loop iterations per rule and report
MAX_TEXT = 1_000_000  # characters a rule may build by concatenation
FLOAT_EPSILON = 1e-9


class Missing(Exception):
    """The report lacks something a rule needs; ``reason`` says what (in Chinese, for users)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class LimitExceeded(Exception):
    """A rule ran past its step or size budget."""


class Approx:
    """A rounded figure: ``value`` ± ``radius``; ``decimals`` is the precision to print it with."""

    __slots__ = ("decimals", "radius", "value")

    def __init__(self, value: float, radius: float, decimals: int):
        self.value = value
        self.radius = radius
        self.decimals = decimals

    @classmethod
    def written(cls, value: float, decimals: int) -> Approx:
        return cls(value, 0.5 * 10.0 ** -decimals, decimals)

    def __repr__(self) -> str:
        return f"Approx({self.value!r}±{self.radius:g})"

    def __str__(self) -> str:
        return f"{self.value:.{self.decimals}f}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, (Approx, int, float)) and num_eq(self, other)

    def __hash__(self) -> int:
        return hash(round(self.value, self.decimals))


Num = Union[int, float, Approx]


def _parts(x: Num) -> tuple[float, float, int]:
    if type(x) is Approx:
        return x.value, x.radius, x.decimals
    return x, 0.0, 0  # type: ignore[return-value]


def num_add(a: Num, b: Num) -> Num:
    if type(a) is not Approx and type(b) is not Approx:
        return a + b  # type: ignore[operator]
    av, ar, ad = _parts(a)
    bv, br, bd = _parts(b)
    return Approx(av + bv, ar + br, max(ad, bd))


def num_sub(a: Num, b: Num) -> Num:
    if type(a) is not Approx and type(b) is not Approx:
        return a - b  # type: ignore[operator]
    av, ar, ad = _parts(a)
    bv, br, bd = _parts(b)
    return Approx(av - bv, ar + br, max(ad, bd))


def num_mul(a: Num, b: Num) -> Num:
    if type(a) is not Approx and type(b) is not Approx:
        return a * b  # type: ignore[operator]
    av, ar, ad = _parts(a)
    bv, br, bd = _parts(b)
    return Approx(av * bv, abs(av) * br + abs(bv) * ar + ar * br, max(ad, bd))


def num_div(a: Num, b: Num) -> Num:
    av, ar, ad = _parts(a)
    bv, br, bd = _parts(b)
    if bv == 0 or abs(bv) <= br:
        raise Missing("除数为0")
    if ar == 0 and br == 0:
        if type(av) is int and type(bv) is int and av % bv == 0:
            return av // bv
        return av / bv
    low = abs(bv) - br
    radius = (abs(av) * br + abs(bv) * ar) / (abs(bv) * low)
    return Approx(av / bv, radius, max(ad, bd, 2))


def num_neg(a: Num) -> Num:
    if type(a) is Approx:
        return Approx(-a.value, a.radius, a.decimals)
    return -a  # type: ignore[operator]


def num_eq(a: Num, b: Num) -> bool:
    """Equal within what the written precision allows (exact for integers)."""
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        return a == b
    av, ar, _ = _parts(a)
    bv, br, _ = _parts(b)
    slack = ar + br + FLOAT_EPSILON * max(1.0, abs(av), abs(bv))
    return abs(av - bv) <= slack


def num_lt(a: Num, b: Num) -> bool:
    """``a < b`` is possible for some rounding of the written figures."""
    if type(a) is not Approx and type(b) is not Approx:
        return a < b  # type: ignore[operator]
    av, ar, _ = _parts(a)
    bv, br, _ = _parts(b)
    return av - ar < bv + br


def num_le(a: Num, b: Num) -> bool:
    if type(a) is not Approx and type(b) is not Approx:
        return a <= b  # type: ignore[operator]
    return num_lt(a, b) or num_eq(a, b)


def plain(x: Any) -> Any:
    """A Python value for a finding or a test (Approx → its written value)."""
    return x.value if type(x) is Approx else x


def display(x: Any) -> str:
    """How a value reads in a message: figures as written, lists joined, booleans in Chinese."""
    if type(x) is str or type(x) is int:
        return str(x)
    if type(x) is Approx:
        return str(x)
    if isinstance(x, bool):
        return "是" if x else "否"
    if isinstance(x, float):
        if math.isfinite(x) and x.is_integer():
            return str(int(x))
        return f"{round(x, 6):g}" if abs(x) < 1e15 else repr(x)
    if isinstance(x, (list, tuple)):
        return "、".join(display(i) for i in x)
    if isinstance(x, Cell):
        return x.raw or x.id
    return str(x)


def cell_number(cell: Cell) -> Num:
    """A number cell's value; decimals written make it a rounded figure."""
    value = cell.value
    if cell.decimals and value is not None:
        return Approx.written(float(value), cell.decimals)
    return value  # type: ignore[return-value]


class Axis(str):
    """A row or a column of a table: compares and indexes as its id, knows its label."""

    table: str
    kind: str  # "row" or "column"
    label: str
    full_label: str  # with its group: (三)不予公开·1.属于国家秘密

    def __new__(cls, ident: str, table: str, kind: str, label: str, full_label: str = "") -> Axis:
        self = super().__new__(cls, ident)
        self.table, self.kind, self.label, self.full_label = table, kind, label, full_label or label
        return self

    def __reduce__(self) -> Any:
        return (Axis, (str(self), self.table, self.kind, self.label, self.full_label))


@cache
def axes(format_id: str, table: str, kind: str) -> tuple[Axis, ...]:
    template = templates.load(format_id)
    if kind == "column":
        return tuple(Axis(c.id, table, kind, c.label) for c in template.columns(table))
    groups = {g.id: g.label for g in template.t3_groups} if table == "t3" else {}
    return tuple(Axis(r.id, table, kind, r.label,
                      f"{groups[r.group]}·{r.label}" if r.group in groups and r.group != "results" else r.label)
                 for r in template.rows(table))


@cache
def rows_under(format_id: str, table: str, prefix: str) -> tuple[str, ...]:
    """Row ids of ``table`` starting with ``prefix`` (``denied.`` → every denied.* row)."""
    return tuple(r for r in axes(format_id, table, "row") if r.startswith(prefix))


@cache
def cell_labels(format_id: str, cell_id: str) -> tuple[str, str, str]:
    """(table name, row label, column label) of a cell id, for messages."""
    table, _, rest = cell_id.partition(".")
    row, _, column = rest.rpartition(".")
    name = templates.TABLE_NAMES.get(table, table)
    if format_id not in templates.FORMATS:
        return name, row, column
    template = templates.load(format_id)
    return name, template.row_label(table, row), template.column_label(table, column)


class TableRow:
    """A printed row of one of the tables, with the cells the report has for it."""

    __slots__ = ("axis", "cells", "table")

    def __init__(self, table: str, axis: Axis, cells: tuple[Cell, ...]):
        self.table, self.axis, self.cells = table, axis, cells

    @property
    def id(self) -> str:
        return f"{self.table}.{self.axis}"


@cache
def row_cell_ids(format_id: str) -> tuple[tuple[str, Axis, tuple[str, ...]], ...]:
    """Every row of tables 二/三/四 in a format, with its cell ids in printed order."""
    template = templates.load(format_id)
    out = []
    for table in templates.TABLES:
        ids = template.cell_ids(table)
        for axis in axes(format_id, table, "row"):
            prefix = f"{table}.{axis}."
            out.append((table, axis, tuple(c for c in ids if c.startswith(prefix) and "." not in c[len(prefix):])))
    return tuple(out)


class Context:
    """One report under evaluation, shared by every rule run on it."""

    __slots__ = ("_rows", "cells", "format", "report", "spans", "steps", "touched", "vars")

    def __init__(self, report: Report):
        self.report = report
        self.cells = report.cells
        self.format: Optional[str] = report.format if report.format in templates.FORMATS else None
        self.vars: list[Any] = []
        self.touched: list[Cell] = []
        self.spans: list[Span] = []
        self.steps = 0
        self._rows: Optional[tuple[TableRow, ...]] = None

    def table_rows(self) -> tuple[TableRow, ...]:
        """The rows of every table of the report's format (computed once per report)."""
        if self._rows is None:
            fmt = self.need_format("表格的行")
            cells = self.cells
            self._rows = tuple(TableRow(table, axis, tuple(cells[c] for c in ids if c in cells))
                               for table, axis, ids in row_cell_ids(fmt))
        return self._rows

    def tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise LimitExceeded(f"规则超出求值步数上限（{MAX_STEPS}步）")

    def need_format(self, what: str) -> str:
        if self.format is None:
            raise Missing(f"报告没有可识别的表格格式，无法确定{what}")
        return self.format
