"""A supervising office's workflow and a CI gate, end to end on the seed reports: rounds,
rectification notices, the options a CI engineer uses, configuration and case-file errors."""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "examples" / "reports"
PLATCHUAN = "003_199c53d3d7ac26c8.txt"


def invoke(*args: str, cwd: Path | None = None, env: dict | None = None):
    """``auditor audit ARGS`` (or another command when the first argument names one)."""
    if not args or args[0] not in ("audit", "check", "rules", "parse", "explain"):
        args = ("audit", *args)
    old = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False, env=env)
    finally:
        os.chdir(old)


@pytest.fixture
def seeds(tmp_path) -> Path:
    folder = tmp_path / "reports"
    shutil.copytree(SEEDS, folder)
    return folder


# ------------------------------------------------------------------ rounds


def test_rounds_new_open_fixed_in_every_output(seeds, tmp_path):
    first = tmp_path / "round1.json"
    assert invoke(str(seeds), "--format", "json", "--output", str(first), "--no-cache").exit_code == 1
    data = json.loads(first.read_text(encoding="utf-8"))
    assert all(f["fingerprint"] for d in data["documents"] for f in d["findings"])
    # Round 2: 平川区 re-submitted under a new name with one cell put right; 净月 unchanged.
    (seeds / PLATCHUAN).rename(seeds / "003_resubmitted.txt")
    path = seeds / "003_resubmitted.txt"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("本报告", "本报告", 1), encoding="utf-8")
    out = tmp_path / "out"
    result = invoke(str(seeds), "--baseline", str(first), "--no-cache",
                    "--format", "json", "--output", str(out / "r.json"), "--format", "sarif", "--output",
                    str(out / "r.sarif"), "--format", "csv", "--output", str(out / "r.csv"), "--format", "html",
                    "--output", str(out / "r.html"), "--format", "console")
    assert result.exit_code == 1
    second = json.loads((out / "r.json").read_text(encoding="utf-8"))
    rounds = second["summary"]["rounds"]
    assert rounds["new"] == 0 and rounds["fixed"] == 0 and rounds["open"] > 0, "renamed file: still the same findings"
    assert {f["round"] for d in second["documents"] for f in d["findings"]} == {"open"}
    assert result.stderr.splitlines()[0].startswith("本轮与上轮相比：新发现 0，仍未整改"), "the summary leads with them"
    sarif = json.loads((out / "r.sarif").read_text(encoding="utf-8"))
    assert {r["baselineState"] for r in sarif["runs"][0]["results"]} == {"unchanged"}
    assert "仍未整改" in (out / "r.csv").read_text(encoding="utf-8-sig")
    assert 'data-card="open"' in (out / "r.html").read_text(encoding="utf-8")


def test_fixed_and_new_findings_against_a_baseline(seeds, tmp_path):
    first = tmp_path / "round1.json"
    invoke(str(seeds / "001_1fa793b153ce3d21.txt"), "--format", "json", "--output", str(first), "--no-cache")
    data = json.loads(first.read_text(encoding="utf-8"))
    # The previous round had one more finding (since fixed) and lacked META-CONTACT (new now).
    doc = data["documents"][0]
    contact = next(f for f in doc["findings"] if f["rule"] == "META-CONTACT")
    doc["findings"].remove(contact)
    doc["findings"].append({"rule": "STRUCT-TABLES", "severity": "error", "message": "缺少表四", "scope": {"table": "t4"},
                            "cells": [], "line": None, "waived": None})
    first.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = invoke(str(seeds / "001_1fa793b153ce3d21.txt"), "--baseline", str(first), "--no-cache",
                    "--format", "json")
    second = json.loads(result.stdout)
    counts = second["summary"]["rounds"]
    assert (counts["new"], counts["open"], counts["fixed"]) == (1, 2, 1)
    rounds = {f["rule"]: f["round"] for f in second["documents"][0]["findings"]}
    assert rounds == {"META-CONTACT": "new", "META-PERIOD": "open", "CONTENT-FEE": "open"}
    assert [f["rule"] for f in second["documents"][0]["fixed"]] == ["STRUCT-TABLES"]
    console = invoke(str(seeds / "001_1fa793b153ce3d21.txt"), "--baseline", str(first), "--no-cache")
    assert "[新发现]" in console.stdout and "已整改 STRUCT-TABLES 缺少表四" in console.stdout


def test_a_baseline_that_is_not_results_is_a_usage_error(seeds, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"x": 1}', encoding="utf-8")
    result = invoke(str(seeds), "--baseline", str(bad))
    assert result.exit_code == 2 and "不是 auditor 的 JSON 结果" in result.stderr


# ------------------------------------------------------------------ notices


def test_rectification_notices_one_word_file_per_agency(seeds, tmp_path):
    docx = pytest.importorskip("docx")
    config = tmp_path / "auditor.toml"
    config.write_text('[notice]\nissuer = "某市政务公开办"\nreply_by = 2026-03-15\ncontact = "王芳 0931-1234567"\n',
                      encoding="utf-8")
    out = tmp_path / "notices"
    result = invoke(str(seeds), "--format", "notice", "--output", str(out) + "/", "--config", str(config))
    assert result.exit_code == 1
    names = sorted(p.name for p in out.iterdir())
    assert "整改通知-白银市平川区.docx" in names and "通知清单.csv" in names
    assert not any("南宁市良庆区" in n for n in names), "no notice for a report without problems"
    index = (out / "通知清单.csv").read_text(encoding="utf-8-sig")
    assert "000_60dfc1bb3c346b4a.txt,1,南宁市良庆区,2020,未发通知：未发现问题" in index, "every input is listed"

    notice = docx.Document(str(out / "整改通知-白银市平川区.docx"))
    text = "\n".join(p.text for p in notice.paragraphs)
    assert "关于白银市平川区政府信息公开工作年度报告问题的整改通知" in text
    assert "2026年3月15日" in text and "某市政务公开办" in text and "王芳 0931-1234567" in text
    findings, excerpt = notice.tables[0], notice.tables[1]
    assert [c.text for c in findings.rows[0].cells] == ["序号", "问题", "位置", "整改情况（由你单位填写）"]
    assert len(findings.rows) == 1 + 6 and all(row.cells[3].text == "" for row in findings.rows[1:])
    assert "表三「自然人」列：本年新收3" in findings.rows[1].cells[1].text
    total_row = next(row for row in excerpt.rows if row.cells[0].text.startswith("(七)总计"))
    suspect = total_row.cells[1]
    assert suspect.text == "0 → 应为3"
    assert 'w:fill="C62828"' in suspect._tc.xml, "the suspect cell is marked"
    involved = next(row for row in excerpt.rows if row.cells[0].text.startswith("一、本年新收")).cells[1]
    assert 'w:fill="FDE2E1"' in involved._tc.xml and "应为" not in involved.text


# ------------------------------------------------------------------ a CI gate's options


def test_exit_zero_quiet_and_statistics(seeds):
    assert invoke(str(seeds), "--exit-zero").exit_code == 0
    quiet = invoke(str(seeds), "-q")
    assert "000_60dfc1bb3c346b4a.txt" not in quiet.stdout, "clean documents are not listed"
    assert len(quiet.stderr.strip().splitlines()) == 1 and "使用配置文件" not in quiet.stderr
    stats = invoke(str(seeds), "--statistics")
    lines = stats.stdout.splitlines()
    assert lines[0].split()[:2] == ["29", "CELL-BLANK"] and "T3-BALANCE" in stats.stdout
    assert "表三" not in stats.stdout.split("T3-BALANCE")[0].splitlines()[-1][:10]


def test_show_settings_names_the_file_and_where_each_value_comes_from(tmp_path):
    (tmp_path / "auditor.toml").write_text('fail_on = "warning"\n\n[severity]\nCELL-BLANK = "error"\n', encoding="utf-8")
    result = invoke("audit", "--show-settings", "--jobs", "2", cwd=tmp_path)
    assert result.exit_code == 0
    text = result.stdout
    assert f"配置文件：{(tmp_path / 'auditor.toml').resolve()}（自动发现）" in text
    assert f'fail_on = "warning"  # {(tmp_path / "auditor.toml").resolve()}:1' in text
    assert "jobs = 2  # 命令行" in text and "timeout = 120  # 默认值" in text


def test_config_selection_errors_name_file_key_and_line(seeds, tmp_path):
    (tmp_path / "auditor.toml").write_text('fail_on = "error"\nignore = [\n  "STRUCT-HEADING",\n  "TEXT-TABEL",\n]\n',
                                           encoding="utf-8")
    result = invoke(str(seeds), cwd=tmp_path)
    assert result.exit_code == 2
    assert f"{(tmp_path / 'auditor.toml').resolve()}:2: ignore: 没有规则 'TEXT-TABEL'" in result.stderr
    cli_given = invoke(str(seeds), "--select", "T3-BALANSE", cwd=tmp_path)
    assert "--select: 没有规则 'T3-BALANSE' — 是否为 'T3-BALANCE'？" in cli_given.stderr


def test_the_bundled_example_configuration_runs(tmp_path):
    work = tmp_path / "examples"
    shutil.copytree(ROOT / "examples", work)
    result = invoke("audit", "--config", str(work / "auditor.toml"), str(work / "reports"), cwd=tmp_path)
    assert result.exit_code == 1, result.stderr  # the seeds have findings; no usage error
    assert (work / "audit-results" / "junit.xml").is_file() and (work / "audit-results" / "report.html").is_file()
    assert "已豁免 T3-BALANCE" in result.stdout


def test_progress_is_a_line_every_few_seconds_in_a_log():
    from auditor.commands.progress import Progress

    clock = iter([0.0, 1.0, 6.0, 7.0, 12.5, 13.0]).__next__
    stream = io.StringIO()
    progress = Progress(4, enabled=True, stream=stream, interval=5.0, clock=clock)
    for done in range(1, 5):
        progress(done, 4, f"r{done}.txt")
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("auditor: 已处理 2/4 个文件（50%），每秒 0.3 个")
    assert lines[-1].startswith("auditor: 已处理 4/4 个文件（100%）") and len(lines) == 2


def test_progress_bar_on_a_terminal_is_tqdm():
    from auditor.commands.progress import Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    progress = Progress(3, enabled=True, stream=stream)
    for done in range(1, 4):
        progress(done, 3, "r.txt")
    progress.close()
    assert ("3/3" in stream.getvalue() and "it/s" not in stream.getvalue()) or "文件/s" in stream.getvalue()


def test_reports_only_skips_files_that_are_not_reports(seeds):
    (seeds / "README.txt").write_text("这个仓库存放各单位的年度报告。\n", encoding="utf-8")
    (seeds / "package.json").write_text('{"name": "x", "version": "1.0.0"}', encoding="utf-8")
    result = invoke(str(seeds / "000_60dfc1bb3c346b4a.txt"), str(seeds / "README.txt"), str(seeds / "package.json"),
                    "--reports-only", "-q")
    assert result.exit_code == 0, result.output
    assert "跳过 2 个不是年度报告的文件" in result.stderr and "README.txt" in result.stderr
    assert invoke(str(seeds / "README.txt"), "-q").exit_code == 1, "without it, an error entry"


# ------------------------------------------------------------------ case files


@pytest.mark.parametrize(("case", "message"), [
    ('report.cells = { "t2.licensing.decision" = 1 }',
     "p.cases.toml:3: case[0].report.cells: 未知的单元格 't2.licensing.decision'（2019年版格式）"
     " — 是否为 't2.licensing.decisions'？"),
    ('report.contact = { postcod = "100000" }',
     "p.cases.toml:3: case[0].report.contact: 未知的键 'postcod' — 是否为 'postcode'？"),
    ('report.year = "2020"', "p.cases.toml:3: case[0].report.year: '2020' 应为整数"),
    ('fial = ["P-1"]', "p.cases.toml:3: case[0]: 未知的键 'fial' — 是否为 'fail'？"),
    ('report.readings = [{ table = "t3", missing = ["grantd"] }]',
     "p.cases.toml:3: case[0].report.readings[0].missing: t3 没有行 'grantd' — 是否为 'granted'？"),
])
def test_case_files_are_checked_with_file_line_and_did_you_mean(tmp_path, case, message):
    (tmp_path / "p.rules").write_text('rule P-1 "t" severity error\n  assert true\n  message "m"\n', encoding="utf-8")
    (tmp_path / "p.cases.toml").write_text(f'[[case]]\nname = "x"\n{case}\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "test", str(tmp_path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert message in result.stderr.replace(str(tmp_path) + "/", "")


# ------------------------------------------------------------------ level


@pytest.mark.parametrize(("agency", "level"), [
    ("广东省人民政府", "省"), ("上海市", "省"), ("内蒙古自治区", "省"), ("桂林市", "市"), ("河源市金融工作局", "市"),
    ("延边朝鲜族自治州", "市"), ("南宁市良庆区", "县"), ("南江县人民政府办公室", "县"), ("北京市海淀区人民政府", "县"),
    ("广州市天河区石牌街道办事处", "乡"), ("某某镇人民政府", "乡"), ("某市住房和城乡建设局", "市"), ("某市民政局", "市"),
    ("国家税务总局", None), (None, None),
])
def test_administrative_level_from_the_agency_name(agency, level):
    from auditor.recognize.metadata import administrative_level

    assert administrative_level(agency) == level


def test_level_is_in_the_report_and_available_to_rules(tmp_path):
    from auditor.engine import load_pack
    from auditor.reading import load_reports

    (report,) = load_reports(SEEDS / "000_60dfc1bb3c346b4a.txt")
    assert report.level == "县" and report.to_json()["level"] == "县"
    pack = load_pack("p.rules", 'rule P-CITY "市政府报告需说明政务新媒体" severity warning\n'
                                '  when report.level == "市" and report.body == "政府"\n'
                                '  assert report.text contains "新媒体"\n  message "未说明"\n')
    assert pack.rules[0].info.id == "P-CITY"
