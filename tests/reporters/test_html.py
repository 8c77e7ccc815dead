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
    assert "hit" in classes.split() and rules == "T3-BALANCE" and "相差3" in title and active == "1"
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
