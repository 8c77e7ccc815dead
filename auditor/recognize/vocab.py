"""What a table may print, per format and table, normalised once: row labels, group headings,
header words — and the classification of a cell's text against them.

Labels are matched after normalisation, exactly first, then by known variants, then fuzzily, so
typos (本年度办反办理结果, 属于三类内容事务信息) still land on the right row.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from typing import Literal, Optional

from auditor.recognize.normalize import is_value_token, norm_label
from auditor.templates import FORMATS, Label, TableSpec, Template, load

Kind = Literal["row", "group", "subgroup", "header", "value", "blank", "unknown"]
FUZZY_RATIO = 0.8


@dataclass(frozen=True)
class RowSpec:
    table: str
    id: str
    label: str
    columns: tuple[Label, ...]
    position: int  # printed order within the table
    cell_ids: tuple[str, ...] = field(default=(), compare=False)  # per column: ``t3.new.natural``


@dataclass(frozen=True, eq=False)  # hashed by identity: one cached instance per template/table
class Vocabulary:
    """Every wording one table of one format may print, normalised."""

    table: TableSpec
    rows: dict[str, RowSpec]  # normalised wording -> row
    subgroups: dict[str, str]  # normalised heading -> subgroup id (三、本年度办理结果, (三)不予公开)
    groups: frozenset[str]  # 表二's 第二十条第(一)项 …
    headers: tuple[str, ...]
    bare: dict[str, RowSpec] = field(default_factory=dict)  # a row label without its number (3.其他 → 其他)
    seen: dict[str, tuple[Kind, Optional[RowSpec]]] = field(default_factory=dict)  # classify's answers, by text
    subgroup_rows: dict[str, tuple[RowSpec, ...]] = field(default_factory=dict)  # in_subgroup's answers

    def row(self, row_id: str) -> RowSpec:
        return next(spec for spec in self.rows.values() if spec.id == row_id)

    def in_subgroup(self, subgroup: str) -> tuple[RowSpec, ...]:
        """The rows under a subgroup heading (``denied`` → ``denied.*``), in printed order."""
        found = self.subgroup_rows.get(subgroup)
        if found is None:
            found = self.subgroup_rows[subgroup] = tuple(
                spec for spec in self.ordered if subgroup and spec.id.startswith(subgroup + "."))
        return found

    @cached_property
    def cell_ids(self) -> tuple[str, ...]:
        """The table's cell ids in the template's order."""
        return tuple(self.table.cell_ids())

    @cached_property  # a vocabulary is made once per table and format
    def ordered(self) -> tuple[RowSpec, ...]:
        """One spec per row, in printed order."""
        return tuple(sorted({spec.id: spec for spec in self.rows.values()}.values(), key=lambda s: s.position))


def vocabulary(template: Template, table_id: str) -> Vocabulary:
    """The vocabulary of one table of ``template``: looked up by the template's identity first,
    as hashing a whole template (every table, row and wording) costs more than the look-up."""
    key = (id(template), table_id)
    known = _BY_IDENTITY.get(key)
    if known is not None and known[0] is template:
        return known[1]
    found = _vocabulary(template, table_id)
    if len(_BY_IDENTITY) >= 64:  # templates come from templates.load: a handful
        _BY_IDENTITY.clear()
    _BY_IDENTITY[key] = (template, found)  # the template kept alive: its id is not reused
    return found


_BY_IDENTITY: dict[tuple[int, str], tuple[Template, Vocabulary]] = {}


@cache
def _vocabulary(template: Template, table_id: str) -> Vocabulary:
    table = template.table(table_id)
    rows: dict[str, RowSpec] = {}
    headers = [norm_label(h) for h in table.headers]
    position = 0
    for group in table.groups:
        for column in group.columns:
            headers.extend(norm_label(w) for w in column.wordings)
        for row in group.rows:
            spec = RowSpec(table_id, row.id, row.label, group.columns, position,
                           tuple(f"{table_id}.{row.id}.{column.id}" for column in group.columns))
            position += 1
            for wording in row.wordings:
                rows.setdefault(norm_label(wording), spec)
    subgroups = {norm_label(w): sub.id for sub in table.subgroups for w in sub.wordings}
    groups = frozenset(norm_label(g.label) for g in table.groups if g.label)
    bare_rows: dict[str, set[str]] = {}
    for wording, spec in rows.items():
        stripped = re.sub(r"^(\d+\.|\([一二三四五六七八九十]+\)|[一二三四五六七八九十]+\.)", "", wording)
        if stripped != wording:
            bare_rows.setdefault(stripped, set()).add(spec.id)
    bare = {text: next(s for s in rows.values() if s.id == next(iter(ids)))
            for text, ids in bare_rows.items() if len(ids) == 1}
    return Vocabulary(table, rows, subgroups, groups, tuple(dict.fromkeys(headers)), bare)


def classify(text: str, vocab: Vocabulary) -> tuple[Kind, Optional[RowSpec]]:
    """What a cell's text is in this table: a row label, a group or subgroup heading, a header
    word, a value, a blank or something unknown. Remembered per vocabulary: tables print the
    same labels and values in every report."""
    found = vocab.seen.get(text)
    if found is None:
        if len(vocab.seen) >= 1 << 14:  # bounded, whatever a hostile file holds
            vocab.seen.clear()
        found = vocab.seen[text] = _classify(text, vocab)
    return found


def _classify(text: str, vocab: Vocabulary) -> tuple[Kind, Optional[RowSpec]]:
    if not text.strip():
        return "blank", None
    label = norm_label(text)
    spec = vocab.rows.get(label)
    if spec is not None:
        return "row", spec
    if label in vocab.subgroups:
        return "subgroup", None
    if label in vocab.groups:
        return "group", None
    if is_value_token(text):
        return "value", None
    if label in vocab.headers or "勾稽关系" in label:
        return "header", None
    return _fuzzy(label, vocab)


@lru_cache(maxsize=16384)
def _fuzzy(label: str, vocab: Vocabulary) -> tuple[Kind, Optional[RowSpec]]:
    if len(label) >= 4:
        best, best_ratio = None, 0.0
        for wording, spec in vocab.rows.items():
            ratio = difflib.SequenceMatcher(None, label, wording).ratio()
            if ratio > best_ratio:
                best, best_ratio = spec, ratio
        if best is not None and best_ratio >= FUZZY_RATIO:
            return "row", best
    for heading in (*vocab.subgroups, *vocab.groups):
        if difflib.SequenceMatcher(None, label, heading).ratio() >= FUZZY_RATIO:
            return ("subgroup" if heading in vocab.subgroups else "group"), None
    # A header cell with a stray character (本年新 制作数量, 尚未审 结); not a sentence that
    # happens to name one (本年度未发生政府信息公开行政复议、行政诉讼).
    if any((len(h) >= 4 and h in label and len(label) <= len(h) + 4) or (len(label) >= 2 and label in h)
           for h in vocab.headers):
        return "header", None
    return "unknown", None


@cache
def _format_markers() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Per format, one pattern matching any wording only that format prints (literal
    alternatives: linear)."""
    out = []
    for fmt in FORMATS:
        words = sorted({norm_label(m) for t in load(fmt).tables for m in t.markers}, key=len, reverse=True)
        out.append((fmt, re.compile("|".join(map(re.escape, words)) or "(?!)")))
    return tuple(out)


def format_votes(texts: list[str]) -> dict[str, int]:
    """How many cell texts carry a wording only one format prints, per format."""
    votes = dict.fromkeys(FORMATS, 0)
    for text, count in Counter(texts).items():
        for fmt in _formats_printed(text):
            votes[fmt] += count
    return votes


@lru_cache(maxsize=16384)
def _formats_printed(text: str) -> tuple[str, ...]:
    """The formats whose own wordings a cell's text carries (tables repeat their labels)."""
    label = norm_label(text)
    return tuple(fmt for fmt, pattern in _format_markers() if pattern.search(label))
