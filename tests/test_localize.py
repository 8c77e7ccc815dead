"""Localisation: the smallest cell changes that make every failing identity hold, the slip named."""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Optional

import pytest

from auditor.dsl.cases import build_report
from auditor.engine import load_pack, load_rules
from auditor.localize import MAX_TIES, Identity, cell_slip, localize
from auditor.model import Cell

COLUMNS = ["natural", "commercial", "research", "social", "legal", "other_org"]
# A consistent 2020 table 三: each row's 总计 is the sum, each column balances.
ROWS = {"new": [12, 3, 0, 1, 0, 0], "carried_over": [2, 0, 0, 0, 0, 0], "granted": [7, 2, 0, 1, 0, 0],
        "partial": [1, 0, 0, 0, 0, 0], "unable.not_held": [3, 1, 0, 0, 0, 0], "total": [11, 3, 0, 1, 0, 0],
        "carried_forward": [3, 0, 0, 0, 0, 0]}
T4 = {"review": [2, 1, 0, 1]}


def clean_cells() -> dict[str, Any]:
    cells: dict[str, Any] = {}
    for row, values in ROWS.items():
        for column, value in zip(COLUMNS, values):
            cells[f"t3.{row}.{column}"] = value
        cells[f"t3.{row}.total"] = sum(values)
    for row, values in T4.items():
        for column, value in zip(["upheld", "corrected", "other", "pending"], values):
            cells[f"t4.{row}.{column}"] = value
        cells[f"t4.{row}.total"] = sum(values)
    return cells


@pytest.fixture(scope="module")
def ruleset():
    return load_rules()


def audit(ruleset, changes: Optional[dict[str, Any]] = None, *, blank_t3_totals: bool = False):
    cells = {cid: v for cid, v in clean_cells().items() if not (blank_t3_totals and cid.startswith("t3.")
                                                                and cid.endswith(".total"))}
    report = build_report({"cells": {**cells, **(changes or {})}, "blank": ["t3.*.total"] if blank_t3_totals else []})
    outcomes = ruleset.evaluate(report)
    return outcomes, ruleset.localize(report, outcomes)


def fixes(correction) -> dict[str, tuple]:
    return {f.id: (f.found, f.expected) for f in correction.cells}


def test_the_clean_table_holds(ruleset) -> None:
    outcomes, corrections = audit(ruleset)  # (the report has no narrative: CONTENT-* are not about tables)
    assert not [o for o in outcomes if o.status == "fail" and not o.rule.id.startswith("CONTENT-")]
    assert corrections == ()


@pytest.mark.parametrize(("cell", "written", "slip"), [
    ("t3.granted.total", 12, "数字录入错误"),  # 10 → 12
    ("t3.new.natural", 21, "相邻数字颠倒"),  # 12 → 21
    ("t3.new.total", 6, "漏录一位数字"),  # 16 → 6
    ("t3.new.natural", 122, "重复录入一位数字"),  # 12 → 122
    ("t3.new.natural", 142, "多录一位数字"),  # 12 → 142
    ("t3.granted.natural", -7, "正负号错误"),  # 7 → -7 (CELL-NEGATIVE fires as well)
    ("t3.unable.not_held.natural", "", "漏填"),  # 3 → blank
    ("t3.carried_forward.total", 0, "误填为0"),  # 3 → 0
])
def test_one_slip_is_found_with_its_value_and_named(ruleset, cell: str, written: Any, slip: str) -> None:
    original = clean_cells()[cell]
    outcomes, corrections = audit(ruleset, {cell: written})
    (correction,) = corrections
    assert fixes(correction) == {cell: (written if written != "" else None, original)}
    assert correction.slip == slip
    failing = {(f.rule, tuple(sorted(f.scope.items()))) for o in outcomes for f in o.findings
               if o.rule.id.startswith("T3-")}
    assert set(correction.explains) == failing and len(failing) >= 2


def test_the_message_says_what_to_write_and_how_many_failures_it_clears(ruleset) -> None:
    _, (correction,) = audit(ruleset, {"t3.granted.total": 12})
    assert correction.message == ("表三「(一)予以公开」行「总计」列应为10（现为12），可同时消除2项勾稽错误"
                                  "（疑似数字录入错误）")
    assert [rule for rule, _ in correction.explains] == ["T3-RESULTS-SUM", "T3-ROW-TOTAL"]


def test_a_value_in_the_neighbouring_column(ruleset) -> None:
    _, (correction,) = audit(ruleset, {"t3.granted.commercial": 0, "t3.granted.research": 2})
    assert fixes(correction) == {"t3.granted.commercial": (0, 2), "t3.granted.research": (2, 0)}
    assert correction.slip == "数值填入相邻列"
    assert correction.message.startswith("表三「(一)予以公开」行「商业企业」列应为2（现为0）、「科研机构」列应为0（现为2）")


def test_two_slips_in_different_rows_and_columns_are_both_found(ruleset) -> None:
    _, corrections = audit(ruleset, {"t3.granted.natural": 9, "t3.new.commercial": 4})
    (correction,) = corrections
    assert fixes(correction) == {"t3.new.commercial": (4, 3), "t3.granted.natural": (9, 7)}
    assert len(correction.explains) == 4  # each slip: its row total and its column's identity


def test_two_slips_of_one_size_forming_a_rectangle_are_a_tie(ruleset) -> None:
    # granted.natural +1 and partial.commercial +1: granted.commercial/partial.natural +1 explain it too
    _, corrections = audit(ruleset, {"t3.granted.natural": 8, "t3.partial.commercial": 1})
    assert len(corrections) == 2 and len({c.group for c in corrections}) == 1
    assert {"t3.granted.natural", "t3.partial.commercial"} in [set(fixes(c)) for c in corrections]
    assert all(c.explains == corrections[0].explains for c in corrections)


def test_a_slip_in_table_four_is_a_tie_among_what_the_row_allows(ruleset) -> None:
    _, corrections = audit(ruleset, {"t4.review.upheld": 5})
    assert 1 < len(corrections) <= MAX_TIES
    assert {"t4.review.upheld": (5, 2)} in [fixes(c) for c in corrections]
    assert all(f.expected >= 0 for c in corrections for f in c.cells)  # no negative counts offered


def test_table_three_and_table_four_slips_are_corrected_apart(ruleset) -> None:
    _, corrections = audit(ruleset, {"t3.granted.total": 12, "t4.review.total": 40})
    groups = {c.group for c in corrections}
    assert len(groups) == 2
    assert any(fixes(c) == {"t3.granted.total": (12, 10)} for c in corrections)
    assert any(fixes(c) == {"t4.review.total": (40, 4)} for c in corrections)


def test_a_blank_total_column_is_one_correction_explaining_every_row_total(ruleset) -> None:
    outcomes, corrections = audit(ruleset, blank_t3_totals=True)
    row_totals = next(o for o in outcomes if o.rule.id == "T3-ROW-TOTAL").findings
    assert len(row_totals) == 7
    (correction,) = corrections
    assert correction.slip == "总计列未填写"
    assert fixes(correction)["t3.new.total"] == (None, 16)
    assert len(correction.cells) == 7 and len(correction.explains) == 7
    assert correction.message.startswith("表三「总计」列整列未填写，应按勾稽关系填写7格"
                                         "（如「一、本年新收政府信息公开申请数量」行应为16）")


def test_no_claim_when_the_smallest_change_is_large(ruleset) -> None:
    outcomes, corrections = audit(ruleset, {"t3.granted.natural": 9, "t3.new.commercial": 4, "t3.partial.natural": 5})
    assert any(o.status == "fail" for o in outcomes)
    assert corrections == ()


def test_custom_pack_identities_take_part(ruleset) -> None:
    pack = load_pack("province.rules", 'rule PROV-T2 "规范性文件现行有效件数不少于本年新公开数" severity error\n'
                     '  identity t2.normative_docs.total_public == t2.normative_docs.published + 10\n'
                     '  message "{lhs} ≠ {rhs}"\n')
    from auditor.engine import RuleSet

    combined = RuleSet([*ruleset.compiled, *pack.rules], [*ruleset.loaded_packs, pack])
    report = build_report({"cells": {**clean_cells(), "t2.normative_docs.published": 3,
                                     "t2.normative_docs.total_public": 31}})
    outcomes = combined.evaluate(report)
    corrections = combined.localize(report, outcomes)
    assert {c.explains for c in corrections} == {(("PROV-T2", ()),)}
    assert {"t2.normative_docs.total_public": (31, 13)} in [fixes(c) for c in corrections]
    assert {"t2.normative_docs.published": (3, 21)} in [fixes(c) for c in corrections]


def test_rounded_amounts_hold_within_their_written_precision() -> None:
    cells = {"a": Cell("t2.x.a", "1.25", 1.25, "number", decimals=2),
             "b": Cell("t2.x.b", "2.3", 2.3, "number", decimals=1),
             "c": Cell("t2.x.c", "3.55", 3.55, "number", decimals=2)}
    holds = Identity("R", (), {"a": Fraction(1), "b": Fraction(1), "c": Fraction(-1)})
    assert localize([holds], cells) == []
    wrong = Identity("R", (), {"a": Fraction(1), "b": Fraction(1), "c": Fraction(-1)}, Fraction(1))
    assert localize([wrong], cells)  # off by 1: a correction is offered


@pytest.mark.parametrize(("found", "expected", "slip"), [
    (12, 10, "数字录入错误"), (21, 12, "相邻数字颠倒"), (1324, 1234, "相邻数字颠倒"), (6, 16, "漏录一位数字"),
    (1223, 123, "重复录入一位数字"), (1293, 123, "多录一位数字"), (-5, 5, "正负号错误"), (None, 5, "漏填"),
    (0, 7, "误填为0"), (150, 12, None), (7, 7.5, None),
])
def test_slip_names(found: Optional[int], expected: float, slip: Optional[str]) -> None:
    assert cell_slip(None if found is None else Fraction(found), Fraction(str(expected))) == slip


def test_a_wholly_broken_table_gives_no_claim_and_returns() -> None:
    import random

    rng = random.Random(7)
    ids = [f"t3.r{r}.c{c}" for r in range(25) for c in range(7)]
    cells = {cid: Cell(cid, "", rng.randint(0, 50), "number") for cid in ids}
    identities = [Identity("ROW", (("row", str(r)),), {f"t3.r{r}.c{c}": Fraction(1 if c < 6 else -1) for c in range(7)})
                  for r in range(25)]
    identities += [Identity("COL", (("column", str(c)),), {f"t3.r{r}.c{c}": Fraction(1 if r < 24 else -1)
                                                          for r in range(25)}) for c in range(7)]
    assert localize(identities, cells) == []


def test_whole_and_exact_residuals_agree() -> None:
    """Counts take the int path, anything fractional the exact one: the same groups and failures."""
    from auditor.localize import _groups

    cells = {"a": Cell("t3.x.a", "5", 5, "number"), "b": Cell("t3.x.b", "", None, "blank"),
             "c": Cell("t3.x.c", "7", 7, "number"), "d": Cell("t3.x.d", "2.5", 2.5, "number", decimals=1),
             "e": Cell("t3.x.e", "无", None, "text")}
    identities = [Identity("W", (), {"a": Fraction(1), "b": Fraction(1), "c": Fraction(-1)}, Fraction(2)),  # ints
                  Identity("H", (), {"a": Fraction(1, 2), "c": Fraction(-1)}, Fraction(9, 2)),  # halves: exact
                  Identity("D", (), {"d": Fraction(2), "a": Fraction(-1)}),  # a decimal figure: exact
                  Identity("T", (), {"a": Fraction(1), "e": Fraction(-1)}),  # a text cell: unusable
                  Identity("M", (), {"a": Fraction(1), "zz": Fraction(-1)})]  # an absent cell: unusable
    (group,) = _groups(identities, cells)
    assert [i.rule for i in group.identities] == ["W", "H", "D"]
    assert group.residuals == [Fraction(0), Fraction(0), Fraction(0)]
    assert all(type(r) is Fraction for r in group.residuals)
    broken = [Identity("W", (), {"a": Fraction(1), "c": Fraction(-1)}, Fraction(3)),
              Identity("H", (), {"a": Fraction(1, 2), "c": Fraction(-1)}, Fraction(4))]
    (group,) = _groups(broken, cells)
    assert group.residuals == [Fraction(1), Fraction(-1, 2)]
    assert group.failing() == [0, 1]
