"""HTML: one self-contained Chinese page; checked in a real headless Chromium when available."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from auditor.reporters.html import render_html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


class Collector(HTMLParser):
    """Elements by tag with their attributes; enough to check structure without a browser."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {k: v or "" for k, v in attrs}))


def elements(page: str) -> list[tuple[str, dict[str, str]]]:
    collector = Collector()
    collector.feed(page)
    return collector.elements


def test_self_contained(run):
    page = render_html(run)
    tags = elements(page)
    assert not [t for t, a in tags if t == "link" or (t in ("script", "img", "iframe") and a.get("src"))]
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    assert '<html lang="zh-CN">' in page and '<meta charset="utf-8">' in page


def test_dashboard_and_every_document(run):
    page = render_html(run)
    assert len([1 for t, a in elements(page) if t == "article"]) == len(run.documents)
    assert 'data-card="unreadable"><b>2</b>无法读取' in page
    assert "按规则统计" in page and "按机关统计" in page and "白银市平川区" in page
    assert "无法读取或识别：文件为空" in page


def test_tables_redrawn_with_template_labels_and_failing_cells_highlighted(run):
    page = render_html(run)
    assert "一、本年新收政府信息公开申请数量" in page and "自然人" in page and "三、本年度办理结果" in page
    cells = [json.loads(block.split("</script>", 1)[0])["c"]
             for block in page.split('<script type="application/json" class="cells">')[1:]]
    balance = cells[-1]  # the tables are drawn by the page from each document's cells
    text, classes, title, _, rules, severity, active = balance["t3.new.natural"]
    assert text == "3" and severity == "error" and "hit" in classes.split() and rules == "T3-BALANCE"
    assert "相差3" in title and active == "1"
    assert "blank" in balance["t3.new.legal"][1].split() and balance["t3.new.legal"][4] == "CELL-BLANK"
    assert page.count('<table class="grid"') == 0, "no table is written as HTML"


def test_filters_offered_for_every_rule_and_severity(run):
    options = [a.get("value") for t, a in elements(render_html(run)) if t == "option"]
    assert {"error", "warning", "T3-BALANCE", "CELL-BLANK", "META-CONTACT", "INPUT-ERROR"} <= set(options)


def _dump_dom(tmp_path, url_suffix: str, page: str) -> str:
    target = tmp_path / "report.html"
    target.write_text(page, encoding="utf-8")
    profile = tmp_path / "profile"
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={profile}", "--virtual-time-budget=2000", "--dump-dom",
               target.as_uri() + url_suffix]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _visible_articles(dom: str) -> list[str]:
    return [a.get("id", "") for t, a in elements(dom) if t == "article" and "hidden" not in a]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")
def test_in_browser_script_runs_and_filters(run, tmp_path):
    page = render_html(run)
    dom = _dump_dom(tmp_path, "", page)
    assert 'data-ready="1"' in dom, "the inline script did not run"
    assert len(_visible_articles(dom)) == len(run.documents)
    assert "显示 7 / 7 份文档，6 条问题" in dom  # 5 findings and 1 waived

    dom = _dump_dom(tmp_path, "#rule=T3-BALANCE", page)
    assert _visible_articles(dom) == ["doc-2"], "only 白银市平川区 has T3-BALANCE"
    assert "显示 1 / 7 份文档，2 条问题" in dom

    dom = _dump_dom(tmp_path, "#severity=error&waived=0", page)
    assert set(_visible_articles(dom)) == {"doc-2", "doc-3", "doc-5", "doc-6"}  # errors and unreadable files
    hit_cells = [a for t, a in elements(dom) if t == "td" and "hit" in a.get("class", "").split()]
    assert {a["data-cell"] for a in hit_cells} == {"t3.new.natural", "t3.total.natural", "t3.new.total",
                                                   "t3.total.total"}, "warning cells unhighlighted at error level"


def _doc(path: str, agency: str, errors: int):
    from auditor.model import DocumentResult
    from tests.factories import balance_finding, make_report, outcomes_for

    findings = [balance_finding(column) for column in ("natural", "total", "legal")[:errors]]
    return DocumentResult(path, 0, make_report(path, agency), outcomes_for(findings))


def test_natural_order_agencies_by_errors_with_links_and_search_text():
    from tests.factories import make_run

    run = make_run([_doc("r10.txt", "甲市财政局", 1), _doc("r2.txt", "乙县人民政府", 3), _doc("r1.txt", "丙区", 0)])
    page = render_html(run)
    articles = [a for t, a in elements(page) if t == "article"]
    assert [a["data-search"].split()[-1] for a in articles] == ["r1.txt", "r2.txt", "r10.txt"]
    agency_panel = page.split('id="by-agency"')[1].split("</table>")[0]
    assert agency_panel.index("乙县人民政府") < agency_panel.index("甲市财政局") < agency_panel.index("丙区")
    assert '<a href="#doc-1">乙县人民政府</a>' in agency_panel
    assert 'id="f-search"' in page and "乙县人民政府" in articles[1]["data-search"]


def test_print_stylesheet_one_agency_per_page_filters_hidden():
    page = render_html(__import__("tests.factories", fromlist=["make_run"]).make_run())
    css = page.split("@media print{", 1)[1].split("</style>", 1)[0]
    assert "#filters" in css and "display:none" in css and "article.doc.agency-start{break-before:page}" in css
    assert "beforeprint" in page, "tables are drawn and opened before printing"


def test_a_thousand_reports_stay_small():
    """Tables travel as JSON cells and are drawn on demand: the page grows by a few KB per report."""
    from auditor.model import Cell, DocumentResult
    from auditor.templates import load
    from tests.factories import make_run, t3_cells

    cells = {cid: Cell(cid, "0", 0, "number") for cid in load("2019").cell_ids()}
    cells.update(t3_cells())
    base = _doc("r.txt", "甲市", 2)
    docs = [DocumentResult(f"r{i}.txt", 0, base.report.__class__(**{**base.report.__dict__, "cells": cells}),
                           base.outcomes) for i in range(200)]
    page = render_html(make_run(docs))
    assert len(page.encode("utf-8")) / len(docs) < 12_000, "bytes per report"


def _screenshot(tmp_path, page: str, target, size: str = "1280,1400", suffix: str = "") -> None:
    source = tmp_path / "page.html"
    source.write_text(page, encoding="utf-8")
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
               f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=3000", f"--window-size={size}",
               f"--screenshot={target}", source.as_uri() + suffix]
    done = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0 and target.stat().st_size > 10_000, done.stderr[-2000:]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")
def test_in_browser_search_draws_tables_and_prints(run, tmp_path):
    page = render_html(run)
    dom = _dump_dom(tmp_path, "#q=%E7%99%BD%E9%93%B6", page)  # 白银
    assert _visible_articles(dom) == ["doc-2"], "search by agency or region"
    dom = _dump_dom(tmp_path, "#tables=all", page)
    drawn = [a for t, a in elements(dom) if t == "td" and a.get("data-cell") == "t3.total.natural"]
    assert drawn and "hit" in drawn[0]["class"]
    pdf = tmp_path / "print.pdf"
    source = tmp_path / "report.html"
    done = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'p'}",
                           "--virtual-time-budget=3000", f"--print-to-pdf={pdf}", "--no-pdf-header-footer",
                           source.as_uri()], capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0 and pdf.stat().st_size > 5_000
    assert pdf.read_bytes().count(b"/Type /Page\n") + pdf.read_bytes().count(b"/Type /Page ") + \
        pdf.read_bytes().count(b"/Type/Page") >= 2, "agencies start new pages"
