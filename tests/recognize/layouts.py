"""Re-lay a recognized report into each text layout the seeds show.

Used by tests to prove the recognizer reads the same cells whatever the layout: rows on one
line split by ``|`` (seed 000), one cell per line ending in `` |`` (001/004), one cell per line
with blank lines between (002), and a Word export with tab-indented cells (003).
"""

from __future__ import annotations

from auditor.model import Report
from auditor.templates import load

NUMERALS = "一二三四五六"
LAYOUTS = ("pipe_rows", "cell_per_line", "blank_separated", "word_tabs")


def table_rows(report: Report) -> dict[int, list[list[str]]]:
    """Rows (lists of cell texts) of tables 二, 三 and 四, keyed by the section holding them."""
    template = load(report.format)
    raw = {cid: cell.raw for cid, cell in report.cells.items()}
    rows: dict[int, list[list[str]]] = {2: [], 3: [], 4: []}
    for group in template.t2_groups:
        rows[2].append([group.label])
        rows[2].append(["信息内容", *(c.label for c in group.columns)])
        for row in group.rows:
            rows[2].append([row.label, *(raw.get(f"t2.{row.id}.{c.id}", "") for c in group.columns)])
    rows[3].append(["(本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和)", "申请人情况"])
    rows[3].append(["自然人", "法人或其他组织", "总计"])
    rows[3].append(["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"])
    for row in template.t3_rows:
        rows[3].append([row.label, *(raw.get(f"t3.{row.id}.{c.id}", "") for c in template.t3_columns)])
    rows[4].append(["行政复议", "行政诉讼"])
    rows[4].append(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "复议后起诉"])
    rows[4].append(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2)
    rows[4].append([raw.get(f"t4.{r.id}.{c.id}", "") for r in template.t4_rows for c in template.t4_columns])
    return rows


def render(report: Report, layout: str) -> str:
    """The report as text in ``layout``: title, intro, six sections, tables in their sections."""
    lines = [report.title or "", report.period.statement if report.period else ""]
    tables = table_rows(report)
    for section in report.sections:
        lines.append(f"{NUMERALS[section.number - 1]}、{section.heading}")
        if section.number in tables:
            lines.extend(_layout_rows(tables[section.number], layout))
        else:
            lines.extend(section.text.splitlines())
    if layout == "blank_separated":
        # Every line followed by an empty one; a blank cell is one more empty line (its place kept).
        return "".join("\n" if line is None else f"{line}\n\n" for line in lines)
    return "\n".join(line or "" for line in lines) + "\n"


def _layout_rows(rows: list[list[str]], layout: str) -> list[str]:
    out: list[str] = []
    for row in rows:
        if layout == "pipe_rows":
            out.append(" | ".join(row) + " | |")
        elif layout == "cell_per_line":
            # Like the scraper behind 001/004: blank cells collapse into a run of pipes.
            out.extend(f"{cell} |" for cell in row if cell)
            out.append("|" * (1 + sum(1 for cell in row if not cell)))
        elif layout == "blank_separated":
            out.extend(cell if cell else None for cell in row)  # type: ignore[misc]
        elif layout == "word_tabs":
            out.extend(f"\t\t{cell}" for cell in row)
            out.append("\t")
    return out
