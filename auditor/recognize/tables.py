"""Map a region's rows onto the template's canonical cell ids, saying what could not be read.

One reader for every table and layout (see ``tokens`` for what a row is):

1. *records*: walk the rows and gather each printed row — its label (a known row, a subgroup
   heading, or an unknown label) and the values after it; a label printed alone with its numbers
   on the next row is joined to them;
2. *placement*: positional rows keep their columns (a value cell merged over two grid columns is
   read once); flat rows are placed by count, by the blank positions the layout kept, or — for
   table 三 rows with two values — in 自然人 and 总计; digits run together are split where the
   table's printed sums make the split unique (``splits``);
3. *what is left*: rows of the format not found, rows printed undivided where the format
   divides them, rows that could not be placed reliably and values under unknown labels are
   recorded in a ``Reading`` for the rules to report — never dropped, never guessed.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Optional

from auditor.model import Cell, CellOrigin, CellState, Number, Reading, Span, Unplaced
from auditor.recognize.normalize import ParsedValue, is_value_token, parse_value
from auditor.recognize.splits import choose, row_splits, run_splits
from auditor.recognize.tokens import RawRow, Token
from auditor.recognize.vocab import RowSpec, Vocabulary, classify, vocabulary
from auditor.templates import Template

# What a layout normally puts after a label, between two values and after a row's last value:
# gap lines counted by kind (an empty line, a whitespace-only line as written, a run of pipes).
Baseline = tuple[Counter, Counter, Counter]
NO_BASELINE: Baseline = (Counter(), Counter(), Counter())


@dataclass
class Record:
    """One printed row: its label and the values that followed it."""

    spec: Optional[RowSpec]
    label: Optional[Token]
    values: list[Token] = field(default_factory=list)
    positional: bool = False
    gaps: list[tuple[str, ...]] = field(default_factory=list)  # gap lines before each value (flat rows)
    trail: tuple[str, ...] = ()  # gap lines after the last value, before whatever came next
    kind: str = "row"  # row | values (no label) | unknown | subgroup
    subgroup: str = ""
    after: Optional[str] = None  # the known row printed just before (to place unlabelled rows)
    after_prose: bool = False  # prose came between this row and the one before

    @property
    def filled(self) -> list[Token]:
        return [v for v in self.values if v.text.strip()]


@dataclass
class TableResult:
    cells: dict[str, Cell] = field(default_factory=dict)
    present: bool = False
    notes: list[str] = field(default_factory=list)
    reading: Optional[Reading] = None


def read_tables(template: Template, regions: dict[int, list[Optional[RawRow]]],
                table_templates: Optional[dict[str, Template]] = None) -> dict[str, TableResult]:
    """Read every table of ``template`` from the rows of the section that holds it. How the layout
    separates cells (gap lines after a label, between values, after a row) is learned from the
    full rows of all tables together, so a table whose every row lacks its last cell is still
    read against the document's own layout."""
    readers = {}
    for spec in template.tables:
        if spec.section in regions:
            own = (table_templates or {}).get(spec.id, template)
            readers[spec.id] = _Reader(vocabulary(own, spec.id))
            readers[spec.id].collect(regions[spec.section])
    baseline = _baseline_gaps([r for reader in readers.values() for r in reader.records])
    return {table: reader.finish(baseline) for table, reader in readers.items()}


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


class _Reader:
    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        self.table = vocab.table
        self.name = vocab.table.name
        self.present = False
        self.records: list[Record] = []
        self.notes: list[str] = []
        self.cells: dict[str, Cell] = {}
        self.placed: dict[str, Record] = {}
        self.missing: list[str] = []
        self.undivided: list[str] = []
        self.ambiguous: list[str] = []
        self.inferred: list[str] = []
        self.summed: list[str] = []  # inferred rows a printed sum made unique
        self.unbalanced: list[str] = []  # run together, and no split adds up to the row's 总计
        self.identities: set[str] = set()
        self.unplaced: list[Unplaced] = []
        self.last_known: Optional[str] = None
        self.prose = False  # prose seen since the last record

    # ---------------------------------------------------------------- walking the rows

    def collect(self, rows: list[Optional[RawRow]]) -> None:
        current: Optional[Record] = None
        pending_gap: list[str] = []

        def close() -> None:
            nonlocal current
            if current is not None:
                current.trail = tuple(pending_gap)
            current = None

        vocab = self.vocab
        for position, row in enumerate(rows):
            if row is None:
                close()
                pending_gap, self.prose = [], True
                continue
            cells = row.cells
            if not cells:  # a gap row
                pending_gap.append(row.gap)
                continue
            if row.positional:
                close()
                pending_gap = []
                self._positional(row)
                continue
            token = cells[0]
            kind, spec = classify(token.text, vocab)
            if kind == "header" and _values_follow(rows, position):
                # 其他 0 0 0 0 0 00: a row printed without its number (3.其他), not the column header.
                spec = self.vocab.bare.get(_norm(token.text))
                kind = "row" if spec is not None else kind
            if kind == "unknown" and _text_cell(token, current):
                kind = "value"  # 详见附件 where a number belongs: a cell, read as text
            if kind in ("value", "blank"):
                if current is None:
                    if kind == "blank":
                        continue
                    current = self._open(Record(None, None, kind="values"))
                current.values.append(token)
                current.gaps.append(tuple(pending_gap))
            else:
                close()
                if kind == "row" and spec is not None:
                    current = self._open(Record(spec, token))
                elif kind == "subgroup":
                    self.present = True
                    current = self._open(Record(None, token, kind="subgroup",
                                                subgroup=self.vocab.subgroups.get(_norm(token.text), "")))
                elif kind in ("group", "header"):
                    self.present = self.present or kind == "group" or self.table.run
                elif kind == "unknown":
                    current = self._open(Record(None, token, kind="unknown"))
            pending_gap = []
        close()

    def _open(self, record: Record) -> Record:
        record.after, record.after_prose, self.prose = self.last_known, self.prose, False
        if record.spec is not None:
            self.last_known = record.spec.id
        self.records.append(record)
        return record

    def _positional(self, row: RawRow) -> None:
        kinds = [classify(token.text, self.vocab) for token in row.cells]
        if any(k == "group" for k, _ in kinds) or (self.table.run and any(k in ("header", "row") for k, _ in kinds)):
            self.present = True
        if not any(k == "value" for k, _ in kinds) and (
                any(k in ("header", "group") for k, _ in kinds) or len({s.id for k, s in kinds if s is not None}) > 1):
            return  # a header row, even one that names rows (表四's 未经复议直接起诉 | 复议后起诉)
        spec: Optional[RowSpec] = None
        label: Optional[Token] = None
        subgroup: Optional[Token] = None
        start = 0
        for index, (token, (kind, found)) in enumerate(zip(row.cells, kinds)):
            if kind == "row":
                spec, label, start = found, token, index + 1
            elif kind == "subgroup":
                self.present = True
                if spec is not None:
                    break
                subgroup, start = token, index + 1
            elif kind in ("group", "header"):
                if spec is not None:
                    break
                start = index + 1
            elif kind == "blank" and spec is None:
                continue
            elif spec is not None or kind == "value":
                break
            else:
                label, start = token, index + 1  # an unknown label, unless a known one follows
        values = list(row.cells[start:])
        if spec is not None and label is not None:
            self._open(Record(spec, label, values, positional=True))
        elif subgroup is not None and label is None:
            self._open(Record(None, subgroup, values, positional=True, kind="subgroup",
                              subgroup=self.vocab.subgroups.get(_norm(subgroup.text), "")))
        elif label is not None:
            self._open(Record(None, label, values, positional=True, kind="unknown"))
        elif any(v.text.strip() for v in values):
            self._open(Record(None, None, values, positional=True, kind="values"))

    # ---------------------------------------------------------------- finishing

    def finish(self, baseline: Baseline) -> TableResult:
        records = self._join_split_rows(self.records)
        if self.table.run and any(r.kind == "values" and r.filled for r in records):
            # 表四's header block names its rows (行政复议 … 复议后起诉) above one run of values.
            records = [r for r in records if not (r.kind == "row" and not r.filled)]
        if any(r.kind in ("row", "subgroup") for r in records):
            self.present = True
        if not self.present and not any(r.kind == "values" for r in records if r.filled):
            return TableResult(present=False)
        merged = self._merged_subrows(records)
        split_rows: dict[str, Record] = {}
        weak: list[Record] = []  # a row label with no values (a blank row, or a label whose values floated away)
        orphans: list[tuple[int, Record]] = []  # values with no label, and where they stood
        anchors: list[tuple[int, RowSpec]] = []  # rows read with their values, and where they stood
        for position, record in enumerate(records):
            if id(record) in merged:
                continue
            if record.kind == "row" and record.spec is not None:
                if not record.filled:
                    weak.append(record)
                    continue
                if record.spec.id in self.placed:
                    self.notes.append(f"{self.name}「{record.spec.label}」重复出现（{_where(record.label)}），取第一处")
                    continue
                self.placed[record.spec.id] = record
                anchors.append((position, record.spec))
                if _run_together(record, bool(self.table.row_total)) is not None:
                    split_rows[record.spec.id] = record
                else:
                    self._place(record, baseline)
            elif record.kind == "subgroup":
                self._undivided(record)
            elif record.kind == "values" and record.filled:
                orphans.append((position, record))
            elif record.kind == "unknown" and record.filled:
                if self._inside(record, records[position + 1:]):
                    orphans.append((position, record))
                else:
                    self._outside(record)
        if split_rows:
            self._split(split_rows)
        if self.table.run and not self.placed:
            self._read_run([r for _, r in orphans], baseline)
        else:
            self._align(orphans, anchors)
        for record in weak:
            assert record.spec is not None
            if record.spec.id not in self.placed and record.spec.id not in self.undivided:
                self.placed[record.spec.id] = record
                self._place(record, baseline)
        self.missing = [r.id for r in self.vocab.ordered
                        if r.id not in self.placed and r.id not in self.undivided and r.id not in self.ambiguous]
        return TableResult(self._cells_in_order(), True, self.notes, Reading(
            table=self.table.id, missing_rows=tuple(self.missing), undivided_rows=tuple(self.undivided),
            ambiguous_rows=tuple(self.ambiguous), inferred_rows=tuple(self.inferred), summed_rows=tuple(self.summed),
            unbalanced_rows=tuple(self.unbalanced),
            identities=tuple(sorted(self.identities)), unplaced=tuple(self.unplaced)))

    def _cells_in_order(self) -> dict[str, Cell]:
        cells = self.cells
        return {cid: cells[cid] for cid in self.vocab.cell_ids if cid in cells}

    def _join_split_rows(self, records: list[Record]) -> list[Record]:
        """A row label printed alone (a markdown heading, a PDF line) with its numbers on the next
        row: join them. Table 四 takes a following values row only when it holds one row's worth,
        so its header block (行政复议 …) does not swallow the run of fifteen."""
        out: list[Record] = []
        for record in records:
            prev = out[-1] if out else None
            if (record.kind == "values" and prev is not None and prev.kind == "row" and not prev.filled
                    and prev.spec is not None
                    and (not self.table.run or len(record.filled) == len(prev.spec.columns))):
                prev.values, prev.positional, prev.gaps = record.values, record.positional, record.gaps
                continue
            out.append(record)
        return out

    # ---------------------------------------------------------------- placing one row

    def _place(self, record: Record, baseline: Baseline) -> None:
        spec = record.spec
        assert spec is not None and record.label is not None
        width = len(spec.columns)
        if record.positional and len(record.values) < width and not any(v.source for v in record.values):
            # A text table row with fewer cells than the form (a markdown conversion lost one):
            # which column is missing is not known, so it is placed like a flat row.
            record.positional, record.gaps = False, [()] * len(record.values)
        slots = self._positional_slots(record, width) if record.positional else self._flat_slots(record, width, baseline)
        if slots is None:
            return
        cells, fallback = self.cells, record.label.span
        for cell_id, column, token in zip(spec.cell_ids, spec.columns, slots):
            cells[cell_id] = _cell(cell_id, token, fallback, column.amount)

    def _positional_slots(self, record: Record, width: int) -> list[Optional[Token]]:
        values = record.values
        extras = [v for v in values[width:] if v.text.strip()]
        if extras and values[:width]:
            # A value cell merged across the padding columns repeats into each (2021 form,
            # 本年处理决定数量 spans three columns): not an extra value.
            last = values[width - 1]
            extras = [v for v in extras if not (v.source and v.source == last.source)
                      and v.text.strip() != last.text.strip()]
        if extras:
            distinct = _distinct(values)
            if len([v for v in distinct if v.text.strip()]) <= width and len(distinct) >= width:
                # A CMS row whose spans do not line up with the header: its distinct cells.
                values, extras = distinct, [v for v in distinct[width:] if v.text.strip()]
        if extras and not values[0].text.strip() and len(_strip_blanks(values)) == width:
            # An empty label cell before the values (a PDF's split label column): they slid.
            values, extras = _strip_blanks(values), []
        slots: list[Optional[Token]] = list(values[:width]) + [None] * max(0, width - len(values))
        if extras:
            self._unplace(extras, f"{self.name}「{_short(record)}」行多出的数值")
        return slots

    def _flat_slots(self, record: Record, width: int, baseline: Baseline) -> Optional[list[Optional[Token]]]:
        values = record.values
        filled = record.filled
        spec = record.spec
        assert spec is not None
        if len(filled) == width and len(values) == width:
            return list(values)
        if len(values) == width and any(not v.text.strip() for v in values):
            return list(values)  # a run with two spaces where a cell is blank
        if len(filled) == width:
            return list(filled)
        if len(filled) > width:
            self._unplace(filled[width:], f"{self.name}「{_short(record)}」行多出的数值")
            return list(filled[:width])
        if not filled:
            return [None] * width
        kept = _kept_blanks(record, width, baseline)
        if kept is not None:
            return kept
        if self.table.row_total and width > 2 and len(filled) == 2 and not any(_zeros_run(v.text) for v in filled):
            # Only the first applicant column and 总计 filled, blanks dropped by the scraper.
            slots: list[Optional[Token]] = [None] * width
            slots[0], slots[-1] = filled
            self.notes.append(f"{self.name}「{_short(record)}」：{width}列中只有2个数值（{_where(record.label)}），"
                              f"按「{spec.columns[0].label}」和「{spec.columns[-1].label}」读取")
            return slots
        self.ambiguous.append(spec.id)
        self.notes.append(f"{self.name}「{_short(record)}」：{width}列中只有{len(filled)}个数值"
                          f"（{' '.join(v.text for v in filled)}，{_where(record.label)}），无法确定所在列")
        return None

    # ---------------------------------------------------------------- rows that are not rows

    def _merged_subrows(self, records: list[Record]) -> set[int]:
        """A subgroup printed with all its row labels but values after the first only — the first
        filled in every column, the others with nothing at all — in a layout that prints nothing
        for a blank cell (平潭: （六）其他处理 1.… 0000000 2.… 3.… (七)总计): in the page these are
        one merged cell per column over the rows (rowspan), not two blank rows of a table whose
        author typed every 0 — the rows are undivided (STRUCT-ROWS), and neither the values nor
        blanks are put under them. Records to leave out (by ``id``)."""
        out: set[int] = set()
        for sub in self.table.subgroups:
            specs = self.vocab.in_subgroup(sub.id)
            if sub.outer or len(specs) < 2:
                continue
            ids = {spec.id for spec in specs}  # one vocabulary: a row's id names its spec
            printed = {r.spec.id: r for r in records if r.kind == "row" and r.spec is not None and r.spec.id in ids}
            if len(printed) != len(specs):
                continue
            first, rest = printed[specs[0].id], [printed[spec.id] for spec in specs[1:]]
            if first.positional or any(r.values for r in rest) or not _complete(first, len(specs[0].columns)):
                continue  # a partly filled first row (汕头: 自然人 and 总计 only): the others are blank
            out.update(id(r) for r in (first, *rest))
            self.undivided.extend(spec.id for spec in specs if spec.id not in self.undivided)
            self.notes.append(f"{self.name}「{sub.label}」只有第一项有数值（{' '.join(v.text for v in first.filled)}），"
                              f"其余{len(rest)}项没有任何数值：按合并单元格（格式要求分为{len(specs)}行）处理，不作留空")
        return out

    def _undivided(self, record: Record) -> None:
        """A subgroup heading with values of its own: the format divides it into rows."""
        if not record.filled:
            return
        rows = [r.id for r in self.vocab.in_subgroup(record.subgroup)]
        if not rows:
            self._unplace(record.filled, f"{self.name}「{record.label.text if record.label else ''}」不是应填数值的行")
            return
        self.undivided.extend(r for r in rows if r not in self.undivided)
        self.notes.append(f"{self.name}「{record.label.text if record.label else ''}」作为一行填写（"
                          f"{' '.join(v.text for v in record.filled)}），格式要求分为{len(rows)}行")

    @staticmethod
    def _inside(record: Record, later: list[Record]) -> bool:
        """Between the table's rows, or right after its last row (no prose in between)."""
        return record.after is not None and (any(r.kind == "row" for r in later) or not record.after_prose)

    def _outside(self, record: Record) -> None:
        """Before the table, or after prose that follows it: a sentence with a number."""
        label = record.label.text if record.label else ""
        self.notes.append(f"{self.name}：表格外的未知行「{label}」（{_where(record.label)}）"
                          f"及数值 {' '.join(v.text for v in record.filled)}")

    def _unplace_row(self, record: Record) -> None:
        label = record.label.text if record.label else ""
        self._unplace(record.filled, f"{self.name}未知的行「{label}」" if label else f"{self.name}中没有行名的数值")

    def _unplace(self, tokens: Iterable[Token], reason: str) -> None:
        for token in tokens:
            self.unplaced.append(Unplaced(token.text, reason, token.span))

    def _align(self, orphans: list[tuple[int, Record]], anchors: list[tuple[int, RowSpec]]) -> None:
        """Rows of values printed without their labels (a PDF total row whose label cell is
        empty; a markdown conversion that floated wrapped labels away or kept only a fragment of
        one) keep the form's order: the ones between two rows read with their labels fill the
        rows missing between those two, when there are exactly as many and every fragment of a
        label fits its row. Otherwise they are reported as unplaced: a row the format does not
        have (a province's addition) is never forced into one it has."""
        order = {spec.id: n for n, spec in enumerate(self.vocab.ordered)}
        widths = {len(spec.columns) for spec in self.vocab.ordered}
        groups: dict[tuple[int, int], list[Record]] = {}
        for position, record in orphans:
            values = _strip_blanks(record.values) if record.positional else record.filled
            if len(values) not in widths:  # not a row's worth: a stray number, not a lost row
                self._unplace_row(record)
                continue
            before = max((order[s.id] for p, s in anchors if p < position), default=-1)
            after = min((order[s.id] for p, s in anchors if p > position), default=len(order))
            groups.setdefault((before, after), []).append(record)
        for (before, after), group in groups.items():
            free = [spec for spec in self.vocab.ordered[before + 1:max(after, before + 1)]
                    if spec.id not in self.placed and spec.id not in self.undivided and spec.id not in self.ambiguous]
            rows = [_strip_blanks(r.values) if r.positional else r.filled for r in group]
            if len(free) == len(group) and all(len(v) == len(spec.columns) and _fits(r, spec)
                                               for r, v, spec in zip(group, rows, free)):
                for record, values, spec in zip(group, rows, free):
                    self.notes.append(f"{self.name}：{'行名不全' if record.label else '无行名'}的一行数值"
                                      f"（{_where(values[0])}）位于「{spec.label}」的位置，按该行读取")
                    record.spec, record.kind, record.values = spec, "row", values
                    record.label = record.label or values[0]
                    self.placed[spec.id] = record
                    self._place(record, NO_BASELINE)
            else:
                for record in group:
                    self._unplace_row(record)

    def _read_run(self, run: list[Record], baseline: Baseline = NO_BASELINE) -> None:
        """Table 四 as one run of values (review ×5, direct ×5, after review ×5)."""
        tokens: list[Token] = []
        for record in run:
            if record.positional:
                tokens.extend(_strip_trailing_blanks(record.values) if len(record.values) < 15 else record.values[:15])
            else:
                tokens.extend(_run_slots(record, baseline))
        specs = self.vocab.ordered
        widths = [len(s.columns) for s in specs]
        anchor = tokens[0] if tokens else (run[0].values[0] if run else Token("", Span()))
        texts = [t.text.strip() for t in tokens if t.text.strip()]
        same_line = (not any(r.positional for r in run)
                     and (len({t.span.line for t in tokens}) == 1 or any(t.glued for t in tokens)))
        if texts and len(texts) < sum(widths) and all(t.isdigit() for t in texts) and same_line \
                and sum(len(t) for t in texts) >= sum(widths):
            # The fifteen values ran together (1093022156873600011; 00 0 00 0 0 0 00 …).
            cuts = frozenset(itertools.accumulate(len(t) for t in texts[:-1]))
            digits = "".join(texts)
            splits = run_splits(digits, widths, last_is_total=False, cuts=cuts)
            summed = len(splits) != 1 and bool(self.table.row_total)
            if summed:
                splits = run_splits(digits, widths, last_is_total=True, cuts=cuts)
            if len(splits) == 1:
                for spec, values in zip(specs, splits[0]):
                    self._inferred_row(spec, values, anchor)
                if summed:
                    self.identities.add("row_total")
                    self.summed.extend(s.id for s in specs)
            else:
                self.ambiguous.extend(s.id for s in specs)
                self.notes.append(f"{self.name}：数字连写「{' '.join(texts)}」无法唯一拆分为{sum(widths)}个数值")
            for spec in specs:
                self.placed.setdefault(spec.id, run[0])
            return
        if texts and len(tokens) != sum(widths):
            # Fewer (or more) values than cells and no way to tell which are blank: say so.
            self.ambiguous.extend(s.id for s in specs)
            self.notes.append(f"{self.name}：{sum(widths)}个数值中读到{len(texts)}个（{_where(anchor)}），无法确定各自所在的列")
            for spec in specs:
                self.placed.setdefault(spec.id, run[0] if run else Record(spec, anchor))
            return
        position = 0
        for spec in specs:
            chunk = tokens[position:position + len(spec.columns)]
            position += len(spec.columns)
            chunk += [Token("", anchor.span)] * (len(spec.columns) - len(chunk))
            record = Record(spec, anchor, chunk, positional=True)
            self.placed[spec.id] = record
            self._place(record, NO_BASELINE)
        if position < len(tokens):
            self._unplace([t for t in tokens[position:] if t.text.strip()], f"{self.name}多出的数值")

    # ---------------------------------------------------------------- digits run together

    def _split(self, rows: dict[str, Record]) -> None:
        row_total = bool(self.table.row_total)
        candidates = {}
        chosen: dict[str, tuple[int, ...]] = {}
        for rid, record in rows.items():
            digits, cuts = _run_together(record, row_total)  # type: ignore[misc]
            width = len(record.spec.columns)  # type: ignore[union-attr]
            # Only one way to cut the digits at all (one digit a cell, or spaces that pin every
            # boundary): read as printed, and every sum can still be checked on it.
            free = row_splits(digits, width, last_is_total=False, cuts=cuts)
            if len(free) == 1:
                chosen[rid] = free[0]
                continue
            candidates[rid] = row_splits(digits, width, last_is_total=row_total, cuts=cuts)
            if len(candidates[rid]) == 1:
                chosen[rid] = candidates[rid][0]
                self.summed.append(rid)
                self.identities.add("row_total")
        open_rows = {rid: c for rid, c in candidates.items() if len(c) > 1}
        if open_rows:
            joint = choose(open_rows, lambda choice: self._identities_hold({**chosen, **choice}))
            if joint is not None:
                chosen.update(joint)
                self.summed.extend(joint)
                self.identities.update({"row_total"} if row_total else set())
                self.identities.update(self._column_identities())
        for rid, record in rows.items():
            spec = record.spec
            assert spec is not None and record.label is not None
            if rid in chosen:
                self._inferred_row(spec, chosen[rid], record.filled[0])
            else:
                self.ambiguous.append(rid)
                count = len(candidates.get(rid, ()))
                if row_total and rid in candidates and count == 0:
                    self.unbalanced.append(rid)
                written = " ".join(t.text for t in record.filled)
                self.notes.append(f"{self.name}「{_short(record)}」：数字连写「{written}」"
                                  + ("无法拆分为" if count == 0 else f"有{count}种拆分方式，无法唯一拆分为")
                                  + f"{len(spec.columns)}个数值")

    def _inferred_row(self, spec: RowSpec, values: tuple[int, ...], token: Token) -> None:
        for column, value in zip(spec.columns, values):
            cell_id = f"{self.table.id}.{spec.id}.{column.id}"
            self.cells[cell_id] = Cell(cell_id, str(value), value, "number", token.span, origin="inferred")
        self.inferred.append(spec.id)

    def _column_identities(self) -> set[str]:
        return ({"column_sum"} if self.table.column_sums else set()) | \
               ({"column_balance"} if self.table.column_balances else set())

    def _identities_hold(self, choice: dict[str, tuple[int, ...]]) -> bool:
        """Column sums and balances over the rows known so far plus ``choice`` (blank = 0; a sum
        with a row not read cannot say no)."""
        columns = self.table.columns

        def value(row: str, col: int) -> Optional[int]:
            if row in choice:
                return choice[row][col]
            cell = self.cells.get(f"{self.table.id}.{row}.{columns[col].id}")
            if cell is None:
                return None if row not in self.placed else 0
            return cell.value if isinstance(cell.value, int) else 0

        def total(rows: list[str], col: int) -> Optional[int]:
            parts = [value(r, col) for r in rows]
            return None if any(p is None for p in parts) else sum(p for p in parts if p is not None)

        for col in range(len(columns)):
            for rule in self.table.column_sums:
                whole, parts = total([rule.total], col), total(self.table.expand(rule.parts), col)
                if whole is not None and parts is not None and whole != parts:
                    return False
            for rule in self.table.column_balances:
                left, right = total(list(rule.left), col), total(list(rule.right), col)
                if left is not None and right is not None and left != right:
                    return False
        return True


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _norm(text: str) -> str:
    from auditor.recognize.normalize import norm_label

    return norm_label(text)


TEXT_CELL_WORDS = ("详见", "附件", "不适用", "暂无", "未统计", "不详", "另附")


def _values_follow(rows: list[Optional[RawRow]], position: int) -> bool:
    """The token at ``position`` has values after it on its own line."""
    token = rows[position].cells[0]  # type: ignore[union-attr]
    following = rows[position + 1] if position + 1 < len(rows) else None
    return (following is not None and not following.positional and not following.is_gap
            and following.cells[0].span.line == token.span.line and token.span.line is not None
            and is_value_token(following.cells[0].text))


def _text_cell(token: Token, current: Optional[Record]) -> bool:
    """Words in a row still short of its cells (详见附件, 不适用): a cell holding text, not a label.
    Only among the row's values, or words cells say instead of a number: a fragment of a label
    that a conversion floated away (度办, 止公开) is not a cell."""
    text = token.text.strip()
    return (current is not None and current.kind == "row" and current.spec is not None
            and len(current.values) < len(current.spec.columns) and len(text) <= 8
            and not text[:1].isdigit() and text[:1] not in "(（一二三四五六七八九十第"
            and (bool(current.values) or any(word in text for word in TEXT_CELL_WORDS)))


def _fits(record: Record, spec: RowSpec) -> bool:
    """A row with no label fits anywhere; a fragment of a label only the row it is part of."""
    if record.label is None:
        return True
    fragment, label = _norm(record.label.text), _norm(spec.label)
    return len(fragment) >= 4 and (fragment in label or label in fragment)


def _complete(record: Record, width: int) -> bool:
    """Every column filled: as many values as columns, or one run of digits at least that long."""
    filled = record.filled
    return len(filled) == width or (len(filled) == 1 and filled[0].text.isdigit() and len(filled[0].text) >= width)


def _run_together(record: Record, row_total: bool) -> Optional[tuple[str, frozenset[int]]]:
    """Digits of a row whose cells ran together, and the boundaries its spaces still show
    (``…数量 713000074``; ``230 000023`` where a page padded a cell): fewer tokens than cells,
    all digits, printed on the label's own line (or touching the label), enough digits for
    every cell. Two equal values in a row with a 总计 are 自然人 and 总计, not a run."""
    if record.positional or record.spec is None or record.label is None:
        return None
    filled = record.filled
    width = len(record.spec.columns)
    if width < 2 or not filled or len(filled) >= width:
        return None
    texts = [t.text.strip() for t in filled]
    if not all(t.isdigit() for t in texts):
        return None
    same_line = record.label.span.line is not None and all(t.span.line == record.label.span.line for t in filled)
    if not (same_line or filled[0].glued) or sum(len(t) for t in texts) < width:
        return None
    canonical = all(t == str(int(t)) for t in texts)  # no 000000: a 0 and its neighbours ran together
    if row_total and len(texts) == 2 and canonical and int(texts[0]) == int(texts[1]):
        return None
    cuts, position = set(), 0
    for text in texts[:-1]:
        position += len(text)
        cuts.add(position)
    return "".join(texts), frozenset(cuts)


def _distinct(values: list[Token]) -> list[Token]:
    """Consecutive slots of one merged grid cell read once."""
    out: list[Token] = []
    for token in values:
        if out and token.source and token.source == out[-1].source:
            continue
        out.append(token)
    return out


def _kinds(gap: tuple[str, ...]) -> Counter:
    return Counter(gap)


def _excess(gap: tuple[str, ...], normal: Counter, *, trailing: bool = False) -> int:
    """Gap lines beyond what the layout normally puts there: each is a blank cell kept in place.
    After a row's last value a run of pipes (``||||``) is the scraper's row end with blanks
    collapsed into it, not a position: only single-pipe lines count there."""
    return sum(max(0, count - normal[line]) for line, count in _kinds(gap).items()
               if not (trailing and "|" in line and line.strip() != "|"))


def _run_slots(record: Record, baseline: Baseline) -> list[Token]:
    """A flat run of values with the blanks whose place the layout kept put back in."""
    _, between, trail = baseline
    out: list[Token] = []
    for token, gap in zip(record.values, record.gaps):
        # The run follows a header row: its first gap is a row end, the others are between values.
        extra = _excess(gap, between) if out else _excess(gap, trail, trailing=True)
        out.extend(Token("", token.span) for _ in range(extra))
        out.append(token)
    return out


def _kept_blanks(record: Record, width: int, baseline: Baseline) -> Optional[list[Optional[Token]]]:
    """Blank cells whose position the layout kept (a line that is only ``|``, a tab-only line,
    an extra empty line): the values keep their columns when blanks and values make exactly one
    row."""
    after_label, between, trail = baseline
    slots: list[Optional[Token]] = []
    for index, (token, gap) in enumerate(zip(record.values, record.gaps)):
        slots.extend([None] * _excess(gap, after_label if index == 0 else between))
        slots.append(token if token.text.strip() else None)
    slots.extend([None] * _excess(record.trail, trail, trailing=True))
    if len(slots) == width and len(slots) > len(record.filled):
        return slots
    return None


def _baseline_gaps(records: list[Record]) -> Baseline:
    """The most common gap after a label, between two values and after the last value — over
    full rows when there are any, else over every row."""
    flat = [r for r in records if not r.positional and r.spec is not None and r.gaps]
    full = [r for r in flat if len(r.filled) == len(r.spec.columns)]  # type: ignore[union-attr]
    rows = full or flat

    def mode(gaps: list[tuple[str, ...]]) -> Counter:
        counts = Counter(g if len(g) < 2 else tuple(sorted(g)) for g in gaps)
        return _kinds(counts.most_common(1)[0][0]) if counts else Counter()

    return (mode([r.gaps[0] for r in rows]), mode([g for r in rows for g in r.gaps[1:]]),
            mode([r.trail for r in rows]))


def _zeros_run(text: str) -> bool:
    """Digits led by a 0 ('00000', '02'): several cells run together, never one value."""
    text = text.strip()
    return len(text) > 1 and text.isdigit() and text[0] == "0"


def _strip_blanks(cells: list[Token]) -> list[Token]:
    """Without the empty slots before the first and after the last value (a label cell left
    empty; padding)."""
    start = next((i for i, c in enumerate(cells) if c.text.strip()), len(cells))
    return _strip_trailing_blanks(cells[start:])


def _strip_trailing_blanks(cells: list[Token]) -> list[Token]:
    end = len(cells)
    while end and not cells[end - 1].text.strip():
        end -= 1
    return cells[:end]


def _cell(cell_id: str, token: Optional[Token], fallback: Span, amount: bool) -> Cell:
    confidence = token.confidence if token is not None else None
    origin = "ocr" if confidence is not None else None
    if token is None or not token.text.strip():
        return new_cell(cell_id, "", None, "blank", token.span if token else fallback, None, 0, origin, confidence)
    parsed = _parsed(token.text, amount)
    return new_cell(cell_id, token.text, parsed.value, parsed.state, token.span, parsed.unit, parsed.decimals, origin,
                    confidence)


_PARSED: dict[tuple[str, bool], ParsedValue] = {}


def _parsed(text: str, amount: bool) -> ParsedValue:
    """``parse_value`` remembered in a plain dict: a report reads ~200 cells, most of them the
    same few values."""
    key = (text, amount)
    parsed = _PARSED.get(key)
    if parsed is None:
        if len(_PARSED) >= 1 << 15:  # bounded, whatever a hostile file holds
            _PARSED.clear()
        parsed = _PARSED[key] = parse_value(text, amount=amount)
    return parsed


_new = object.__new__


def new_cell(id: str, raw: str, value: Optional[Number], state: CellState, span: Span, unit: Optional[str],
             decimals: int, origin: Optional[CellOrigin], confidence: Optional[float]) -> Cell:
    """``Cell(...)`` with every field given, built at a third of the cost: a frozen dataclass's
    ``__init__`` sets each of its nine fields through ``object.__setattr__``, and a report has
    ~200 cells. The same object as ``Cell`` makes it (equal, hashed, pickled alike); a test
    checks the fields filled here are exactly ``Cell``'s."""
    cell = _new(Cell)
    cell.__dict__.update(id=id, raw=raw, value=value, state=state, span=span, unit=unit, decimals=decimals,
                         origin=origin, confidence=confidence)
    return cell


def _short(record: Record) -> str:
    return record.spec.label if record.spec else (record.label.text if record.label else "")


def _where(token: Optional[Token]) -> str:
    if token is None:
        return ""
    where = token.span.describe()
    return f"第{where}行" if token.span.line is not None and where.isdigit() else where
