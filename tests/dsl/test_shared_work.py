"""What makes compiled rules fast — work kept between items and reports (filtered lists, calls
with constant arguments, shared outcomes), lets computed when a finding needs them, several
operations in one closure — must leave every report's answer as it was."""

from __future__ import annotations

import pytest

from auditor import templates
from auditor.dsl.cases import build_report
from auditor.dsl.runtime import Context
from auditor.engine import load_pack
from tests.dsl.helpers import rule


def _run(text: str, *reports: dict, severity: str | None = None) -> list:
    compiled = load_pack("test.rules", text).rules[0]
    return [compiled.evaluate(Context(build_report(r)), severity) for r in reports]


def test_a_filter_kept_for_one_format_is_not_used_for_another() -> None:
    counts = {year: len(templates.load(templates.format_for_year(year)).rows("t3")) - 1 for year in (2020, 2021)}
    assert counts[2020] != counts[2021]  # the two formats print different rows
    text = rule('let n = count(r for r in t3.rows where r != "total")\nassert n == 0\nmessage "{n}"')
    outcomes = _run(text, {"year": 2021}, {"year": 2020}, {"year": 2021}, {"year": 2020})
    assert [o.findings[0].message for o in outcomes] == [str(counts[y]) for y in (2021, 2020, 2021, 2020)]


def test_a_filter_on_items_and_other_values_is_evaluated_per_item() -> None:
    # The filter reads a cell as well as the column: it cannot be kept with the list.
    text = rule('treat blank as 0\nfor row in t4.rows\n'
                'assert count(c for c in t4.columns where c != "total" and t4[row][c] > 0) == 0\n'
                'message "{row}"')
    (result,) = _run(text, {"cells": {"t4.review.upheld": 1, "t4.review.total": 1}})
    assert [f.scope for f in result.findings] == [{"row": "review"}]


def test_a_call_with_constant_arguments_answers_for_each_report() -> None:
    text = rule('for row in t3.rows\nrequire row not in split_rows("t3", "row_total") else "拆分"\n'
                'assert true\nmessage "x"')
    split = {"readings": [{"table": "t3", "identities": ["row_total"], "summed": ["granted"]}]}
    outcomes = _run(text, split, {}, split)
    assert [(o.status, o.reason) for o in outcomes] == [("not_assessable", "拆分"), ("pass", ""),
                                                        ("not_assessable", "拆分")]


def test_shared_outcomes_carry_the_severity_asked_for() -> None:
    passing = rule('assert 1 == 1\nmessage "x"')
    outcomes = _run(passing, {}, {}) + _run(passing, {}, severity="warning")
    assert [o.rule.severity for o in outcomes] == ["error", "error", "warning"]
    assert all(o.status == "pass" for o in outcomes)
    guarded = rule('when report.kind == "legacy-report"\nassert 1 == 1\nmessage "x"')
    skipped = _run(guarded, {}, severity="info") + _run(guarded, {})
    assert [(o.status, o.rule.severity, o.reason) for o in skipped] == [("skipped", "info", "条件不适用"),
                                                                        ("skipped", "error", "条件不适用")]


def test_a_let_only_messages_read_still_cites_its_cells_in_place() -> None:
    # `shown` is read by the message only: computed when the finding is made, its cells cited
    # before those of the assert, as when it was computed in its place.
    text = rule('for col in t3.columns where col == "natural"\n'
                'let shown = t3.new[col] + t3.granted[col]\n'
                'let before = t3.carried_over[col]\n'
                'require before >= 0 else "负数"\n'
                'let after = t3.partial[col]\n'
                'assert t3.total[col] == 0\n'
                'message "{shown}/{after}"')
    (result,) = _run(text, {"cells": {"t3.new.natural": 2, "t3.granted.natural": 1, "t3.partial.natural": 1,
                                      "t3.total.natural": 5}})
    (finding,) = result.findings
    assert finding.message == "3/1"
    assert [c.id for c in finding.cells] == ["t3.new.natural", "t3.granted.natural", "t3.carried_over.natural",
                                             "t3.partial.natural", "t3.total.natural"]


def test_a_missing_let_only_messages_read_shows_as_a_mark() -> None:
    text = rule('let shown = t3.new.natural\nassert t3.total.natural == 0\nmessage "{shown}"')
    (result,) = _run(text, {"cells": {"t3.new.natural": "无", "t3.total.natural": 1}})
    assert [f.message for f in result.findings] == ["？"]
    # the cell it tried to read is cited first, as when it was read in its place
    assert [c.id for c in result.findings[0].cells] == ["t3.new.natural", "t3.total.natural"]


def test_a_chain_of_additions_adds_left_to_right_with_tolerance() -> None:
    from tests.dsl.helpers import check

    assert check("1 + 2 - 3 + 4 - 10 == -6") == "pass"
    assert check("10 - 2 - 3 == 5") == "pass"  # (10 - 2) - 3, not 10 - (2 - 3)
    assert check("10 - (2 - 3) == 11") == "pass"
    assert check("1.25 + 2.3 - 0.55 + 1 == 4") == "pass"  # rounded figures keep their tolerance
    cells = {"t3.new.natural": 2, "t3.carried_over.natural": 1, "t3.total.natural": "无"}
    assert check("t3.new.natural + t3.carried_over.natural + t3.total.natural == 3", {"cells": cells}) \
        == "not_assessable"  # a text cell in the middle of the chain


def test_a_generator_over_a_rows_columns_reads_each_cell_as_a_reference_would() -> None:
    text = rule('treat blank as 0\nfor row in t3.rows where row == "granted"\n'
                'assert t3[row].total == sum(t3[row][c] for c in t3.columns where c != "total")\n'
                'message "{lhs}/{rhs}"')
    columns = [c.id for c in templates.load("2019").columns("t3") if c.id != "total"]
    cells = {"t3.granted.natural": 4, "t3.granted.legal": 1, "t3.granted.total": 6, "t3.granted.commercial": ""}
    passing, failing, unreadable = _run(text, {"cells": {**cells, "t3.granted.total": 5}}, {"cells": cells},
                                        {"cells": {**cells, "t3.granted.legal": "见附件"}})
    assert passing.status == "pass"
    (finding,) = failing.findings
    assert finding.message == "6/5"
    assert [c.id for c in finding.cells] == ["t3.granted.total", *(f"t3.granted.{c}" for c in columns)]
    assert (unreadable.status, unreadable.reason) == ("not_assessable", "单元格 t3.granted.legal 填写了文字「见附件」")


@pytest.mark.parametrize(("condition", "wanted"), [
    ('cell is not number and cell.table == "t4"', lambda c: c.state != "number" and c.id.startswith("t4.")),
    ('cell is number and cell.column != "total"', lambda c: c.state == "number" and not c.id.endswith(".total")),
    ('cell is blank and cell.id == "t3.new.legal"', lambda c: c.state == "blank" and c.id == "t3.new.legal"),
])
def test_a_cell_filter_on_state_and_field_keeps_the_cells_it_says(condition: str, wanted) -> None:
    spec = {"cells": {"t3.new.legal": "", "t4.review.upheld": "无", "t4.review.total": "", "t3.new.total": 3}}
    text = rule(f"for cell in cells where {condition}\nassert false\nmessage \"x\"")
    (result,) = _run(text, spec)
    assert [f.scope["cell"] for f in result.findings] == [c.id for c in build_report(spec).cells.values() if wanted(c)]
    assert result.findings  # the filter keeps something in each case
