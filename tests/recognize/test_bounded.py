"""Hostile text stays cheap to read (issue 13, items 4 and 6): every pattern that runs over report
text is linear, and numbers no report holds are not numbers. These tests time nothing; a
generous subprocess timeout only turns a hang into a failure."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from auditor.recognize.normalize import parse_value

LINES = {
    "email-like": "a." * 500_000,
    "email-run": "x" * 1_000_000,
    "phone-after-label": "电话" + "0" * 1_000_000,
    "digits": "1" * 1_000_000,
    "chinese": "政府信息公开工作" * 125_000,
    "title-head": "2020年政府信息公开" + "工作" * 500_000,
    "table-labels": "一、本年新收政府信息公开申请数量 1 " * 30_000,
    "spaced": "统 计 " * 250_000,
    "pipes": "| 1 " * 250_000,
}


@pytest.mark.parametrize("name", LINES)
def test_a_one_megabyte_line_is_read_in_bounded_work(tmp_path: Path, name: str) -> None:
    target = tmp_path / f"{name}.txt"
    target.write_text("某某局2020年政府信息公开工作年度报告\n" + LINES[name] + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "auditor", "parse", str(target), "--format", "json"],
                          capture_output=True, timeout=60)
    assert done.returncode in (0, 1), done.stderr.decode("utf-8", "replace")[-500:]


@pytest.mark.parametrize("raw", ["1" + "0" * 400 + ".5", "9" * 5001, "1" * 16, "0.12345678901"])
def test_numbers_no_report_holds_are_text(raw: str) -> None:
    assert parse_value(raw).state == "text"


def test_large_real_amounts_still_read() -> None:
    assert parse_value("13575394432.52元", amount=True).value == pytest.approx(1357539.443252)
    assert parse_value("123456789012345").value == 123456789012345
