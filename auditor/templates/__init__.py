"""The national formats (2019 and 2021) loaded from their TOML files.

The TOML files are the single source of each format's structure: the years it covers, its
sections, and its tables as a generic list (which section holds a table, its header words, its
row groups with rows and columns, the sums the form prints). The recognizer, the rule compiler,
the reporters and the docs all loop over what is declared there; nothing here names a row.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Optional

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class Label:
    """Something with an id and a wording as printed on the form, plus wordings seen in the wild."""

    id: str
    label: str
    variants: tuple[str, ...] = ()
    group: str = ""
    signed: bool = False
    amount: bool = False
    outer: bool = False  # a subgroup heading over other groups: its rows are named without it

    @property
    def wordings(self) -> tuple[str, ...]:
        return (self.label, *self.variants)


@dataclass(frozen=True)
class RowGroup:
    """Rows printed under one group heading (表二's 第二十条第(一)项…), sharing their columns.
    Tables 三 and 四 are one group with an empty label."""

    label: str
    columns: tuple[Label, ...]
    rows: tuple[Label, ...]


@dataclass(frozen=True)
class ColumnSum:
    """In every column, row ``total`` is the sum of rows ``parts`` (``denied.*`` = every row of
    that group; parts the format lacks are skipped)."""

    total: str
    parts: tuple[str, ...]


@dataclass(frozen=True)
class ColumnBalance:
    """In every column, the rows in ``left`` sum to the rows in ``right``."""

    left: tuple[str, ...]
    right: tuple[str, ...]


@dataclass(frozen=True)
class TableSpec:
    """One statistics table of a format."""

    id: str  # t2
    name: str  # 表二
    title: str
    section: int  # the section that prints it
    groups: tuple[RowGroup, ...]
    subgroups: tuple[Label, ...] = ()  # headings inside the table that carry no numbers
    headers: tuple[str, ...] = ()  # header words printed above the rows
    markers: tuple[str, ...] = ()  # wordings only this format prints
    run: bool = False  # scraped text prints it as one run of values (table 四)
    row_total: Optional[str] = None  # the column that sums the others in every row
    column_sums: tuple[ColumnSum, ...] = ()
    column_balances: tuple[ColumnBalance, ...] = ()

    @property
    def rows(self) -> tuple[Label, ...]:
        return tuple(r for g in self.groups for r in g.rows)

    @property
    def plain_grid(self) -> bool:
        """Printed as one grid (every row the same columns), so a column is a line to fill."""
        return len(self.groups) == 1

    @property
    def columns(self) -> tuple[Label, ...]:
        """Every column id once, in printed order (表二's groups have different columns)."""
        seen: dict[str, Label] = {}
        for group in self.groups:
            for col in group.columns:
                seen.setdefault(col.id, col)
        return tuple(seen.values())

    def row_columns(self, row_id: str) -> tuple[Label, ...]:
        """The columns a row has (its group's)."""
        return next(g.columns for g in self.groups if any(r.id == row_id for r in g.rows))

    def cell_ids(self) -> list[str]:
        return [f"{self.id}.{r.id}.{c.id}" for g in self.groups for r in g.rows for c in g.columns]

    def expand(self, patterns: tuple[str, ...]) -> list[str]:
        """Row ids named by ``patterns`` (``denied.*`` = the group), in printed order."""
        out = []
        for row in self.rows:
            for pattern in patterns:
                if row.id == pattern or (pattern.endswith(".*") and row.id.startswith(pattern[:-1])):
                    out.append(row.id)
                    break
        return out


@dataclass(frozen=True)
class SectionSpec:
    number: int
    heading: str
    variants: tuple[str, ...]
    keywords: tuple[str, ...] = ()  # words a heading in other wording still holds


@dataclass(frozen=True)
class Template:
    format: str
    notice: str
    years: tuple[int, Optional[int]]  # first and last report year (None: every later year)
    sections: tuple[SectionSpec, ...]
    tables: tuple[TableSpec, ...]

    def table(self, table_id: str) -> TableSpec:
        return next(t for t in self.tables if t.id == table_id)

    def cell_ids(self, table: str | None = None) -> list[str]:
        """Every canonical cell id of this format, in printed order (optionally one table)."""
        return [cid for t in self.tables if table in (None, t.id) for cid in t.cell_ids()]

    def column_label(self, table: str, column: str) -> str:
        """The printed label of a column (``natural`` → 自然人)."""
        return next((c.label for c in self.columns(table) if c.id == column), column)

    def row_label(self, table: str, row: str) -> str:
        return next((r.label for r in self.rows(table) if r.id == row), row)

    def full_row_label(self, table: str, row: str) -> str:
        """A row named with its group where the form prints one (（三）不予公开·1.属于国家秘密)."""
        spec = self.table(table)
        found = next((r for r in spec.rows if r.id == row), None)
        if found is None:
            return row
        group = next((g for g in spec.subgroups if g.id == found.group and not g.outer), None)
        return f"{group.label}·{found.label}" if group else found.label

    def columns(self, table: str) -> tuple[Label, ...]:
        return self.table(table).columns

    def rows(self, table: str) -> tuple[Label, ...]:
        return self.table(table).rows

    def section(self, number: int) -> SectionSpec:
        return next(s for s in self.sections if s.number == number)

    def covers(self, year: int) -> bool:
        first, last = self.years
        return year >= first and (last is None or year <= last)

    # Shorthands for the three national tables, used where code is about one of them.
    @property
    def t2_groups(self) -> tuple[RowGroup, ...]:
        return self.table("t2").groups

    @property
    def t3_columns(self) -> tuple[Label, ...]:
        return self.table("t3").columns

    @property
    def t3_groups(self) -> tuple[Label, ...]:
        return self.table("t3").subgroups

    @property
    def t3_rows(self) -> tuple[Label, ...]:
        return self.table("t3").rows

    @property
    def t4_columns(self) -> tuple[Label, ...]:
        return self.table("t4").columns

    @property
    def t4_rows(self) -> tuple[Label, ...]:
        return self.table("t4").rows


def _labels(items: list[dict]) -> tuple[Label, ...]:
    return tuple(Label(id=i["id"], label=i["label"], variants=tuple(i.get("variants", ())),
                       group=i.get("group", ""), signed=i.get("signed", False),
                       amount=i.get("amount", False), outer=i.get("outer", False)) for i in items)


def _table(raw: dict) -> TableSpec:
    return TableSpec(
        id=raw["id"], name=raw["name"], title=raw["title"], section=raw["section"],
        groups=tuple(RowGroup(g["label"], _labels(g["columns"]), _labels(g["rows"])) for g in raw["groups"]),
        subgroups=_labels(raw.get("subgroups", [])),
        headers=tuple(raw.get("headers", ())), markers=tuple(raw.get("markers", ())),
        run=raw.get("run", False), row_total=raw.get("row_total"),
        column_sums=tuple(ColumnSum(s["total"], tuple(s["parts"])) for s in raw.get("column_sums", ())),
        column_balances=tuple(ColumnBalance(tuple(b["left"]), tuple(b["right"]))
                              for b in raw.get("column_balances", ())),
    )


def _format_files() -> tuple[str, ...]:
    names = [f.name[:-5] for f in resources.files(__name__).iterdir() if f.name.endswith(".toml")]
    return tuple(sorted(names))


FORMATS: tuple[str, ...] = _format_files()


@cache
def load(format_id: str) -> Template:
    """The template of a national format (``2019`` or ``2021``)."""
    if format_id not in FORMATS:
        raise KeyError(f"no template for format {format_id!r}; known: {', '.join(FORMATS)}")
    raw = tomllib.loads(resources.files(__name__).joinpath(f"{format_id}.toml").read_text("utf-8"))
    years = raw["years"]
    return Template(
        format=raw["format"],
        notice=raw["notice"],
        years=(years[0], years[1] if len(years) > 1 else None),
        sections=tuple(SectionSpec(s["number"], s["heading"], tuple(s.get("variants", ())),
                                   tuple(s.get("keywords", ()))) for s in raw["sections"]),
        tables=tuple(_table(t) for t in raw["tables"]),
    )


def _table_index() -> tuple[tuple[str, ...], dict[str, str]]:
    ids: dict[str, str] = {}
    for fmt in FORMATS:
        for table in load(fmt).tables:
            ids.setdefault(table.id, table.name)
    return tuple(ids), ids


TABLES, TABLE_NAMES = _table_index()


@cache
def all_cell_ids() -> dict[str, tuple[str, ...]]:
    """Every known cell id mapped to the formats that have it."""
    found: dict[str, list[str]] = {}
    for fmt in FORMATS:
        for cid in load(fmt).cell_ids():
            found.setdefault(cid, []).append(fmt)
    return {cid: tuple(fmts) for cid, fmts in found.items()}


def format_for_year(year: int | None) -> str | None:
    """The format a report on ``year`` must use: ``legacy`` before the first format's years."""
    if year is None:
        return None
    for fmt in FORMATS:
        if load(fmt).covers(year):
            return fmt
    return "legacy" if year < min(load(f).years[0] for f in FORMATS) else None


def formats_for_year(year: int) -> tuple[str, ...]:
    """Formats whose tables a report on ``year`` may print (for choosing a year from tables)."""
    return tuple(f for f in FORMATS if load(f).covers(year))
