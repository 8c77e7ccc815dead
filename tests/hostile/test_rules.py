"""Hostile rule files (issue 13): refused at compile time with a position and without quoting
what is not a rule file, or stopped by the evaluation budgets with the reason — never a hang."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile.builders import BAD_RULES, RUNAWAY_RULES, SEED

ENV = {**os.environ, "AUDITOR_CACHE_DIR": "off"}


def _cap_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024 * 2**20, resource.getrlimit(resource.RLIMIT_AS)[1]))


def auditor(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True, timeout=120,
                          env=ENV, preexec_fn=_cap_memory, cwd=cwd)


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess:
    """``auditor rules check`` over every bad rule file at once: each is reported on its own."""
    folder = tmp_path_factory.mktemp("bad-rules")
    for name, (text, _) in BAD_RULES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return auditor("rules", "check", *BAD_RULES, cwd=folder)


def test_rules_check_finishes_and_fails(checked: subprocess.CompletedProcess):
    assert checked.returncode == 2, checked.stderr[-2000:]
    assert "Traceback" not in checked.stderr


@pytest.mark.parametrize("name", list(BAD_RULES))
def test_each_bad_rule_file_is_an_error_with_its_position(checked: subprocess.CompletedProcess, name: str):
    _, words = BAD_RULES[name]
    lines = [line for line in checked.stderr.splitlines() if line.startswith(f"{name}:")]
    assert lines, checked.stderr[-2000:]
    assert words in lines[0]
    if name not in ("huge_file.rules",):  # a size limit is about the whole file
        assert lines[0].split(":")[1].isdigit(), lines[0]


def test_what_is_not_a_rule_file_is_not_quoted(checked: subprocess.CompletedProcess):
    assert "hunter2" not in checked.stderr and "TOKEN=2" not in checked.stderr


def test_runaway_rules_are_stopped_by_the_budgets_and_say_why(tmp_path: Path):
    (tmp_path / "runaway.rules").write_text(RUNAWAY_RULES, encoding="utf-8")
    done = auditor("audit", str(SEED), "--rules", "runaway.rules", "--select", "RUN-", "--format", "json",
                   cwd=tmp_path)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    outcomes = {o["rule"]: o for o in json.loads(done.stdout)["documents"][0]["outcomes"]}
    assert outcomes["RUN-SQUARES"]["status"] == "not_assessable" and outcomes["RUN-SQUARES"]["reason"]
    assert outcomes["RUN-TEXT"]["status"] == "not_assessable" and outcomes["RUN-TEXT"]["reason"]
    assert {outcomes[r]["status"] for r in ("RUN-BACKTRACK", "RUN-STARS")} <= {"pass", "fail", "not_assessable"}
