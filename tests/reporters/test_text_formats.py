"""console, csv and github: small text formats people and CI read directly."""

from __future__ import annotations

import csv
import io

from auditor.reporters.console import render_console, summary_text
from auditor.reporters.csv import render_csv
from auditor.reporters.github import render_github


def test_console_groups_by_document_with_file_line_and_numbers(run):
    text = render_console(run)
    blocks = text.strip().split("\n\n")
    assert len(blocks) == len(run.documents)
    assert blocks[2].splitlines()[0] == "reports/003_balance.txt  白银市平川区 2020年（2019格式）"
    assert "reports/003_balance.txt:40: 错误 T3-BALANCE 表三natural列：新收3+上年结转0=3" in blocks[2]
    assert "已豁免 META-CONTACT" in blocks[1] and "张三" in blocks[1]
    assert "无法读取或识别: 文件为空" in blocks[-1]
    assert "\x1b[" not in text


def test_console_colour_only_when_asked(run):
    assert "\x1b[31;1m错误\x1b[0m" in render_console(run, color=True)


def test_summary_counts_and_flags_stale_waivers(run):
    text = summary_text(run)
    assert "7 份文档（6 个文件）" in text and "无法读取 2" in text
    assert "3 个错误，2 个警告" in text and "1 个已豁免" in text
    assert "按规则: CELL-BLANK 2，META-PERIOD 1，T3-BALANCE 2" in text
    assert "豁免未匹配任何结果" in text and "T4-SUM" in text


def test_csv_one_row_per_finding_with_bom_and_chinese_headers(run):
    data = render_csv(run)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0])[:4] == ["文件", "文档序号", "机关", "年度"]
    findings = sum(max(len(d.findings), 1) for d in run.documents)
    assert len(rows) == findings, "one row per finding, one for a document without any"
    balance = [r for r in rows if r["文件"] == "reports/003_balance.txt"]
    assert [(r["规则"], r["级别"]) for r in balance] == [("T3-BALANCE", "错误"), ("T3-BALANCE", "错误"),
                                                        ("CELL-BLANK", "警告")]
    assert {(r["机关"], r["年度"], r["格式"], r["状态"]) for r in balance} == {("白银市平川区", "2020", "2019", "有问题")}
    assert balance[0]["行号"] == "40" and balance[0]["单元格"] == "t3.new.natural t3.total.natural"
    waived = next(r for r in rows if r["规则"] == "META-CONTACT")
    assert waived["豁免"].startswith("已豁免：联系方式在门户网站统一公布")
    pages = [r for r in rows if r["文件"] == "reports/004_page.txt"]
    assert [r["文档序号"] for r in pages] == ["1", "2"], "documents numbered from 1, as everywhere"
    assert rows[-1]["状态"] == "无法读取" and rows[-1]["无法读取的原因"] == "文件为空"


def test_csv_in_english(run, monkeypatch):
    monkeypatch.setenv("AUDITOR_LANG", "en")
    rows = list(csv.DictReader(io.StringIO(render_csv(run).decode("utf-8-sig"))))
    assert rows[-1]["status"] == "unreadable" and rows[-1]["why unreadable"] == "file is empty"


def test_github_summary_first_then_errors_with_locations(run):
    lines = render_github(run).splitlines()
    assert lines[0].startswith("::error title=auditor 汇总::auditor: 7 份文档，3 个错误")
    assert lines[1].startswith("::warning title=auditor 豁免::")
    assert any(line.startswith("::error file=reports/003_balance.txt,line=40,title=T3-BALANCE · 白银市平川区 2020年::"
                               "表三natural列") for line in lines)
    annotations = lines[2:lines.index("::group::auditor: 7 份文档")]
    kinds = [line.split(" ", 1)[0] for line in annotations]
    assert kinds == sorted(kinds, key=lambda k: {"::error": 0, "::warning": 1, "::notice": 2}[k])
    assert any(line.startswith("::error file=reports/empty.txt,title=INPUT-ERROR::") for line in lines)
    assert "reports/000_good.txt#1 南宁市良庆区 2020年: 通过" in lines and lines[-1] == "::endgroup::"


def test_github_escapes_workflow_command_syntax():
    from auditor.reporters.github import _command

    assert _command("error", "a%b\nc", file="x,y:z.txt", line=3) == "::error file=x%2Cy%3Az.txt,line=3::a%25b%0Ac"


def _many_errors_run():
    from auditor.model import DocumentResult, Finding, Span
    from tests.factories import make_report, make_run, outcomes_for

    docs = [DocumentResult(f"r{i}.txt", 0, make_report(f"r{i}.txt", f"机关{i}"),
                           outcomes_for([Finding("META-PERIOD", "error", f"未写明统计期限{i}", span=Span(line=i + 1)),
                                         Finding("CELL-BLANK", "warning", f"留空{i}", scope={"cell": "t3.new.legal"},
                                                 span=Span(line=i + 2))]))
            for i in range(15)]
    return make_run(docs)


def test_github_ten_most_important_annotations_per_level_the_rest_in_the_log(monkeypatch, tmp_path):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    lines = render_github(_many_errors_run()).splitlines()
    errors = [line for line in lines if line.startswith("::error file=")]
    warnings = [line for line in lines if line.startswith("::warning file=")]
    assert len(errors) == 10 and len(warnings) == 10
    assert "::group::auditor: 另有 10 条（每级只显示最重要的 10 条注释）" in lines
    assert any(line.startswith("r14.txt:15: META-PERIOD · 机关14 2020年: 未写明统计期限14") for line in lines)


def test_github_writes_a_markdown_summary_to_the_step_summary(monkeypatch, tmp_path, run):
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    render_github(run)
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# earlier step\n## auditor 审核结果"), "appended, as GitHub expects"
    assert "| 7 | 3 | 2 | 2 | 1 |" in text and "| `T3-BALANCE` | 2 |" in text
    assert "| 白银市平川区 | 2 | 1 |" in text and "`reports/empty.txt`: 文件为空" in text


def test_statistics_counts_per_rule_like_ruff(run):
    from auditor.reporters.console import statistics_text

    lines = statistics_text(run).splitlines()
    assert lines[0].split() == ["2", "CELL-BLANK", "警告", "表格单元格空白"]
    assert lines[1].split()[:2] == ["2", "T3-BALANCE"] and "2  INPUT-ERROR" in statistics_text(run)
