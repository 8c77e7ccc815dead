"""Compile a rule text and run it on a case-style report, for the DSL tests."""

from __future__ import annotations

from typing import Any

from auditor.dsl.cases import build_report
from auditor.dsl.runtime import Context
from auditor.engine import load_pack
from auditor.model import RuleOutcome


def outcome(rule_text: str, report: dict[str, Any] | None = None, rule_id: str | None = None) -> RuleOutcome:
    """The outcome of the (first or named) rule in ``rule_text`` on a clean report changed by ``report``."""
    pack = load_pack("test.rules", rule_text)
    rule = next(r for r in pack.rules if rule_id in (None, r.info.id))
    return rule.evaluate(Context(build_report(report or {})))


def rule(body: str, header: str = 'rule T-1 "测试" severity error') -> str:
    """A rule text from its clauses (each on its own line)."""
    return header + "\n" + "\n".join("  " + line for line in body.strip().splitlines()) + "\n"


def check(assertion: str, report: dict[str, Any] | None = None, *, lets: str = "", treat: bool = False) -> str:
    """Status of ``assert <assertion>`` (with optional lets), message "失败"."""
    body = ("treat blank as 0\n" if treat else "") + lets + f"\nassert {assertion}\nmessage \"失败\""
    return outcome(rule(body), report).status
