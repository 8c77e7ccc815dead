"""Render report text into HTML, DOCX and PDF with real merged cells, for adapter tests.

A seed's text is read with the text adapter and recognized; its lines are kept as paragraphs and
the body of sections 二/三/四 is replaced by the national table drawn from the recognized cells
(raw text as written), with the official merges: group headings across the row, 申请人情况 and
法人或其他组织 across their columns, 三、本年度办理结果 and （三）不予公开… down their rows.

PDFs are drawn with reportlab's built-in ``STSong-Light`` CID font (no font file needed, so the
output is small and reproducible) and a hand-ruled table paginated row by row, so a table can
be forced across a page break — with or without a repeated header, and with a merged label cut
in two by the break (``（四）无`` / ``法提供``, as in the real 淮安 report).

Regenerate committed fixtures with ``python tests/adapters/builders.py`` (needs reportlab).
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

from auditor.model import Report
from auditor.reading import read_document
from auditor.recognize import recognize
from auditor.recognize.items import items_from_blocks
from auditor.templates import load

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "adapters"
ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted((ROOT / "examples" / "reports").glob("*.txt"))
REAL = ROOT.parent / "shared" / "real"

_FULL_WIDTH = str.maketrans({"(": "（", ")": "）", ",": "，", ":": "："})


@dataclass
class Merged:
    """A table cell as an author writes it: text plus how far it spans."""

    text: str
    rowspan: int = 1
    colspan: int = 1


TableSpec = list[list[Merged]]


@dataclass
class Plan:
    """What a rendered file holds, in order: paragraphs (str) and tables (TableSpec)."""

    parts: list[Union[str, TableSpec]] = field(default_factory=list)
    title: str = ""


def _printed(label: str) -> str:
    """Template labels are normalised (half-width); print them as the official form does."""
    return label.translate(_FULL_WIDTH)


def _raw(report: Report, cell_id: str) -> str:
    cell = report.cells.get(cell_id)
    return cell.raw if cell is not None else ""


def t2_table(report: Report) -> TableSpec:
    template = load(report.format or "2019")
    width = 1 + max(len(group.columns) for group in template.t2_groups)
    rows: TableSpec = []
    for group in template.t2_groups:
        rows.append([Merged(_printed(group.label), colspan=width)])
        header = [Merged("信息内容")]
        for index, column in enumerate(group.columns):
            last = index == len(group.columns) - 1
            header.append(Merged(_printed(column.label), colspan=width - len(group.columns) if last else 1))
        rows.append(header)
        for row in group.rows:
            line = [Merged(_printed(row.label))]
            for index, column in enumerate(group.columns):
                last = index == len(group.columns) - 1
                line.append(Merged(_raw(report, f"t2.{row.id}.{column.id}"),
                                   colspan=width - len(group.columns) if last else 1))
            rows.append(line)
    return rows


def t3_table(report: Report) -> TableSpec:
    template = load(report.format or "2019")
    columns = template.t3_columns
    groups = {g.id: _printed(g.label) for g in template.t3_groups}
    rows: TableSpec = [
        [Merged("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", rowspan=3, colspan=3),
         Merged("申请人情况", colspan=len(columns))],
        [Merged(_printed(columns[0].label), rowspan=2), Merged("法人或其他组织", colspan=len(columns) - 2),
         Merged(_printed(columns[-1].label), rowspan=2)],
        [Merged(_printed(c.label)) for c in columns[1:-1]],
    ]
    body = template.t3_rows
    in_results = [r for r in body if r.group]
    first_result = True
    seen_groups: set[str] = set()
    for row in body:
        line: list[Merged] = []
        if not row.group:
            line.append(Merged(_printed(row.label), colspan=3))
        else:
            if first_result:
                line.append(Merged(groups.get("results", "三、本年度办理结果"), rowspan=len(in_results)))
                first_result = False
            if row.group == "results":
                line.append(Merged(_printed(row.label), colspan=2))
            else:
                if row.group not in seen_groups:
                    seen_groups.add(row.group)
                    size = sum(1 for r in body if r.group == row.group)
                    line.append(Merged(groups[row.group], rowspan=size))
                line.append(Merged(_printed(row.label)))
        line += [Merged(_raw(report, f"t3.{row.id}.{c.id}")) for c in columns]
        rows.append(line)
    return rows


def t4_table(report: Report) -> TableSpec:
    template = load(report.format or "2019")
    columns = template.t4_columns
    n = len(columns)
    review, direct, after = template.t4_rows
    return [
        [Merged("行政复议", colspan=n), Merged("行政诉讼", colspan=2 * n)],
        [*(Merged(_printed(c.label), rowspan=2) for c in columns),
         Merged(_printed(direct.label), colspan=n), Merged(_printed(after.label), colspan=n)],
        [Merged(_printed(c.label)) for c in columns] * 2,
        [Merged(_raw(report, f"t4.{r.id}.{c.id}")) for r in (review, direct, after) for c in columns],
    ]


TABLE_BUILDERS = {"t2": t2_table, "t3": t3_table, "t4": t4_table}
TABLE_SECTION = {"t2": 2, "t3": 3, "t4": 4}


def plan_from_text(path: Path) -> Plan:
    """The seed's lines, with each recognized table's section body replaced by its grid."""
    document = read_document(path)
    reports = recognize(document)
    lines = {item.span.line: item.text for item in items_from_blocks(document.blocks) if item.grid is None}
    replaced: dict[int, tuple[int, TableSpec]] = {}  # first body line -> (last body line, table)
    for report in reports:
        for table in report.tables:
            section = report.section(TABLE_SECTION[table])
            if section is None or section.span.line is None:
                continue
            start, end = section.span.line + 1, section.span.end_line or section.span.line
            replaced[start] = (end, TABLE_BUILDERS[table](report))
    plan = Plan(title=next((r.title for r in reports if r.title), "") or "")
    line_numbers = sorted(n for n in lines if n is not None)
    skip_until = 0
    for number in line_numbers:
        if number <= skip_until:
            continue
        if number in replaced:
            skip_until, table = replaced[number]
            plan.parts.append(table)
            continue
        text = lines[number].strip()
        if text:
            plan.parts.append(text)
    return plan


# ------------------------------------------------------------------------------------- HTML

def _html_table(table: TableSpec, *, border: bool = True) -> str:
    out = ['<table border="1" cellspacing="0">' if border else "<table>", "<tbody>"]
    for row in table:
        out.append("<tr>")
        for cell in row:
            attrs = (f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "") + \
                    (f' colspan="{cell.colspan}"' if cell.colspan > 1 else "")
            text = html.escape(cell.text)
            # Labels wrapped the way editors do it: <p> and <span> pieces, &nbsp; padding.
            if len(text) > 12 and not re.search(r"\d", text):
                middle = len(text) // 2
                text = f"<p><span>{text[:middle]}</span></p><p>{text[middle:]}</p>"
            elif not text:
                text = "&nbsp;"
            out.append(f"<td{attrs}>{text}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def to_html(plan: Plan, *, encoding: str = "utf-8", portal: bool = False) -> bytes:
    """A page; ``portal`` wraps it like a government site: navigation, breadcrumb, footer,
    scripts, and the content inside nested layout tables."""
    body = []
    for part in plan.parts:
        if isinstance(part, str):
            tag = "h2" if re.match(r"^[一二三四五六]、", part) else "p"
            body.append(f"<{tag}>{html.escape(part)}</{tag}>")
        else:
            body.append(_html_table(part))
    content = "\n".join(body)
    charset = "gb2312" if encoding.lower() in ("gbk", "gb2312", "gb18030") else encoding
    if portal:
        content = f"""
<div id="header"><div class="logo">XX市人民政府门户网站</div>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk">政务公开</a></li>
<li><a href="/hd">互动交流</a></li></ul></div>
<div class="breadcrumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; 年度报告</div>
<table width="100%" class="layout"><tr><td width="200" class="left-menu">
<ul class="menu"><li><a>机构职能</a></li><li><a>政策文件</a></li></ul></td>
<td><table width="100%"><tr><td class="article">
{content}
</td></tr></table></td></tr></table>
<div class="share">分享到：微信 微博</div>
<div id="footer"><p>主办：XX市人民政府办公室 版权所有</p><p>网站标识码 3201000001 ICP备案号</p></div>
<script>var _hmt = _hmt || []; document.write("统计");</script>"""
    page = f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{html.escape(plan.title or "年度报告")}</title><style>td {{ border: 1px solid #000 }}</style></head>
<body>{content}</body></html>
"""
    return page.encode("gb18030" if charset == "gb2312" else encoding)


# ------------------------------------------------------------------------------------- DOCX

def to_docx(plan: Plan) -> bytes:
    """A Word file: paragraphs, and tables whose merges are real gridSpan/vMerge."""
    import docx

    document = docx.Document()
    for part in plan.parts:
        if isinstance(part, str):
            document.add_paragraph(part)
            continue
        grid = _layout(part)
        table = document.add_table(rows=len(grid), cols=len(grid[0]))
        table.style = "Table Grid"
        for (r, c), (cell, rows, cols) in _anchors(part).items():
            target = table.cell(r, c)
            if rows > 1 or cols > 1:
                target = target.merge(table.cell(r + rows - 1, c + cols - 1))
            lines = _wrap_label(cell.text)
            target.text = lines[0] if lines else ""
            for extra in lines[1:]:
                target.add_paragraph(extra)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _wrap_label(text: str) -> list[str]:
    """Long labels split over two paragraphs in the cell, as a narrow Word column does."""
    if len(text) > 16 and not re.fullmatch(r"[\d.\-+%万元]+", text):
        middle = len(text) // 2
        return [text[:middle], text[middle:]]
    return [text] if text else []


def _anchors(table: TableSpec) -> dict[tuple[int, int], tuple[Merged, int, int]]:
    """Top-left slot of every cell, with its spans (HTML table model)."""
    taken: set[tuple[int, int]] = set()
    anchors = {}
    for r, row in enumerate(table):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            anchors[(r, c)] = (cell, cell.rowspan, cell.colspan)
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            c += cell.colspan
    return anchors


def _layout(table: TableSpec) -> list[list[Optional[tuple[int, int]]]]:
    anchors = _anchors(table)
    height = max(r + rows for (r, _), (_, rows, _) in anchors.items())
    width = max(c + cols for (_, c), (_, _, cols) in anchors.items())
    grid: list[list[Optional[tuple[int, int]]]] = [[None] * width for _ in range(height)]
    for (r, c), (_, rows, cols) in anchors.items():
        for dr in range(rows):
            for dc in range(cols):
                grid[r + dr][c + dc] = (r, c)
    return grid


# -------------------------------------------------------------------------------------- PDF

PAGE_W, PAGE_H = 595.0, 842.0
MARGIN = 72.0
FONT = "STSong-Light"


def to_pdf(plan: Plan, *, split_tables: bool = True, repeat_header: bool = False,
           font_size: float = 10.5) -> bytes:
    """A text-layer PDF. With ``split_tables`` the page is filled so that table 三 starts low on
    a page and continues on the next; ``repeat_header`` redraws its header rows there."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(PAGE_W, PAGE_H), invariant=1)
    state = {"y": PAGE_H - MARGIN, "page": 1}

    def new_page() -> None:
        pdf.setFont(FONT, 9)
        pdf.drawCentredString(PAGE_W / 2, 40, f"- {state['page']} -")
        pdf.showPage()
        state["page"] += 1
        state["y"] = PAGE_H - MARGIN

    def width_of(text: str, size: float = font_size) -> float:
        return pdfmetrics.stringWidth(text, FONT, size)

    def wrap(text: str, width: float, size: float = font_size) -> list[str]:
        lines, current = [], ""
        for char in text:
            if current and width_of(current + char, size) > width:
                lines.append(current)
                current = char
            else:
                current += char
        return [*lines, current] if current else lines

    for part in plan.parts:
        if isinstance(part, str):
            for line in wrap(part, PAGE_W - 2 * MARGIN):
                if state["y"] < MARGIN + font_size:
                    new_page()
                pdf.setFont(FONT, font_size)
                pdf.drawString(MARGIN, state["y"] - font_size, line)
                state["y"] -= font_size * 1.6
            continue
        _draw_table(pdf, part, state, new_page, wrap, split_tables=split_tables, repeat_header=repeat_header)
    new_page()
    pdf.save()
    return buffer.getvalue()


def _draw_table(pdf, table: TableSpec, state, new_page, wrap, *, split_tables: bool, repeat_header: bool) -> None:
    grid = _layout(table)
    anchors = _anchors(table)
    width = len(grid[0])
    # Narrow numeric columns, wide label columns; t4 has no label columns.
    label_cols = 3 if width == 10 else (1 if width <= 4 else 0)
    usable = PAGE_W - 2 * MARGIN
    if label_cols:
        label_w = [70.0, 80.0, 110.0][:label_cols] if label_cols == 3 else [150.0]
        rest = (usable - sum(label_w)) / (width - label_cols)
        widths = label_w + [rest] * (width - label_cols)
    else:
        widths = [usable / width] * width
    xs = [MARGIN]
    for w in widths:
        xs.append(xs[-1] + w)
    size = 8.0
    line_h = size * 1.4
    # Row heights: enough lines for every single-row cell's text.
    heights = []
    for r in range(len(grid)):
        lines = 1
        for (ar, ac), (cell, rows, cols) in anchors.items():
            if ar == r and rows == 1:
                lines = max(lines, len(wrap(cell.text, xs[ac + cols] - xs[ac] - 4, size)) or 1)
        heights.append(lines * line_h + 6)
    header_rows = 3 if width == 10 else 0
    if split_tables and len(grid) > 12:
        # Start low enough on the page that the break falls inside the table body.
        needed = sum(heights[:header_rows + 14])
        if state["y"] - MARGIN > needed:
            state["y"] = MARGIN + needed
    # Paginate by rows; each page draws the part of every cell that falls on it.
    start = 0
    first_page = True
    while start < len(grid):
        top = state["y"]
        end = start
        available = top - MARGIN
        prefix = list(range(header_rows)) if (repeat_header and not first_page) else []
        used = sum(heights[r] for r in prefix)
        while end < len(grid) and used + heights[end] <= available:
            used += heights[end]
            end += 1
        if end == start:
            new_page()
            continue
        rows_here = prefix + list(range(start, end))
        y_of = {}
        y = top
        for r in rows_here:
            y_of[r] = y
            y -= heights[r]
        bottom_of = {r: y_of[r] - heights[r] for r in rows_here}
        pdf.setLineWidth(0.6)
        for (ar, ac), (cell, rows, cols) in anchors.items():
            covered = [r for r in rows_here if ar <= r < ar + rows]
            if not covered:
                continue
            x0, x1 = xs[ac], xs[ac + cols]
            y_top, y_bottom = y_of[covered[0]], bottom_of[covered[-1]]
            pdf.rect(x0, y_bottom, x1 - x0, y_top - y_bottom)
            lines = wrap(cell.text, x1 - x0 - 4, size)
            # A merged label cut by the page break: its first half here, the rest on the next page.
            if rows > 1 and len(covered) < rows:
                if ar >= start and ar + rows > end:  # starts here, continues
                    cut = max(1, len(lines) // 2) if len(lines) > 1 else len(lines)
                    lines = lines[:cut]
                elif ar < start:  # continued from the previous page
                    full = wrap(cell.text, x1 - x0 - 4, size)
                    lines = full[max(1, len(full) // 2):] if len(full) > 1 else []
            pdf.setFont(FONT, size)
            text_y = (y_top + y_bottom) / 2 + (len(lines) * line_h) / 2 - size
            for line in lines:
                pdf.drawString(x0 + 2, text_y, line)
                text_y -= line_h
        state["y"] = y - 12
        start = end
        first_page = False
        if start < len(grid):
            new_page()


def encrypted_pdf() -> bytes:
    """A report page that opens only with a user password."""
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, encrypt=StandardEncryption("secret", canPrint=0), invariant=1)
    pdf.setFont(FONT, 12)
    pdf.drawString(72, 760, "某某局2020年政府信息公开工作年度报告")
    pdf.save()
    return buffer.getvalue()


def scanned_pdf() -> bytes:
    """An image-only page, as a scanner produces: pixels and no text layer."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("L", (240, 320), 255)
    draw = ImageDraw.Draw(image)
    for y in range(20, 300, 12):
        draw.line((20, y, 220, y), fill=0, width=3)  # lines of "print"
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=1)
    pdf.drawImage(ImageReader(image), 72, 300, width=240, height=320)
    pdf.save()
    return buffer.getvalue()


def main() -> None:
    """Write the committed fixtures: the seeds as PDFs (CI needs no reportlab), the portal page,
    an encrypted and a scanned PDF."""
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for seed in SEEDS:
        plan = plan_from_text(seed)
        stem = seed.stem.split("_")[0]
        (FIXTURES / f"seed{stem}_t3_split_over_pages.pdf").write_bytes(to_pdf(plan))
        (FIXTURES / f"seed{stem}_repeated_header.pdf").write_bytes(to_pdf(plan, repeat_header=True))
    portal = plan_from_text(next(p for p in SEEDS if p.name.startswith("000")))
    (FIXTURES / "portal_gbk_nested_layout.html").write_bytes(to_html(portal, encoding="gbk", portal=True))
    (FIXTURES / "encrypted_user_password.pdf").write_bytes(encrypted_pdf())
    (FIXTURES / "scanned_image_only.pdf").write_bytes(scanned_pdf())
    print(f"wrote fixtures to {FIXTURES}")


if __name__ == "__main__":
    main()


# ------------------------------------------------------------------------------- comparing

def summary(report: Report) -> dict:
    """What must survive a change of file format: metadata, sections and every cell."""
    return {
        "kind": report.kind, "agency": report.agency, "year": report.year, "format": report.format,
        "title": report.title, "published": report.published,
        "sections": [(s.number, s.heading, s.standard) for s in report.sections],
        "tables": report.tables,
        "cells": {cid: (c.value, c.state, c.raw, c.unit) for cid, c in report.cells.items()},
        "period": (report.period.start, report.period.end) if report.period else None,
        "contact": (report.contact.phones, report.contact.emails),
    }


def text_reports(seed: Path) -> list[Report]:
    from auditor.reading import load_reports

    return load_reports(seed)
