"""Which cell is wrong: the smallest sets of cell changes that make every failing identity hold.

One mistyped cell of table 三 breaks its row's total and its column's balance or results sum; a
supervisor is helped by ``表三「(一)予以公开」行「总计」列应为10（现为12）`` far more than by three
failures. The identities are those the rule packs declare (``identity`` rules, standard and
custom), handed over as linear forms ``Σ coef·cell + constant = 0``.

The search is exact and bounded: identities that share no cell are solved apart; within each
group, every single cell and then every pair of cells is tried (pairs only where they can cover
every failing identity), each by exact rational elimination, keeping solutions that are whole
non-negative counts. All equally small solutions are reported as ties, up to ``MAX_TIES``. Beyond
that many ties, only those whose digits show a telltale slip (values traded between neighbouring
columns, swapped digits…) are offered, saying how many other changes would do; beyond two cells
no localisation is claimed — except for a 总计 (or any) line printed wholly blank, where
filling the whole line is one correction. Pure Python: the
tables are small (175 cells, 39 identities), and a solver library would only add a dependency.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Callable, Optional

from auditor import templates
from auditor.model import Cell, CellFix, Correction

MAX_CELLS = 2  # exact search over sets of one and two cells
MAX_TIES = 6  # a table-四 row has five cells: a slip in it is at worst a five-way tie
MAX_SOLUTIONS = 200  # beyond this many equally small changes, stop looking (no claim anyway)
MAX_PAIR_CHECKS = 20_000  # bounds the time per group (a 175-cell table needs a few hundred)

ScopeKey = tuple[tuple[str, str], ...]

SLIP_DIGIT = "数字录入错误"
SLIP_SWAP = "相邻数字颠倒"
SLIP_DROPPED = "漏录一位数字"
SLIP_DOUBLED = "重复录入一位数字"
SLIP_EXTRA = "多录一位数字"
SLIP_SIGN = "正负号错误"
SLIP_BLANK = "漏填"
SLIP_ZERO = "误填为0"
SLIP_NEIGHBOUR_COLUMN = "数值填入相邻列"
SLIP_NEIGHBOUR_ROW = "数值填入相邻行"
# Slips the numbers show unmistakably come before a mere digit change when ties are ordered.
STRONG_SLIPS = (SLIP_SWAP, SLIP_DROPPED, SLIP_DOUBLED, SLIP_SIGN, SLIP_NEIGHBOUR_COLUMN, SLIP_NEIGHBOUR_ROW)


@dataclass(frozen=True)
class Identity:
    """One instance of a declared identity: ``Σ terms[cell]·cell + constant == 0``."""

    rule: str
    scope: ScopeKey
    terms: Mapping[str, Fraction]
    constant: Fraction = Fraction(0)


# ---------------------------------------------------------------- reading the table


def _value(cell: Cell) -> Optional[Fraction]:
    """A cell as an identity reads it: blank and placeholder as 0, text unusable."""
    if cell.state == "number" and cell.value is not None:
        return Fraction(str(cell.value)) if isinstance(cell.value, float) else Fraction(cell.value)
    if cell.state in ("blank", "placeholder"):
        return Fraction(0)
    return None


_WHOLE = {n: Fraction(n) for n in range(-64, 65)}  # Fractions are immutable: the common ones shared
_ZERO = _WHOLE[0]


def _tolerance(identity: Identity, cells: Mapping[str, Cell]) -> Fraction:
    """What rounding of written figures allows (XBRL-style): half a unit of the last decimal."""
    if not any(cells[cid].decimals for cid in identity.terms):
        return _ZERO  # counts: nothing to allow
    return sum((abs(coef) * Fraction(1, 2 * 10 ** cells[cid].decimals)
                for cid, coef in identity.terms.items() if cells[cid].decimals), Fraction(0))


@dataclass
class _Group:
    """Identities linked by shared cells: they are corrected together."""

    identities: list[Identity]
    residuals: list[Fraction]
    tolerances: list[Fraction]
    _touching: Optional[dict[str, set[int]]] = None
    _failing: Optional[list[int]] = None

    def failing(self) -> list[int]:
        """The identities (by position) that do not hold."""
        if self._failing is None:
            # A zero residual holds whatever the tolerance (never below 0): abs() only when needed.
            self._failing = [i for i, r in enumerate(self.residuals) if r and abs(r) > self.tolerances[i]]
        return self._failing

    def touching(self) -> dict[str, set[int]]:
        """Cell id → the identities (by position) it appears in."""
        if self._touching is None:
            touching: defaultdict[str, set[int]] = defaultdict(set)  # a set made only for a new cell
            for index, identity in enumerate(self.identities):
                for cid in identity.terms:
                    touching[cid].add(index)
            self._touching = dict(touching)
        return self._touching


_UNUSABLE = object()


def _whole_residual(identity: Identity, cells: Mapping[str, Cell]) -> object:
    """``Σ coef·value + constant`` in ints when every coefficient and value is whole (counts: nearly
    always), as the same ``Fraction`` the exact sum gives; ``_UNUSABLE`` when a cell is absent or
    unusable; None when a fraction or a decimal figure needs the exact path."""
    constant = identity.constant
    if constant.denominator != 1:
        return None
    total = constant.numerator
    for cid, coef in identity.terms.items():
        cell = cells.get(cid)
        if cell is None:
            return _UNUSABLE
        state = cell.state
        if state == "number":
            value = cell.value
            if value is None:
                return _UNUSABLE
            if type(value) is not int or coef.denominator != 1:
                return None
            total += coef.numerator * value
        elif state != "blank" and state != "placeholder":
            return _UNUSABLE
    shared = _WHOLE.get(total)
    return shared if shared is not None else Fraction(total)


def _groups(identities: Sequence[Identity], cells: Mapping[str, Cell]) -> list[_Group]:
    usable = []
    for identity in identities:
        if not identity.terms:
            continue
        residual = _whole_residual(identity, cells)
        if residual is _UNUSABLE:
            continue
        if residual is None:
            values = [_value(cells[cid]) if cid in cells else None for cid in identity.terms]
            if not all(v is not None for v in values):
                continue
            residual = identity.constant + sum(coef * v for coef, v in zip(identity.terms.values(), values))  # type: ignore[operator]
        usable.append((identity, residual, _tolerance(identity, cells)))
    parent = list(range(len(usable)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for index, (identity, _, _) in enumerate(usable):
        for cid in identity.terms:
            if cid in owner:
                parent[find(index)] = find(owner[cid])
            else:
                owner[cid] = index
    groups: dict[int, _Group] = {}
    for index, (identity, residual, tolerance) in enumerate(usable):
        group = groups.setdefault(find(index), _Group([], [], []))
        group.identities.append(identity)
        group.residuals.append(residual)
        group.tolerances.append(tolerance)
    return list(groups.values())


# ---------------------------------------------------------------- solving


def _solve(group: _Group, unknowns: Sequence[str]) -> Optional[list[Fraction]]:
    """The changes to ``unknowns`` that make every identity of the group hold, when unique
    (Gauss–Jordan elimination on exact fractions, then every identity they appear in checked;
    an identity without them must already hold)."""
    touching = group.touching()
    involved = sorted(set().union(*(touching.get(cid, set()) for cid in unknowns)))
    if any(i not in involved for i in group.failing()):
        return None
    matrix = [[Fraction(group.identities[i].terms.get(cid, 0)) for cid in unknowns] + [-group.residuals[i]]
              for i in involved]
    n = len(unknowns)
    for col in range(n):  # the pivot of column ``col`` goes to row ``col``
        pivot = next((r for r in range(col, len(matrix)) if matrix[r][col] != 0), None)
        if pivot is None:
            return None  # a change no identity pins down: not a unique correction
        matrix[col], matrix[pivot] = matrix[pivot], matrix[col]
        lead = matrix[col][col]
        matrix[col] = [x / lead for x in matrix[col]]
        for r in range(len(matrix)):
            if r != col and matrix[r][col] != 0:
                factor = matrix[r][col]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[col])]
    deltas = [matrix[i][n] for i in range(n)]
    for index in involved:
        terms = group.identities[index].terms
        after = group.residuals[index] + sum(terms.get(cid, 0) * d for cid, d in zip(unknowns, deltas))
        if abs(after) > group.tolerances[index]:
            return None
    return deltas


def _plausible(cid: str, cell: Cell, new: Fraction, signed: frozenset[str]) -> bool:
    """A corrected count is a whole number, not below 0 (amounts keep their decimals)."""
    if new < 0 and cid.rpartition(".")[2] not in signed:
        return False
    return cell.decimals > 0 or new.denominator == 1


@dataclass(frozen=True)
class _Solution:
    cells: tuple[str, ...]
    expected: tuple[Fraction, ...]


def _minimal(group: _Group, cells: Mapping[str, Cell], signed: frozenset[str],
             printed: Callable[[str], tuple[int, str]]) -> Optional[list[_Solution]]:
    """Every smallest solution of up to ``MAX_CELLS`` cells (in printed order); None when there is
    none in reach."""
    failing = group.failing()
    touches = group.touching()
    failing_set = set(failing)

    def attempt(unknowns: tuple[str, ...]) -> Optional[_Solution]:
        deltas = _solve(group, unknowns)
        if deltas is None or any(d == 0 for d in deltas):
            return None
        expected = []
        for cid, delta in zip(unknowns, deltas):
            new = _value(cells[cid]) + delta  # type: ignore[operator]
            if not _plausible(cid, cells[cid], new, signed):
                return None
            expected.append(new)
        return _Solution(unknowns, tuple(expected))

    # One cell: it must appear in every failing identity.
    singles = set.intersection(*(set(group.identities[i].terms) for i in failing)) if failing else set()
    found = [s for s in (attempt((cid,)) for cid in sorted(singles, key=printed)) if s is not None]
    if found or MAX_CELLS < 2:
        return found or None
    # Two cells: together they appear in every failing identity; a cell outside every failing
    # identity can only pair with one sharing all its identities (else its change breaks one).
    first_cells = sorted({cid for i in failing for cid in group.identities[i].terms}, key=printed)
    seen: set[tuple[str, str]] = set()
    checks = 0
    for first in first_cells:
        left = failing_set - touches[first]
        if left:
            partners = set.intersection(*(set(group.identities[i].terms) for i in left))
        else:
            partners = {cid for i in touches[first] for cid in group.identities[i].terms}
        for second in sorted(partners - {first}, key=printed):
            pair = tuple(sorted((first, second), key=printed))
            if pair in seen:
                continue
            seen.add(pair)  # type: ignore[arg-type]
            checks += 1
            if checks > MAX_PAIR_CHECKS:
                return None
            solution = attempt(pair)  # type: ignore[arg-type]
            if solution is not None:
                found.append(solution)
                if len(found) > MAX_SOLUTIONS:
                    return found
    return found or None


def _blank_lines(group: _Group, cells: Mapping[str, Cell], printed: Callable[[str], tuple[int, str]]
                 ) -> list[tuple[str, str, tuple[str, ...]]]:
    """Lines (a table's column or row) of the group printed wholly blank: (kind, line id, cells)."""
    ids = {cid for identity in group.identities for cid in identity.terms}
    lines: dict[tuple[str, str], list[str]] = {}
    for cid in ids:
        table, _, rest = cid.partition(".")
        row, _, column = rest.rpartition(".")
        lines.setdefault(("column", f"{table}.{column}"), []).append(cid)
        lines.setdefault(("row", f"{table}.{row}"), []).append(cid)
    out = []
    for (kind, line), members in lines.items():
        table = line.partition(".")[0]
        full = [cid for cid in cells if cid.startswith(table + ".") and _on_line(cid, kind, line)]
        if len(full) > 2 and all(cells[cid].state == "blank" for cid in full):
            out.append((kind, line, tuple(sorted(members, key=printed))))
    return sorted(out, key=lambda line: (line[0] != "column", printed(line[2][0])))


def _on_line(cid: str, kind: str, line: str) -> bool:
    table, _, rest = cid.partition(".")
    row, _, column = rest.rpartition(".")
    return f"{table}.{column}" == line if kind == "column" else f"{table}.{row}" == line


# ---------------------------------------------------------------- naming the slip


def _digits(x: Fraction) -> Optional[str]:
    return str(abs(x.numerator)) if x.denominator == 1 else None


def cell_slip(found: Optional[Fraction], expected: Fraction) -> Optional[str]:
    """The slip that turns ``expected`` into ``found``, when the digits show one."""
    if found is None:
        return SLIP_BLANK
    if found == 0 and expected != 0:
        return SLIP_ZERO
    if found == -expected and expected != 0:
        return SLIP_SIGN
    a, b = _digits(found), _digits(expected)
    if a is None or b is None or (found < 0) != (expected < 0):
        return None
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return SLIP_DIGIT
        if len(diff) == 2 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]:
            return SLIP_SWAP
        return None
    if len(a) + 1 == len(b) and any(b[:i] + b[i + 1:] == a for i in range(len(b))):
        return SLIP_DROPPED
    if len(a) == len(b) + 1:
        for i in range(len(a)):
            if a[:i] + a[i + 1:] == b:
                doubled = (i > 0 and a[i - 1] == a[i]) or (i + 1 < len(a) and a[i + 1] == a[i])
                return SLIP_DOUBLED if doubled else SLIP_EXTRA
    return None


def _neighbour_slip(fixes: Sequence[CellFix], format_id: str) -> Optional[str]:
    """Two cells whose values traded places with a neighbour's (a value in the wrong column)."""
    if len(fixes) != 2 or format_id not in templates.FORMATS:
        return None
    a, b = fixes
    if (a.found or 0) != b.expected or (b.found or 0) != a.expected:
        return None
    template = templates.load(format_id)
    ta, _, ra = a.id.partition(".")
    tb, _, rb = b.id.partition(".")
    if ta != tb:
        return None
    row_a, _, col_a = ra.rpartition(".")
    row_b, _, col_b = rb.rpartition(".")
    columns = [c.id for c in template.columns(ta)]
    rows = [r.id for r in template.rows(ta)]
    if row_a == row_b and col_a in columns and col_b in columns and abs(columns.index(col_a) - columns.index(col_b)) == 1:
        return SLIP_NEIGHBOUR_COLUMN
    if col_a == col_b and row_a in rows and row_b in rows and abs(rows.index(row_a) - rows.index(row_b)) == 1:
        return SLIP_NEIGHBOUR_ROW
    return None


# ---------------------------------------------------------------- messages


def _number(x: Fraction) -> int | float:
    return x.numerator if x.denominator == 1 else float(x)


def _shown(value: Optional[int | float]) -> str:
    if value is None:
        return "空"
    return str(value) if not isinstance(value, float) else f"{value:g}"


class _Labels:
    """Printed labels of a format's rows and columns (table 三's rows with their group)."""

    def __init__(self, format_id: str):
        self.template = templates.load(format_id) if format_id in templates.FORMATS else None

    def of(self, cid: str) -> tuple[str, str, str]:
        table, _, rest = cid.partition(".")
        row, _, column = rest.rpartition(".")
        name = templates.TABLE_NAMES.get(table, table)
        if self.template is None:
            return name, row, column
        return name, self.template.full_row_label(table, row), self.template.column_label(table, column)


def _explains_words(count: int) -> str:
    return f"可同时消除{count}项勾稽错误" if count > 1 else "可消除该项勾稽错误"


def _message(fixes: Sequence[CellFix], labels: _Labels, explained: int, slip: Optional[str],
             line_kind: Optional[str] = None) -> str:
    if line_kind is not None:
        kind = line_kind
        name, row, column = labels.of(fixes[0].id)
        what = f"「{column}」列" if kind == "column" else f"「{row}」行"
        example = fixes[0]
        _, ex_row, ex_column = labels.of(example.id)
        where = f"「{ex_row}」行" if kind == "column" else f"「{ex_column}」列"
        return (f"{name}{what}整{'列' if kind == 'column' else '行'}未填写，应按勾稽关系填写{len(fixes)}格"
                f"（如{where}应为{_shown(example.expected)}），{_explains_words(explained)}")
    parts = []
    previous: tuple[str, str] = ("", "")
    for fix in fixes:
        name, row, column = labels.of(fix.id)
        where = (name if name != previous[0] else "") + (f"「{row}」行" if (name, row) != previous else "")
        previous = (name, row)
        parts.append(f"{where}「{column}」列应为{_shown(fix.expected)}（现为{_shown(fix.found)}）")
    text = "、".join(parts) + f"，{_explains_words(explained)}"
    return text + (f"（疑似{slip}）" if slip else "")


# ---------------------------------------------------------------- the whole


def _printed_order(format_id: str) -> Callable[[str], tuple[int, str]]:
    """Sort key: where a cell is printed in its format (unknown ids last, by name)."""
    ids = templates.load(format_id).cell_ids() if format_id in templates.FORMATS else []
    position = {cid: n for n, cid in enumerate(ids)}
    return lambda cid: (position.get(cid, len(position)), cid)


def _signed_columns() -> frozenset[str]:
    return frozenset(c.id for fmt in templates.FORMATS for t in templates.TABLES
                     for c in templates.load(fmt).columns(t) if c.signed)


def localize(identities: Sequence[Identity], cells: Mapping[str, Cell], format_id: str = "") -> list[Correction]:
    """Corrections for every group of failing identities that a small change explains."""
    signed = _signed_columns()
    labels = _Labels(format_id)
    printed = _printed_order(format_id)
    corrections: list[Correction] = []
    for group_number, group in enumerate(g for g in _groups(identities, cells) if g.failing()):
        failing = group.failing()
        explains = tuple(dict.fromkeys((group.identities[i].rule, group.identities[i].scope) for i in failing))
        solutions = _minimal(group, cells, signed, printed)
        if solutions is None:
            filled = _fill_blank_line(group, cells, signed, explains, labels, group_number, printed)
            if filled is not None:
                corrections.append(filled)
            continue
        options = [_correction(s, cells, explains, labels, format_id, group_number) for s in solutions]
        options.sort(key=_plausibility)
        if len(options) > MAX_TIES:
            # Too many equally small changes to claim one — unless the digits of a few show a
            # telltale slip (two values traded between neighbouring columns, digits swapped…):
            # those are offered, saying how many other changes would also make the sums hold.
            strong = [o for o in options if o.slip in STRONG_SLIPS]
            if not 0 < len(strong) <= MAX_TIES:
                continue
            others = len(options) - len(strong)
            options = [replace(o, message=f"{o.message}（另有{others}种同样小的改法，但数字不像常见的录入错误）")
                       for o in strong]
        corrections += options
    return corrections


def _plausibility(correction: Correction) -> int:
    if correction.slip in STRONG_SLIPS:
        return 0
    return 1 if correction.slip else 2


def _correction(solution: _Solution, cells: Mapping[str, Cell], explains: tuple, labels: _Labels,
                format_id: str, group: int) -> Correction:
    fixes = tuple(_fix(cid, cells[cid], expected) for cid, expected in zip(solution.cells, solution.expected))
    slip = _neighbour_slip(fixes, format_id)
    if slip is None:
        named = [cell_slip(_value(cells[f.id]) if cells[f.id].state != "blank" else None, Fraction(str(f.expected)))
                 for f in fixes]
        kinds = list(dict.fromkeys(s for s in named if s))
        slip = "、".join(kinds) if kinds and len(named) == len([s for s in named if s]) else None
    return Correction(fixes, slip, explains, _message(fixes, labels, len(explains), slip), group)


def _fix(cid: str, cell: Cell, expected: Fraction) -> CellFix:
    found = None if cell.state == "blank" else (cell.value if cell.state == "number" else 0)
    return CellFix(cid, found, _number(expected), cell.raw, cell.span)


def _fill_blank_line(group: _Group, cells: Mapping[str, Cell], signed: frozenset[str], explains: tuple,
                     labels: _Labels, group_number: int, printed: Callable[[str], tuple[int, str]]
                     ) -> Optional[Correction]:
    """A line printed wholly blank whose filling makes every identity hold: one correction."""
    for kind, line, members in _blank_lines(group, cells, printed):
        deltas = _solve(group, members)
        if deltas is None:
            continue
        expected = [_value(cells[cid]) + d for cid, d in zip(members, deltas)]  # type: ignore[operator]
        if not all(_plausible(cid, cells[cid], new, signed) for cid, new in zip(members, expected)):
            continue
        changed = [(cid, new) for cid, new in zip(members, expected) if new != 0]
        if not changed:
            continue
        fixes = tuple(_fix(cid, cells[cid], new) for cid, new in changed)
        line_word = "列" if kind == "column" else "行"
        slip = f"总计{line_word}未填写" if line.partition(".")[2] == "total" else f"整{line_word}未填写"
        return Correction(fixes, slip, explains, _message(fixes, labels, len(explains), slip, kind), group_number)
    return None
