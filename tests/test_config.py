"""Configuration discovery, validation errors that name file and key, waiver parsing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from auditor.config import ConfigError, discover, load_config
from auditor.resources import load_schema


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_walks_up_to_the_nearest_auditor_toml(tmp_path):
    config = write(tmp_path / "auditor.toml", 'fail_on = "warning"\n')
    deep = tmp_path / "reports" / "2024" / "city"
    deep.mkdir(parents=True)
    assert discover(deep) == config
    assert load_config(start=deep).get("fail_on") == "warning"


def test_pyproject_table_found_and_pyproject_without_it_passed_over(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.auditor]\nselect = ["T3-"]\n')
    write(tmp_path / "sub" / "pyproject.toml", '[project]\nname = "x"\n')  # someone else's
    config = load_config(start=tmp_path / "sub")
    assert config.path == (tmp_path / "pyproject.toml").resolve()
    assert config.get("select") == ["T3-"]


def test_auditor_toml_wins_over_pyproject_in_the_same_folder(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.auditor]\nfail_on = "never"\n')
    write(tmp_path / "auditor.toml", 'fail_on = "warning"\n')
    assert load_config(start=tmp_path).get("fail_on") == "warning"


def test_explicit_config_overrides_discovery(tmp_path):
    write(tmp_path / "auditor.toml", 'fail_on = "warning"\n')
    other = write(tmp_path / "ci" / "strict.toml", 'fail_on = "never"\n')
    assert load_config(str(other), start=tmp_path).get("fail_on") == "never"
    with pytest.raises(ConfigError, match=r"missing\.toml：配置文件不存在"):
        load_config(str(tmp_path / "missing.toml"))


def test_no_config_means_defaults(tmp_path):
    config = load_config(start=tmp_path)
    assert config.path is None and config.settings == {} and config.waivers == []


@pytest.mark.parametrize(("text", "expected"), [
    ('selekt = ["T3-"]\n', "auditor.toml:1: （顶层）: 未知的键 'selekt' — 是否为 'select'？"),
    ('fail_on = "sometimes"\n', "auditor.toml:1: fail_on: 'sometimes' 不是 error, warning, never 之一"),
    ('[severity]\nCELL-BLANK = "fatal"\n', "auditor.toml:2: severity.CELL-BLANK: 'fatal' 不是 error, warning, info 之一"),
    ('jobs = -1\n', "auditor.toml:1: jobs: -1 小于最小值 0"),
    ('[[waivers]]\nrule = "T3-BALANCE"\nagency = "x"\nreason = "r"\napproved_by = "a"\nexpires = "2025-02-30"\n',
     "auditor.toml:6: waivers[0].expires: '2025-02-30' 不是有效的 date（YYYY-MM-DD）"),
    ('[[waivers]]\nrule = "T3-BALANCE"\nreason = "r"\napproved_by = "a"\nexpires = 2025-01-01\n',
     "auditor.toml:1: waivers[0]: 豁免需要 'paths' 或 'agency'，说明它适用于哪些文档"),
    ('[[waivers]]\nrule = "T3-BALANCE"\nagency = "x"\nexpires = 2025-01-01\n',
     "auditor.toml:1: waivers[0]: 缺少必填的键 'reason'"),
    ("fail_on = \n", "auditor.toml：TOML 格式错误"),
])
def test_errors_name_file_and_key(tmp_path, text, expected):
    write(tmp_path / "auditor.toml", text)
    with pytest.raises(ConfigError) as info:
        load_config(start=tmp_path)
    message = str(info.value).replace(str(tmp_path) + "/", "")
    assert expected in message


def test_pyproject_errors_use_the_table_path(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.auditor]\nfail_on = "x"\n')
    with pytest.raises(ConfigError, match=r"pyproject.toml:2: tool.auditor.fail_on: 'x' 不是"):
        load_config(start=tmp_path)


def test_waivers_and_paths_relative_to_the_config_file(tmp_path):
    write(tmp_path / "auditor.toml", """
rules = ["rules/provincial.rules"]
[[waivers]]
rule = "T3-BALANCE"
paths = ["reports/2024/*.txt"]
scope = { column = "natural" }
reason = "已向上级报备"
approved_by = "政务公开办 张三"
expires = 2025-03-31
""")
    config = load_config(start=tmp_path / "reports")
    assert config.rule_paths == [str(tmp_path / "rules" / "provincial.rules")]
    (waiver,) = config.waivers
    assert waiver.expires == dt.date(2025, 3, 31) and waiver.scope == {"column": "natural"}
    assert waiver.origin == "auditor.toml:waivers[0]"
    assert waiver.covers_document(str(tmp_path / "reports" / "2024" / "a.txt"), None)
    assert not waiver.covers_document(str(tmp_path / "reports" / "2023" / "a.txt"), None)
    assert config.record()["settings"]["waivers"][0]["expires"] == "2025-03-31"
    assert len(config.record()["sha256"]) == 64


def test_every_config_key_is_described():
    def walk(schema: dict, where: str) -> list[str]:
        missing = []
        for key, sub in schema.get("properties", {}).items():
            if "description" not in sub:
                missing.append(f"{where}.{key}")
            missing += walk(sub, f"{where}.{key}")
            if isinstance(sub.get("items"), dict):
                missing += walk(sub["items"], f"{where}.{key}[]")
        return missing

    assert walk(load_schema("config.schema.json"), "config") == []


def test_example_config_is_valid():
    example = Path(__file__).resolve().parent.parent / "examples" / "auditor.toml"
    config = load_config(str(example))
    assert config.waivers and all(w.reason and w.approved_by for w in config.waivers)


def test_errors_in_english_on_request(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITOR_LANG", "en")
    write(tmp_path / "auditor.toml", '\n\njobs = -1\n')
    with pytest.raises(ConfigError) as info:
        load_config(start=tmp_path)
    assert "auditor.toml:3: jobs: -1 is less than the minimum of 0" in str(info.value)


def test_a_key_is_found_on_its_line_in_tables_arrays_and_pyproject():
    from auditor.tomllines import line_of

    text = 'fail_on = "error"\nignore = [\n  "T3-",\n]\n[severity]\nCELL-BLANK = "error"\n' \
           '[[waivers]]\nrule = "A"\n[[waivers]]\nrule = "B"\nscope = { column = "natural" }\n'
    assert line_of(text, ["ignore", 0]) == 2
    assert line_of(text, ["severity", "CELL-BLANK"]) == 6
    assert line_of(text, ["waivers", 1, "rule"]) == 10
    assert line_of(text, ["waivers", 1, "scope", "column"]) == 11
    assert line_of(text, ["waivers"]) == 7
    assert line_of('[tool.auditor]\nselect = ["X"]\n', ["tool", "auditor", "select"]) == 2
    assert line_of(text, ["nothing"]) is None
