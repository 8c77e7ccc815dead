"""Messages for people: Chinese by default, English on request, every key in both languages,
every read-failure reason auditor writes translated."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor import i18n
from auditor.cli import cli
from auditor.i18n.messages import MESSAGES
from auditor.i18n.reasons import translate

ROOT = Path(__file__).resolve().parent.parent


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_has_both_languages_with_the_same_placeholders(key):
    zh, en = MESSAGES[key]
    assert zh and en
    assert _fields(zh) == _fields(en), key


def test_every_key_used_in_the_code_exists():
    used = set()
    for path in (ROOT / "auditor").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_.-]+)["']""", text))
        used |= set(re.findall(r"""help=["']([a-z_]+\.[a-z0-9_.]+)["']""", text))
    missing = sorted(k for k in used if k not in MESSAGES and not k.endswith("."))
    assert not missing


def _reasons_in_source() -> list[str]:
    """Every literal read-failure reason: the text of ``AdapterError(...)``, ``LimitError``,
    ``GridTooLarge`` and the worker's messages, with f-string fields as ``X``."""
    found = []
    for path in (ROOT / "auditor").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("AdapterError", "LimitError", "GridTooLarge") and node.args):
                continue
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.append(arg.value)
            elif isinstance(arg, ast.JoinedStr):
                found.append("".join(v.value if isinstance(v, ast.Constant) else "7" for v in arg.values))
    return found


def test_every_read_failure_reason_is_translated():
    from auditor.worker import memory_message, timeout_message

    reasons = [r for r in _reasons_in_source() if r.strip("7: ")]  # not texts passed through (str(exc))
    reasons += [timeout_message(2), memory_message(1024), memory_message(None), "table[1]: table expands past 9 cells"]
    # a field at the end may be an optional tail ({found}: " (2 document(s) of another kind)")
    untranslated = [r for r in reasons if translate(r) == r and translate(r.removesuffix("7")) == r.removesuffix("7")]
    assert not untranslated, "add these to auditor/i18n/reasons.py"
    assert translate("file is 2 MiB, over the 1 MiB limit") == "文件大小 2 MiB，超过 1 MiB 的上限"
    assert translate("something a plugin says") == "something a plugin says"


def test_language_from_option_environment_and_default(monkeypatch):
    monkeypatch.delenv("AUDITOR_LANG", raising=False)
    assert i18n.language() == "zh" and i18n.reason("file is empty") == "文件为空"
    monkeypatch.setenv("AUDITOR_LANG", "en_US.UTF-8")
    assert i18n.language() == "en" and i18n.reason("file is empty") == "file is empty"
    i18n.set_language("zh")
    try:
        assert i18n.language() == "zh"
    finally:
        i18n.set_language(None)


def test_help_is_chinese_by_default_and_english_on_request(monkeypatch):
    monkeypatch.delenv("AUDITOR_LANG", raising=False)
    zh = CliRunner().invoke(cli, ["audit", "--help"])
    assert "用法:" in zh.output and "选项:" in zh.output and "只运行这些规则编号或前缀" in zh.output
    assert "显示此帮助并退出。" in zh.output and "--select" in zh.output, "option names stay"
    en = CliRunner().invoke(cli, ["--lang", "en", "audit", "--help"])
    assert "Usage:" in en.output and "Run only these rule ids or prefixes" in en.output
    monkeypatch.setenv("AUDITOR_LANG", "en")
    assert "Show what was recognized" in CliRunner().invoke(cli, ["parse", "--help"]).output
    assert "Usage:" in CliRunner().invoke(cli, ["--help"]).output


def test_click_errors_in_chinese(monkeypatch):
    monkeypatch.delenv("AUDITOR_LANG", raising=False)
    result = CliRunner().invoke(cli, ["audit", "--selekt", "X"])
    assert result.exit_code == 2
    assert "没有选项 '--selekt'" in result.stderr and "--select" in result.stderr


def test_parse_text_in_chinese_and_english(monkeypatch):
    monkeypatch.delenv("AUDITOR_LANG", raising=False)
    seed = str(ROOT / "examples" / "reports" / "000_60dfc1bb3c346b4a.txt")
    zh = CliRunner().invoke(cli, ["parse", seed]).output
    assert "机关：南宁市良庆区" in zh and "发布日期：2021-01-29" in zh and "行政级别：县" in zh
    en = CliRunner().invoke(cli, ["parse", "--lang", "en", seed]).output
    assert "agency: 南宁市良庆区" in en and "published: 2021-01-29" in en and "level: 县" in en
