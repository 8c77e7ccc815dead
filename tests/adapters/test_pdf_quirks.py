"""PDF layouts seen in published reports, drawn with reportlab the way Word prints them.

Each test draws one quirk (issue 8) and checks the adapter's blocks: wrapped phrases and titles
joined CJK-aware, a heading right above a table kept as a heading, blank cells kept in place,
one-value rows, a header split over lines, and a table row cut by a page break made whole.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Optional

import pytest

from auditor.adapters.pdf import PdfAdapter
from auditor.model import Block

reportlab = pytest.importorskip("reportlab")

FONT = "STSong-Light"
PAGE_W, PAGE_H = 595.0, 842.0
LEFT, RIGHT = 90.0, 505.0  # Word's default A4 margins, more or less
BODY = 12.0


@dataclass
class Cell:
    """A drawn table cell: slot position, spans and its text lines (as wrapped in the cell)."""

    row: int
    col: int
    text: str = ""
    rows: int = 1
    cols: int = 1
    lines: Optional[list[str]] = None


@dataclass
class Sheet:
    """A page being drawn, top-down coordinates; ``y`` is where the next thing goes."""

    canvas: object
    y: float = 72.0
    pages: int = 1
    widths: dict = field(default_factory=dict)

    def width(self, text: str, size: float) -> float:
        from reportlab.pdfbase import pdfmetrics

        return pdfmetrics.stringWidth(text, FONT, size)

    def line(self, text: str, *, size: float = BODY, x: float = LEFT, justify: bool = False,
             centre: bool = False, gap: float = 0.6) -> None:
        """One line of text; ``justify`` spreads it to the right margin as Word does."""
        c = self.canvas
        if centre:
            x = (LEFT + RIGHT) / 2 - self.width(text, size) / 2
        t = c.beginText(x, PAGE_H - self.y - size)
        t.setFont(FONT, size)
        # Character spacing is graphics state: it outlives the text object unless reset.
        spread = justify and len(text) > 1
        t.setCharSpace((RIGHT - x - self.width(text, size)) / (len(text) - 1) if spread else 0)
        t.textOut(text)
        c.drawText(t)
        self.y += size * (1 + gap)

    def table(self, cells: list[Cell], widths: list[float], heights: list[float], size: float = 9.0) -> None:
        """Ruled cells: a rectangle per cell, text lines centred vertically."""
        c = self.canvas
        xs = [LEFT]
        for w in widths:
            xs.append(xs[-1] + w)
        ys = [self.y]
        for h in heights:
            ys.append(ys[-1] + h)
        c.setLineWidth(0.5)
        for cell in cells:
            x0, x1 = xs[cell.col], xs[cell.col + cell.cols]
            top, bottom = ys[cell.row], ys[cell.row + cell.rows]
            c.rect(x0, PAGE_H - bottom, x1 - x0, bottom - top)
            lines = cell.lines if cell.lines is not None else ([cell.text] if cell.text else [])
            ty = (top + bottom) / 2 - len(lines) * size * 1.3 / 2
            for text in lines:
                c.setFont(FONT, size)
                c.drawString(x0 + 2, PAGE_H - ty - size, text)
                ty += size * 1.3
        self.y = ys[-1] + 6

    def page_number(self) -> None:
        self.canvas.setFont(FONT, 9)
        self.canvas.drawCentredString(PAGE_W / 2, 40, f"- {self.pages} -")

    def new_page(self) -> None:
        self.page_number()
        self.canvas.showPage()
        self.pages += 1
        self.y = 72.0


def draw(build) -> bytes:  # type: ignore[no-untyped-def]
    """A PDF drawn by ``build(sheet)``."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(PAGE_W, PAGE_H), invariant=1)
    sheet = Sheet(pdf)
    build(sheet)
    sheet.page_number()
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def read(data: bytes) -> tuple[Block, ...]:
    return PdfAdapter().read("quirk.pdf", data).blocks


def texts(blocks: tuple[Block, ...]) -> list[str]:
    return [b.text for b in blocks if b.kind == "text"]


def grids(blocks: tuple[Block, ...]) -> list[list[list[str]]]:
    return [[[c.text for c in row] for row in b.rows] for b in blocks if b.kind == "table"]


def paragraph(sheet: Sheet, lines: list[str]) -> None:
    """A paragraph: first line indented two characters, all but the last justified."""
    for index, text in enumerate(lines):
        x = LEFT + 2 * BODY if index == 0 else LEFT
        sheet.line(text, x=x, justify=index < len(lines) - 1)


# ------------------------------------------------------------------------------ wrapped text

def test_phrase_cut_at_the_line_end_is_joined_without_a_space():
    def build(sheet: Sheet) -> None:
        paragraph(sheet, ["本报告由淮安市市场监督管理局根据《中华人民共和国政府信息公开条", "例》编制。本报告所列数据的统",
                          "计期限自2024年1月1日起至2024年12月31日止。"])
        paragraph(sheet, ["本报告中所列数据的统计周期", "为2024年1月1日至12月31日。"])

    assert texts(read(draw(build))) == [
        "本报告由淮安市市场监督管理局根据《中华人民共和国政府信息公开条例》编制。本报告所列数据的统计期限自2024年1月1日起至2024年12月31日止。",
        "本报告中所列数据的统计周期为2024年1月1日至12月31日。",
    ]


def test_line_left_short_because_the_next_number_did_not_fit_still_continues():
    def build(sheet: Sheet) -> None:
        # Word moves "2024年1月1日" whole to the next line: the first line stops ~2 characters short.
        sheet.line("本报告中所列数据的统计期限自开始计算统计期限为公历年度期间即自", x=LEFT + 2 * BODY)
        sheet.line("2024年1月1日起至2024年12月31日止。")
        sheet.line("如对本报告有任何疑问，请与本机关联系。", x=LEFT + 2 * BODY)

    found = texts(read(draw(build)))
    assert found[0].endswith("即自2024年1月1日起至2024年12月31日止。")
    assert found[1] == "如对本报告有任何疑问，请与本机关联系。"


def test_agency_name_wrapped_inside_the_centred_title_is_one_title():
    def build(sheet: Sheet) -> None:
        sheet.line("江苏省淮安市清江浦区市场监督管理", size=20, centre=True, gap=0.4)
        sheet.line("局2024年政府信息公开工作年度报告", size=20, centre=True)
        paragraph(sheet, ["本报告依据《中华人民共和国政府信息公开条例》编制。"])

    assert texts(read(draw(build)))[:2] == [
        "江苏省淮安市清江浦区市场监督管理局2024年政府信息公开工作年度报告",
        "本报告依据《中华人民共和国政府信息公开条例》编制。",
    ]


def test_numbered_items_and_finished_sentences_are_not_joined():
    def build(sheet: Sheet) -> None:
        paragraph(sheet, ["本机关认真贯彻落实政府信息公开条例，全面推进政务公开工作，现将情况报告如下："])
        sheet.line("一、总体情况")
        paragraph(sheet, ["2024年，本机关主动公开政府信息1234条，较上年增长百分之十二点五，工作取得成效。"])
        sheet.line("（一）主动公开情况。全年更新栏目信息。")

    assert [t[:6] for t in texts(read(draw(build)))] == ["本机关认真贯", "一、总体情况", "2024年，", "（一）主动公"]


# ------------------------------------------------------------------------------------- tables

T3_WIDTHS = [60.0, 140.0] + [30.0] * 7


def test_heading_printed_right_above_a_table_stays_a_heading():
    def build(sheet: Sheet) -> None:
        sheet.line("二、主动公开政府信息情况", gap=0.05)
        sheet.table([Cell(0, 0, "第二十条第（一）项", cols=4),
                     Cell(1, 0, "信息内容"), Cell(1, 1, "本年制发件数"), Cell(1, 2, "本年废止件数"),
                     Cell(1, 3, "现行有效件数"),
                     Cell(2, 0, "规章"), Cell(2, 1, "1"), Cell(2, 2, "0"), Cell(2, 3, "11")],
                    [140.0, 90.0, 90.0, 90.0], [20.0, 20.0, 20.0])

    blocks = read(draw(build))
    assert [b.kind for b in blocks] == ["text", "table"]
    assert blocks[0].text == "二、主动公开政府信息情况"
    assert grids(blocks)[0][0] == ["第二十条第（一）项"] * 4


def test_heading_drawn_as_the_tables_first_row_comes_out_as_text():
    def build(sheet: Sheet) -> None:
        sheet.table([Cell(0, 0, "四、政府信息公开行政复议、行政诉讼情况", cols=3),
                     Cell(1, 0, "结果维持"), Cell(1, 1, "结果纠正"), Cell(1, 2, "总计"),
                     Cell(2, 0, "1"), Cell(2, 1, "0"), Cell(2, 2, "1")],
                    [100.0, 100.0, 100.0], [20.0, 20.0, 20.0])

    blocks = read(draw(build))
    assert [b.kind for b in blocks] == ["text", "table"]
    assert blocks[0].text == "四、政府信息公开行政复议、行政诉讼情况"
    assert grids(blocks)[0] == [["结果维持", "结果纠正", "总计"], ["1", "0", "1"]]


def test_total_row_with_an_empty_first_cell_keeps_every_value_in_its_column():
    def build(sheet: Sheet) -> None:
        cells = [Cell(0, 0, "三、本年度办理结果", rows=2, lines=["三、本年", "度办理结果"]), Cell(0, 1, "（一）予以公开")]
        cells += [Cell(0, 2 + i, str(n)) for i, n in enumerate((5, 1, 0, 0, 0, 0, 6))]
        cells += [Cell(1, 1, "（二）部分公开")] + [Cell(1, 2 + i, str(n)) for i, n in enumerate((1, 0, 0, 0, 0, 0, 1))]
        # The total row: its first cell drawn empty, the label in the second.
        cells += [Cell(2, 0, ""), Cell(2, 1, "（七）总计")]
        cells += [Cell(2, 2 + i, str(n)) for i, n in enumerate((6, 1, 0, 0, 0, 0, 7))]
        # A row whose first two cells are empty: numbers stay in their own columns.
        cells += [Cell(3, 0, ""), Cell(3, 1, "")] + [Cell(3, 2 + i, str(n) if i != 3 else "")
                                                      for i, n in enumerate((2, 0, 0, 9, 0, 0, 2))]
        sheet.table(cells, T3_WIDTHS, [20.0] * 4)

    rows = grids(read(draw(build)))[0]
    assert rows[2] == ["", "（七）总计", "6", "1", "0", "0", "0", "0", "7"]
    assert rows[3] == ["", "", "2", "0", "0", "", "0", "0", "2"]
    assert rows[0][0] == rows[1][0] == "三、本年度办理结果"


def test_one_value_rows_span_the_value_columns_and_read_as_label_and_number():
    def build(sheet: Sheet) -> None:
        sheet.table([Cell(0, 0, "第二十条第（五）项", cols=4),
                     Cell(1, 0, "信息内容"), Cell(1, 1, "本年处理决定数量", cols=3),
                     Cell(2, 0, "行政许可"), Cell(2, 1, "1234", cols=3)],
                    [140.0, 90.0, 90.0, 90.0], [20.0, 20.0, 20.0])
        sheet.y += 20
        sheet.line("行政许可          1234")  # the same row where the table has no lines

    blocks = read(draw(build))
    # No line divides the value columns anywhere: the grid has the two columns drawn.
    assert grids(blocks)[0] == [["第二十条第（五）项"] * 2, ["信息内容", "本年处理决定数量"], ["行政许可", "1234"]]
    assert texts(blocks)[-1] == "行政许可 1234"


def test_table_four_header_wrapped_over_lines_then_its_value_row():
    labels = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]

    def build(sheet: Sheet) -> None:
        cells = [Cell(0, 0, "行政复议", cols=5), Cell(0, 5, "行政诉讼", cols=10)]
        cells += [Cell(1, i, rows=2, lines=[label[:2], label[2:]] if len(label) > 2 else [label])
                  for i, label in enumerate(labels)]
        cells += [Cell(1, 5, cols=5, lines=["未经复议", "直接起诉"]), Cell(1, 10, cols=5, lines=["复议后", "起诉"])]
        cells += [Cell(2, 5 + i, lines=[label[:2], label[2:]] if len(label) > 2 else [label])
                  for i, label in enumerate(labels * 2)]
        cells += [Cell(3, i, str(n)) for i, n in enumerate((1, 0, 0, 0, 1, 2, 0, 0, 1, 3, 0, 0, 0, 0, 0))]
        sheet.table(cells, [27.0] * 15, [18.0, 26.0, 26.0, 18.0], size=8.0)

    rows = grids(read(draw(build)))[0]
    assert rows[1][:6] == [*labels, "未经复议直接起诉"]
    assert rows[2][5:10] == labels
    assert rows[3] == ["1", "0", "0", "0", "1", "2", "0", "0", "1", "3", "0", "0", "0", "0", "0"]


# --------------------------------------------------------------------------- across pages

def _t3_rows(start: int, rows: list[tuple[str, list[str]]]) -> list[Cell]:
    cells = []
    for offset, (label, values) in enumerate(rows):
        r = start + offset
        cells.append(Cell(r, 0, lines=[label[i:i + 20] for i in range(0, len(label), 20)]))
        cells += [Cell(r, 1 + i, v) for i, v in enumerate(values)]
    return cells


def _split_table(first: list[tuple[str, list[str]]], second: list[tuple[str, list[str]]]) -> bytes:
    """A table at the foot of page 1 continued at the top of page 2 (no repeated header)."""
    def build(sheet: Sheet) -> None:
        sheet.line("三、收到和处理政府信息公开申请情况")
        sheet.y = PAGE_H - 72 - 28 * len(first)
        sheet.table(_t3_rows(0, first), SPLIT_WIDTHS, [28.0] * len(first))
        sheet.new_page()
        sheet.table(_t3_rows(0, second), SPLIT_WIDTHS, [28.0] * len(second))
        sheet.line("四、政府信息公开行政复议、行政诉讼情况")

    return draw(build)


SPLIT_WIDTHS = [200.0] + [30.0] * 7
NUMBERS = ["447", "7", "0", "0", "0", "0", "454"]
EMPTY = [""] * 7


def test_row_cut_by_the_page_break_label_first_numbers_next_page_is_one_row():
    label = "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    rows = grids(read(_split_table([("（一）予以公开", ["1"] * 7), (label, EMPTY)],
                                   [("", NUMBERS), ("（三）不予公开", ["0"] * 7)])))
    assert len(rows) == 1
    assert rows[0] == [["（一）予以公开"] + ["1"] * 7,
                       ["（二）部分公开（区分处理的，只计这一情形，不计其他情形）", *NUMBERS],
                       ["（三）不予公开"] + ["0"] * 7]


def test_row_cut_by_the_page_break_numbers_first_label_ends_next_page_is_one_row():
    rows = grids(read(_split_table([("（一）予以公开", ["1"] * 7), ("（二）部分公开（区分处理的，只计这一情", NUMBERS)],
                                   [("形，不计其他情形）", EMPTY), ("（三）不予公开", ["0"] * 7)])))
    assert rows[0][1] == ["（二）部分公开（区分处理的，只计这一情形，不计其他情形）", *NUMBERS]
    assert len(rows[0]) == 3


def test_row_left_blank_at_the_foot_of_a_page_is_not_joined_to_the_next_row():
    rows = grids(read(_split_table([("（一）予以公开", ["1"] * 7), ("（二）部分公开", EMPTY)],
                                   [("（三）不予公开", ["0"] * 7)])))
    assert [row[0] for row in rows[0]] == ["（一）予以公开", "（二）部分公开", "（三）不予公开"]
    assert rows[0][1][1:] == EMPTY


def test_two_full_rows_either_side_of_the_break_stay_two_rows():
    rows = grids(read(_split_table([("行政处罚", ["3"] * 7)], [("行政强制", ["4"] * 7)])))
    assert [row[0] for row in rows[0]] == ["行政处罚", "行政强制"]


# ----------------------------------------------------------------- whole reports, end to end

def _wrap(sheet: Sheet, text: str, width: float, size: float) -> list[str]:
    lines, current = [], ""
    for char in text:
        if current and sheet.width(current + char, size) > width:
            lines.append(current)
            current = char
        else:
            current += char
    return [*lines, current] if current else lines


def _draw_spec(sheet: Sheet, spec: list, split_label: str = "") -> None:  # type: ignore[type-arg]
    """A builders.TableSpec drawn ruled; with ``split_label`` the row holding it is cut by a page
    break: its label at the foot of one page, its numbers at the top of the next."""
    from builders import _anchors

    anchors = _anchors(spec)
    height = max(r + rows for (r, _), (_, rows, _) in anchors.items())
    width = max(c + cols for (_, c), (_, _, cols) in anchors.items())
    labels = {10: [60.0, 70.0, 110.0], 4: [150.0]}.get(width, [])
    rest = (RIGHT + 30 - LEFT - sum(labels)) / (width - len(labels))
    widths = labels + [rest] * (width - len(labels))
    xs = [LEFT]
    for w in widths:
        xs.append(xs[-1] + w)
    size = 8.0

    def lines_of(text: str, c: int, cols: int) -> list[str]:
        return _wrap(sheet, text, xs[c + cols] - xs[c] - 4, size)

    heights = [18.0] * height
    for (r, c), (cell, rows, cols) in anchors.items():
        if rows == 1:
            heights[r] = max(heights[r], len(lines_of(cell.text, c, cols)) * size * 1.3 + 6)
    cut = next((r for (r, c), (cell, rows, _) in anchors.items() if split_label and split_label in cell.text and rows == 1),
               None)
    parts = [(0, height)] if cut is None else [(0, cut + 1), (cut, height)]
    for number, (first, last) in enumerate(parts):
        if number or sheet.y + sum(heights[first:last]) > PAGE_H - 72:
            sheet.new_page()
        cells = []
        for (r, c), (cell, rows, cols) in anchors.items():
            top, bottom = max(r, first), min(r + rows, last)
            if top >= bottom:
                continue
            text = cell.text if r >= first else ""  # a merged cell carries on, empty, on the next page
            if cut is not None and r == cut and rows == 1:
                is_label = c < len(labels) or not any(ch.isdigit() for ch in text)
                text = text if (number == 0) == is_label else ""
            cells.append(Cell(top - first, c, rows=bottom - top, cols=cols, lines=lines_of(text, c, cols)))
        sheet.table(cells, widths, heights[first:last], size=size)


def _quirky_report(plan, agency: str) -> bytes:  # type: ignore[no-untyped-def]
    """A report as Word prints it: the title centred on two lines, cut inside the agency name;
    justified paragraphs wrapped anywhere; headings right above their tables; table 三 with a
    row cut by a page break."""
    def build(sheet: Sheet) -> None:
        parts = list(plan.parts)
        if plan.title and parts and parts[0] == plan.title:
            cut = len(agency) - 2 if agency and plan.title.startswith(agency) else len(plan.title) // 2
            sheet.line(plan.title[:cut], size=18, centre=True, gap=0.4)
            sheet.line(plan.title[cut:], size=18, centre=True)
            parts = parts[1:]
        for index, part in enumerate(parts):
            if isinstance(part, str):
                tight = index + 1 < len(parts) and not isinstance(parts[index + 1], str)
                lines = _wrap(sheet, part, RIGHT - LEFT - 2 * BODY, BODY)
                lines = lines[:1] + _wrap(sheet, "".join(lines[1:]), RIGHT - LEFT, BODY)
                for number, text in enumerate(lines):
                    if sheet.y > PAGE_H - 90:
                        sheet.new_page()
                    sheet.line(text, x=LEFT + 2 * BODY if number == 0 else LEFT,
                               justify=number < len(lines) - 1, gap=0.05 if tight else 0.6)
            else:
                _draw_spec(sheet, part, split_label="部分公开")

    return draw(build)


@pytest.mark.parametrize("stem", ["000", "001", "002", "003", "004"])
def test_quirky_pdf_of_a_seed_reads_as_the_same_report_as_its_text(stem: str, tmp_path):
    from builders import SEEDS, plan_from_text, summary, text_reports

    from auditor.reading import load_reports

    seed = next(s for s in SEEDS if s.name.startswith(stem))
    expected = [summary(r) for r in text_reports(seed)]
    pdf = tmp_path / f"seed{stem}.pdf"
    pdf.write_bytes(_quirky_report(plan_from_text(seed), expected[0]["agency"] or ""))
    got = [summary(r) for r in load_reports(pdf)]
    assert got == expected


def test_table_drawn_without_side_borders_keeps_its_outer_columns():
    def build(sheet: Sheet) -> None:
        c = sheet.canvas
        xs, ys = [LEFT, LEFT + 150, LEFT + 230, LEFT + 310], [100.0, 120.0, 140.0]
        c.setLineWidth(0.5)
        for y in ys:
            c.line(xs[0], PAGE_H - y, xs[-1], PAGE_H - y)
        for x in xs[1:-1]:  # inner lines only: open on the left and on the right
            c.line(x, PAGE_H - ys[0], x, PAGE_H - ys[-1])
        for r, row in enumerate((("信息内容", "本年制发件数", "现行有效件数"), ("规章", "1", "11"))):
            for col, text in enumerate(row):
                c.setFont(FONT, 9)
                c.drawString(xs[col] + 2, PAGE_H - ys[r] - 14, text)

    assert grids(read(draw(build))) == [[["信息内容", "本年制发件数", "现行有效件数"], ["规章", "1", "11"]]]
