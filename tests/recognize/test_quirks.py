"""Reports as scrapers and converters really leave them (issue 8), read back cell for cell — or,
where the damage destroyed information, reported instead of guessed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from auditor.model import Block, Cell, Document, Report, Span
from auditor.reading import load_reports
from auditor.recognize import recognize
from tests.recognize.quirks import kept_blanks, markdown, one_line

ROOT = Path(__file__).resolve().parents[2]
SEEDS = {"2019": "000_60dfc1bb3c346b4a.txt", "2021": "001_1fa793b153ce3d21.txt"}


def _seed(fmt: str) -> Report:
    return next(r for r in load_reports(ROOT / "examples" / "reports" / SEEDS[fmt]) if r.kind == "annual-report")


def _read(text: str) -> Report:
    blocks = tuple(Block("text", text=line, span=Span(line=n)) for n, line in enumerate(text.split("\n"), 1))
    reports = [r for r in recognize(Document(path="quirk.txt", adapter="text", blocks=blocks))
               if r.kind == "annual-report"]
    assert len(reports) == 1, [r.kind for r in recognize(Document(path="q", adapter="text", blocks=blocks))]
    return reports[0]


def _with_blanks(report: Report, cell_ids: list[str]) -> Report:
    cells = dict(report.cells)
    for cid in cell_ids:
        cells[cid] = Cell(cid, "", None, "blank")
    return dataclasses.replace(report, cells=cells)


# ------------------------------------------------------------------------ one-line scraper bodies


@pytest.mark.parametrize("fmt", SEEDS)
def test_one_line_body_with_spaces_reads_every_cell_and_the_header(fmt: str) -> None:
    original = _seed(fmt)
    read = _read(one_line(original, title=f"南宁市良庆区{original.year}年政府信息公开工作年度报告"))
    assert read.cell_values() == original.cell_values()
    assert [s.number for s in read.sections] == [1, 2, 3, 4, 5, 6]
    assert read.title == f"南宁市良庆区{original.year}年政府信息公开工作年度报告"
    assert read.agency == "南宁市良庆区"  # 标题: does not leak into the agency
    assert read.published == (original.published or "2021-01-20")
    assert read.contact.emails == ("office@example.gov.cn",)
    assert all(not r.missing_rows and not r.unplaced and not r.ambiguous_rows for r in read.readings)


def test_one_line_body_keeps_positions_columns_and_lines() -> None:
    read = _read(one_line(_seed("2019")))
    cell = read.cells["t3.new.natural"]
    assert cell.span.line == 6 and cell.span.column and cell.span.column > 100  # where in the long line
    section = read.section(1)
    assert section is not None and not section.text.startswith("一")


def test_one_line_body_with_two_spaces_for_a_blank_keeps_the_column() -> None:
    original = _with_blanks(_seed("2019"), ["t3.granted.commercial", "t3.new.research"])
    read = _read(one_line(original))
    assert read.cells["t3.granted.commercial"].is_blank and read.cells["t3.new.research"].is_blank
    assert read.cell_values() == original.cell_values()


@pytest.mark.parametrize("fmt", SEEDS)
def test_digits_run_together_split_where_the_sums_make_it_unique(fmt: str) -> None:
    original = _seed(fmt)
    read = _read(one_line(original, sep=""))
    inferred = [cid for cid, cell in read.cells.items() if cell.origin == "inferred"]
    assert inferred, "nothing was split"
    for cid in inferred:  # an inferred cell is never wrong
        assert read.cells[cid].value == original.cells[cid].value, cid
    for table in read.readings:  # every row is either read exactly or reported as ambiguous
        for row in {cid.split(".", 1)[1].rsplit(".", 1)[0] for cid in original.cells if cid.startswith(table.table)}:
            cells = [cid for cid in original.cells if cid.startswith(f"{table.table}.{row}.")]
            if row in table.ambiguous_rows:
                assert not any(cid in read.cells for cid in cells)
            else:
                assert all(read.cells[cid].value == original.cells[cid].value for cid in cells), row
    assert len(inferred) >= 0.8 * len([c for c in original.cells if c.startswith("t3.")])


def test_a_split_only_the_row_total_decides_is_marked_and_not_checked_against_it() -> None:
    original = _seed("2019")
    cells = dict(original.cells)
    for column, value in zip(("natural", "commercial", "research", "social", "legal", "other_org", "total"),
                             (35, 1, 0, 2, 0, 0, 38)):
        cells[f"t3.new.{column}"] = Cell(f"t3.new.{column}", str(value), value, "number")
    read = _read(one_line(dataclasses.replace(original, cells=cells), sep=""))
    t3 = read.reading("t3")
    assert t3 is not None and "new" in t3.summed_rows and "row_total" in t3.identities
    assert read.cells["t3.new.natural"].value == 35 and read.cells["t3.new.natural"].origin == "inferred"
    assert "carried_over" not in t3.summed_rows  # one digit a cell: cut the only way there is

    from auditor.engine import load_rules

    outcome = next(o for o in load_rules().evaluate(read) if o.rule.id == "T3-ROW-TOTAL")
    assert not any(f.scope.get("row") == "new" for f in outcome.findings)


def test_a_row_cut_the_only_way_possible_is_still_checked() -> None:
    original = _seed("2019")
    cells = dict(original.cells)
    for column, value in zip(("natural", "commercial", "research", "social", "legal", "other_org", "total"),
                             (6, 0, 0, 0, 0, 0, 0)):  # 总计 left at 0: seven digits, seven cells
        cells[f"t3.granted.{column}"] = Cell(f"t3.granted.{column}", str(value), value, "number")
    read = _read(one_line(dataclasses.replace(original, cells=cells), sep=""))
    assert read.cells["t3.granted.natural"].value == 6 and read.cells["t3.granted.total"].value == 0
    from auditor.engine import load_rules

    outcome = next(o for o in load_rules().evaluate(read) if o.rule.id == "T3-ROW-TOTAL")
    assert any(f.scope.get("row") == "granted" for f in outcome.findings)


def test_digits_run_together_that_no_sum_decides_are_reported_not_guessed() -> None:
    text = one_line(_seed("2021"), sep="")
    # 行政规范性文件: 3 0 14 printed as 3014 — also 30 1 4; 表二 prints no sums.
    read = _read(text)
    t2 = read.reading("t2")
    assert t2 is not None and "normative_docs" in t2.ambiguous_rows
    assert "t2.normative_docs.issued" not in read.cells
    assert any("3014" in note for note in read.notes)


def test_a_row_that_cannot_add_up_is_not_split() -> None:
    original = _seed("2019")
    cells = dict(original.cells)
    for column, value in zip(("natural", "commercial", "research", "social", "legal", "other_org", "total"),
                             (35, 1, 0, 2, 0, 0, 39)):  # the printed row total is wrong: 351020039
        cells[f"t3.new.{column}"] = Cell(f"t3.new.{column}", str(value), value, "number")
    read = _read(one_line(dataclasses.replace(original, cells=cells), sep=""))
    t3 = read.reading("t3")
    assert t3 is not None and "new" in t3.ambiguous_rows
    assert "t3.new.natural" not in read.cells


# ------------------------------------------------------------------------ markdown conversions


@pytest.mark.parametrize("fmt", SEEDS)
def test_markdown_conversion_reads_every_cell(fmt: str) -> None:
    original = _seed(fmt)
    read = _read(markdown(original))
    assert [s.number for s in read.sections] == [1, 2, 3, 4, 5, 6]
    assert read.cell_values() == original.cell_values()
    assert all(not r.missing_rows and not r.unplaced for r in read.readings)


# ------------------------------------------------------------------------ blanks that keep their place


@pytest.mark.parametrize("style", ["pipe", "tab", "empty"])
def test_blank_cells_keep_their_column_in_one_cell_per_line_layouts(style: str) -> None:
    blanks = ["t3.new.commercial", "t3.granted.research", "t3.granted.total", "t3.partial.natural"]
    original = _with_blanks(_seed("2019"), blanks)
    read = _read(kept_blanks(original, style))
    assert read.cell_values() == original.cell_values()
    assert all(read.cells[cid].is_blank for cid in blanks)


# ------------------------------------------------------------------------ sections numbered unusually


def test_sub_items_numbered_like_sections_do_not_take_their_place() -> None:
    from tests.recognize.layouts import render

    original = _seed("2019")
    sub_items = "一、主动公开工作\n按要求公开。\n二、依申请公开工作\n依法办理申请。\n三、政府信息管理\n"
    text = render(original, "pipe_rows").replace("一、总体情况\n", "一、总体情况\n" + sub_items, 1)
    read = _read(text)
    assert [(s.number, s.standard) for s in read.sections][:3] == [(1, True), (2, True), (3, True)]
    assert read.section(2).span.line > 6  # type: ignore[union-attr]
    assert read.cell_values() == original.cell_values()


def test_a_missing_section_shifts_the_numbers_and_is_still_found() -> None:
    original = _seed("2019")
    from tests.recognize.layouts import render

    text = render(original, "pipe_rows")
    start, end = text.index("四、政府信息公开行政复议"), text.index("五、")
    text = text[:start] + text[end:]
    text = text.replace("五、存在的主要问题及改进情况", "四、存在的主要问题及改进情况")
    text = text.replace("六、其他需要报告的事项", "五、其他需要报告的事项")
    read = _read(text)
    assert [s.number for s in read.sections] == [1, 2, 3, 5, 6]
    assert not read.section(5).standard and read.section(5).heading.startswith("四、")  # type: ignore[union-attr]


# ------------------------------------------------------------------------ rows the format divides


def test_2021_other_results_printed_as_one_row_are_reported_undivided() -> None:
    original = _seed("2021")
    from tests.recognize.layouts import render

    text = render(original, "pipe_rows")
    lines = text.split("\n")
    out = []
    for line in lines:
        if line.startswith(("1.申请人无正当理由", "2.申请人逾期未按收费")):
            continue
        if line.startswith("3.其他 |"):
            line = "(六)其他处理 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | |"
        out.append(line)
    read = _read("\n".join(out))
    t3 = read.reading("t3")
    assert t3 is not None and t3.undivided_rows == ("other.no_correction", "other.no_fee", "other.other")
    assert not t3.missing_rows and "t3.other.other.total" not in read.cells


def test_sub_rows_merged_into_one_cell_per_column_are_undivided_not_blank() -> None:
    """平潭市场监督管理局 2021–2024: （六）其他处理's three labels printed, the values (one merged
    cell per column in the page) only after the first — in a scrape that prints nothing for a
    blank cell. Rows 2 and 3 are not blank rows (a false CELL-BLANK), and the values are not
    row 1's: the rows are undivided (STRUCT-ROWS), the rest of the table read as printed."""
    original = _seed("2021")
    text = one_line(original, sep="")
    merged = "逾期不补正、行政机关不再处理其政府信息公开申请"
    start = text.index(merged) + len(merged)
    end = text.index("(七)总计")
    text = (text[:start] + "1000001" + "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"
            + "3.其他" + text[end:])
    read = _read(text)
    t3 = read.reading("t3")
    assert t3 is not None
    assert set(t3.undivided_rows) == {"other.no_correction", "other.no_fee", "other.other"}
    assert not any(cid.startswith("t3.other.") for cid in read.cells)
    assert read.cells["t3.total.total"].value == original.cells["t3.total.total"].value
    assert any("按合并单元格" in note for note in read.notes)
    from auditor.engine import load_rules

    outcomes = {o.rule.id: o for o in load_rules(select=["T3-", "STRUCT-ROWS", "CELL-BLANK"]).evaluate(read)}
    assert outcomes["STRUCT-ROWS"].status == "fail" and outcomes["CELL-BLANK"].status == "pass"
    assert outcomes["T3-RESULTS-SUM"].reason == "表三有几行未按格式分行填写（由 STRUCT-ROWS 报告）"


def test_a_missing_row_is_recorded() -> None:
    original = _seed("2019")
    from tests.recognize.layouts import render

    text = "\n".join(line for line in render(original, "pipe_rows").split("\n") if not line.startswith("2.重复申请"))
    t3 = _read(text).reading("t3")
    assert t3 is not None and t3.missing_rows == ("not_processed.duplicate",)


def test_a_row_missing_from_a_one_line_table_is_not_found_in_the_prose_after_it() -> None:
    """平潭市场监督管理局 2025: the table prints no 规章 row, and section 二 goes on 「…重点公开市场
    监管相关规章、规范性文件；…」 — that 规章 is a word of a sentence, not a blank row (which would
    be a false CELL-BLANK): the row is missing."""
    text = one_line(_seed("2021"), sep="")
    start = text.index("规章")
    end = start + len("规章") + next(i for i, ch in enumerate(text[start + 2:]) if not ch.isdigit())
    text = text[:start] + text[end:]
    prose = "公示公告重点公开市场监管相关规章、规范性文件；重点领域公开聚焦群众关心的热点。"
    text = text.replace("三、收到和处理", prose + "三、收到和处理", 1)
    read = _read(text)
    t2 = read.reading("t2")
    assert t2 is not None and t2.missing_rows == ("regulations",)
    assert not any(cid.startswith("t2.regulations.") for cid in read.cells)


def test_values_under_an_unknown_row_inside_the_table_are_kept_as_unplaced() -> None:
    original = _seed("2019")
    from tests.recognize.layouts import render

    added = "(六)其他补充事项 | 1 | 0 | 0 | 0 | 0 | 0 | 1 | |\n"
    text = render(original, "pipe_rows").replace("(七)总计 |", added + "(七)总计 |", 1)
    t3 = _read(text).reading("t3")
    assert t3 is not None and [u.text for u in t3.unplaced] == ["1", "0", "0", "0", "0", "0", "1"]
    assert "其他补充事项" in t3.unplaced[0].reason


# ------------------------------------------------------------------------ lines PDFs break


def test_statistic_period_broken_across_lines_and_title_wrapped() -> None:
    original = _seed("2019")
    from tests.recognize.layouts import render

    text = render(original, "pipe_rows")
    text = text.replace(original.period.statement, "本报告中所列数据的统\n计期限是自2020年1月1日起至12月31日止。", 1)  # type: ignore[union-attr]
    text = "南宁市良庆区人民\n政府2020年政府信息公开工作年度报告\n" + text
    read = _read(text)
    assert read.period is not None and (read.period.start, read.period.end) == ("2020-01-01", "2020-12-31")
    assert read.title == "南宁市良庆区人民政府2020年政府信息公开工作年度报告"
    assert read.agency == "南宁市良庆区人民政府"


def test_one_value_rows_and_label_with_values_on_one_line() -> None:
    original = _seed("2021")
    from tests.recognize.layouts import render

    text = render(original, "pipe_rows")
    lines = [line.replace(" | ", " ").rstrip(" |") if line.startswith(("行政许可", "行政处罚", "一、本年新收")) else line
             for line in text.split("\n")]
    read = _read("\n".join(lines))
    assert read.cell_values() == original.cell_values()


def test_page_footers_between_rows_are_ignored() -> None:
    original = _seed("2019")
    from tests.recognize.layouts import render

    lines = render(original, "cell_per_line").split("\n")
    with_footers = []
    for number, line in enumerate(lines):
        with_footers.append(line)
        if number % 37 == 0:
            with_footers.append(f"— {number // 37 + 1} —")
    assert _read("\n".join(with_footers)).cell_values() == original.cell_values()


def test_title_with_the_agency_after_the_year_wrapped_before_its_last_words() -> None:
    """A PDF-to-markdown conversion (上海市人民政府办公厅 2025): ``2025 年上海市人民政府办公厅政府信息公开``
    then ``工作年度报告`` — the agency is the one in the title, not the place the body names most."""
    original = _seed("2021")
    from tests.recognize.layouts import render

    text = render(original, "pipe_rows").split("\n", 1)[1]
    text = "正文\n2025 年上海市人民政府办公厅政府信息公开\n工作年度报告\n" + text.replace("良庆区", "上海市")
    read = _read(text)
    assert read.title == "2025 年上海市人民政府办公厅政府信息公开工作年度报告"
    assert read.agency == "上海市人民政府办公厅" and read.year == 2025
