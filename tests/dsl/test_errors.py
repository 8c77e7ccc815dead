"""Broken rule files: each gives one precise error — position, wording, caret."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.dsl.errors import RuleFileError
from auditor.dsl.parser import parse
from auditor.engine import load_pack, load_rules

HEAD = 'rule A-1 "t" severity error\n'

# (name, source, line, column, words the message must contain)
BROKEN = [
    ("unclosed string", HEAD + '  assert report.title == "abc\n  message "m"\n', 2, 26, "unclosed string"),
    ("unknown cell", HEAD + '  for col in t3.columns\n  assert t3.carried_ovr[col] >= 0\n  message "m"\n', 3, 13,
     "unknown cell 't3.carried_ovr' — did you mean 't3.carried_over'?"),
    ("unknown full cell id", HEAD + '  assert t3.new.naturel == 0\n  message "m"\n', 2, 17,
     "unknown cell 't3.new.naturel' — did you mean 't3.new.natural'?"),
    ("unknown function", HEAD + '  assert summ(t3.new.*) > 0\n  message "m"\n', 2, 10,
     "unknown function 'summ' — did you mean 'sum'?"),
    ("bad regex", HEAD + '  assert report.text matches /(?<=a)b/\n  message "m"\n', 2, 30,
     "invalid regular expression /(?<=a)b/"),
    ("type error", HEAD + '  assert report.year + "x" > 0\n  message "m"\n', 2, 24, "'+' needs numbers, got a string"),
    ("comparison of different kinds", HEAD + '  assert report.year == "2020"\n  message "m"\n', 2, 22,
     "cannot compare a number with a string"),
    ("duplicate id", HEAD + '  assert true\n  message "m"\n\nrule A-1 "t2" severity error\n  assert true\n'
     '  message "m"\n', 5, 6, "duplicate rule id 'A-1' (first defined on line 1)"),
    ("missing message", HEAD + "  assert true\n", 1, 6, "rule A-1 has no message"),
    ("missing assert", HEAD + '  message "m"\n', 1, 6, "rule A-1 has no 'assert'"),
    ("missing severity", 'rule A-1 "t"\n  assert true\n  message "m"\n', 1, 6, "rule A-1 has no severity"),
    ("unknown severity", 'rule A-1 "t" severity eror\n  assert true\n  message "m"\n', 1, 23,
     "unknown severity 'eror'; expected error, warning or info — did you mean 'error'?"),
    ("unknown field", HEAD + '  assert report.yaer == 2020\n  message "m"\n', 2, 17,
     "unknown field 'yaer' of a report — did you mean 'year'?"),
    ("unknown field in a placeholder", HEAD + '  assert true\n  message "值为{report.yeer}"\n', 3, 22,
     "unknown field 'yeer' of a report — did you mean 'year'?"),
    ("single equals", HEAD + '  assert report.year = 2020\n  message "m"\n', 2, 22, "use '==' to compare"),
    ("end of file", HEAD + "  assert (report.year == 2020\n", 2, 29, "unexpected end of file; expected ')'"),
    ("lower-case rule id", 'rule a-1 "t" severity error\n  assert true\n  message "m"\n', 1, 6,
     "expected a rule id (like T3-BALANCE)"),
    ("misspelt clause", HEAD + '  assert true\n  mesage "m"\n', 3, 3, "did you mean 'message'?"),
    ("row variable of another table", HEAD + '  for col in t3.columns\n  assert t4.review[col] == 0\n'
     '  message "m"\n', 3, 20, "'col' is a column of 表三, not of 表四"),
    ("row used as a column", HEAD + '  for row in t3.rows\n  assert t3.new[row] == 0\n  message "m"\n', 3, 17,
     "'row' is a row of 表三, used here as a column"),
    ("not a condition", HEAD + '  assert report.year\n  message "m"\n', 2, 10,
     "'assert' needs a condition (true/false), got a number"),
    ("unknown is-test", HEAD + '  assert t3.new.natural is blnk\n  message "m"\n', 2, 28, "did you mean 'blank'?"),
    ("unknown escape", HEAD + '  assert "a\\q" == "b"\n  message "m"\n', 2, 12, "unknown escape '\\q'"),
    ("unclosed placeholder", HEAD + '  assert true\n  message "值为{report.year"\n', 3, 14, "unclosed '{' in message"),
    ("unknown name", HEAD + '  assert reprot.year == 2020\n  message "m"\n', 2, 10,
     "unknown name 'reprot' — did you mean 'report'?"),
    ("section in Chinese numerals", HEAD + '  assert section(一).text matches /x/\n  message "m"\n', 2, 18,
     "unknown name '一' — did you mean '1'? (sections are numbered in digits: section(1))"),
    ("lhs without a comparison", HEAD + '  assert true\n  message "{lhs}"\n', 2 + 1, 13, "'lhs' and 'rhs' exist"),
    ("treat something else", HEAD + '  treat text as 0\n  assert true\n  message "m"\n', 2, 9,
     "write 'treat blank as 0'"),
    ("star outside a cell", HEAD + '  assert report.* == 1\n  message "m"\n', 2, 10, "'.*' only appears in a cell"),
]


@pytest.mark.parametrize(("source", "line", "column", "words"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_broken_rule_file(source: str, line: int, column: int, words: str) -> None:
    with pytest.raises(RuleFileError) as caught:
        load_pack("broken.rules", source)
    first = caught.value.first
    assert (first.line, first.column) == (line, column), caught.value.render()
    assert words in first.message
    assert str(caught.value).startswith(f"broken.rules:{line}:{column}: error: ")
    assert "\n" not in str(caught.value)


def test_render_shows_the_line_and_a_caret_under_the_column() -> None:
    source = HEAD + '  for col in t3.columns\n  assert t3.carried_ovr[col] >= 0\n  message "m"\n'
    with pytest.raises(RuleFileError) as caught:
        load_pack("rules/extra.rules", source)
    assert caught.value.render() == (
        "rules/extra.rules:3:13: error: unknown cell 't3.carried_ovr' — did you mean 't3.carried_over'?\n"
        " 3 |   assert t3.carried_ovr[col] >= 0\n"
        "   |             ^~~~~~~~~~~")


def test_caret_lines_up_under_wide_characters() -> None:
    source = HEAD + '  assert "中文" == report.yeer\n  message "m"\n'
    with pytest.raises(RuleFileError) as caught:
        load_pack("w.rules", source)
    source_line, caret_line = caught.value.render().splitlines()[1:]
    assert caret_line.index("^") == source_line.index("report.yeer") + 2 + len("report.")  # 中文 take 2 columns each


def test_end_of_input_points_at_the_last_character() -> None:
    with pytest.raises(RuleFileError) as caught:
        parse(HEAD + "  assert 1 +   \n\n")
    assert (caught.value.first.line, caught.value.first.column) == (2, 12)


def test_every_semantic_error_of_a_file_is_reported() -> None:
    source = (HEAD + '  assert report.yaer == 1\n  message "m"\n'
              'rule A-2 "t" severity error\n  assert summ(1) == 1\n  message "m"\n')
    with pytest.raises(RuleFileError) as caught:
        load_pack("two.rules", source)
    assert [d.line for d in caught.value.diagnostics] == [2, 5]
    assert "(and 1 more)" in str(caught.value)


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.rules").write_text(HEAD + '  assert true\n  message "m"\n', encoding="utf-8")
    (tmp_path / "b.rules").write_text("\n" + HEAD + '  assert true\n  message "m"\n', encoding="utf-8")
    with pytest.raises(RuleFileError) as caught:
        load_rules([tmp_path], standard=False)
    first = caught.value.first
    assert first.path.endswith("b.rules") and first.line == 2
    assert "duplicate rule id 'A-1' (also defined in" in first.message and "a.rules:1" in first.message


def test_standard_rule_id_cannot_be_redefined(tmp_path: Path) -> None:
    (tmp_path / "mine.rules").write_text('rule T3-BALANCE "t" severity error\n  assert true\n  message "m"\n',
                                         encoding="utf-8")
    with pytest.raises(RuleFileError, match="duplicate rule id 'T3-BALANCE'"):
        load_rules([tmp_path])


def test_binary_and_non_utf8_files(tmp_path: Path) -> None:
    bad = tmp_path / "gbk.rules"
    bad.write_bytes('rule A-1 "中文" severity error'.encode("gbk"))
    with pytest.raises(RuleFileError, match="rule files must be UTF-8"):
        load_rules([bad], standard=False)
    with pytest.raises(RuleFileError, match="NUL byte"):
        parse("rule\x00")


@pytest.mark.parametrize("depth", [200, 450, 3000])
def test_deep_nesting_is_an_error_not_a_crash(depth: int) -> None:
    with pytest.raises(RuleFileError, match="nested"):
        load_pack("deep.rules", HEAD + "  assert " + "abs(" * depth + "1" + ")" * depth + ' == 1\n  message "m"\n')


RULE_ALPHABET = list('rule A-1"t severity error assert message{}()[]./\\*#\n 表三t3.new[col]==+-?<>,')


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(RULE_ALPHABET) | st.characters(), max_size=200))
def test_arbitrary_text_raises_only_rule_file_errors(text: str) -> None:
    try:
        load_pack("fuzz.rules", text)
    except RuleFileError as exc:
        assert exc.render()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_arbitrary_text_after_a_valid_prefix(text: str) -> None:
    try:
        load_pack("fuzz.rules", HEAD + "  assert " + text)
    except RuleFileError as exc:
        assert str(exc)


TOKENS = ["rule", "A-1", '"t"', "severity", "error", "warning", "assert", "message", '"m {lhs}"', "when", "for",
          "col", "row", "in", "where", "let", "x", "=", "==", "!=", "<=", "treat", "blank", "as", "0", "1.5", "require",
          "else", "if", "then", "and", "or", "not", "implies", "is", "missing", "matches", "/a(b/", "/\\d+/", "contains",
          "??", "+", "-", "*", "/", "(", ")", "[", "]", ",", ".", "t3", "t4", "new", "total", "natural", "columns",
          "rows", "cells", "report", "year", "text", "section", "sum", "count", "extract", "same", "date", '"2020"',
          "true", "[1, 2]", "include", '"x.rules"', "pack", "version", "description", "\n"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=40))
def test_arbitrary_token_soup_raises_only_rule_file_errors(tokens: list[str]) -> None:
    try:
        load_pack("soup.rules", HEAD + " ".join(tokens))
    except RuleFileError as exc:
        first = exc.first
        assert first.line >= 0 and first.message
