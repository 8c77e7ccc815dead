"""The standard templates (2019 and 2021 formats) loaded from their TOML files.

The TOML files are the single source of truth for table layouts, canonical cell ids, labels
and section headings; the recognizer, the rule compiler and the docs all read them from here.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FORMATS: tuple[str, ...] = ("2019", "2021")
TABLES: tuple[str, ...] = ("t2", "t3", "t4")
TABLE_NAMES = {"t2": "表二", "t3": "表三", "t4": "表四"}


@dataclass(frozen=True)
class Label:
    """Something with an id and a wording as printed on the form, plus wordings seen in the wild."""

    id: str
    label: str
    variants: tuple[str, ...] = ()
    group: str = ""
    signed: bool = False
    amount: bool = False

    @property
    def wordings(self) -> tuple[str, ...]:
        return (self.label, *self.variants)


@dataclass(frozen=True)
class RowGroup:
    """Table 二 is printed as groups (第二十条第(一)项…), each with its own columns."""

    label: str
    columns: tuple[Label, ...]
    rows: tuple[Label, ...]


@dataclass(frozen=True)
class SectionSpec:
    number: int
    heading: str
    variants: tuple[str, ...]


@dataclass(frozen=True)
class Template:
    format: str
    notice: str
    sections: tuple[SectionSpec, ...]
    t2_groups: tuple[RowGroup, ...]
    t3_columns: tuple[Label, ...]
    t3_groups: tuple[Label, ...]
    t3_rows: tuple[Label, ...]
    t4_columns: tuple[Label, ...]
    t4_rows: tuple[Label, ...]

    def cell_ids(self, table: str | None = None) -> list[str]:
        """Every canonical cell id of this format, in printed order (optionally one table)."""
        ids: list[str] = []
        if table in (None, "t2"):
            for group in self.t2_groups:
                ids += [f"t2.{r.id}.{c.id}" for r in group.rows for c in group.columns]
        if table in (None, "t3"):
            ids += [f"t3.{r.id}.{c.id}" for r in self.t3_rows for c in self.t3_columns]
        if table in (None, "t4"):
            ids += [f"t4.{r.id}.{c.id}" for r in self.t4_rows for c in self.t4_columns]
        return ids

    def column_label(self, table: str, column: str) -> str:
        """The printed label of a column (``natural`` → 自然人)."""
        for col in self.columns(table):
            if col.id == column:
                return col.label
        return column

    def row_label(self, table: str, row: str) -> str:
        for r in self.rows(table):
            if r.id == row:
                return r.label
        return row

    def columns(self, table: str) -> tuple[Label, ...]:
        if table == "t3":
            return self.t3_columns
        if table == "t4":
            return self.t4_columns
        seen: dict[str, Label] = {}
        for group in self.t2_groups:
            for col in group.columns:
                seen.setdefault(col.id, col)
        return tuple(seen.values())

    def rows(self, table: str) -> tuple[Label, ...]:
        if table == "t3":
            return self.t3_rows
        if table == "t4":
            return self.t4_rows
        return tuple(r for g in self.t2_groups for r in g.rows)

    def section(self, number: int) -> SectionSpec:
        return next(s for s in self.sections if s.number == number)


def _labels(items: list[dict]) -> tuple[Label, ...]:
    return tuple(Label(id=i["id"], label=i["label"], variants=tuple(i.get("variants", ())),
                       group=i.get("group", ""), signed=i.get("signed", False),
                       amount=i.get("amount", False)) for i in items)


@cache
def load(format_id: str) -> Template:
    """The template of a national format (``2019`` or ``2021``)."""
    if format_id not in FORMATS:
        raise KeyError(f"no template for format {format_id!r}; known: {', '.join(FORMATS)}")
    raw = tomllib.loads(resources.files(__name__).joinpath(f"{format_id}.toml").read_text("utf-8"))
    return Template(
        format=raw["format"],
        notice=raw["notice"],
        sections=tuple(SectionSpec(s["number"], s["heading"], tuple(s.get("variants", ())))
                       for s in raw["sections"]),
        t2_groups=tuple(RowGroup(g["label"], _labels(g["columns"]), _labels(g["rows"]))
                        for g in raw["t2"]["groups"]),
        t3_columns=_labels(raw["t3"]["columns"]),
        t3_groups=_labels(raw["t3"]["groups"]),
        t3_rows=_labels(raw["t3"]["rows"]),
        t4_columns=_labels(raw["t4"]["columns"]),
        t4_rows=_labels(raw["t4"]["rows"]),
    )


def all_cell_ids() -> dict[str, tuple[str, ...]]:
    """Every known cell id mapped to the formats that have it."""
    found: dict[str, list[str]] = {}
    for fmt in FORMATS:
        for cid in load(fmt).cell_ids():
            found.setdefault(cid, []).append(fmt)
    return {cid: tuple(fmts) for cid, fmts in found.items()}


def format_for_year(year: int | None) -> str | None:
    """The format a report on ``year`` must use: ``legacy`` before 2019."""
    if year is None:
        return None
    if year < 2019:
        return "legacy"
    return "2019" if year <= 2020 else "2021"
