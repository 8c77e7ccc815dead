"""What compiled rules compute: arithmetic with rounding tolerance, blanks, missing data,
quantifiers, text predicates, and the outcome each situation gives."""

from __future__ import annotations

import pytest

from tests.dsl.helpers import check, outcome, rule

# ---------------------------------------------------------------- numbers and tolerance


@pytest.mark.parametrize(("assertion", "status"), [
    ("1 + 2 * 3 == 7", "pass"),
    ("(1 + 2) * 3 == 9", "pass"),
    ("7 / 2 == 3.5", "pass"),
    ("-3 + 1 == -2", "pass"),
    ("abs(-4) == 4 and min(3, 1, 2) == 1 and max(3, 1, 2) == 3", "pass"),
    ("round(2.5) == 3 and round(2.345, 2) == 2.35", "pass"),
    ("0.1 + 0.2 == 0.3", "pass"),  # exact literals still compare with float care
    ("3 == 4", "fail"),
])
def test_arithmetic(assertion: str, status: str) -> None:
    assert check(assertion) == status


def test_exact_integers_stay_exact() -> None:
    cells = {"t2.procurement.items": 3, "t2.procurement.amount": 4}
    assert check("t2.procurement.items + 1 == t2.procurement.amount", {"cells": cells}) == "pass"
    assert check("t2.procurement.items == t2.procurement.amount", {"cells": cells}) == "fail"


@pytest.mark.parametrize(("a", "b", "total", "status"), [
    ("258.13", "100.2", "358.33", "pass"),
    ("258.13", "100.2", "358.3", "pass"),      # 358.3 may be 358.33 rounded
    ("258.13", "100.2", "358.5", "fail"),      # no rounding reaches it
    ("6414.79959", "1", "6415.8", "pass"),
    ("6414.79959", "1", "6415.7", "fail"),
    ("57.3", "0", "57", "fail"),               # an integer is exact: 57.25…57.35 never equals 57
])
def test_rounded_amounts_compare_within_written_precision(a: str, b: str, total: str, status: str) -> None:
    cells = {"t2.licensing.decisions": a, "t2.penalty.decisions": b, "t2.coercion.decisions": total}
    assertion = "t2.licensing.decisions + t2.penalty.decisions == t2.coercion.decisions"
    assert check(assertion, {"cells": cells}) == status


def test_ordering_with_tolerance() -> None:
    cells = {"t2.licensing.decisions": "10.4", "t2.penalty.decisions": 10}
    assert check("t2.licensing.decisions <= t2.penalty.decisions", {"cells": cells}) == "fail"
    cells["t2.licensing.decisions"] = "10.0"
    assert check("t2.licensing.decisions <= t2.penalty.decisions", {"cells": cells}) == "pass"


# ---------------------------------------------------------------- blanks and missing data


def test_blank_cell_is_not_assessable_unless_treated_as_zero() -> None:
    report = {"cells": {"t3.new.natural": ""}}
    result = outcome(rule('assert t3.new.natural == 0\nmessage "m"'), report)
    assert result.status == "not_assessable" and "t3.new.natural 留空" in result.reason
    assert check("t3.new.natural == 0", report, treat=True) == "pass"


def test_placeholder_reads_as_zero_when_treated() -> None:
    report = {"cells": {"t3.new.natural": "—"}}
    assert check("t3.new.natural + 1 == 1", report, treat=True) == "pass"
    assert check("t3.new.natural is placeholder and t3.new.natural is not blank", report) == "pass"


def test_text_cell_is_never_a_number() -> None:
    result = outcome(rule('treat blank as 0\nassert t3.new.natural == 0\nmessage "m"'),
                     {"cells": {"t3.new.natural": "若干"}})
    assert result.status == "not_assessable" and "若干" in result.reason


def test_missing_table_names_the_table() -> None:
    result = outcome(rule('assert t3.new.natural == 0\nmessage "m"'), {"tables": ["t2", "t4"]})
    assert (result.status, result.reason) == ("not_assessable", "报告中没有表三")


def test_cell_of_the_other_format_is_not_assessable() -> None:
    result = outcome(rule('assert t3.other.natural == 0\nmessage "m"'), {"year": 2021})
    assert result.status == "not_assessable" and "2021年版格式没有单元格 t3.other.natural" in result.reason


def test_coalesce_gives_a_fallback_for_missing_values() -> None:
    assert check('(report.published ?? "none") == "none"') == "pass"
    assert check("(t3.new.natural ?? 5) == 5", {"cells": {"t3.new.natural": ""}}) == "pass"


def test_is_missing_and_is_empty() -> None:
    assert check("report.period is missing", {"period": False}) == "pass"
    assert check("report.contact.emails is empty and report.contact.phones is not empty") == "pass"
    assert check("section(6) is missing", {"sections": [1, 2, 3, 4, 5]}) == "pass"


def test_let_is_lazy_and_same_leaves_out_what_is_missing() -> None:
    lets = "let title_year = extract(report.title, /(\\d{4})年/)\nlet period_year = year(report.period.start)"
    assert check("same(title_year, period_year)", {"title": "无年度的标题"}, lets=lets) == "pass"
    assert check("same(title_year, period_year)", {"title": "2019年报告"}, lets=lets) == "fail"
    result = outcome(rule(lets + '\nassert title_year == 2020\nmessage "m"'), {"title": "无年度"})
    assert result.status == "not_assessable" and "未找到" in result.reason


def test_require_makes_the_rule_not_assessable_with_its_reason() -> None:
    text = rule('require report.year > 2030 else "只检查2030年以后的报告"\nassert false\nmessage "m"')
    result = outcome(text)
    assert (result.status, result.reason) == ("not_assessable", "只检查2030年以后的报告")


# ---------------------------------------------------------------- quantifiers and aggregates


def test_loop_over_columns_gives_one_finding_per_failing_column_with_cells() -> None:
    text = rule('treat blank as 0\nfor col in t3.columns\nassert t3.new[col] == t3.total[col]\n'
                'message "{col.label}列：{lhs} ≠ {rhs}"')
    result = outcome(text, {"cells": {"t3.new.natural": 2, "t3.new.total": 2}})
    assert result.status == "fail"
    assert [f.message for f in result.findings] == ["自然人列：2 ≠ 0", "总计列：2 ≠ 0"]
    first = result.findings[0]
    assert first.scope == {"column": "natural"}
    assert [(c.id, c.value) for c in first.cells] == [("t3.new.natural", 2), ("t3.total.natural", 0)]


def test_wildcard_sums_every_row_under_a_prefix() -> None:
    cells = {"t3.denied.state_secret.natural": 1, "t3.denied.query_matter.natural": 2}
    assert check("sum(t3.denied.*.natural) == 3", {"cells": cells}) == "pass"
    assert check("count(t3.denied.*.natural) == 8", {"cells": cells}) == "pass"
    assert check("sum(t3.new.*) == 0") == "pass"  # every column of a row


def test_wildcards_follow_the_report_format() -> None:
    cells = {"t3.other.no_fee.total": 2, "t3.other.other.total": 1}
    assert check("sum(t3.other.*.total) == 3", {"year": 2021, "cells": cells}) == "pass"
    assert check("count(t3.other.*.total) == 0", {"year": 2020}) == "pass"


def test_generators_with_where() -> None:
    cells = {"t3.granted.natural": 4, "t3.granted.legal": 1, "t3.granted.total": 5}
    report = {"cells": cells}
    assert check('sum(t3.granted[c] for c in t3.columns where c != "total") == t3.granted.total', report) == "pass"
    assert check("count(c for c in cells where c is number) == 198", report) == "pass"
    assert check("all(t3[r].total >= 0 for r in t3.rows) and any(c.value > 3 for c in cells)", report) == "pass"


def test_row_variables_index_rows() -> None:
    text = rule('treat blank as 0\nfor row in t4.rows\nassert t4[row].total == t4[row].upheld\n'
                'message "{row.label}：{lhs}/{rhs}"')
    result = outcome(text, {"cells": {"t4.litigation_direct.total": 1}})
    assert [f.message for f in result.findings] == ["未经复议直接起诉：1/0"]
    assert result.findings[0].scope == {"row": "litigation_direct"}


def test_membership_contains_and_matches() -> None:
    report = {"texts": {"1": "本年度通过政务微博发布信息。"}}
    assert check('"t3" in report.tables and "t5" not in report.tables', report) == "pass"
    assert check('section(1).text contains "政务微博"', report) == "pass"
    assert check("section(1).text matches /微博|微信/", report) == "pass"
    assert check("section(1).text matches /WEIBO/i", report) == "fail"


def test_extract_find_and_dates() -> None:
    report = {"texts": {"1": "共受理申请477件，办结率98.5%。"}}
    assert check("extract(section(1).text, /受理申请(\\d+)件/) == 477", report) == "pass"
    assert check("extract(section(1).text, /办结率([\\d.]+)%/) == 98.46", report) == "pass"  # 98.5 is rounded
    assert check('find(section(1).text, /\\d+件/) == "477件"', report) == "pass"
    assert check('date(2021, 1, 31) == "2021-01-31" and year("2020-12-31") == 2020') == "pass"


def test_implication_and_if_expression() -> None:
    assert check("report.government_report implies false") == "pass"
    assert check('(if report.year >= 2021 then "新" else "旧") == "旧"') == "pass"


def test_guard_false_skips_the_rule() -> None:
    result = outcome(rule('when report.year > 2030\nassert false\nmessage "m"'))
    assert result.status == "skipped"


def test_conditional_severity_and_message() -> None:
    text = rule('severity warning if report.year < 2021\nassert false\n'
                'message "旧格式" if report.year < 2021\nmessage "新格式"')
    (old,) = outcome(text, {"year": 2020}).findings
    (new,) = outcome(text, {"year": 2021}).findings
    assert (old.severity, old.message) == ("warning", "旧格式")
    assert (new.severity, new.message) == ("error", "新格式")


def test_message_placeholder_that_cannot_be_shown_becomes_a_mark() -> None:
    (finding,) = outcome(rule('assert false\nmessage "发布于{report.published}"')).findings
    assert finding.message == "发布于？"


def test_section_findings_carry_the_section_span() -> None:
    import dataclasses

    from auditor.dsl.cases import build_report
    from auditor.dsl.runtime import Context
    from auditor.engine import load_pack
    from auditor.model import Section, Span

    report = build_report({})
    sections = tuple(dataclasses.replace(s, span=Span(line=10 * s.number)) for s in report.sections)
    report = dataclasses.replace(report, sections=sections)
    pack = load_pack("t.rules", rule('for s in report.sections\nassert s.number != 3\nmessage "m"'))
    (finding,) = pack.rules[0].evaluate(Context(report)).findings
    assert finding.span.line == 30 and finding.scope == {"section": "3"}
    assert isinstance(report.sections[0], Section)


# ---------------------------------------------------------------- limits


def test_step_limit_stops_a_runaway_rule() -> None:
    runaway = "count(a for a in cells where count(b for b in cells where count(c for c in cells) > 0) > 0) > 0"
    result = outcome(rule(f'assert {runaway}\nmessage "m"'))
    assert result.status == "not_assessable" and "步数上限" in result.reason


def test_string_growth_is_bounded() -> None:
    # Concatenation inside a generator: at most MAX_TEXT characters, then the rule stops.
    text = rule('assert count(report.text + report.text for c in cells) > 0\nmessage "m"')
    assert outcome(text, {"text": "x" * 600_000}).status == "not_assessable"


def test_absurd_figures_make_the_rule_not_assessable_not_crash() -> None:
    result = outcome(rule('assert round(t3.new.natural * t3.new.natural) > 0\nmessage "m"'),
                     {"cells": {"t3.new.natural": 10 ** 25}})
    assert result.status == "not_assessable" and "数值上限" in result.reason
    # An absurd literal in the rule text is the rule author's to fix: a compile error (test_limits.py).


def test_rows_group_cells_and_generators_cite_the_cells_they_keep() -> None:
    text = rule('for row in rows where row.table == "t4"\n'
                'assert count(c for c in row.cells where c is blank) == 0\n'
                'message "{row.table_name}「{row.label}」：{join(c.column_label for c in row.cells where c is blank)}"')
    result = outcome(text, {"cells": {"t4.review.upheld": "", "t4.review.total": "", "t3.new.natural": ""}})
    (finding,) = result.findings
    assert finding.message == "表四「行政复议」：结果维持、总计"
    assert finding.scope == {"row": "t4.review"}
    assert [c.id for c in finding.cells] == ["t4.review.upheld", "t4.review.total"]
