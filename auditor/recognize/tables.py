"""Map table rows onto the template's canonical cell ids.

Input is a region of items (the lines or grids of one section). Whatever the layout, a table
arrives as a run of *rows* made of cells:

- positional rows keep every cell in place (a `|`-split line, a grid row from HTML/DOCX/PDF):
  the label cells come first, then exactly as many value cells as the template row has columns,
  then padding;
- flat tokens (one cell per line, blank cells dropped by the scraper) carry no positions: a row
  label starts a row, the values that follow fill it. When fewer values than columns arrive, the
  placement is inferred (table 三 rows filled only in 自然人 and 总计) and noted.

Labels are matched after normalisation, exactly first, then by known variants, then fuzzily,
so typos (本年度办反办理结果, 属于三类内容事务信息) still land on the right row.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Optional

from auditor.model import Cell, Span
from auditor.recognize.items import Item
from auditor.recognize.normalize import is_value_token, norm_label, parse_value, split_value_run
from auditor.templates import TABLE_NAMES, Label, Template

NARRATIVE_MIN = 45  # a cell/line longer than this (and no known label) is prose, not a cell

FORMAT_MARKERS = {
    "2021": ("本年制发件数", "本年废止件数", "现行有效件数", "本年处理决定数量", "本年收费金额",
             "申请人无正当理由逾期不补正", "申请人逾期未按收费通知要求缴纳费用"),
    "2019": ("本年新制作数量", "本年新制作量", "本年新公开数量", "对外公开总数量", "上一年项目数量",
             "其他对外管理服务事项", "政府集中采购", "采购项目数量", "采购总金额"),
}
T3_HEADERS = ("申请人情况", "法人或其他组织", "勾稽关系", "自然人", "商业企业", "科研机构",
              "社会公益组织", "法律服务机构", "总计", "其他")
T2_HEADERS = ("信息内容",)
T4_HEADERS = ("行政复议", "行政诉讼", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计",
              "未经复议直接起诉", "复议后起诉")


@dataclass(frozen=True)
class Token:
    text: str
    span: Span
    confidence: Optional[float] = None  # set when the grid cell was read by OCR


@dataclass
class RawRow:
    cells: list[Token]
    positional: bool


@dataclass
class TableResult:
    cells: dict[str, Cell] = field(default_factory=dict)
    present: bool = False
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Tokenising a region
# --------------------------------------------------------------------------------------------


def region_rows(items: list[Item]) -> list[Optional[RawRow]]:
    """Rows and flat tokens of a region in reading order; ``None`` marks prose (a row break)."""
    rows: list[Optional[RawRow]] = []
    for item in items:
        if item.grid is not None:
            for grid_row in item.grid:
                rows.append(RawRow([Token(c.text.strip(), c.span, c.confidence) for c in grid_row], positional=True))
            continue
        text = item.text.strip()
        if not text or set(text) <= {"|", " "}:
            continue
        if "|" in text:
            parts = [p.strip() for p in text.split("|")]
            if text.endswith("|"):
                parts = parts[:-1]
            filled = [p for p in parts if p]
            if len(filled) >= 2:
                rows.append(RawRow([Token(p, item.span) for p in parts], positional=True))
                continue
            text = filled[0] if filled else ""
            if not text:
                continue
        run = split_value_run(text)
        if run:
            rows.extend(RawRow([Token(p, item.span)], positional=False) for p in run)
        elif len(norm_label(text)) > NARRATIVE_MIN:
            rows.append(None)
        else:
            rows.append(RawRow([Token(text, item.span)], positional=False))
    return rows


def detect_format(items: list[Item]) -> Optional[str]:
    """``2019`` or ``2021`` from the table headers and rows; None when no table says."""
    votes = {"2019": 0, "2021": 0}
    for row in region_rows(items):
        if row is None:
            continue
        for token in row.cells:
            label = norm_label(token.text)
            for fmt, markers in FORMAT_MARKERS.items():
                if any(norm_label(m) in label for m in markers):
                    votes[fmt] += 1
    if not any(votes.values()):
        return None
    return max(votes, key=lambda f: (votes[f], f))


# --------------------------------------------------------------------------------------------
# Label classification
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowSpec:
    table: str
    id: str
    label: str
    columns: tuple[Label, ...]


@dataclass(frozen=True, eq=False)  # hashed by identity: one cached instance per template/table
class Vocabulary:
    """Every wording a table may print, normalised, for one format."""

    rows: dict[str, RowSpec]  # normalised wording -> row
    groups: frozenset[str]
    headers: tuple[str, ...]


@cache
def vocabulary(template: Template, table: str) -> Vocabulary:
    rows: dict[str, RowSpec] = {}
    groups: set[str] = set()
    headers: list[str] = []
    if table == "t2":
        for group in template.t2_groups:
            groups.add(norm_label(group.label))
            for column in group.columns:
                headers.extend(norm_label(w) for w in column.wordings)
            for row in group.rows:
                spec = RowSpec("t2", row.id, row.label, group.columns)
                for wording in row.wordings:
                    rows.setdefault(norm_label(wording), spec)
        headers.extend(norm_label(h) for h in T2_HEADERS)
    elif table == "t3":
        for group in template.t3_groups:
            groups.update(norm_label(w) for w in group.wordings)
        for row in template.t3_rows:
            for wording in row.wordings:
                rows[norm_label(wording)] = RowSpec("t3", row.id, row.label, template.t3_columns)
        headers.extend(norm_label(h) for h in T3_HEADERS)
    else:
        for row in template.t4_rows:
            rows[norm_label(row.label)] = RowSpec("t4", row.id, row.label, template.t4_columns)
        headers.extend(norm_label(h) for h in T4_HEADERS)
    return Vocabulary(rows, frozenset(groups), tuple(headers))


def classify(text: str, vocab: Vocabulary) -> tuple[str, Optional[RowSpec]]:
    """``row`` / ``group`` / ``header`` / ``value`` / ``blank`` / ``unknown``."""
    if not text.strip():
        return "blank", None
    label = norm_label(text)
    if label in vocab.rows:
        return "row", vocab.rows[label]
    if label in vocab.groups:
        return "group", None
    if is_value_token(text):
        return "value", None
    if label in vocab.headers or "勾稽关系" in label:
        return "header", None
    return _fuzzy(label, vocab)


@lru_cache(maxsize=8192)
def _fuzzy(label: str, vocab: Vocabulary) -> tuple[str, Optional[RowSpec]]:
    best, best_ratio = None, 0.0
    for wording, spec in vocab.rows.items():
        ratio = difflib.SequenceMatcher(None, label, wording).ratio()
        if ratio > best_ratio:
            best, best_ratio = spec, ratio
    if best is not None and best_ratio >= 0.8 and len(label) >= 4:
        return "row", best
    for group in vocab.groups:
        if difflib.SequenceMatcher(None, label, group).ratio() >= 0.8:
            return "group", None
    if any(h in label or (len(label) >= 2 and label in h) for h in vocab.headers):
        return "header", None
    return "unknown", None


# --------------------------------------------------------------------------------------------
# Mapping
# --------------------------------------------------------------------------------------------


def _cell(cell_id: str, token: Optional[Token], fallback: Span, *, amount: bool) -> Cell:
    ocr = {"origin": "ocr", "confidence": token.confidence} if token and token.confidence is not None else {}
    if token is None or not token.text.strip():
        return Cell(cell_id, "", None, "blank", token.span if token else fallback, **ocr)
    parsed = parse_value(token.text, amount=amount)
    return Cell(cell_id, token.text, parsed.value, parsed.state, token.span, parsed.unit, parsed.decimals, **ocr)


class _Table:
    """Accumulates one table's cells and notes."""

    def __init__(self, table: str, template: Template) -> None:
        self.table = table
        self.template = template
        self.vocab = vocabulary(template, table)
        self.result = TableResult()
        self.filled: set[str] = set()

    def place(self, spec: RowSpec, label: Token, values: list[Token], *, positional: bool) -> None:
        """Put a row's values under their ids; infer placement when blanks were dropped."""
        self.result.present = True
        if spec.id in self.filled:
            if any(v.text.strip() for v in values):
                self.result.notes.append(
                    f"{TABLE_NAMES[self.table]}「{spec.label}」appears twice (line {label.span.describe()}); "
                    "the first is kept")
            return
        self.filled.add(spec.id)
        columns = spec.columns
        slots: list[Optional[Token]] = [None] * len(columns)
        if positional or len(values) == len(columns):
            for pos, token in enumerate(values[: len(columns)]):
                slots[pos] = token
        elif values:
            if self.table == "t3" and len(values) == 2:
                slots[0], slots[-1] = values  # only 自然人 and 总计 filled
            else:
                for pos, token in enumerate(values[: len(columns)]):
                    slots[pos] = token
            self.result.notes.append(
                f"{TABLE_NAMES[self.table]}「{spec.label}」: {len(values)} of {len(columns)} values "
                f"(line {label.span.describe()}); placed in "
                + "、".join(c.label for c, s in zip(columns, slots) if s is not None))
        extras = [v for v in values[len(columns):] if v.text.strip()]
        if positional and values[: len(columns)]:
            # A value cell merged across the padding columns repeats into each (2021 form,
            # 本年处理决定数量 spans three columns): not an extra value.
            extras = [v for v in extras if v.text.strip() != values[len(columns) - 1].text.strip()]
        if extras:
            self.result.notes.append(
                f"{TABLE_NAMES[self.table]}「{spec.label}」: extra values ignored: " + " ".join(v.text for v in extras))
        for column, token in zip(columns, slots):
            cell_id = f"{self.table}.{spec.id}.{column.id}"
            self.result.cells[cell_id] = _cell(cell_id, token, label.span, amount=column.amount)

    def unknown_row(self, label: Token, values: list[Token]) -> None:
        shown = " ".join(v.text for v in values if v.text.strip())
        self.result.notes.append(
            f"{TABLE_NAMES[self.table]}: unknown row '{label.text}' (line {label.span.describe()})"
            + (f" with values {shown}" if shown else ""))


def read_rows_table(table: str, template: Template, items: list[Item]) -> TableResult:
    """Table 二 or 三: rows identified by their labels."""
    state = _Table(table, template)
    vocab = state.vocab
    current: Optional[tuple[RowSpec, Token, list[Token]]] = None
    pending_unknown: Optional[tuple[Token, list[Token]]] = None

    def flush() -> None:
        nonlocal current, pending_unknown
        if current is not None:
            state.place(current[0], current[1], current[2], positional=False)
        if pending_unknown is not None and pending_unknown[1]:
            state.unknown_row(*pending_unknown)
        current, pending_unknown = None, None

    for row in region_rows(items):
        if row is None:
            flush()
            continue
        if row.positional:
            flush()
            _positional_row(state, row)
            continue
        token = row.cells[0]
        kind, spec = classify(token.text, vocab)
        if kind == "row" and spec is not None:
            flush()
            current = (spec, token, [])
        elif kind == "value":
            if current is not None and len(current[2]) < len(current[0].columns):
                current[2].append(token)
            elif pending_unknown is not None:
                pending_unknown[1].append(token)
            elif current is not None:
                current[2].append(token)  # reported as extra values
        elif kind in ("group", "header"):
            flush()
            state.result.present = state.result.present or kind == "group"
        else:
            flush()
            pending_unknown = (token, [])
    flush()
    return state.result


def _positional_row(state: _Table, row: RawRow) -> None:
    spec: Optional[RowSpec] = None
    label: Optional[Token] = None
    start = 0
    for index, token in enumerate(row.cells):
        kind, found = classify(token.text, state.vocab)
        if kind == "row":
            spec, label, start = found, token, index + 1
        elif kind in ("group", "header"):
            if spec is not None:
                break
            if kind == "group":
                state.result.present = True
        elif kind == "blank" and spec is None:
            continue
        elif spec is not None or kind == "value":
            break
        else:
            label, start = token, index + 1  # an unknown label, unless a known one follows
    values = row.cells[start:]
    if spec is not None and label is not None:
        state.place(spec, label, values, positional=True)
    elif label is not None and any(is_value_token(v.text) for v in values):
        state.unknown_row(label, values)


def read_t4(template: Template, items: list[Item]) -> TableResult:
    """Table 四: a header block, then 15 numbers (review ×5, direct ×5, after review ×5); a
    layout with a label before each run of five is read row by row."""
    state = _Table("t4", template)
    vocab = state.vocab
    slots: list[Token] = []
    labelled: dict[str, tuple[Token, list[Token]]] = {}
    rows = [r for r in region_rows(items) if r is not None]
    for pos, row in enumerate(rows):
        kinds = [classify(t.text, vocab) for t in row.cells]
        if any(k in ("header", "row", "group") for k, _ in kinds):
            state.result.present = True
        if row.positional:
            first_value = next((i for i, (k, _) in enumerate(kinds) if k == "value"), None)
            row_label = next(((t, s) for t, (k, s) in zip(row.cells, kinds) if k == "row"), None)
            if row_label and first_value is not None and all(k != "header" for k, _ in kinds):
                labelled[row_label[1].id] = (row_label[0], row.cells[first_value:first_value + 5])
                continue
            if all(k in ("value", "blank") for k, _ in kinds) and first_value is not None:
                cells = row.cells[:15] if len(row.cells) >= 15 else _strip_trailing_blanks(row.cells)
                slots.extend(cells)
            continue
        kind, spec = kinds[0]
        if kind == "value":
            slots.append(row.cells[0])
        elif kind == "row" and spec is not None and pos + 1 < len(rows):
            nxt = rows[pos + 1]
            if not nxt.positional and classify(nxt.cells[0].text, vocab)[0] == "value":
                run = []
                for follower in rows[pos + 1: pos + 6]:
                    if follower.positional or classify(follower.cells[0].text, vocab)[0] != "value":
                        break
                    run.append(follower.cells[0])
                labelled[spec.id] = (row.cells[0], run)
    if not state.result.present and not slots and not labelled:
        return state.result
    state.result.present = True
    row_specs = [vocab.rows[norm_label(r.label)] for r in template.t4_rows]
    if labelled:
        for spec in row_specs:
            label, values = labelled.get(spec.id, (Token(spec.label, Span()), []))
            state.place(spec, label, values, positional=len(values) == 5)
        return state.result
    anchor = slots[0] if slots else Token("", items[0].span if items else Span())
    if slots and len([s for s in slots if s.text.strip()]) not in (0, 15) and len(slots) != 15:
        state.result.notes.append(f"表四: {len(slots)} of 15 values (line {anchor.span.describe()}); "
                                  "placed in order")
    for index, spec in enumerate(row_specs):
        chunk = slots[index * 5: index * 5 + 5]
        chunk += [Token("", anchor.span)] * (5 - len(chunk))
        state.filled.discard(spec.id)
        state.place(spec, anchor, chunk, positional=True)
    return state.result


def _strip_trailing_blanks(cells: list[Token]) -> list[Token]:
    end = len(cells)
    while end and not cells[end - 1].text.strip():
        end -= 1
    return cells[:end]
