"""What an ``identity`` clause may say: a linear equation over table cells.

``identity t3.new[col] + t3.carried_over[col] == t3.total[col] + t3.carried_forward[col]`` is
checked like an ``assert`` and also declares the equation to the localiser, which needs it to be
linear: sums and differences of cells, times fixed numbers. This module checks that statically,
so a rule author learns at compile time — with a caret — that ``t3.a[col] * t3.b[col]`` cannot
be an identity, instead of getting no localisation at run time.
"""

from __future__ import annotations

from typing import Callable, Literal

from auditor import templates
from auditor.dsl import ast

Linearity = Literal["constant", "linear"]
TABLE_FIELDS = ("columns", "rows", "name", "present", "id")
LINEAR_FUNCTIONS = ("sum",)


class IdentityCheck:
    """Walks an identity's equation (and the lets it uses) and collects the tables it reads."""

    def __init__(self, lets: dict[str, ast.Expr], shadowed: set[str], error: Callable[[ast.Pos, str], Exception]):
        self.lets = lets
        self.shadowed = shadowed  # names bound in the rule (a loop variable named t3 is not the table)
        self.error = error
        self.tables: set[str] = set()
        self._memo: dict[str, Linearity] = {}

    def equation(self, node: ast.Expr) -> tuple[str, ...]:
        """Check ``node`` is ``lhs == rhs`` with cells on some side; return the tables read."""
        if not (isinstance(node, ast.Binary) and node.op == "=="):
            raise self.error(node.pos, "an identity is an equation between sums of cells: write lhs == rhs")
        sides = [self.linearity(node.left, set()), self.linearity(node.right, set())]
        if "linear" not in sides:
            raise self.error(node.pos, "an identity must read table cells (like t3.new[col]) on at least one side")
        return tuple(t for t in templates.TABLES if t in self.tables)

    def linearity(self, node: ast.Expr, local: set[str]) -> Linearity:
        """``linear`` when the value depends on cell values (and only linearly), else ``constant``."""
        if isinstance(node, (ast.Attr, ast.Index, ast.Star)):
            table = self._table(node, local)
            if table is not None:
                if isinstance(node, ast.Attr) and isinstance(node.obj, ast.Name) and node.name in TABLE_FIELDS:
                    return "constant"
                self.tables.add(table)
                self._indices(node, local)
                return "linear"
            if isinstance(node, ast.Attr):
                inner = self.linearity(node.obj, local)
                return "linear" if node.name == "value" or inner == "linear" else "constant"
            if isinstance(node, ast.Index):
                self._constant(node.index, local, "a list index")
            return self.linearity(node.obj, local)
        if isinstance(node, ast.Name):
            if node.id in self.lets and node.id not in local:
                if node.id not in self._memo:
                    self._memo[node.id] = "constant"  # a let cannot refer to itself; guards recursion
                    self._memo[node.id] = self.linearity(self.lets[node.id], local)
                return self._memo[node.id]
            return "constant"
        if isinstance(node, ast.Unary):
            return self.linearity(node.operand, local)
        if isinstance(node, ast.Binary):
            return self._binary(node, local)
        if isinstance(node, ast.Call):
            kinds = [self.linearity(a, local) for a in node.args]
            if "linear" in kinds and node.func not in LINEAR_FUNCTIONS:
                raise self.error(node.pos, f"{node.func}() of cell values is not linear: an identity may only "
                                 "add up cells (sum, +, -, times a fixed number)")
            return "linear" if "linear" in kinds else "constant"
        if isinstance(node, ast.Generator):
            inner = local | {node.var}
            self._constant(node.iterable, local, "the list a generator goes through")
            if node.condition is not None:
                self._constant(node.condition, inner, "a generator's 'where'")
            kind = self.linearity(node.element, inner)
            if kind == "linear" and node.func not in LINEAR_FUNCTIONS:
                raise self.error(node.pos, f"{node.func}() of cell values is not linear: an identity may only "
                                 "add up cells")
            return kind
        if isinstance(node, ast.ListExpr):
            kinds = [self.linearity(i, local) for i in node.items]
            return "linear" if "linear" in kinds else "constant"
        if isinstance(node, ast.IfExpr):
            self._constant(node.condition, local, "the condition of 'if'")
            kinds = [self.linearity(node.then, local), self.linearity(node.otherwise, local)]
            return "linear" if "linear" in kinds else "constant"
        if isinstance(node, (ast.Is, ast.Matches)):
            return "constant"  # a cell's state, a text: not its value
        return "constant"

    def _binary(self, node: ast.Binary, local: set[str]) -> Linearity:
        left, right = self.linearity(node.left, local), self.linearity(node.right, local)
        if node.op == "*" and left == right == "linear":
            raise self.error(node.op_pos, "an identity cannot multiply two cell values: it must be a sum of "
                             "cells, each times a fixed number")
        if node.op == "/" and right == "linear":
            raise self.error(node.op_pos, "an identity cannot divide by a cell value")
        return "linear" if "linear" in (left, right) else "constant"

    def _constant(self, node: ast.Expr, local: set[str], what: str) -> None:
        if self.linearity(node, local) == "linear":
            raise self.error(node.pos, f"{what} inside an identity cannot depend on cell values")

    def _indices(self, node: ast.Expr, local: set[str]) -> None:
        while isinstance(node, (ast.Attr, ast.Index, ast.Star)):
            if isinstance(node, ast.Index):
                self._constant(node.index, local, "a row or column")
            node = node.obj

    def _table(self, node: ast.Expr, local: set[str]) -> str | None:
        while isinstance(node, (ast.Attr, ast.Index, ast.Star)):
            node = node.obj
        if isinstance(node, ast.Name) and node.id in templates.TABLES and node.id not in self.shadowed | local:
            return node.id
        return None
