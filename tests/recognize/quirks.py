"""Re-lay a recognized report the way real scrapers and converters mangle reports.

Each renderer reproduces one family of damage seen in published material (issue 8): a scraper's
archive with the whole body on one line (cells separated by spaces, or by nothing), a
PDF-to-markdown conversion, text layouts that keep a blank cell's position, and reports that
number their sections unusually. Tests check that the recognizer reads the same cells back — or,
where the damage destroyed information, says so instead of guessing.
"""

from __future__ import annotations

from auditor.model import Report
from tests.recognize.layouts import NUMERALS, table_rows

HEADER = ("标题: {title}\n发布时间: {published} 09:30:12\n栏目: 政府信息公开年报\n"
          "原文链接: http://www.example.gov.cn/xxgk/{index}.html\n==== 正文 ====\n")


def _row_text(row: list[str], sep: str) -> str:
    return sep.join(cell for cell in row if cell or sep) if sep else "".join(row)


def one_line(report: Report, *, sep: str = " ", header: bool = True, title: str = "") -> str:
    """The scraper archive: a header block, then the whole page on one line — headings run into
    paragraphs, table cells separated by ``sep`` (a blank cell leaves two separators) or by
    nothing at all (a blank cell vanishes)."""
    title = title or report.title or f"{report.agency}{report.year}年政府信息公开工作年度报告"
    tables = table_rows(report)
    pieces: list[str] = []
    if report.period:
        pieces.append(report.period.statement)
    for section in report.sections:
        pieces.append(f"{NUMERALS[section.number - 1]}、{section.heading}")
        if section.number in tables:
            pieces.append(sep.join(_row_text(row, sep) for row in tables[section.number]))
        else:
            pieces.append(section.text.replace("\n", ""))
    contact = "联系电话：0771-4507682，邮箱：office@example.gov.cn。"
    body = contact + "".join(pieces)
    head = HEADER.format(title=title, published=report.published or "2021-01-20", index=report.source.index)
    return (head if header else "") + body + "\n"


def markdown(report: Report) -> str:
    """A PDF-to-markdown conversion: ``#`` headings, pipe tables under ``|---|`` rules, group
    labels on rows of their own, some row labels as headings with their numbers in the next row,
    table 四 as three small tables, page footers between rows."""
    tables = table_rows(report)
    lines = [f"# {report.title or '政府信息公开工作年度报告'}", ""]
    if report.period:
        lines += [report.period.statement, ""]
    page = 1
    for section in report.sections:
        lines += [f"## {NUMERALS[section.number - 1]}、{section.heading}", ""]
        rows = tables.get(section.number)
        if rows is None:
            lines += [section.text, ""]
            continue
        if section.number == 4:
            values = rows[-1]
            for index, name in enumerate(("行政复议", "未经复议直接起诉", "复议后起诉")):
                lines += [f"| {name} | | | | |", "|---|---|---|---|---|",
                          "| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |",
                          "| " + " | ".join(values[index * 5:index * 5 + 5]) + " |", ""]
            continue
        width = max(len(r) for r in rows)
        for number, row in enumerate(rows):
            if number == 1:
                lines.append("|" + "---|" * width)
            if section.number == 3 and row[0].startswith(("一、", "四、")):
                lines += [f"### {row[0]}", "| " + " | ".join(row[1:]) + " |"]
            else:
                lines.append("| " + " | ".join(row + [""] * (width - len(row))) + " |")
            if number and number % 9 == 0:
                page += 1
                lines.append(f"— {page} —")
        lines.append("")
    return "\n".join(lines) + "\n"


def kept_blanks(report: Report, style: str) -> str:
    """One cell per line where a blank cell keeps its place: ``pipe`` (a line that is only
    ``|``), ``tab`` (a tab-only line in a Word export), ``empty`` (an extra empty line between
    cell lines)."""
    tables = table_rows(report)
    lines: list[str] = [report.title or "", report.period.statement if report.period else ""]
    for section in report.sections:
        lines.append(f"{NUMERALS[section.number - 1]}、{section.heading}")
        rows = tables.get(section.number)
        if rows is None:
            lines.extend(section.text.splitlines())
            continue
        for row in rows:
            for cell in row:
                if style == "pipe":
                    lines.append(f"{cell} |" if cell else "|")
                elif style == "tab":
                    lines.append(f"\t\t{cell}" if cell else "\t\t")
                else:
                    lines += [cell, ""] if cell else [""]
            if style == "pipe":
                lines.append("||")
            elif style == "tab":
                lines.append("\t")
    return "\n".join(lines) + "\n"
