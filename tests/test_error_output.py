"""Errors print no secrets and no control sequences (issue 13, item 8): a rules folder may hold a
link to ``/proc/self/environ`` or a credentials file, and file names reach the terminal."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.dsl.errors import RuleFileError
from auditor.engine import load_rules

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "reports" / "000_60dfc1bb3c346b4a.txt"
SECRET = "hunter2-0f3a9c"


def rule_file_error(path: Path) -> RuleFileError:
    with pytest.raises(RuleFileError) as caught:
        load_rules([path.parent], standard=False)
    return caught.value


@pytest.mark.parametrize("content", [
    f"machine example.org login me password {SECRET}\n",
    f"[default]\naws_secret_access_key = {SECRET}\n",
    f"\n# a comment first\n  token={SECRET}\n",
    f"HOME=/root\0TOKEN={SECRET}\0",
], ids=["netrc", "ini", "after a comment", "environ"])
def test_a_file_that_is_not_a_rule_file_is_named_but_not_quoted(tmp_path: Path, content: str):
    target = tmp_path / "elsewhere" / "secret"
    target.parent.mkdir()
    target.write_text(content, encoding="utf-8")
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "linked.rules").symlink_to(target)
    error = rule_file_error(rules / "linked.rules")
    assert "not a rule file" in str(error)
    assert SECRET not in error.render() and SECRET not in str(error)
    assert error.first.path.endswith("linked.rules")


def test_a_rule_files_own_line_is_still_quoted_with_its_caret(tmp_path: Path):
    (tmp_path / "mine.rules").write_text('rule A-1 "t" severity error\n  assert report.yaer == 1\n  message "m"\n',
                                         encoding="utf-8")
    rendered = rule_file_error(tmp_path / "mine.rules").render()
    assert "assert report.yaer == 1" in rendered and "^" in rendered


def test_a_misspelt_first_keyword_still_gets_a_hint(tmp_path: Path):
    (tmp_path / "typo.rules").write_text('# pack\nrul A-1 "t" severity error\n', encoding="utf-8")
    error = rule_file_error(tmp_path / "typo.rules")
    assert (error.first.line, error.first.column) == (2, 1)
    assert "did you mean 'rule'?" in str(error)


def _memory_cap() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (1024 * 2**20, resource.getrlimit(resource.RLIMIT_AS)[1]))


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_rule_path_that_is_not_a_regular_file_is_refused_without_reading(tmp_path: Path, kind: str):
    """In a child with a timeout and a memory cap: reading a FIFO blocked and /dev/zero grew."""
    path = tmp_path / "odd.rules"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    done = subprocess.run([sys.executable, "-m", "auditor", "rules", "check", str(path)], capture_output=True,
                          text=True, timeout=60, preexec_fn=_memory_cap, env={**os.environ, "AUDITOR_CACHE_DIR": "off"})
    assert done.returncode == 2
    assert "odd.rules: error: not a regular file" in done.stderr


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")
def test_a_rules_folder_linking_to_the_environment_prints_no_environment(tmp_path: Path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "env.rules").symlink_to("/proc/self/environ")
    env = {**os.environ, "AUDITOR_TEST_SECRET": SECRET, "AUDITOR_CACHE_DIR": "off"}
    done = subprocess.run([sys.executable, "-m", "auditor", "audit", str(SEED), "--rules", str(rules)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2
    assert "env.rules" in done.stderr and "not a rule file" in done.stderr
    assert SECRET not in done.stderr + done.stdout


def test_error_lines_on_the_terminal_carry_no_control_sequence(tmp_path: Path):
    hostile = tmp_path / "\x1b]0;pwned\x07\x1b[2J.txt"
    shutil.copy(SEED, hostile)
    hostile.write_bytes(b"")  # unreadable: an error line naming the file
    result = CliRunner().invoke(cli, ["parse", str(hostile)])
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b]0;pwned\\x07\\x1b[2J.txt: 错误: 文件为空" in result.output


def test_audit_usage_errors_carry_no_control_sequence(tmp_path: Path):
    result = CliRunner().invoke(cli, ["audit", str(tmp_path / "missing\x1b[31m"), "--rules",
                                      str(tmp_path / "no\x9b.rules")])
    assert result.exit_code == 2
    assert "\x1b" not in result.output and "\x9b" not in result.output
    assert "no\\x9b.rules" in result.output
