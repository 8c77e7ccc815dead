"""The grammar and the tree builder: what parses, into what, with which positions."""

from __future__ import annotations

import pytest

from auditor.dsl import ast
from auditor.dsl.parser import parse, parse_expression

SOURCE = '''\
# 注释
pack "示例省补充要求" version 3
  description "说明"

rule PROV-NEWMEDIA "总体情况应说明政务新媒体情况" severity warning
  description """
    第一行
    第二行
  """
  when report.kind == "annual-report"
  assert section(1).text matches /政务新媒体|微博/i   # 行尾注释
  message "第一部分未提及{report.agency}的政务新媒体"
'''


def test_pack_header_and_rule_metadata() -> None:
    tree = parse(SOURCE, "p.rules")
    assert tree.header == ast.PackHeader("示例省补充要求", 3, "说明", tree.header.pos)
    (rule,) = tree.rules
    assert (rule.id, rule.title) == ("PROV-NEWMEDIA", "总体情况应说明政务新媒体情况")
    assert (rule.id_pos.line, rule.id_pos.column) == (5, 6)
    assert rule.source.startswith("rule PROV-NEWMEDIA") and rule.source.rstrip().endswith('政务新媒体"')


def test_long_strings_are_dedented() -> None:
    rule = parse(SOURCE).rules[0]
    description = next(c for c in rule.clauses if isinstance(c, ast.DescriptionClause))
    assert description.text == "第一行\n第二行"


def test_regex_literal_keeps_pattern_and_flags() -> None:
    rule = parse(SOURCE).rules[0]
    assertion = next(c for c in rule.clauses if isinstance(c, ast.Assertion))
    assert isinstance(assertion.condition, ast.Matches)
    assert (assertion.condition.regex.pattern, assertion.condition.regex.flags) == ("政务新媒体|微博", "i")


def test_message_placeholders_have_file_positions() -> None:
    rule = parse(SOURCE).rules[0]
    message = next(c for c in rule.clauses if isinstance(c, ast.MessageClause))
    literal, placeholder, rest = message.template.parts
    assert (literal, rest) == ("第一部分未提及", "的政务新媒体")
    assert isinstance(placeholder, ast.Attr) and placeholder.name == "agency"
    assert (placeholder.pos.line, placeholder.pos.column) == (12, 20)


def test_escaped_braces_and_escapes_in_messages() -> None:
    tree = parse('rule A-1 "t" severity info\n assert true\n message "\\{字面\\} \\"引号\\"\\t{1 + 2}"\n')
    message = next(c for c in tree.rules[0].clauses if isinstance(c, ast.MessageClause))
    assert message.template.parts[0] == '{字面} "引号"\t'
    assert isinstance(message.template.parts[1], ast.Binary)


def test_operator_precedence() -> None:
    expr = parse_expression("a + b * c == d and not e or f implies g", "x", "", 1, 1)
    assert isinstance(expr, ast.Binary) and expr.op == "implies"
    left = expr.left
    assert left.op == "or" and left.left.op == "and"
    comparison = left.left.left
    assert comparison.op == "==" and comparison.left.op == "+" and comparison.left.right.op == "*"


def test_decimals_are_kept_on_number_literals() -> None:
    assert parse_expression("258.130", "x", "", 1, 1) == ast.Number(258.13, 3, ast.Pos(1, 1, 1, 8))


def test_cell_references_parse_as_chains() -> None:
    expr = parse_expression("sum(t3.denied.*[col])", "x", "", 1, 1)
    assert isinstance(expr, ast.Call) and expr.func == "sum"
    index = expr.args[0]
    assert isinstance(index, ast.Index) and isinstance(index.obj, ast.Star)
    assert index.obj.obj.name == "denied"


def test_generator_call() -> None:
    expr = parse_expression('sum(t3[row][c] for c in t3.columns where c != "total")', "x", "", 1, 1)
    assert isinstance(expr, ast.Generator)
    assert (expr.func, expr.var) == ("sum", "c") and expr.condition.op == "!="


def test_unicode_names_and_full_width_spaces() -> None:
    tree = parse('rule A-1 "t" severity info\n\u3000let 合计 = 1\n  assert 合计 == 1\n  message "m"\n')
    let = tree.rules[0].clauses[1]
    assert isinstance(let, ast.Let) and let.name == "合计"


def test_include_and_several_rules() -> None:
    tree = parse('include "more/extra.rules"\nrule A-1 "a" severity info assert true message "m"\n'
                 'rule A-2 "b" severity info assert false message "m"\n')
    assert [i.path for i in tree.includes] == ["more/extra.rules"]
    assert [r.id for r in tree.rules] == ["A-1", "A-2"]


@pytest.mark.parametrize("source", ["", "# only a comment\n", 'pack "空包"\n'])
def test_empty_files_are_valid(source: str) -> None:
    assert parse(source).rules == ()
