"""Rules that would run away are stopped and say why (issue 13, item 7).

Integer size is bounded, regex and string work is charged to the step budget by input length, and
rule text nested beyond what the compiler handles is an error with a position, not a crash.
"""

from __future__ import annotations

import pytest

from auditor.dsl.errors import RuleFileError
from auditor.engine import load_pack
from tests.dsl.helpers import outcome, rule

HEAD = 'rule A-1 "t" severity error\n'


def test_chained_squaring_is_not_assessable_instead_of_hanging() -> None:
    lets = "let a0 = report.year\n" + "".join(f"let a{i} = a{i - 1} * a{i - 1}\n" for i in range(1, 26))
    result = outcome(rule(lets + "assert a25 > 0\nmessage \"m\""))
    assert result.status == "not_assessable"
    assert "数值上限" in result.reason


def test_products_within_the_bound_still_compute() -> None:
    assert outcome(rule("assert 1000000 * 1000000 * 1000000 == 1000000000000000000\nmessage \"m\"")).status == "pass"


def test_float_overflow_is_not_assessable() -> None:
    lets = "let a0 = 1.5\n" + "".join(f"let a{i} = a{i - 1} * a{i - 1}\n" for i in range(1, 12))
    result = outcome(rule(lets + "assert a11 > 0\nmessage \"m\""))
    assert result.status == "not_assessable" and "数值上限" in result.reason


def test_regex_work_is_charged_by_the_length_of_the_text() -> None:
    body = "for c in cells\nassert not (report.text matches /不存在的词/)\nmessage \"m\""
    small = outcome(rule(body), {"text": "短文本"})
    assert small.status == "pass"
    huge = outcome(rule(body), {"text": "字" * 200_000})  # 175 cells × 200,000 characters
    assert huge.status == "not_assessable" and "步数上限" in huge.reason


def test_extract_and_contains_are_charged_too() -> None:
    text = {"text": "数" * 300_000}
    extracting = outcome(rule("for c in cells\nlet n = extract(report.text, /(\\d+)件/) ?? 0\nassert n >= 0\n"
                              "message \"m\""), text)
    assert extracting.status == "not_assessable" and "步数上限" in extracting.reason
    containing = outcome(rule("for c in cells\nassert not (report.text contains \"词\")\nmessage \"m\""), text)
    assert containing.status == "not_assessable"


def test_string_doubling_stops_at_the_text_limit() -> None:
    lets = "let s0 = \"字字字字字字字字\"\n" + "".join(f"let s{i} = s{i - 1} + s{i - 1}\n" for i in range(1, 25))
    result = outcome(rule(lets + "assert len(s24) > 0\nmessage \"m\""))
    assert result.status == "not_assessable"


@pytest.mark.parametrize(("name", "expression", "column"), [
    ("10,000 not", "not " * 10_000 + "true", 10),
    ("50,000-term sum", " + ".join(["1"] * 50_000) + " == 1", 10),
])
def test_deep_nesting_errors_with_a_position(name: str, expression: str, column: int) -> None:
    with pytest.raises(RuleFileError) as caught:
        load_pack("deep.rules", HEAD + f"  assert {expression}\n  message \"m\"\n")
    first = caught.value.first
    assert (first.line, first.column) == (2, column)
    assert "nested more than 120 levels deep" in first.message
    assert caught.value.render().splitlines()[2].strip().startswith("| ")


def test_deep_nesting_inside_a_message_placeholder() -> None:
    with pytest.raises(RuleFileError) as caught:
        load_pack("deep.rules", HEAD + "  assert true\n  message \"值{" + "-" * 3000 + "1}\"\n")
    assert (caught.value.first.line, caught.value.first.column) == (3, 14)


def test_huge_number_literal_is_an_error_not_a_traceback() -> None:
    with pytest.raises(RuleFileError, match="more than 30 digits") as caught:
        load_pack("big.rules", HEAD + "  assert report.year == " + "9" * 5001 + "\n  message \"m\"\n")
    assert (caught.value.first.line, caught.value.first.column) == (2, 25)
