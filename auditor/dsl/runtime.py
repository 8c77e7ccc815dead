"""What compiled rules compute with: values, the evaluation context, and its limits.

Rounded figures are ``Approx`` values (a written figure with d decimals stands for the interval
value ± 0.5·10⁻ᵈ, as in XBRL Calculations 1.1); exact integers stay plain ``int``. Anything a
report lacks raises ``Missing`` with a reason, which the engine turns into *not assessable*.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from functools import cache
from typing import Any, Optional, Union

from auditor import templates
from auditor.model import Cell, Report, Span

MAX_STEPS = 200_000  # work units per rule and report: loop iterations, and text work below
TEXT_CHARS_PER_STEP = 100  # regex and string work over n characters costs n/100 steps
MAX_TEXT = 1_000_000  # characters a rule may build by concatenation
MAX_MAGNITUDE = 10 ** 30  # no count or amount in a report comes near; products beyond it stop the rule
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


def _bounded(x: Any) -> Any:
    """Products are the only way a rule's numbers grow fast (``let b = a * a`` twenty times would
    take minutes on huge integers): stop at a bound no report figure comes near."""
    if type(x) in (int, float) and not -MAX_MAGNITUDE <= x <= MAX_MAGNITUDE:
        raise LimitExceeded(f"计算结果超出数值上限（10^{len(str(MAX_MAGNITUDE)) - 1}）")
    return x


def num_mul(a: Num, b: Num) -> Num:
    if type(a) is not Approx and type(b) is not Approx:
        if type(a) is int and type(b) is int and (a.bit_length() + b.bit_length() > 128):
            raise LimitExceeded(f"计算结果超出数值上限（10^{len(str(MAX_MAGNITUDE)) - 1}）")
        return _bounded(a * b)  # type: ignore[operator]
    av, ar, ad = _parts(a)
    bv, br, bd = _parts(b)
    return Approx(_bounded(av * bv), abs(av) * br + abs(bv) * ar + ar * br, max(ad, bd))


def num_div(a: Num, b: Num) -> Num:
    av, ar, ad = _parts(a)
    bv, br, bd = _parts(b)
    if bv == 0 or abs(bv) <= br:
        raise Missing("除数为0")
    if ar == 0 and br == 0:
        if type(av) is int and type(bv) is int and av % bv == 0:
            return av // bv
        return _bounded(av / bv)
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
    return tuple(Axis(r.id, table, kind, r.label, template.full_row_label(table, r.id))
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
    """One report under evaluation, shared by every rule run on it.

    ``cells`` is the report's cells, or symbolic stand-ins (``symbolic_cells``) when identity
    rules are probed for their linear forms.
    """

    __slots__ = ("_blank_tables", "_blanks", "_claims", "_previous", "_rows", "cells", "facts", "format", "memo",
                 "pending", "report", "spans", "steps", "touched", "vars")

    def __init__(self, report: Report, cells: Optional[Mapping[str, Any]] = None, facts: Any = None):
        self.report = report
        self.facts = facts  # auditor.dsl.crossfacts.RunFacts, or None outside a batch
        self.cells = report.cells if cells is None else cells
        self.format: Optional[str] = report.format if report.format in templates.FORMATS else None
        self.vars: list[Any] = []
        self.touched: list[Cell] = []
        self.spans: list[Span] = []
        self.pending: list[Any] = []  # lets only messages read, computed when a finding is made
        self.steps = 0
        self._rows: Optional[tuple[TableRow, ...]] = None
        self._blanks: Optional[tuple[Any, ...]] = None
        self._blank_tables: Optional[dict[str, str]] = None
        self._claims: Optional[list[Any]] = None
        self._previous: Optional[Context] = None
        self.memo: dict[object, Any] = {}  # call site → its value on this report (calls with constant arguments)

    def start_rule(self, nslots: int) -> None:
        """A fresh budget and fresh variables for the next rule."""
        self.vars = [None] * nslots
        self.steps = 0
        # Only ever appended to while a rule runs (findings copy what they cite): an empty one
        # is as good as new.
        if self.touched:
            self.touched = []
        if self.spans:
            self.spans = []
        if self.pending:
            self.pending = []

    def table_rows(self) -> tuple[TableRow, ...]:
        """The rows of every table of the report's format (computed once per report)."""
        if self._rows is None:
            fmt = self.need_format("表格的行")
            cells = self.cells
            self._rows = tuple(TableRow(table, axis, tuple(cells[c] for c in ids if c in cells))
                               for table, axis, ids in row_cell_ids(fmt))
        return self._rows

    def blank_regions(self) -> tuple[Any, ...]:
        """The report's blank cells, as whole tables, whole lines and the rest row by row."""
        if self._blanks is None:
            from auditor.dsl.blanks import blank_regions

            self._blanks = blank_regions(self.report, self.need_format("留空单元格所在的行列"))
        return self._blanks

    def blank_table(self, table: str) -> Optional[str]:
        """``表三整表未填写（25行×7列）`` when ``table`` was printed with every cell blank."""
        if self.format is None or table not in self.report.tables:
            return None
        wholly = self._blank_tables
        if wholly is None:  # every identity rule asks: worked out once per report
            wholly = self._blank_tables = {}
            for region in self.blank_regions():
                if region.kind == "table":
                    wholly.setdefault(region.table, region.description)
        return wholly.get(table)

    def claims(self) -> list[Any]:
        """The figures the narrative states for table quantities (computed once per report)."""
        if self._claims is None:
            from auditor.narrative import claims

            self._claims = claims(self.report)
            self.charge_text(sum(len(s.text) for s in self.report.sections))
        return self._claims

    def previous_report(self) -> Report:
        """The same agency's report of the year before, or ``Missing`` saying why there is none."""
        facts = self.facts
        if facts is None or facts.previous is None:
            from auditor.dsl.crossfacts import NO_PREVIOUS

            raise Missing(facts.no_previous if facts is not None else NO_PREVIOUS)
        return facts.previous

    def previous_context(self) -> Context:
        """A context over the previous report that shares this one's variables (loop items)."""
        if self._previous is None:
            self._previous = Context(self.previous_report(), facts=None)
        prev = self._previous
        prev.vars = self.vars
        prev.touched, prev.spans, prev.steps = [], [], 0  # its cells are not this report's to cite
        return prev

    def charge(self, steps: int) -> None:
        """Count work against the rule's budget (loop items; text work by length)."""
        self.steps += steps
        if self.steps > MAX_STEPS:
            raise LimitExceeded(f"规则超出求值步数上限（{MAX_STEPS}步）")

    def charge_text(self, length: int) -> None:
        """Regex and string work over ``length`` characters."""
        self.charge(1 + length // TEXT_CHARS_PER_STEP)

    def tick(self) -> None:
        self.charge(1)

    def need_format(self, what: str) -> str:
        if self.format is None:
            raise Missing(f"报告没有可识别的表格格式，无法确定{what}")
        return self.format


# ---------------------------------------------------------------- identities as linear forms


def _fraction(x: Any) -> Union[int, Fraction]:
    """An exact number: a float as the decimal it prints as; an int stays an int (int arithmetic
    is exact too, and several times faster than ``Fraction``'s)."""
    if type(x) is Approx:
        x = x.value
    if isinstance(x, float):
        return Fraction(repr(x))
    return x if type(x) is int else Fraction(x)


def _merge_terms(terms: dict[str, Any], more: Mapping[str, Any], *, subtract: bool = False) -> None:
    """Add (or subtract) ``more``'s coefficients into ``terms`` in place, in ``more``'s order,
    dropping a cell whose coefficient comes to zero."""
    for cell, coef in more.items():
        total = terms.get(cell, 0) - coef if subtract else terms.get(cell, 0) + coef
        if total:
            terms[cell] = total
        else:
            terms.pop(cell, None)


class Linear:
    """``Σ coefficient·cell + constant``: what an identity's side is when cells are symbols.

    Identity rules are probed with every cell standing for itself, so the same compiled closures
    that check ``t3.new[col] + t3.carried_over[col] == …`` also yield the identity as a linear
    form for the localiser. Comparing such forms (a condition that depends on cell values) makes
    the instance unusable for localisation, never wrong. Coefficients and the constant are exact:
    ints while they are whole, ``Fraction``s otherwise (``IdentityInstance`` gets Fractions).
    """

    __slots__ = ("constant", "terms")

    def __init__(self, terms: Optional[dict[str, Any]] = None, constant: Any = 0):
        self.terms = terms or {}
        self.constant = constant

    @classmethod
    def of(cls, value: Any) -> Linear:
        if isinstance(value, Linear):
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float, Fraction, Approx)):
            raise Missing("恒等式的一边不是数值")
        return cls({}, _fraction(value))

    def __add__(self, other: Any) -> Linear:
        if type(other) is not Linear:
            other = Linear.of(other)
        terms = self.terms.copy()
        _merge_terms(terms, other.terms)
        return Linear(terms, self.constant + other.constant)

    __radd__ = __add__

    @classmethod
    def total(cls, items: Sequence[Any]) -> Linear:
        """``sum(items)`` in one pass: the same terms, in the same order, as adding them one by
        one, without a copy of the growing sum at every step."""
        terms: dict[str, Any] = {}
        constant: Any = 0
        for item in items:
            other = item if type(item) is Linear else Linear.of(item)
            _merge_terms(terms, other.terms)
            constant = constant + other.constant
        return cls(terms, constant)

    def __neg__(self) -> Linear:
        return Linear({cell: -coef for cell, coef in self.terms.items()}, -self.constant)

    def __sub__(self, other: Any) -> Linear:
        """``self + (-other)`` in one step: the same terms in the same order."""
        if type(other) is not Linear:
            other = Linear.of(other)
        terms = self.terms.copy()
        _merge_terms(terms, other.terms, subtract=True)
        return Linear(terms, self.constant - other.constant)

    def __rsub__(self, other: Any) -> Linear:
        return Linear.of(other) + (-self)

    def _scalar(self, other: Any) -> Fraction:
        other = Linear.of(other)
        if other.terms and self.terms:
            raise Missing("恒等式中两个单元格相乘，不是线性关系")
        return other.constant

    def __mul__(self, other: Any) -> Linear:
        if isinstance(other, Linear) and other.terms and not self.terms:
            return other * self.constant
        factor = self._scalar(other)
        if not factor:
            return Linear({}, 0)
        return Linear({cell: coef * factor for cell, coef in self.terms.items()}, self.constant * factor)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Linear:
        divisor = Linear.of(other)
        if divisor.terms or not divisor.constant:
            raise Missing("恒等式中除以单元格或0，不是线性关系")
        return self * (Fraction(1) / divisor.constant)

    def _compare(self, other: Any) -> bool:
        raise Missing("条件取决于单元格数值，不能用于定位")

    __lt__ = __le__ = __gt__ = __ge__ = _compare

    def __abs__(self) -> Linear:
        raise Missing("条件取决于单元格数值，不能用于定位")

    def __eq__(self, other: object) -> bool:
        return self._compare(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Linear({self.terms!r} + {self.constant})"


class SymbolicCell:
    """A cell standing for itself in a probe: reads as ``Linear({id: 1})``; blank and placeholder
    cells too (a blank 总计 is something to fill in), text cells stay unusable."""

    __slots__ = ("decimals", "id", "raw", "span", "state", "value")

    def __init__(self, cell: Cell):
        self.id, self.raw, self.span = cell.id, cell.raw, cell.span
        usable = cell.state in ("number", "blank", "placeholder")
        self.state = "number" if usable else cell.state
        self.value: Any = Linear({cell.id: 1}) if usable else None
        self.decimals = 0


def symbolic_cells(report: Report) -> dict[str, SymbolicCell]:
    return {cid: SymbolicCell(cell) for cid, cell in report.cells.items()}
