"""Tables from CMS pages and PDFs whose grids do not line up with the form (issue 8)."""

from __future__ import annotations

from pathlib import Path

from auditor.adapters.html import HtmlAdapter
from auditor.model import Block, Document, RawCell, Report, Span
from auditor.reading import load_reports
from auditor.recognize import recognize
from auditor.templates import load

ROOT = Path(__file__).resolve().parents[2]
NUMERALS = "一二三四五六"


def _seed(name: str = "000_60dfc1bb3c346b4a.txt") -> Report:
    return load_reports(ROOT / "examples" / "reports" / name)[0]


def _t3_html(report: Report, *, misaligned: set[str] = frozenset(), stretched: set[str] = frozenset()) -> str:
    """Table 三 as a CMS writes it: the header row spans nine columns; rows in ``misaligned``
    print their 商业企业 cell with colspan=2 and drop a later cell's width, rows in ``stretched``
    carry two empty cells past the last column."""
    template = load(report.format)
    raw = {cid: cell.raw for cid, cell in report.cells.items()}
    out = ['<table border="1">',
           '<tr><td colspan="2" rowspan="2">(本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和)</td>'
           '<td colspan="7">申请人情况</td></tr>',
           '<tr><td>自然人</td><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td>'
           '<td>总计</td></tr>']
    for row in template.t3_rows:
        values = [raw[f"t3.{row.id}.{c.id}"] for c in template.t3_columns]
        cells = [f'<td colspan="2">{row.label}</td>']
        for index, value in enumerate(values):
            if row.id in misaligned and index == 1:
                cells.append(f'<td colspan="2">{value}</td>')
            else:
                cells.append(f"<td>{value}</td>")
        if row.id in stretched:
            cells += ["<td></td>", "<td></td>"]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def _page(report: Report, t3: str) -> bytes:
    parts = ["<html><head><meta charset='utf-8'></head><body>"]
    if report.period:
        parts.append(f"<p>{report.period.statement}</p>")
    for section in report.sections:
        parts.append(f"<h2>{NUMERALS[section.number - 1]}、{section.heading}</h2>")
        parts.append(t3 if section.number == 3 else f"<p>{section.text[:200]}</p>")
    parts.append("</body></html>")
    return "".join(parts).encode("utf-8")


def test_cms_rows_whose_spans_do_not_line_up_read_as_their_distinct_cells() -> None:
    original = _seed()
    html = _t3_html(original, misaligned={"new", "granted", "total"}, stretched={"carried_over", "partial"})
    document = HtmlAdapter().read("cms.html", _page(original, html))
    [report] = [r for r in recognize(document) if r.kind == "annual-report"]
    t3 = {k: v for k, v in report.cell_values().items() if k.startswith("t3.")}
    assert t3 == {k: v for k, v in original.cell_values().items() if k.startswith("t3.")}
    reading = report.reading("t3")
    assert reading is not None and not reading.unplaced and not reading.missing_rows


def _grid(rows: list[list[str]]) -> Block:
    width = max(len(r) for r in rows)
    return Block("table", rows=tuple(
        tuple(RawCell(text, Span(page=1, locator=f"r{i}c{j}")) for j, text in enumerate(row + [""] * (width - len(row))))
        for i, row in enumerate(rows)))


def _t3_grid(report: Report, *, unlabelled: str = "") -> Block:
    template = load(report.format)
    rows = [["", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]]
    for row in template.t3_rows:
        values = [report.cells[f"t3.{row.id}.{c.id}"].raw for c in template.t3_columns]
        rows.append(["" if row.id == unlabelled else row.label, *values])
    return _grid(rows)


def _document(report: Report, t3: Block) -> Document:
    blocks = [Block("text", text=report.period.statement if report.period else "")]
    for section in report.sections:
        blocks.append(Block("text", text=f"{NUMERALS[section.number - 1]}、{section.heading}"))
        blocks.append(t3 if section.number == 3 else Block("text", text=section.text[:100]))
    return Document(path="p.pdf", adapter="pdf", blocks=tuple(blocks))


def test_a_pdf_total_row_with_its_label_cell_empty_is_placed_in_the_only_gap() -> None:
    original = _seed()
    [report] = [r for r in recognize(_document(original, _t3_grid(original, unlabelled="total")))
                if r.kind == "annual-report"]
    assert report.cells["t3.total.natural"].value == original.cells["t3.total.natural"].value
    assert {k: v for k, v in report.cell_values().items() if k.startswith("t3.")} == \
        {k: v for k, v in original.cell_values().items() if k.startswith("t3.")}
    assert any("无行名的一行数值" in note for note in report.notes)


def test_an_unlabelled_row_with_two_gaps_is_not_guessed() -> None:
    original = _seed()
    grid = _t3_grid(original, unlabelled="total")
    rows = [row for row in grid.rows if row[0].text != "(六)其他处理"]  # the row before it missing too
    [report] = [r for r in recognize(_document(original, Block("table", rows=tuple(rows))))
                if r.kind == "annual-report"]
    reading = report.reading("t3")
    assert reading is not None and set(reading.missing_rows) == {"total", "other"}
    assert len(reading.unplaced) == 7 and "t3.total.natural" not in report.cells
