"""Quirks of real CMS report pages (TRS editor markup seen in the real-report corpus), each on a
small page written here to reproduce it."""

from __future__ import annotations

from pathlib import Path

from auditor.adapters.html import HtmlAdapter, hoist_shared_values
from auditor.engine import load_rules
from auditor.model import RawCell, Report
from auditor.reading import load_reports

T3_HEAD = """<table border="1">
<tr><td colspan="3" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>
<td colspan="7">申请人情况</td></tr>
<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>
<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>
"""
GROUPS = (
    ("（三）不予公开", ("1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "4.保护第三方合法权益",
                  "5.属于三类内部事务信息", "6.属于四类过程性信息", "7.属于行政执法案卷", "8.属于行政查询事项")),
    ("（四）无法提供", ("1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确")),
    ("（五）不予处理", ("1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物", "4.无正当理由大量反复申请",
                  "5.要求行政机关确认或重新出具已获取信息")),
)
OTHER = ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
         "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "3.其他")


def _tds(values, attrs: str = "") -> str:
    return "".join(f"<td{attrs}>{v}</td>" for v in values)


def _t3_page(other_rows: str) -> str:
    """A 2021 table 三 where 5 applications were answered 2 予以公开 + 3 其他处理."""
    zero = [0] * 7
    rows = [f'<tr><td colspan="3">一、本年新收政府信息公开申请数量</td>{_tds([5, 0, 0, 0, 0, 0, 5])}</tr>',
            f'<tr><td colspan="3">二、上年结转政府信息公开申请数量</td>{_tds(zero)}</tr>',
            f'<tr><td rowspan="22">三、本年度办理结果</td><td colspan="2">（一）予以公开</td>'
            f'{_tds([2, 0, 0, 0, 0, 0, 2])}</tr>',
            f'<tr><td colspan="2">（二）部分公开（区分处理的，只计这一情形，不计其他情形）</td>{_tds(zero)}</tr>']
    for group, labels in GROUPS:
        for i, label in enumerate(labels):
            head = f'<td rowspan="{len(labels)}">{group}</td>' if i == 0 else ""
            rows.append(f"<tr>{head}<td>{label}</td>{_tds(zero)}</tr>")
    rows.append(other_rows)
    rows.append(f'<tr><td colspan="2">（七）总计</td>{_tds([5, 0, 0, 0, 0, 0, 5])}</tr>')
    rows.append(f'<tr><td colspan="3">四、结转下年度继续办理</td>{_tds(zero)}</tr>')
    return ("<html><body><p>平潭综合实验区测试局2023年度政府信息公开工作年度报告</p>"
            "<p>三、收到和处理政府信息公开申请情况</p>" + T3_HEAD + "\n".join(rows) + "</table></body></html>")


MERGED_OTHER = (f'<tr><td rowspan="3">（六）其他处理</td><td>{OTHER[0]}</td>{_tds([3, 0, 0, 0, 0, 0, 3], " rowspan=3")}</tr>'
                f"<tr><td>{OTHER[1]}</td></tr><tr><td>{OTHER[2]}</td></tr>")


def _report(html: str, tmp_path: Path) -> Report:
    page = tmp_path / "page.html"
    page.write_text(html, "utf-8")
    (report,) = load_reports(page)
    return report


def test_values_merged_over_the_other_rows_are_the_groups_not_copied_into_each_row(tmp_path: Path):
    # 平潭 市场监督管理局 2021–2024 pages: （六）其他处理's values are rowspan=3 cells beside the
    # three sub-rows. Repeated slot by slot, a 3 became 3 + 3 + 3 and T3-RESULTS-SUM fired.
    report = _report(_t3_page(MERGED_OTHER), tmp_path)
    reading = report.reading("t3")
    assert reading is not None
    assert set(reading.undivided_rows) == {"other.no_correction", "other.no_fee", "other.other"}
    assert not [cid for cid in report.cells if cid.startswith("t3.other.")]
    assert report.cells["t3.total.natural"].value == 5
    rules = {f.rule for o in load_rules().evaluate(report) for f in o.findings}
    assert "STRUCT-ROWS" in rules
    assert "T3-RESULTS-SUM" not in rules


def test_other_rows_printed_one_by_one_are_read_one_by_one(tmp_path: Path):
    rows = []
    for i, (label, value) in enumerate(zip(OTHER, (2, 0, 1))):
        head = '<td rowspan="3">（六）其他处理</td>' if i == 0 else ""
        rows.append(f"<tr>{head}<td>{label}</td>{_tds([value, 0, 0, 0, 0, 0, value])}</tr>")
    divided = "".join(rows)
    report = _report(_t3_page(divided), tmp_path)
    assert report.cells["t3.other.no_correction.natural"].value == 2
    assert report.cells["t3.other.no_fee.natural"].value == 0
    assert report.cells["t3.other.other.total"].value == 1
    reading = report.reading("t3")
    assert reading is not None and not reading.undivided_rows


def test_shared_header_cells_and_group_labels_are_left_alone():
    a, b, h1, h2, v = RawCell("（三）不予公开"), RawCell("总计"), RawCell("自然人"), RawCell("其他"), RawCell("0")
    header = ((h1, RawCell("法人或其他组织"), b), (h1, h2, b))  # 总计 rowspan=2: words, not values
    assert hoist_shared_values(header) == header
    labels = ((a, RawCell("1.属于国家秘密"), v, RawCell("0")), (a, RawCell("2.其他法律"), RawCell("0"), RawCell("0")))
    assert hoist_shared_values(labels) == labels  # a group label spanning rows with values of their own


def test_hoisted_row_keeps_the_group_label_and_the_sub_rows_their_labels():
    outer, group, v1, v2 = RawCell("三、本年度办理结果"), RawCell("（六）其他处理"), RawCell("3"), RawCell("3")
    grid = ((outer, group, RawCell("1.逾期不补正"), v1, v2),
            (outer, group, RawCell("2.逾期未缴费"), v1, v2),
            (outer, group, RawCell("3.其他"), v1, v2),
            (outer, RawCell("（七）总计"), RawCell("（七）总计"), RawCell("5"), RawCell("5")))
    out = hoist_shared_values(grid)
    assert [[c.text for c in row] for row in out] == [
        ["三、本年度办理结果", "（六）其他处理", "（六）其他处理", "3", "3"],
        ["三、本年度办理结果", "（六）其他处理", "1.逾期不补正", "", ""],
        ["三、本年度办理结果", "（六）其他处理", "2.逾期未缴费", "", ""],
        ["三、本年度办理结果", "（六）其他处理", "3.其他", "", ""],
        ["三、本年度办理结果", "（七）总计", "（七）总计", "5", "5"],
    ]
    assert out[0][3] is v1  # the printed cell itself, with its source position


def test_adapter_applies_it(tmp_path: Path):
    blocks = HtmlAdapter().read("p.html", _t3_page(MERGED_OTHER).encode()).blocks
    (table,) = [b for b in blocks if b.kind == "table"]
    texts = [[c.text for c in row] for row in table.rows]
    assert ["三、本年度办理结果", "（六）其他处理", "（六）其他处理", "3", "0", "0", "0", "0", "0", "3"] in texts


def test_publication_date_is_read_from_the_pubdate_meta_when_the_visible_one_shares_a_line(tmp_path: Path):
    # The 平潭 portal shows '来源：平潭综合实验区管委会办公室 时间：2026-03-10 12:56' as one line; the
    # page's <meta name="PubDate"> holds the same time alone.
    head = '<head><meta name="PubDate" content="2026-03-10 12:56"/></head>'
    body = ("<body><div>平潭综合实验区2025年度政府信息公开工作年度报告</div>"
            "<div><span>来源：平潭综合实验区管委会办公室</span> <span>时间：2026-03-10 12:56</span></div>"
            "<p>本报告所列数据统计期限为2025年1月1日至2025年12月31日。</p><p>一、总体情况</p></body>")
    blocks = HtmlAdapter().read("p.html", f"<html>{head}{body}</html>".encode()).blocks
    assert blocks[1].text == "发布日期：2026-03-10" and blocks[1].span.locator == "meta[PubDate]"
    assert _report(f"<html>{head}{body}</html>", tmp_path).published == "2026-03-10"
    without = HtmlAdapter().read("p.html", f"<html><head></head>{body}</html>".encode()).blocks
    assert not any(b.span.locator == "meta[PubDate]" for b in without)
    odd = HtmlAdapter().read("p.html", f'<html><head><meta name="pubdate" content="昨天"/></head>{body}</html>'.encode())
    assert not any(b.span.locator == "meta[PubDate]" for b in odd.blocks)
