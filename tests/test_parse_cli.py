"""`auditor parse`: JSON shape, text summary, and one-line errors for bad input."""

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.resources import load_schema

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "reports" / "000_60dfc1bb3c346b4a.txt"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_json_output_has_the_documented_shape_and_validates() -> None:
    result = run("parse", "--format", "json", str(SEED), str(ROOT / "examples" / "reports" / "004_69f1cdd360e96bf0.txt"))
    assert result.exit_code == 0, result.output
    documents = json.loads(result.output)["documents"]
    assert len(documents) == 7
    schema = load_schema("report.schema.json")
    for document in documents:
        jsonschema.validate(document, schema)
        assert {"source", "index", "kind", "agency", "year", "format", "sections", "cells"} <= document.keys()
    assert documents[0]["cells"]["t2.procurement.amount"] == 6414.79959
    assert documents[0]["sections"] == [1, 2, 3, 4, 5, 6]


def test_text_summary_shows_metadata_and_rows() -> None:
    result = run("parse", str(SEED))
    assert result.exit_code == 0
    assert "机关：南宁市良庆区" in result.output
    assert "发布日期：2021-01-29" in result.output
    assert "行政许可" in result.output and "本年增/减=-61" in result.output


@pytest.mark.parametrize(("name", "content", "message"), [
    ("empty.txt", b"", "文件为空"),
    ("binary.txt", b"%PDF-1.7\x00\x01\x02\x03" * 50, "二进制数据"),
    ("prose.txt", "今天天气很好，我们去公园散步。\n".encode() * 3, "未找到年度报告"),
    ("blank.txt", b"   \n\n  \n", "只有空白字符"),
])
def test_bad_input_gives_one_line_error_and_others_still_parse(tmp_path: Path, name: str, content: bytes,
                                                              message: str) -> None:
    bad = tmp_path / name
    bad.write_bytes(content)
    result = CliRunner().invoke(cli, ["parse", "--format", "json", str(bad), str(SEED)])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line]
    assert len(errors) == 1 and message in errors[0] and str(bad) in errors[0]
    documents = json.loads(result.stdout)["documents"]
    assert documents[0]["error"] and documents[1]["agency"] == "南宁市良庆区"


def test_missing_path(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["parse", str(tmp_path / "nope.txt")])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"{tmp_path / 'nope.txt'}: 错误: 文件不存在"
    assert "Traceback" not in result.output


def test_python_dash_m_runs_without_traceback() -> None:
    completed = subprocess.run([sys.executable, "-m", "auditor", "parse", "/nonexistent/x.txt"],
                               capture_output=True, text=True, cwd=ROOT)
    assert completed.returncode == 1
    assert "文件不存在" in completed.stderr and "Traceback" not in completed.stderr
