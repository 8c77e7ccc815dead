"""load_rules and RuleSet: selection, overrides, report kinds, includes and the caches."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.dsl.cases import build_report
from auditor.engine import RuleFileError, clear_memory_cache, load_rules

RULE = 'rule {id} "t" severity error\n  assert true\n  message "m"\n'


def test_select_and_ignore_take_ids_and_prefixes() -> None:
    ids = [r.id for r in load_rules(select=["T3-", "META-PERIOD"], ignore=["T3-ROW-TOTAL"]).rules]
    assert ids == ["META-PERIOD", "T3-BALANCE", "T3-RESULTS-SUM"]
    assert {r.id for r in load_rules(select=["META"]).rules} == {
        "META-FORMAT", "META-YEAR", "META-PERIOD", "META-CONTACT", "META-DEADLINE"}


def test_unknown_selector_suggests_a_rule() -> None:
    with pytest.raises(RuleFileError, match="no rule matches 'T3-BALANSE' — did you mean 'T3-BALANCE'"):
        load_rules(select=["T3-BALANSE"])


def test_severity_override_applies_to_info_and_findings() -> None:
    ruleset = load_rules(select=["META-CONTACT"], severity_overrides={"META-CONTACT": "warning"})
    assert ruleset.rules[0].severity == "warning"
    (outcome,) = ruleset.evaluate(build_report({"contact": {}}))
    assert outcome.rule.severity == "warning" and outcome.findings[0].severity == "warning"
    with pytest.raises(RuleFileError, match="unknown severity 'fatal'"):
        load_rules(severity_overrides={"META-CONTACT": "fatal"})


def test_other_documents_skip_every_rule() -> None:
    outcomes = load_rules().evaluate(build_report({"kind": "other"}))
    assert {o.status for o in outcomes} == {"skipped"}


def test_legacy_report_gets_only_meta_format_as_a_warning() -> None:
    report = build_report({"kind": "legacy-report", "year": 2008, "format": "legacy", "tables": [],
                           "period": False, "contact": {}})
    outcomes = load_rules().evaluate(report)
    failing = [(o.rule.id, f.severity) for o in outcomes for f in o.findings]
    assert failing == [("META-FORMAT", "warning")]


def test_one_outcome_per_rule_in_rule_order() -> None:
    ruleset = load_rules()
    outcomes = ruleset.evaluate(build_report({}))
    assert [o.rule.id for o in outcomes] == [r.id for r in ruleset.rules]


def test_folders_are_searched_recursively_and_packs_recorded(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.rules").write_text('pack "甲" version 4\n' + RULE.format(id="X-1"), encoding="utf-8")
    ruleset = load_rules([tmp_path], standard=False)
    (pack,) = ruleset.packs
    assert (pack.name, pack.version, pack.rules, len(pack.sha256)) == ("甲", 4, ("X-1",), 64)


def test_includes_stay_inside_the_folder(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "more.rules").write_text(RULE.format(id="X-2"), encoding="utf-8")
    (tmp_path / "main.rules").write_text('pack "主包"\ninclude "lib/more.rules"\n' + RULE.format(id="X-1"),
                                         encoding="utf-8")
    ruleset = load_rules([tmp_path / "main.rules"], standard=False)
    assert [r.id for r in ruleset.rules] == ["X-1", "X-2"]
    assert [r.pack for r in ruleset.rules] == ["主包", "主包"]
    (tmp_path / "escape.rules").write_text('include "../outside.rules"\n', encoding="utf-8")
    with pytest.raises(RuleFileError, match="include must name a file in this folder"):
        load_rules([tmp_path / "escape.rules"], standard=False)
    (tmp_path / "typo.rules").write_text('include "lib/mroe.rules"\n', encoding="utf-8")
    with pytest.raises(RuleFileError, match=r"did you mean 'lib/more\.rules'"):
        load_rules([tmp_path / "typo.rules"], standard=False)


def test_missing_path_is_a_rule_file_error(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError, match="no such rule file or folder"):
        load_rules([tmp_path / "nope.rules"])


def test_compiled_packs_are_reused_in_process() -> None:
    clear_memory_cache()
    first = load_rules()
    second = load_rules()
    assert first.compiled[0] is second.compiled[0]


def test_plugins_add_rule_paths(tmp_path: Path) -> None:
    from auditor import plugins
    from auditor.hookspecs import hookimpl

    (tmp_path / "plugin.rules").write_text('pack "插件包"\n' + RULE.format(id="PLUG-1"), encoding="utf-8")

    class RulePlugin:
        @hookimpl
        def auditor_rule_paths(self) -> list[str]:
            return [str(tmp_path)]

    manager = plugins.manager()
    manager.register(RulePlugin(), name="test-rule-plugin")
    try:
        ruleset = load_rules()
    finally:
        manager.unregister(name="test-rule-plugin")
    assert "PLUG-1" in [r.id for r in ruleset.rules]
    assert any(p.name == "插件包" for p in ruleset.packs)
