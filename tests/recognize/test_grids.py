"""Grids from structured adapters (merged cells repeated into every slot) map onto the same
cells as the text layouts."""

from pathlib import Path

from auditor.model import Block, Document, RawCell, Span
from auditor.reading import load_reports
from auditor.recognize import recognize
from auditor.templates import load

ROOT = Path(__file__).resolve().parents[2]
NUMERALS = "一二三四五六"


def _grid(rows: list[list[str]]) -> Block:
    width = max(len(r) for r in rows)
    padded = [row + [""] * (width - len(row)) for row in rows]
    cells = tuple(tuple(RawCell(text, Span(locator=f"tr[{i}]/td[{j}]")) for j, text in enumerate(row))
                  for i, row in enumerate(padded))
    return Block("table", rows=cells)


def _official_form_grids(report) -> dict[int, list[Block]]:
    """The tables as the official form prints them, merged cells expanded."""
    template = load(report.format)
    raw = {cid: cell.raw for cid, cell in report.cells.items()}
    t2 = []
    for group in template.t2_groups:
        width = 3
        t2.append([group.label] * (width + 1))
        t2.append(["信息内容", *[c.label for c in group.columns], *[group.columns[-1].label] * (width - len(group.columns))])
        for row in group.rows:
            values = [raw[f"t2.{row.id}.{c.id}"] for c in group.columns]
            t2.append([row.label, *values, *[values[-1]] * (width - len(values))])
    head = "(本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和)"
    t3 = [[head] * 3 + ["申请人情况"] * 7,
          [head] * 3 + ["自然人"] + ["法人或其他组织"] * 5 + ["总计"],
          [head] * 3 + ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]]
    groups = {"denied": "(三)不予公开", "unable": "(四)无法提供", "not_processed": "(五)不予处理", "other": "(六)其他处理"}
    for row in template.t3_rows:
        values = [raw[f"t3.{row.id}.{c.id}"] for c in template.t3_columns]
        if row.group == "results":
            labels = ["三、本年度办理结果", row.label, row.label]
        elif row.group:
            labels = ["三、本年度办理结果", groups[row.group], row.label]
        else:
            labels = [row.label] * 3
        t3.append(labels + values)
    t4 = [["行政复议"] * 5 + ["行政诉讼"] * 10,
          ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] + ["未经复议直接起诉"] * 5 + ["复议后起诉"] * 5,
          ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3,
          [raw[f"t4.{r.id}.{c.id}"] for r in template.t4_rows for c in template.t4_columns]]
    return {2: [_grid(t2)], 3: [_grid(t3)], 4: [_grid(t4)]}


def _as_structured(report) -> Document:
    grids = _official_form_grids(report)
    blocks = [Block("text", text=report.title or "", span=Span(locator="h1"))]
    for section in report.sections:
        blocks.append(Block("text", text=f"{NUMERALS[section.number - 1]}、{section.heading}"))
        blocks.extend(grids.get(section.number, [Block("text", text=section.text)]))
    return Document(path="form.html", adapter="test", blocks=tuple(blocks))


def test_official_form_grids_map_like_text() -> None:
    for seed in ("000_60dfc1bb3c346b4a.txt", "001_1fa793b153ce3d21.txt", "003_199c53d3d7ac26c8.txt"):
        original = load_reports(ROOT / "examples" / "reports" / seed)[0]
        [again] = recognize(_as_structured(original))
        assert again.cell_values() == original.cell_values(), seed
        assert again.format == original.format
        assert not [n for n in again.notes if "extra values" in n], again.notes


def test_grid_blank_cells_keep_their_column() -> None:
    shantou = load_reports(ROOT / "examples" / "reports" / "004_69f1cdd360e96bf0.txt")[4]
    [again] = recognize(_as_structured(shantou))
    assert again.cell_values() == shantou.cell_values()
    assert again.cells["t3.granted.commercial"].state == "blank"
    assert again.cells["t3.granted.total"].span.locator  # grid cells keep their element path
