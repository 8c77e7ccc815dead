"""How fast are compiled rule packs? Prints numbers; not a test.

1. Evaluating the standard packs on parsed reports (the seeds, plus clean and broken synthetic
   reports) against hand-written Python doing the same checks with the same outputs
   (outcomes, Chinese messages, cited cells) — the ratio should stay at or under 1.5×. Only the
   rules written by hand are compared; the time of every standard rule is printed apart.
2. Cold compile time of the standard packs: without any cache (build the LALR parser, parse,
   compile) and with the on-disk tree cache (compile only).

    .venv/bin/python benchmarks/bench_rules.py [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor import templates  # noqa: E402
from auditor.dsl.blanks import blank_regions  # noqa: E402
from auditor.dsl.cases import build_report  # noqa: E402
from auditor.dsl.fields import period_year, title_year, year_basis  # noqa: E402
from auditor.model import Cell, CellRef, Finding, Report, RuleInfo, RuleOutcome  # noqa: E402

# ---------------------------------------------------------------- the same checks, by hand

NUMERALS = "一二三四五六"
HEADINGS = ["总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况", "政府信息公开行政复议、行政诉讼情况",
            "存在的主要问题及改进情况", "其他需要报告的事项"]
TABLE_TITLES = {"t2": "主动公开政府信息情况", "t3": "收到和处理政府信息公开申请情况",
                "t4": "政府信息公开行政复议、行政诉讼情况"}


class _Missing(Exception):
    pass


def _info(rule_id: str, severity: str = "error") -> RuleInfo:
    return RuleInfo(rule_id, rule_id, severity, "hand")  # type: ignore[arg-type]


def _ref(cell: Cell) -> CellRef:
    return CellRef(cell.id, cell.value if cell.state == "number" else None, cell.raw, cell.span)


def _value(report: Report, cid: str, touched: list[Cell], blank_zero: bool = True) -> Any:
    cell = report.cells.get(cid)
    if cell is None:
        raise _Missing(f"报告中没有单元格 {cid}")
    touched.append(cell)
    if cell.state == "number":
        return cell.value
    if blank_zero and cell.state in ("blank", "placeholder"):
        return 0
    raise _Missing(f"单元格 {cid} 不可用")


def _per_scope(info: RuleInfo, scopes: list[Callable[[], Optional[Finding]]]) -> RuleOutcome:
    findings, reasons = [], []
    for scope in scopes:
        try:
            finding = scope()
        except _Missing as exc:
            reasons.append(str(exc))
            continue
        if finding is not None:
            findings.append(finding)
    if findings:
        return RuleOutcome(info, "fail", tuple(findings))
    if reasons:
        return RuleOutcome(info, "not_assessable", reason="；".join(dict.fromkeys(reasons)))
    return RuleOutcome(info, "pass")


def hand_written(report: Report) -> list[RuleOutcome]:
    """The fifteen standard checks written directly in Python."""
    annual = report.kind == "annual-report"
    out: list[RuleOutcome] = []
    fmt = report.format if report.format in templates.FORMATS else None
    template = templates.load(fmt) if fmt else None

    def skipped(rule_id: str, severity: str = "error") -> RuleOutcome:
        return RuleOutcome(_info(rule_id, severity), "skipped", reason="条件不适用")

    # cells: blanks grouped by extent (whole table, column, row, else per row), the others per cell
    regions = blank_regions(report, fmt) if annual and fmt else ()
    if annual and fmt:
        findings = [Finding("CELL-BLANK", "warning", f"{r.description}，应填写0", {"region": r.region_id},
                            tuple(_ref(c) for c in r.cells)) for r in regions]
        out.append(RuleOutcome(_info("CELL-BLANK", "warning"), "fail" if findings else "pass", tuple(findings)))
    elif annual:
        out.append(RuleOutcome(_info("CELL-BLANK", "warning"), "not_assessable", reason="无格式"))
    else:
        out.append(skipped("CELL-BLANK", "warning"))
    for rule_id, severity, bad, text in (
        ("CELL-NEGATIVE", "error", lambda c: c.state == "number" and not c.id.endswith(".change") and c.value < 0,
         "为负数"),
        ("CELL-NONNUMERIC", "error", lambda c: c.state == "text", "应填写数字"),
    ):
        if not annual:
            out.append(skipped(rule_id, severity))
            continue
        findings = []
        for cell in report.cells.values():
            table = cell.id.partition(".")[0]
            if table not in report.tables or not bad(cell):
                continue
            row = cell.id.partition(".")[2].rpartition(".")[0]
            column = cell.id.rpartition(".")[2]
            name = templates.TABLE_NAMES[table]
            row_label = template.row_label(table, row) if template else row
            column_label = template.column_label(table, column) if template else column
            message = f"{name}「{row_label}」行「{column_label}」列{text}"
            findings.append(Finding(rule_id, severity, message, {"cell": cell.id}, (_ref(cell),)))  # type: ignore[arg-type]
        out.append(RuleOutcome(_info(rule_id, severity), "fail" if findings else "pass", tuple(findings)))

    # metadata
    if report.kind in ("annual-report", "legacy-report"):
        legacy = report.kind == "legacy-report"
        expected = templates.format_for_year(report.year)
        if legacy or report.format != expected:
            message = (f"{report.year}年度报告为2019年以前的旧式报告，不适用现行年度报告格式" if legacy
                       else f"{report.year}年度报告应使用{expected}年版格式的表格，实际使用了{report.format}年版格式")
            finding = Finding("META-FORMAT", "warning" if legacy else "error", message)
            out.append(RuleOutcome(_info("META-FORMAT"), "fail", (finding,)))
        else:
            out.append(RuleOutcome(_info("META-FORMAT"), "pass"))
    else:
        out.append(skipped("META-FORMAT"))
    if annual:
        title, period_of = title_year(report), period_year(report)
        known = {y for y in (title, period_of) if y is not None}
        if not known:
            out.append(RuleOutcome(_info("META-YEAR"), "not_assessable", reason="无法比较"))
        elif len(known | {report.year}) > 1:
            message = f"标题年度{title}与统计期限年度{period_of}不一致（报告年度按{year_basis(report)}定为{report.year}年）"
            out.append(RuleOutcome(_info("META-YEAR"), "fail", (Finding("META-YEAR", "error", message),)))
        else:
            out.append(RuleOutcome(_info("META-YEAR"), "pass"))
        period = report.period
        start = period.start if period else None
        if period is None:
            out.append(RuleOutcome(_info("META-PERIOD"), "fail", (Finding(
                "META-PERIOD", "error", f"报告未说明统计期限（应为{report.year}年1月1日至12月31日）"),)))
        elif not start or start[5:] != "01-01" or period.end != f"{start[:4]}-12-31":
            out.append(RuleOutcome(_info("META-PERIOD"), "fail", (Finding(
                "META-PERIOD", "error", f"统计期限「{period.statement}」不是{(start or '')[:4]}年1月1日至12月31日"),)))
        else:
            out.append(RuleOutcome(_info("META-PERIOD"), "pass"))
        if report.contact.phones or report.contact.emails:
            out.append(RuleOutcome(_info("META-CONTACT"), "pass"))
        else:
            finding = Finding("META-CONTACT", "error", "报告未提供联系电话或电子邮箱")
            out.append(RuleOutcome(_info("META-CONTACT"), "fail", (finding,)))
        if not report.published or report.year is None:
            out.append(RuleOutcome(_info("META-DEADLINE"), "not_assessable", reason="报告缺少发布日期"))
        else:
            deadline = f"{report.year + 1}-03-31" if report.government_report else f"{report.year + 1}-01-31"
            ok = report.published <= deadline
            out.append(RuleOutcome(_info("META-DEADLINE"), "pass" if ok else "fail", () if ok else (Finding(
                "META-DEADLINE", "error", f"发布日期{report.published}晚于公布期限{deadline}"),)))
    else:
        out += [skipped(r) for r in ("META-YEAR", "META-PERIOD", "META-CONTACT", "META-DEADLINE")]

    # structure
    if annual:
        numbers = {s.number for s in report.sections}
        findings = [Finding("STRUCT-SECTIONS", "error", f"缺少第{NUMERALS[n - 1]}部分「{HEADINGS[n - 1]}」",
                            {"part": str(n)}) for n in range(1, 7) if n not in numbers]
        out.append(RuleOutcome(_info("STRUCT-SECTIONS"), "fail" if findings else "pass", tuple(findings)))
        findings = [Finding("STRUCT-HEADING", "warning",
                            f"第{NUMERALS[s.number - 1]}部分标题「{s.heading}」与标准表述「{s.expected_heading}」不一致",
                            {"section": str(s.number)}, span=s.span) for s in report.sections if not s.standard]
        out.append(RuleOutcome(_info("STRUCT-HEADING", "warning"), "fail" if findings else "pass", tuple(findings)))
        findings = [Finding("STRUCT-TABLES", "error", f"缺少{templates.TABLE_NAMES[t]}「{TABLE_TITLES[t]}」", {"t": t})
                    for t in templates.TABLES if t not in report.tables]
        out.append(RuleOutcome(_info("STRUCT-TABLES"), "fail" if findings else "pass", tuple(findings)))
    else:
        out += [skipped("STRUCT-SECTIONS"), skipped("STRUCT-HEADING", "warning"), skipped("STRUCT-TABLES")]

    # tables
    if not annual:
        return out + [skipped(r) for r in ("T3-BALANCE", "T3-RESULTS-SUM", "T3-ROW-TOTAL", "T4-SUM")]
    if template is None:
        return out + [RuleOutcome(_info(r), "not_assessable", reason="无格式")
                      for r in ("T3-BALANCE", "T3-RESULTS-SUM", "T3-ROW-TOTAL", "T4-SUM")]
    columns = template.columns("t3")
    rows = [r.id for r in template.rows("t3")]
    result_rows = [r for r in rows
                   if r.startswith(("granted", "partial", "denied.", "unable.", "not_processed.", "other"))]

    def balance(col: Any) -> Callable[[], Optional[Finding]]:
        def check() -> Optional[Finding]:
            touched: list[Cell] = []
            new = _value(report, f"t3.new.{col.id}", touched)
            over = _value(report, f"t3.carried_over.{col.id}", touched)
            total = _value(report, f"t3.total.{col.id}", touched)
            forward = _value(report, f"t3.carried_forward.{col.id}", touched)
            if new + over == total + forward:
                return None
            return Finding("T3-BALANCE", "error", f"表三「{col.label}」列：本年新收{new} + 上年结转{over} = {new + over}，"
                           f"但办理结果总计{total} + 结转下年度{forward} = {total + forward}", {"column": col.id},
                           tuple(_ref(c) for c in touched))
        return check

    def results(col: Any) -> Callable[[], Optional[Finding]]:
        def check() -> Optional[Finding]:
            touched: list[Cell] = []
            total = _value(report, f"t3.total.{col.id}", touched)
            parts = sum(_value(report, f"t3.{r}.{col.id}", touched) for r in result_rows)
            if total == parts:
                return None
            message = f"表三「{col.label}」列：（七）总计{total}，但各项办理结果之和为{parts}"
            return Finding("T3-RESULTS-SUM", "error", message, {"column": col.id}, tuple(_ref(c) for c in touched))
        return check

    def row_total(row: str) -> Callable[[], Optional[Finding]]:
        def check() -> Optional[Finding]:
            touched: list[Cell] = []
            total = _value(report, f"t3.{row}.total", touched)
            parts = sum(_value(report, f"t3.{row}.{c.id}", touched) for c in columns if c.id != "total")
            if total == parts:
                return None
            return Finding("T3-ROW-TOTAL", "error", f"表三「{row}」行：总计{total}，但各类申请人之和为{parts}", {"row": row},
                           tuple(_ref(c) for c in touched))
        return check

    def t4_row(row: str) -> Callable[[], Optional[Finding]]:
        def check() -> Optional[Finding]:
            touched: list[Cell] = []
            total = _value(report, f"t4.{row}.total", touched)
            parts = sum(_value(report, f"t4.{row}.{c}", touched) for c in ("upheld", "corrected", "other", "pending"))
            if total == parts:
                return None
            return Finding("T4-SUM", "error", f"表四「{row}」行：总计{total}，但各项结果之和为{parts}", {"row": row},
                           tuple(_ref(c) for c in touched))
        return check

    blank_tables = {r.table: r.description for r in regions if r.kind == "table"}

    def identity(rule_id: str, table: str, scopes: list[Callable[[], Optional[Finding]]]) -> RuleOutcome:
        if table in blank_tables:  # an identity over a wholly blank table is not assessable
            return RuleOutcome(_info(rule_id), "not_assessable", reason=blank_tables[table])
        return _per_scope(_info(rule_id), scopes)

    out.append(identity("T3-BALANCE", "t3", [balance(c) for c in columns]))
    out.append(identity("T3-RESULTS-SUM", "t3", [results(c) for c in columns]))
    out.append(identity("T3-ROW-TOTAL", "t3", [row_total(r) for r in rows]))
    out.append(identity("T4-SUM", "t4", [t4_row(r.id) for r in template.rows("t4")]))
    return out


# ---------------------------------------------------------------- measuring


def reports() -> list[Report]:
    found: list[Report] = []
    try:
        from auditor.reading import load_reports

        for path in sorted((ROOT / "examples" / "reports").glob("*.txt")):
            found += load_reports(path)
    except Exception as exc:  # the recognizer may not be there yet
        print(f"(seeds not used: {exc})")
    found += [build_report({}), build_report({"year": 2021}),
              build_report({"cells": {"t3.new.natural": 3, "t3.new.total": 3, "t3.new.legal": ""}}),
              build_report({"sections": [2, 3], "tables": ["t2"], "period": False, "contact": {}})]
    return found


def best_of(rounds: int, func: Callable[[], Any]) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def cold_compile() -> tuple[float, float]:
    """Seconds to load the standard packs with an empty and with a warm disk cache."""
    from auditor import engine
    from auditor.dsl import parser

    def load() -> float:
        engine.clear_memory_cache()
        parser._lark.cache_clear()
        start = time.perf_counter()
        engine.load_rules()
        return time.perf_counter() - start

    saved = os.environ.get("AUDITOR_CACHE_DIR")
    with tempfile.TemporaryDirectory() as directory:
        os.environ["AUDITOR_CACHE_DIR"] = directory
        without = load()  # empty cache: parser built, files parsed, trees stored
        with_cache = min(load() for _ in range(3))
    if saved is None:
        os.environ.pop("AUDITOR_CACHE_DIR", None)
    else:
        os.environ["AUDITOR_CACHE_DIR"] = saved
    return without, with_cache


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()

    from auditor.engine import load_rules

    without, with_cache = cold_compile()
    docs = reports()
    # The comparison runs the rules written by hand below, nothing else; the standard packs hold
    # more (narrative, cross-document, reading), timed on their own as "all standard rules".
    covered = tuple(sorted({o.rule.id for report in docs for o in hand_written(report)}))
    everything = load_rules()
    ruleset = load_rules(select=covered)
    for report in docs:  # the two agree on what fails
        dsl = {(o.rule.id, o.status, len(o.findings)) for o in ruleset.evaluate(report)}
        hand = {(o.rule.id, o.status, len(o.findings)) for o in hand_written(report)}
        if dsl != hand:
            print(f"  note: outcomes differ on {report.source.path}#{report.source.index}: {sorted(dsl ^ hand)}")

    def run_dsl() -> None:
        for report in docs:
            ruleset.evaluate(report)

    def run_hand() -> None:
        for report in docs:
            hand_written(report)

    def run_all() -> None:
        for report in docs:
            everything.evaluate(report)

    # Interleaved, best of N each: a busy machine slows both sides alike.
    dsl_time = hand_time = float("inf")
    for _ in range(args.rounds):
        dsl_time = min(dsl_time, best_of(1, run_dsl))
        hand_time = min(hand_time, best_of(1, run_hand))
    all_time = min(best_of(1, run_all) for _ in range(max(1, args.rounds // 5)))
    print(f"reports: {len(docs)}, rules compared: {len(ruleset)} of {len(everything)} standard rules")
    print(f"compiled rules : {dsl_time * 1000:8.2f} ms per pass ({dsl_time / len(docs) * 1e6:7.0f} µs per report)")
    print(f"hand-written   : {hand_time * 1000:8.2f} ms per pass ({hand_time / len(docs) * 1e6:7.0f} µs per report)")
    print(f"ratio          : {dsl_time / hand_time:8.2f}× (target ≤ 1.5×)")
    print(f"all standard rules ({len(everything)}): {all_time / len(docs) * 1e6:7.0f} µs per report")
    print(f"cold compile, no cache   : {without * 1000:8.1f} ms")
    print(f"cold compile, disk cache : {with_cache * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
