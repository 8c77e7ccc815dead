"""Hand-built audit results for testing reporters and the runner without the engine."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Optional

from auditor.model import (
    AuditRun,
    Cell,
    CellRef,
    DocumentResult,
    Finding,
    PackInfo,
    Report,
    RuleInfo,
    RuleOutcome,
    Source,
    Span,
)

PACK = PackInfo(name="standard", version=3, path="rules/standard.rules", sha256="a" * 64,
                rules=("T3-BALANCE", "CELL-BLANK", "META-PERIOD", "META-CONTACT", "T4-SUM"))
RULES = {
    "T3-BALANCE": RuleInfo("T3-BALANCE", "表三收支平衡", "error", "standard", "新收+上年结转=总计+结转下年"),
    "CELL-BLANK": RuleInfo("CELL-BLANK", "表格单元格空白", "warning", "standard"),
    "META-PERIOD": RuleInfo("META-PERIOD", "统计期限", "error", "standard"),
    "META-CONTACT": RuleInfo("META-CONTACT", "联系方式", "error", "standard"),
    "T4-SUM": RuleInfo("T4-SUM", "表四合计", "error", "standard"),
}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def make_report(path: str, agency: Optional[str] = "南宁市良庆区", year: Optional[int] = 2020, *,
                index: int = 0, kind: str = "annual-report", fmt: Optional[str] = "2019",
                cells: Optional[dict[str, Cell]] = None) -> Report:
    return Report(source=Source(path=path, index=index, span=Span(line=1)), kind=kind, agency=agency,
                  year=year, format=fmt, title=f"{agency}{year}年政府信息公开工作年度报告",
                  cells=cells or {}, tables=("t2", "t3", "t4"))


def balance_finding(column: str = "natural", line: int = 40, new: int = 3) -> Finding:
    cells = (CellRef("t3.new." + column, new, str(new), Span(line=line)),
             CellRef("t3.total." + column, 0, "0", Span(line=line + 20)))
    return Finding("T3-BALANCE", "error",
                   f"表三{column}列：新收{new}+上年结转0=3，但总计0+结转下年度0=0，相差3",
                   scope={"column": column}, cells=cells, span=Span(line=line))


def blank_finding(cell: str = "t3.new.legal", line: int = 41) -> Finding:
    return Finding("CELL-BLANK", "warning", f"单元格{cell}留空（应填0）", scope={"cell": cell},
                   cells=(CellRef(cell, None, "", Span(line=line)),), span=Span(line=line))


def outcomes_for(findings: list[Finding], *, not_assessable: tuple[str, ...] = ("T4-SUM",)) -> tuple[RuleOutcome, ...]:
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    outcomes = []
    for rule_id, info in RULES.items():
        if rule_id in not_assessable:
            outcomes.append(RuleOutcome(info, "not_assessable", reason="报告缺少表四"))
        elif rule_id in by_rule:
            outcomes.append(RuleOutcome(info, "fail", tuple(by_rule[rule_id])))
        else:
            outcomes.append(RuleOutcome(info, "pass"))
    return tuple(outcomes)


def t3_cells(line: int = 40) -> dict[str, Cell]:
    cells = {}
    for offset, (cid, raw) in enumerate([("t3.new.natural", "3"), ("t3.new.total", "3"), ("t3.new.legal", ""),
                                         ("t3.total.natural", "0"), ("t3.total.total", "0")]):
        value = int(raw) if raw else None
        cells[cid] = Cell(cid, raw, value, "number" if raw else "blank", Span(line=line + offset))
    return cells


def sample_documents(tmp: str = "reports") -> list[DocumentResult]:
    """Good, failing, warning-only, waived, multi-document, non-report and unreadable entries."""
    waived = Finding("META-CONTACT", "error", "未提供联系电话或电子邮箱", span=Span(line=5),
                     waived={"rule": "META-CONTACT", "reason": "联系方式在门户网站统一公布", "approved_by": "张三",
                             "expires": "2099-12-31", "agency": "净月高新区", "origin": "auditor.toml:waivers[0]"})
    return [
        DocumentResult(f"{tmp}/000_good.txt", 0, make_report(f"{tmp}/000_good.txt"),
                       outcomes_for([]), sha256=sha("good")),
        DocumentResult(f"{tmp}/001_waived.txt", 0, make_report(f"{tmp}/001_waived.txt", "净月高新区", 2021, fmt="2021"),
                       outcomes_for([waived, blank_finding()]), sha256=sha("waived")),
        DocumentResult(f"{tmp}/003_balance.txt", 0,
                       make_report(f"{tmp}/003_balance.txt", "白银市平川区", 2020, cells=t3_cells()),
                       outcomes_for([balance_finding("natural"), balance_finding("total", 44), blank_finding()]),
                       sha256=sha("balance")),
        DocumentResult(f"{tmp}/004_page.txt", 0, make_report(f"{tmp}/004_page.txt", "桂林市", 2019, index=0),
                       outcomes_for([Finding("META-PERIOD", "error", "未写明统计期限", span=Span(line=12))]),
                       sha256=sha("page")),
        DocumentResult(f"{tmp}/004_page.txt", 1,
                       make_report(f"{tmp}/004_page.txt", None, None, index=1, kind="other", fmt=None),
                       tuple(RuleOutcome(r, "skipped", reason="不是政府信息公开工作年度报告") for r in RULES.values()),
                       sha256=sha("page")),
        DocumentResult(f"{tmp}/corrupt.docx", error="not a Word file: bad zip header", sha256=sha("corrupt")),
        DocumentResult(f"{tmp}/empty.txt", error="file is empty", sha256=sha("")),
    ]


def make_run(documents: Optional[list[DocumentResult]] = None, **meta: Any) -> AuditRun:
    docs = sample_documents() if documents is None else documents
    base_meta: dict[str, Any] = {
        "tool": {"name": "auditor", "version": "0.1.0"},
        "created": "2026-01-15T08:30:00+00:00",
        "hostname": "ci-runner",
        "fail_on": "error",
        "command": ["auditor", "audit", "reports"],
        "config": {"path": "/repo/auditor.toml", "sha256": "b" * 64, "settings": {"fail_on": "error"}},
        "packs": [{"name": PACK.name, "version": PACK.version, "path": PACK.path, "sha256": PACK.sha256}],
        "inputs": [{"path": p, "sha256": next(d.sha256 for d in docs if d.path == p)}
                   for p in dict.fromkeys(d.path for d in docs)],
        "waivers": {"applied": [], "unused": [{"rule": "T4-SUM", "reason": "旧格式", "approved_by": "李四",
                                               "expires": "2099-01-01", "paths": ["old/*.txt"],
                                               "origin": "auditor.toml:waivers[1]"}],
                    "expired": []},
    }
    base_meta.update(meta)
    return AuditRun(documents=tuple(docs), rules=tuple(RULES.values()), packs=(PACK,), meta=base_meta)


# --------------------------------------------------------------------------------------------
# A stand-in for ``auditor.engine`` (same API), so the runner and CLI are tested on their own.
# --------------------------------------------------------------------------------------------


class FakeRuleFileError(Exception):
    def render(self) -> str:
        return f"{self.args[0]}:1:1: error: bad rule file"


FAKE_RULES = {
    "FAKE-CONTACT": RuleInfo("FAKE-CONTACT", "联系方式", "error", "fake"),
    "FAKE-PERIOD": RuleInfo("FAKE-PERIOD", "统计期限", "error", "fake"),
    "BLANK-CELL": RuleInfo("BLANK-CELL", "空白单元格", "warning", "fake"),
    "NEEDS-T4": RuleInfo("NEEDS-T4", "表四", "error", "fake"),
}


class FakeRuleSet:
    def __init__(self, rules: tuple[RuleInfo, ...]) -> None:
        self.rules = rules
        self.packs = (PackInfo("fake", 1, "fake.rules", sha("fake"), tuple(r.id for r in rules)),)

    def evaluate(self, report: Report) -> tuple[RuleOutcome, ...]:
        if report.kind == "other":  # as the real engine: documents that are not reports run nothing
            return tuple(RuleOutcome(rule, "skipped", reason="不是政府信息公开工作年度报告") for rule in self.rules)
        out = []
        for rule in self.rules:
            findings: list[Finding] = []
            if rule.id == "FAKE-CONTACT" and not (report.contact.phones or report.contact.emails):
                findings.append(Finding(rule.id, rule.severity, "未提供联系电话或电子邮箱", span=report.source.span))
            elif rule.id == "FAKE-PERIOD" and report.period is None:
                findings.append(Finding(rule.id, rule.severity, "未写明统计期限", span=report.source.span))
            elif rule.id == "BLANK-CELL":
                for cell in report.cells.values():
                    if cell.state == "blank":
                        column = cell.id.rsplit(".", 1)[-1]
                        findings.append(Finding(rule.id, rule.severity, f"{cell.id} 留空", scope={"column": column},
                                                cells=(CellRef(cell.id, None, cell.raw, cell.span),), span=cell.span))
            elif rule.id == "NEEDS-T4" and "t4" not in report.tables:
                out.append(RuleOutcome(rule, "not_assessable", reason="缺少表四"))
                continue
            out.append(RuleOutcome(rule, "fail" if findings else "pass", tuple(findings)))
        return tuple(out)


def fake_load_rules(paths=(), *, standard=True, select=(), ignore=(), severity_overrides=None) -> FakeRuleSet:
    for path in paths:
        if "broken" in str(path):
            raise FakeRuleFileError(str(path))
    import dataclasses

    chosen = []
    for rule in FAKE_RULES.values():
        if select and not any(rule.id.startswith(s) for s in select):
            continue
        if any(rule.id.startswith(i) for i in ignore):
            continue
        if severity_overrides and rule.id in severity_overrides:
            rule = dataclasses.replace(rule, severity=severity_overrides[rule.id])
        chosen.append(rule)
    return FakeRuleSet(tuple(chosen))


def fake_engine_module():
    import types

    module = types.ModuleType("auditor.engine")
    module.RuleFileError = FakeRuleFileError
    module.load_rules = fake_load_rules
    module.RuleSet = FakeRuleSet
    return module


EXTERNAL = Path(__file__).resolve().parent / "fixtures" / "external"  # junit.xsd, sarif-schema-2.1.0.json
