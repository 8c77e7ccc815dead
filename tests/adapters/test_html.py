"""HTML adapter: charsets, grids with rowspan/colspan, layout tables, site chrome, bad pages."""

from __future__ import annotations

import codecs
import time
from pathlib import Path

import pytest
from builders import FIXTURES, SEEDS, plan_from_text, summary, text_reports, to_html

from auditor.adapters.html import HtmlAdapter
from auditor.model import AdapterError, Block
from auditor.reading import load_reports


def read(html: str, *, encoding: str = "utf-8") -> tuple[Block, ...]:
    return HtmlAdapter().read("page.html", html.encode(encoding)).blocks


def grid(block: Block) -> list[list[str]]:
    return [[cell.text for cell in row] for row in block.rows]


def only_table(blocks: tuple[Block, ...]) -> Block:
    (table,) = [b for b in blocks if b.kind == "table"]
    return table


def test_rowspan_and_colspan_repeat_a_merged_cell_into_every_slot():
    blocks = read("""<table>
      <tr><td rowspan="2" colspan="2">信息内容</td><td colspan="3">第二十条第（一）项</td></tr>
      <tr><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>
      <tr><td rowspan="2">第二十条</td><td>规章</td><td>1</td><td>0</td><td>11</td></tr>
      <tr><td>行政规范性文件</td><td>8</td><td>26</td><td>66</td></tr></table>""")
    assert grid(only_table(blocks)) == [
        ["信息内容", "信息内容", "第二十条第（一）项", "第二十条第（一）项", "第二十条第（一）项"],
        ["信息内容", "信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["第二十条", "规章", "1", "0", "11"],
        ["第二十条", "行政规范性文件", "8", "26", "66"],
    ]
    table = only_table(blocks)
    assert table.rows[1][0].span.locator == "table[1]/tr[1]/td[1]"  # the merged cell's own position
    assert table.rows[3][4].span.locator == "table[1]/tr[4]/td[4]"


def test_short_rows_are_padded_and_rowspan_past_the_end_is_cut():
    table = only_table(read("<table><tr><td rowspan=9>a</td><td>b</td><td>c</td></tr><tr><td>d</td></tr></table>"))
    assert grid(table) == [["a", "b", "c"], ["a", "d", ""]]


@pytest.mark.parametrize(("cell", "text"), [
    ("本年新<br>制作数量", "本年新制作数量"),
    ("<p>本年新</p><p>制作数量</p>", "本年新制作数量"),
    ("<span>对外公开</span><span>总数量</span>", "对外公开总数量"),
    ("&nbsp;12&nbsp;", "12"),
    ("\u3000\u3000", ""),
    ("<p>结 果</p>维持", "结果维持"),
    ("<p>258.13</p> <p>万元</p>", "258.13万元"),
    ("email<br>lq@163.com", "email lq@163.com"),
])
def test_cell_text_is_normalised(cell: str, text: str):
    table = only_table(read(f"<table><tr><td>行</td><td>{cell}</td></tr><tr><td>x</td><td>y</td></tr></table>"))
    assert table.rows[0][1].text == text


def test_layout_tables_are_unwrapped_to_the_innermost_data_table():
    blocks = read("""<table class="layout"><tr><td>
      <table><tr><td><h1>某局2021年政府信息公开工作年度报告</h1><p>二、主动公开政府信息情况</p>
        <table border="1"><tr><td>信息内容</td><td>本年制发件数</td></tr><tr><td>规章</td><td>3</td></tr></table>
      </td></tr></table></td></tr></table>""")
    assert [b.kind for b in blocks] == ["text", "text", "table"]
    assert blocks[1].text == "二、主动公开政府信息情况"
    assert grid(blocks[2]) == [["信息内容", "本年制发件数"], ["规章", "3"]]
    assert blocks[2].span.locator == "table[3]"


def test_one_column_box_reads_as_paragraphs():
    blocks = read("<table><tr><td><p>本报告由某局编制。</p></td></tr></table><p>一、总体情况</p>")
    assert [(b.kind, b.text) for b in blocks] == [("text", "本报告由某局编制。"), ("text", "一、总体情况")]


def test_headings_and_paragraphs_in_reading_order_with_br_splitting_lines():
    blocks = read("<h2>一、总体情况</h2><p>第一段<br/>第二行</p><div>二、主动公开政府信息情况</div>")
    assert [b.text for b in blocks] == ["一、总体情况", "第一段", "第二行", "二、主动公开政府信息情况"]
    assert blocks[0].span.locator == "h2[1]"


def test_site_chrome_scripts_and_styles_are_not_report_text():
    blocks = read("""<html><head><title>年报_某市政府网</title><style>p{color:red}</style></head><body>
      <nav><a>首页</a></nav><div class="top-nav">导航</div><div id="breadcrumb">首页 &gt; 年报</div>
      <div class="main-menu"><a>政务公开</a></div><header><div>网站头</div></header>
      <div style="display: none">隐藏</div><script>document.write("脚本")</script><noscript>请启用</noscript>
      <article><header><h1>某局2021年政府信息公开工作年度报告</h1></header><p>一、总体情况</p></article>
      <div class="footer">版权所有</div><footer>网站标识码</footer><div class="share-bar">分享</div></body></html>""")
    assert [b.text for b in blocks] == ["某局2021年政府信息公开工作年度报告", "一、总体情况"]


@pytest.mark.parametrize(("head", "encoding"), [
    ('<meta charset="gbk">', "gbk"),
    ('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">', "gb2312"),
    ("<meta charset='GB18030'>", "gb18030"),
])
def test_gb_pages_are_decoded_as_gb18030(head: str, encoding: str):
    # 镕 is outside GB2312: real "gb2312" pages contain such characters; GB18030 decodes them.
    page = f"<html><head>{head}</head><body><p>朱镕基 政府信息公开</p></body></html>"
    document = HtmlAdapter().read("p.html", page.encode("gb18030"))
    assert document.encoding == "gb18030"
    assert document.blocks[0].text == "朱镕基 政府信息公开"


def test_bom_wins_over_a_wrong_meta_charset():
    page = '<meta charset="gbk"><p>政府信息公开</p>'
    document = HtmlAdapter().read("p.html", codecs.BOM_UTF8 + page.encode("utf-8"))
    assert (document.encoding, document.blocks[0].text) == ("utf-8", "政府信息公开")


def test_undeclared_charset_is_detected():
    document = HtmlAdapter().read("p.html", "<p>本报告中所列数据的统计期限是自2020年1月1日起</p>".encode("gbk"))
    assert document.encoding == "gb18030"
    assert document.blocks[0].text.startswith("本报告中所列数据")


def test_real_looking_government_page_gbk_nested_layout():
    page = FIXTURES / "portal_gbk_nested_layout.html"
    document = HtmlAdapter().read(str(page), page.read_bytes())
    assert document.encoding == "gb18030"
    texts = [b.text for b in document.blocks if b.kind == "text"]
    chrome = ("XX市人民政府门户网站", "互动交流", "版权所有", "网站标识码", "分享到", "机构职能", "ICP")
    assert not any(word in t for t in texts for word in chrome)
    assert len([b for b in document.blocks if b.kind == "table"]) == 3
    (report,) = load_reports(page)
    (expected,) = text_reports(SEEDS[0])
    assert summary(report) == summary(expected)


SEED_IDS = [seed.stem.split("_")[0] for seed in SEEDS]


@pytest.mark.parametrize("portal", [False, True], ids=["plain", "portal-gbk"])
@pytest.mark.parametrize("seed", SEEDS, ids=SEED_IDS)
def test_seed_as_html_parses_to_the_same_report_as_its_text(seed: Path, portal: bool, tmp_path: Path):
    page = tmp_path / f"{seed.stem}.html"
    page.write_bytes(to_html(plan_from_text(seed), encoding="gbk" if portal else "utf-8", portal=portal))
    assert [summary(r) for r in load_reports(page)] == [summary(r) for r in text_reports(seed)]


def test_merged_header_cells_in_rendered_seed():
    page = to_html(plan_from_text(SEEDS[1]))
    t3 = [b for b in HtmlAdapter().read("p.html", page).blocks if b.kind == "table"][1]
    assert [c.text for c in t3.rows[1][3:]] == ["自然人"] + ["法人或其他组织"] * 5 + ["总计"]
    assert [r[1].text for r in t3.rows if r[2].text.startswith("2.没有现成")] == ["（四）无法提供"]


def test_nested_10000_deep_is_neither_a_hang_nor_a_crash():
    started = time.perf_counter()
    for page in ("<div>" * 10_000 + "一、总体情况" + "</div>" * 10_000,
                 "<table><tr><td>" * 10_000 + "深",
                 "<span>" * 10_000 + "<p>文</p>"):
        document = HtmlAdapter().read("deep.html", page.encode())
        assert document.blocks
    assert time.perf_counter() - started < 5


BAD_PAGES = {
    "empty": (b"   \n", "empty HTML page"),
    "wrong extension (PDF named .html)": (b"%PDF-1.7\n\x00\x01binary", "binary data, not an HTML page"),
    "wrong extension (docx named .html)": (b"PK\x03\x04\x14\x00\x00\x00word/", "looks like a zip/.docx"),
    "plain text named .html": ("一、总体情况".encode(), "no HTML markup"),
    "only chrome": (b"<nav>home</nav><script>x</script>", "no report text"),
}


@pytest.mark.parametrize("case", BAD_PAGES, ids=list(BAD_PAGES))
def test_bad_page_is_one_clean_error(case: str):
    data, expected = BAD_PAGES[case]
    with pytest.raises(AdapterError, match=expected) as info:
        HtmlAdapter().read("bad.html", data)
    assert "\n" not in str(info.value)


def test_truncated_page_is_read_with_a_note():
    page = to_html(plan_from_text(SEEDS[0]))
    document = HtmlAdapter().read("cut.html", page[: len(page) // 2])
    assert document.blocks
    assert any("truncated" in note for note in document.notes)


def test_sniff():
    adapter = HtmlAdapter()
    assert adapter.sniff(b"<!DOCTYPE html>\n<html>")
    assert adapter.sniff(b"\n  <HTML><HEAD>")
    assert not adapter.sniff(b"%PDF-1.4")
    assert not adapter.sniff(b'{"documents": []}')


def test_hostile_spans_are_refused_not_expanded():
    page = "<table>" + "<tr><td rowspan=1000 colspan=1000>x</td><td>y</td></tr>" * 300 + "</table>"
    with pytest.raises(AdapterError, match="expands past"):
        HtmlAdapter().read("spans.html", page.encode())


def test_missing_parser_gives_an_install_hint(monkeypatch: pytest.MonkeyPatch):
    import sys

    monkeypatch.setitem(sys.modules, "selectolax.lexbor", None)
    with pytest.raises(AdapterError, match="pip install selectolax"):
        HtmlAdapter().read("p.html", b"<p>x</p>")
