"""What the README and ``examples/`` tell people to run, run as they are (CI runs this file):
the README's audit command on the bundled reports, the example rule pack's cases, the example
configuration, the CI examples' command lines and install step, and the pre-commit hook's file
patterns."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300, check=False)


def test_the_readme_audit_command_runs_on_the_bundled_reports():
    command = re.search(r"pip install \. && (auditor audit [^\n`]+)", README).group(1).split()
    assert command == ["auditor", "audit", "examples/reports"]
    done = run(*command[1:])
    assert done.returncode == 1, done.stderr  # the seeds hold real findings
    assert "白银市平川区 2020年" in done.stdout and "错误 T3-BALANCE" in done.stdout
    assert "汇总: 10 份文档（5 个文件）" in done.stderr and "Traceback" not in done.stderr


def test_the_readme_test_command_is_what_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python -m pytest" in README and "python -m pytest" in ci


def test_the_example_rule_pack_passes_its_cases():
    done = run("rules", "test", "examples/rules")
    assert done.returncode == 0 and "共 9 个用例，0 个失败" in done.stdout


def test_the_example_configuration_runs(tmp_path):
    import shutil

    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    done = run("audit", "--config", "examples/auditor.toml", "examples/reports", "-q", cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert (tmp_path / "examples" / "audit-results" / "report.html").is_file()


@pytest.mark.parametrize("path", ["examples/ci/github-actions.yml", "examples/ci/gitlab-ci.yml"])
def test_ci_examples_install_auditor_from_its_repository(path):
    text = (ROOT / path).read_text(encoding="utf-8")
    installs = re.findall(r"pip install (.+)", text)
    assert installs and all("git+https://github.com/" in line for line in installs)
    assert "auditor==" not in text, "auditor is not on PyPI"


HOOK = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")


def _pattern(key: str) -> re.Pattern[str]:
    return re.compile(re.search(rf"^\s+{key}: (.+)$", HOOK, flags=re.M).group(1).strip())


@pytest.mark.parametrize(("name", "looked_at"), [
    ("reports/2024/南宁市良庆区.txt", True), ("年报/良庆区.html", True), ("a/b.docx", True), ("x.pdf", True),
    ("reports/report.json", True), ("README.txt", False), ("docs/readme.txt", False), ("package.json", False),
    ("package-lock.json", False), ("requirements.txt", False), ("LICENSE.txt", False), ("auditor.toml", False),
    (".github/workflows/x.json", False), ("config.schema.json", False), ("notes.md", False),
])
def test_pre_commit_hook_looks_only_at_files_that_can_be_reports(name, looked_at):
    """pre-commit's rule: ``files`` must search the path and ``exclude`` must not."""
    assert bool(_pattern("files").search(name) and not _pattern("exclude").search(name)) == looked_at


def test_pre_commit_hook_runs_once_and_prints_one_summary():
    assert re.search(r"require_serial: true", HOOK)
    args = re.search(r"args: \[(.+)\]", HOOK).group(1)
    assert "--reports-only" in args and "--quiet" in args
