"""``auditor rules …``, ``auditor explain`` and ``auditor check`` through click."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from auditor.cli import cli

ROOT = Path(__file__).resolve().parents[2]
BROKEN = 'rule A-1 "t" severity error\n  assert summ(1) == 1\n  message "m"\n'


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_rules_list_shows_id_severity_title_pack() -> None:
    result = run("rules", "list", "--select", "T3-BALANCE")
    assert result.exit_code == 0
    expected = "T3-BALANCE  error    表三：本年新收+上年结转=办理结果总计+结转下年度继续办理  [标准：统计表勾稽关系]"
    assert expected in result.output


def test_rules_check_ok_and_broken(tmp_path: Path) -> None:
    result = run("rules", "check", str(ROOT / "examples" / "rules" / "province.rules"))
    assert result.exit_code == 0 and "province.rules：通过（3 条规则）" in result.output
    bad = tmp_path / "bad.rules"
    bad.write_text(BROKEN, encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "check", str(bad)])
    assert result.exit_code == 2
    assert "bad.rules:2:10: error: unknown function 'summ' — did you mean 'sum'?" in result.stderr
    assert "^~~~" in result.stderr


def test_rules_doc_is_generated_from_rules_and_cases() -> None:
    result = run("rules", "doc")
    assert result.exit_code == 0
    text = result.output
    assert "### T3-BALANCE" in text and "treat blank as 0" in text
    assert "- fails: （七）总计为0但收到3件申请（平川区）" in text


def test_rules_test_runs_pack_cases() -> None:
    result = run("rules", "test", str(ROOT / "examples" / "rules"))
    assert result.exit_code == 0 and "共 9 个用例，0 个失败" in result.output
    assert run("rules", "test").exit_code == 0


def test_rules_test_reports_a_failing_case(tmp_path: Path) -> None:
    (tmp_path / "p.rules").write_text('rule P-1 "t" severity error\n  assert report.year == 2020\n  message "m"\n',
                                      encoding="utf-8")
    (tmp_path / "p.cases.toml").write_text('[[case]]\nname = "2021"\nreport.year = 2021\npass = ["P-1"]\n',
                                           encoding="utf-8")
    result = run("rules", "test", str(tmp_path))
    assert result.exit_code == 1
    assert "失败 p.rules：2021" in result.output and "P-1：应为「通过」，实际为「不通过」" in result.output
    english = run("rules", "test", "--lang", "en", str(tmp_path))
    assert "FAIL p.rules: 2021" in english.output and "P-1: expected pass, got fail" in english.output


def test_check_stops_on_a_bad_rule_file_before_reading_reports(tmp_path: Path) -> None:
    bad = tmp_path / "bad.rules"
    bad.write_text(BROKEN, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "--rules", str(bad), str(tmp_path / "missing.txt")])
    assert result.exit_code == 2
    assert "unknown function 'summ'" in result.stderr and "无法读取" not in result.stderr


def test_rules_test_rejects_a_bad_case_file(tmp_path: Path) -> None:
    (tmp_path / "p.rules").write_text('rule P-1 "t" severity error\n  assert true\n  message "m"\n', encoding="utf-8")
    (tmp_path / "p.cases.toml").write_text('[[case]]\nname = "x"\nreport.yaer = 2021\npass = ["P-1"]\n',
                                           encoding="utf-8")
    result = run("rules", "test", str(tmp_path))
    assert result.exit_code == 2
    assert "p.cases.toml:3: case[0].report: 未知的键 'yaer' — 是否为 'year'？" in result.stderr


def test_check_is_audit_with_the_console_and_agrees_with_it(tmp_path: Path) -> None:
    seed = str(ROOT / "examples" / "reports" / "003_199c53d3d7ac26c8.txt")
    (tmp_path / "auditor.toml").write_text('[[outputs]]\nformat = "json"\npath = "out.json"\n', encoding="utf-8")
    import os

    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        checked = CliRunner().invoke(cli, ["check", seed])
        audited = CliRunner().invoke(cli, ["audit", seed, "--format", "console"])
    finally:
        os.chdir(old)
    assert checked.exit_code == audited.exit_code == 1
    assert "错误 T3-BALANCE 表三「自然人」列：本年新收3 + 上年结转0 = 3，但办理结果总计0 + 结转下年度0 = 0" in checked.stdout
    assert checked.stdout == audited.stdout, "same findings, same numbering"
    assert not (tmp_path / "out.json").exists(), "check prints the console, not the configured outputs"
    assert "4 个错误" in checked.stderr


def test_explain_shows_description_source_and_cases() -> None:
    result = run("explain", "T3-BALANCE")
    assert result.exit_code == 0
    assert result.output.startswith("T3-BALANCE  表三：本年新收+上年结转=办理结果总计+结转下年度继续办理")
    assert "级别：错误" in result.output and "规则源码：" in result.output
    assert "identity t3.new[col] + t3.carried_over[col] == t3.total[col] + t3.carried_forward[col]" in result.output \
        or "t3.carried_forward[col]" in result.output
    assert "不通过：（七）总计为0但收到3件申请（平川区）" in result.output
    unknown = CliRunner().invoke(cli, ["explain", "T3-BALANSE"])
    assert unknown.exit_code == 2 and "没有规则 'T3-BALANSE' — 是否为 'T3-BALANCE'？" in unknown.stderr
