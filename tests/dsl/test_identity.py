"""``identity``: one declaration that is both a check and what the localiser reasons with."""

from __future__ import annotations

from fractions import Fraction

import pytest

from auditor.dsl.cases import build_report
from auditor.dsl.errors import RuleFileError
from auditor.dsl.runtime import Context, symbolic_cells
from auditor.engine import load_pack
from tests.dsl.helpers import outcome, rule

BALANCE = rule("""
for col in t3.columns
identity t3.new[col] + t3.carried_over[col] == t3.total[col] + t3.carried_forward[col]
message "表三「{col.label}」列：{lhs} ≠ {rhs}"
""", 'rule MY-BALANCE "平衡" severity error')


def probe(text: str, report: dict | None = None) -> list:
    pack = load_pack("identity.rules", text)
    built = build_report(report or {})
    return pack.rules[0].probe(Context(built, symbolic_cells(built)))


def test_an_identity_checks_like_an_assert_with_lhs_and_rhs() -> None:
    failing = outcome(BALANCE, {"cells": {"t3.new.natural": 3, "t3.new.total": 3}})
    assert failing.status == "fail"
    assert [f.scope for f in failing.findings] == [{"column": "natural"}, {"column": "total"}]
    assert failing.findings[0].message == "表三「自然人」列：3 ≠ 0"
    assert outcome(BALANCE).status == "pass"


def test_an_identity_reads_blank_cells_as_zero_without_treat() -> None:
    assert outcome(BALANCE, {"cells": {"t3.new.natural": "", "t3.total.natural": "-"}}).status == "pass"


def test_text_in_a_cell_makes_its_instance_not_assessable() -> None:
    result = outcome(BALANCE, {"cells": {"t3.new.natural": "若干"}})
    assert result.status == "not_assessable" and "若干" in result.reason


def test_an_identity_over_a_wholly_blank_table_is_not_assessable_with_the_extent() -> None:
    result = outcome(BALANCE, {"blank": ["t3"]})
    assert result.status == "not_assessable"
    assert result.reason == "表三整表未填写（23行×7列）"


def test_the_probe_gives_each_instance_as_a_linear_form_with_its_scope() -> None:
    instances = probe(BALANCE)
    assert len(instances) == 7
    natural = instances[0]
    assert natural.rule == "MY-BALANCE" and natural.scope == (("column", "natural"),)
    assert natural.terms == {"t3.new.natural": 1, "t3.carried_over.natural": 1,
                             "t3.total.natural": -1, "t3.carried_forward.natural": -1}
    assert natural.constant == 0


def test_lets_sums_stars_and_format_choices_become_terms() -> None:
    text = rule("""
    for col in t3.columns
    let other = if report.format == "2019" then t3.other[col] else sum(t3.other.*[col])
    let results = t3.granted[col] + sum(t3.denied.*[col]) + other
    identity t3.total[col] == results - 2 * t3.partial[col] / 2
    message "m"
    """)
    form = probe(text, {"year": 2021})[0]
    assert form.terms["t3.total.natural"] == 1
    assert form.terms["t3.other.no_fee.natural"] == -1 and form.terms["t3.partial.natural"] == 1
    assert sum(1 for cid in form.terms if cid.startswith("t3.denied.")) == 8
    assert probe(text)[0].terms["t3.other.natural"] == -1  # the 2019 format has one 其他处理 row


def test_constants_and_scalings_are_exact_fractions() -> None:
    text = rule("identity t2.fees.amount * 10 == t2.licensing.decisions + 0.5\nmessage \"m\"")
    form = probe(text, {"year": 2021})[0]
    assert form.terms == {"t2.fees.amount": 10, "t2.licensing.decisions": -1}
    assert form.constant == Fraction(-1, 2)


def test_an_identity_rule_that_does_not_apply_has_no_instances() -> None:
    text = rule("when report.kind == \"legacy-report\"\nidentity t4.review.total == 0\nmessage \"m\"")
    assert probe(text) == []


HEAD = 'rule I-1 "t" severity error\n'
NOT_LINEAR = [
    ("product of cells", "  identity t3.new.natural * t3.new.total == 1\n", 2, 27, "cannot multiply two cell values"),
    ("division by a cell", "  identity t3.new.natural / t3.new.total == 1\n", 2, 27, "cannot divide by a cell value"),
    ("not an equation", "  identity t3.new.natural >= t3.new.total\n", 2, 12, "an identity is an equation"),
    ("no cells", "  identity report.year == 2020\n", 2, 12, "must read table cells"),
    ("abs of a cell", "  identity abs(t3.new.natural) == 1\n", 2, 12, "abs() of cell values is not linear"),
    ("a choice by a cell's value",
     "  identity (if t3.new.natural > 0 then t3.new.total else 0) == 1\n", 2, 16,
     "the condition of 'if' inside an identity cannot depend on cell values"),
    ("a let that multiplies", "  let p = t3.new.natural * t3.new.total\n  identity p == 1\n", 2, 26,
     "cannot multiply two cell values"),
]


@pytest.mark.parametrize(("body", "line", "column", "words"), [c[1:] for c in NOT_LINEAR], ids=[c[0] for c in NOT_LINEAR])
def test_what_cannot_be_an_identity_is_a_compile_error_with_a_caret(body: str, line: int, column: int,
                                                                    words: str) -> None:
    with pytest.raises(RuleFileError) as caught:
        load_pack("bad.rules", HEAD + body + '  message "m"\n')
    first = caught.value.first
    assert words in first.message, first.message
    assert (first.line, first.column) == (line, column), caught.value.render()


def test_a_let_only_the_message_uses_may_be_anything() -> None:
    text = HEAD + ("  let ratio = t3.new.natural * t3.new.total\n  identity t3.new.total == t3.new.natural\n"
                   '  message "{ratio}"\n')
    assert load_pack("ok.rules", text).rules[0].is_identity


def test_identity_and_assert_do_not_mix() -> None:
    with pytest.raises(RuleFileError, match="declares an identity: it is the rule's assert"):
        load_pack("bad.rules", HEAD + "  identity t3.new.total == 0\n  assert true\n  message \"m\"\n")
    with pytest.raises(RuleFileError, match="more than one 'identity'"):
        load_pack("bad.rules", HEAD + "  identity t3.new.total == 0\n  identity t4.review.total == 0\n"
                  "  message \"m\"\n")


def test_identity_without_an_expression_is_a_syntax_error_with_a_position() -> None:
    with pytest.raises(RuleFileError) as caught:
        load_pack("bad.rules", HEAD + "  identity\n  message \"m\"\n")
    assert (caught.value.first.line, caught.value.first.column) == (3, 11)  # `message` was read as a name


def test_a_loop_variable_named_like_a_table_is_not_a_table() -> None:
    with pytest.raises(RuleFileError, match="built-in name"):
        load_pack("bad.rules", HEAD + "  for t3 in [1]\n  identity t4.review.total == 0\n  message \"m\"\n")


def test_a_sum_of_linear_forms_in_one_pass_equals_adding_them_one_by_one() -> None:
    from fractions import Fraction

    from auditor.dsl.functions import fn_sum
    from auditor.dsl.runtime import Linear

    items = [Linear({"a": 1}), Linear({"b": 2}, 3), 4, Linear({"a": -1, "c": 1}), Fraction(1, 2), 0.25,
             Linear({"a": 5}), Linear({"b": -2})]
    one_by_one = sum(items[1:], items[0])
    total = fn_sum(items)
    assert list(total.terms.items()) == list(one_by_one.terms.items()) == [("c", 1), ("a", 5)]
    assert total.constant == one_by_one.constant == Fraction(31, 4)
    assert fn_sum([1, 2, 3]) == 6  # plain numbers keep Python's sum
