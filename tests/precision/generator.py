"""Clean generated reports with one injected defect each, for measuring precision and recall.

A report is generated consistent in every respect (tables satisfying every identity, title,
period, table format and publication date agreeing on the year, contact given, published on
time), laid out as text in every layout ``tests/recognize/layouts.py`` renders, and then one
defect of one family is injected. Each defect knows, by construction, which rules must fail —
written out here by hand from the national format, not computed by the code under test — and,
for a slip in a table, which cells hold it and what they held before.

``benchmarks/bench_precision.py`` runs many of these and prints per-rule precision and recall
and the localisation hit rate; ``tests/precision/test_precision.py`` runs a sample.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from typing import Callable, Optional

from auditor import templates
from auditor.model import Cell, Contact, Period, Report, Section, Source
from tests.recognize.layouts import LAYOUTS, render

HEADINGS = {n: templates.load("2021").section(n).heading for n in range(1, 7)}
TEXTS = {
    1: "本机关认真贯彻落实《中华人民共和国政府信息公开条例》，持续推进政务公开工作。\n"
       "如对本报告有疑问，请与本机关办公室联系，联系电话：0771-5551234。",
    5: "主要问题是公开内容不够全面。下一步将加强培训，提高公开质量。",
    6: "本年度未收取信息处理费，无其他需要报告的事项。",
}
AGENCIES = ("某市教育局", "某县自然资源局", "某区卫生健康局", "某市市场监督管理局", "某县财政局")
COLUMNS = ("natural", "commercial", "research", "social", "legal", "other_org")
T4_COLUMNS = ("upheld", "corrected", "other", "pending")
BALANCE_ROWS = ("new", "carried_over", "total", "carried_forward")
NOT_RESULTS = ("new", "carried_over", "carried_forward")  # every other row of 表三 adds up to (七)总计


# ---------------------------------------------------------------- a clean report


@dataclass(frozen=True)
class Clean:
    """What a generated report says, before it is laid out."""

    year: int
    format: str
    agency: str
    values: dict[str, int]  # every cell of tables 二/三/四
    title_year: int = 0  # 0: the year
    period: Optional[tuple[str, str]] = None  # (start, end); None: the whole year
    period_stated: bool = True
    published: str = ""  # "": 20 January of the next year
    phone: bool = True
    sections: tuple[int, ...] = (1, 2, 3, 4, 5, 6)
    headings: dict[int, str] = field(default_factory=dict)
    tables: tuple[str, ...] = ("t2", "t3", "t4")
    raw: dict[str, str] = field(default_factory=dict)  # cells written otherwise than their value


def clean_report(rng: random.Random, year: int, table_format: Optional[str] = None) -> Clean:
    """A report whose every identity holds, with figures of realistic sizes (some of them zero)."""
    fmt = table_format or templates.format_for_year(year)
    template = templates.load(fmt)
    values: dict[str, int] = {cid: rng.choice((0, 0, 1, 2, 3, 5, 8, 12, 26, 47, 135))
                              for cid in template.cell_ids("t2")}
    for cid in values:
        if cid.endswith(".change"):
            values[cid] = rng.choice((-3, 0, 2, 11))
    result_rows = [r.id for r in template.t3_rows if r.id not in (*NOT_RESULTS, "total")]
    for column in COLUMNS:
        busy = column == "natural" or rng.random() < 0.35
        results = {row: (rng.choice((0, 0, 0, 1, 2, 4, 7, 13, 38, 126)) if busy else 0) for row in result_rows}
        if busy:
            results["granted"] = rng.choice((12, 23, 34, 57, 146, 213))  # a figure with digits to slip
        total = sum(results.values())
        carried_over = rng.choice((0, 0, 1, 3)) if busy else 0
        carried_forward = rng.choice((0, 0, 2, 4)) if busy else 0
        carried_forward = min(carried_forward, total + carried_over)
        new = total + carried_forward - carried_over
        if new < 0:
            carried_over, new = 0, total + carried_forward
        for row, value in {**results, "new": new, "carried_over": carried_over, "total": total,
                           "carried_forward": carried_forward}.items():
            values[f"t3.{row}.{column}"] = value
    for row in template.t3_rows:
        values[f"t3.{row.id}.total"] = sum(values[f"t3.{row.id}.{c}"] for c in COLUMNS)
    for row in template.t4_rows:
        parts = [rng.choice((0, 0, 1, 2, 3, 6)) for _ in T4_COLUMNS]
        for column, value in zip(T4_COLUMNS, parts):
            values[f"t4.{row.id}.{column}"] = value
        values[f"t4.{row.id}.total"] = sum(parts)
    return Clean(year=year, format=fmt, agency=rng.choice(AGENCIES), values=values)


def as_report(clean: Clean) -> Report:
    """The report model that ``layouts.render`` lays out."""
    title_year = clean.title_year or clean.year
    start, end = clean.period or (f"{clean.year}-01-01", f"{clean.year}-12-31")
    sy, sm, sd = (int(x) for x in start.split("-"))
    ey, em, ed = (int(x) for x in end.split("-"))
    statement = f"本报告中所列数据的统计期限是自{sy}年{sm}月{sd}日起至{ey}年{em}月{ed}日止。"
    template = templates.load(clean.format)
    sections = tuple(Section(n, clean.headings.get(n, HEADINGS[n]), True, _text(n, clean)) for n in clean.sections)
    cells = {}
    for cid in template.cell_ids():
        if cid.partition(".")[0] not in clean.tables:
            continue
        raw = clean.raw.get(cid, str(clean.values[cid]))
        cells[cid] = Cell(cid, raw, clean.values[cid] if cid not in clean.raw else None, "number")
    return Report(source=Source("generated.txt"), kind="annual-report", agency=clean.agency, year=clean.year,
                  format=clean.format, title=f"{clean.agency}{title_year}年政府信息公开工作年度报告",
                  period=Period(statement, start, end) if clean.period_stated else None,
                  contact=Contact(), sections=sections, cells=cells, tables=clean.tables)


def _text(number: int, clean: Clean) -> str:
    text = TEXTS.get(number, "")
    if number == 1 and not clean.phone:
        text = text.split("\n")[0]
    return text


NO_TABLE = {2: "本年度主动公开情况详见本机关门户网站。", 3: "本年度未收到政府信息公开申请。",
            4: "本年度未发生政府信息公开行政复议、行政诉讼。"}


def lay_out(clean: Clean, layout: str) -> str:
    """The report as text in one of the seeds' layouts, with its publication date at the end."""
    text = render(as_report(clean), layout)
    if not clean.period_stated:
        text = text.replace(as_report(replace(clean, period_stated=True)).period.statement + "\n", "", 1)  # type: ignore[union-attr]
    for number, table in ((2, "t2"), (3, "t3"), (4, "t4")):
        if table not in clean.tables and number in clean.sections:
            text = _replace_section_body(text, number, NO_TABLE[number])
    published = clean.published or f"{clean.year + 1}-01-20"
    y, m, d = (int(x) for x in published.split("-"))
    return text + f"\n{clean.agency}\n{y}年{m}月{d}日\n"


def _replace_section_body(text: str, number: int, body: str) -> str:
    """Section ``number`` with prose instead of its table (``layouts.render`` always prints one)."""
    lines = text.split("\n")
    headings = {f"{'一二三四五六'[n - 1]}、{HEADINGS[n]}" for n in range(1, 7)}
    start = next(i for i, line in enumerate(lines) if line == f"{'一二三四五六'[number - 1]}、{HEADINGS[number]}")
    end = next((i for i, line in enumerate(lines) if i > start and line in headings), len(lines))
    return "\n".join([*lines[:start + 1], body, *lines[end:]])


# ---------------------------------------------------------------- defects


@dataclass(frozen=True)
class Defect:
    """One injected defect: the rules that must fail (all others must not), and for a slip in a
    table the cells holding it with their original values and the slip's name."""

    family: str
    fails: frozenset[str]
    slipped: dict[str, int] = field(default_factory=dict)  # cell id → the value before the slip
    slip: Optional[str] = None


@dataclass(frozen=True)
class Sample:
    family: str
    layout: str
    seed: int
    text: str
    defect: Defect
    cells: dict[str, tuple[Optional[int], str]]  # what a faithful reading finds: (value, state)


def _t3_rules(row: str) -> set[str]:
    """What a changed value in row ``row`` of table 三 breaks (for any of its columns)."""
    rules = {"T3-ROW-TOTAL"}
    if row in BALANCE_ROWS:
        rules.add("T3-BALANCE")
    if row not in NOT_RESULTS:
        rules.add("T3-RESULTS-SUM")
    return rules


def _pick(rng: random.Random, clean: Clean, ok: Callable[[str, int], bool], table: str = "t3") -> str:
    cells = sorted(cid for cid, v in clean.values.items() if cid.startswith(table + ".") and ok(cid, v))
    return rng.choice(cells)


def _slip_cell(rng: random.Random, clean: Clean, family: str, ok: Callable[[str, int], bool],
               write: Callable[[int], str], slip: str, extra: frozenset[str] = frozenset()) -> tuple[Clean, Defect]:
    cid = _pick(rng, clean, ok)
    original = clean.values[cid]
    written = write(original)
    values = {**clean.values, cid: int(written)}
    row = cid.partition(".")[2].rpartition(".")[0]
    return (replace(clean, values=values),
            Defect(family, frozenset(_t3_rules(row)) | extra, {cid: original}, slip))


def _digit_typo(rng: random.Random) -> Callable[[int], str]:
    def write(value: int) -> str:
        digits = list(str(value))
        i = rng.randrange(len(digits))
        choices = [d for d in "0123456789" if d != digits[i] and not (i == 0 and d == "0" and len(digits) > 1)]
        digits[i] = rng.choice(choices)
        return "".join(digits)
    return write


def _swap(value: int) -> str:
    digits = list(str(value))
    i = next(i for i in range(len(digits) - 1) if digits[i] != digits[i + 1] and (i > 0 or digits[i + 1] != "0"))
    digits[i], digits[i + 1] = digits[i + 1], digits[i]
    return "".join(digits)


def _swappable(value: int) -> bool:
    digits = str(value)
    return any(digits[i] != digits[i + 1] and (i > 0 or digits[i + 1] != "0") for i in range(len(digits) - 1))


def _drop(value: int) -> str:
    digits = str(value)
    return digits[:-1] if digits[-1] != digits[-2] else digits[1:]


def _droppable(value: int) -> bool:
    digits = str(value)
    return len(digits) >= 2 and (digits[-1] != digits[-2] or digits[1] != "0")


def _double(value: int) -> str:
    digits = str(value)
    return digits[0] + digits


def t3_cell(cid: str) -> bool:
    return cid.startswith("t3.")


def inject(rng: random.Random, clean: Clean, family: str) -> tuple[Clean, Defect]:
    """``clean`` with one defect of ``family`` injected."""
    year = clean.year
    if family == "clean":
        return clean, Defect(family, frozenset())
    if family == "META-YEAR title":  # spec case 2: the title alone names another year
        return replace(clean, title_year=year - 1), Defect(family, frozenset({"META-YEAR"}))
    if family == "META-YEAR period":  # spec case 1: a whole calendar year, but the wrong one
        period = (f"{year - 1}-01-01", f"{year - 1}-12-31")
        return replace(clean, period=period), Defect(family, frozenset({"META-YEAR"}))
    if family == "META-FORMAT":  # spec case 3: a 2022 report in the 2019 tables
        old = clean_report(rng, 2022, "2019")
        return replace(old, agency=clean.agency), Defect(family, frozenset({"META-FORMAT"}))
    if family == "META-PERIOD missing":
        return replace(clean, period_stated=False), Defect(family, frozenset({"META-PERIOD"}))
    if family == "META-PERIOD partial":
        return (replace(clean, period=(f"{year}-01-01", f"{year}-11-30")),
                Defect(family, frozenset({"META-PERIOD"})))
    if family == "META-CONTACT":
        return replace(clean, phone=False), Defect(family, frozenset({"META-CONTACT"}))
    if family == "META-DEADLINE":
        late = f"{year + 1}-02-{rng.randint(3, 27):02d}"  # a department's deadline is 31 January
        return replace(clean, published=late), Defect(family, frozenset({"META-DEADLINE"}))
    if family == "STRUCT-SECTIONS":
        gone = rng.choice((5, 6))
        return (replace(clean, sections=tuple(n for n in clean.sections if n != gone)),
                Defect(family, frozenset({"STRUCT-SECTIONS"})))
    if family == "STRUCT-HEADING":
        return (replace(clean, headings={3: "政府信息依申请公开办理情况"}),
                Defect(family, frozenset({"STRUCT-HEADING"})))
    if family == "STRUCT-TABLES":
        gone = rng.choice(clean.tables)
        return (replace(clean, tables=tuple(t for t in clean.tables if t != gone)),
                Defect(family, frozenset({"STRUCT-TABLES"})))
    if family == "CELL-BLANK":  # a zero left blank: no identity is affected
        cid = _pick(rng, clean, lambda c, v: v == 0, table=rng.choice(("t3", "t4")))
        return replace(clean, raw={cid: ""}), Defect(family, frozenset({"CELL-BLANK"}))
    if family == "CELL-NONNUMERIC":
        cid = _pick(rng, clean, lambda c, v: v >= 0 and not c.endswith(".amount"), table="t2")
        return replace(clean, raw={cid: "详见附件"}), Defect(family, frozenset({"CELL-NONNUMERIC"}))
    if family == "CELL-NEGATIVE":
        cid = _pick(rng, clean, lambda c, v: v > 0 and not c.endswith((".change", ".amount")), table="t2")
        return (replace(clean, values={**clean.values, cid: -clean.values[cid]}),
                Defect(family, frozenset({"CELL-NEGATIVE"})))
    if family == "T3 digit typo":
        return _slip_cell(rng, clean, family, lambda c, v: v > 0, _digit_typo(rng), "数字录入错误")
    if family == "T3 swapped digits":
        return _slip_cell(rng, clean, family, lambda c, v: _swappable(v), _swap, "相邻数字颠倒")
    if family == "T3 dropped digit":
        return _slip_cell(rng, clean, family, lambda c, v: _droppable(v), _drop, "漏录一位数字")
    if family == "T3 doubled digit":
        return _slip_cell(rng, clean, family, lambda c, v: v > 0, _double, "重复录入一位数字")
    if family == "T3 sign error":
        return _slip_cell(rng, clean, family, lambda c, v: v > 0, lambda v: str(-v), "正负号错误",
                          frozenset({"CELL-NEGATIVE"}))
    if family == "T3 neighbouring column":
        def movable(cid: str, value: int) -> bool:
            row, _, column = cid.partition(".")[2].rpartition(".")
            if column not in COLUMNS[:-1] or row in NOT_RESULTS or row == "total":
                return False
            right = clean.values[f"t3.{row}.{COLUMNS[COLUMNS.index(column) + 1]}"]
            return value != right
        cid = _pick(rng, clean, movable)
        row, _, column = cid.partition(".")[2].rpartition(".")
        neighbour = f"t3.{row}.{COLUMNS[COLUMNS.index(column) + 1]}"
        a, b = clean.values[cid], clean.values[neighbour]
        return (replace(clean, values={**clean.values, cid: b, neighbour: a}),
                Defect(family, frozenset({"T3-RESULTS-SUM"}), {cid: a, neighbour: b}, "数值填入相邻列"))
    if family == "T3 总计 column blank":
        template = templates.load(clean.format)
        totals = [f"t3.{r.id}.total" for r in template.t3_rows]
        slipped = {cid: clean.values[cid] for cid in totals if clean.values[cid]}
        return (replace(clean, raw={cid: "" for cid in totals}),
                Defect(family, frozenset({"CELL-BLANK", "T3-ROW-TOTAL"}), slipped, "总计列未填写"))
    if family == "T3 two digit typos":  # in two different rows and columns
        first = _pick(rng, clean, lambda c, v: v > 0)
        row, _, column = first.partition(".")[2].rpartition(".")
        second = _pick(rng, clean, lambda c, v: v > 0 and c.partition(".")[2].rpartition(".")[0] != row
                       and c.rpartition(".")[2] != column)
        typo = _digit_typo(rng)
        values = {**clean.values, first: int(typo(clean.values[first])), second: int(typo(clean.values[second]))}
        rules = _t3_rules(row) | _t3_rules(second.partition(".")[2].rpartition(".")[0])
        return (replace(clean, values=values),
                Defect(family, frozenset(rules), {first: clean.values[first], second: clean.values[second]},
                       "数字录入错误"))
    if family == "T4 digit typo":
        cid = _pick(rng, clean, lambda c, v: v > 0, table="t4")
        original = clean.values[cid]
        return (replace(clean, values={**clean.values, cid: int(_digit_typo(rng)(original))}),
                Defect(family, frozenset({"T4-SUM"}), {cid: original}, "数字录入错误"))
    raise KeyError(family)


FAMILIES = ("clean", "META-YEAR title", "META-YEAR period", "META-FORMAT", "META-PERIOD missing",
            "META-PERIOD partial", "META-CONTACT", "META-DEADLINE", "STRUCT-SECTIONS", "STRUCT-HEADING",
            "STRUCT-TABLES", "CELL-BLANK", "CELL-NONNUMERIC", "CELL-NEGATIVE", "T3 digit typo",
            "T3 swapped digits", "T3 dropped digit", "T3 doubled digit", "T3 sign error", "T3 neighbouring column",
            "T3 总计 column blank", "T3 two digit typos", "T4 digit typo")
SLIP_FAMILIES = tuple(f for f in FAMILIES if f.startswith(("T3 ", "T4 ")))


def sample(family: str, layout: str, seed: int) -> Sample:
    """One generated report of ``family`` in ``layout``; the same arguments give the same text."""
    rng = random.Random(f"{family}|{layout}|{seed}")
    year = rng.choice((2020, 2021, 2022))
    clean = clean_report(rng, year)
    defective, defect = inject(rng, clean, family)
    cells = {cid: (cell.value, "number" if cell.value is not None else "blank" if not cell.raw else "text")
             for cid, cell in as_report(defective).cells.items()}
    return Sample(family, layout, seed, lay_out(defective, layout), defect, cells)


def samples(seeds: range, families: tuple[str, ...] = FAMILIES, layouts: tuple[str, ...] = LAYOUTS) -> list[Sample]:
    return [sample(f, layout, seed) for seed in seeds for f in families for layout in layouts]
