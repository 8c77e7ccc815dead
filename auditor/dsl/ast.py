"""The syntax tree of a rule file: plain frozen dataclasses, picklable for the on-disk cache.

Every node carries a ``Pos`` so the compiler can point at the exact place of a semantic error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

# Bump when the shape of these classes changes: cached trees of another version are ignored.
AST_VERSION = 2
# How deep an expression may nest: bounds the parser's tree building, the compiler and the
# closures it makes, far below Python's recursion limit ("split it with 'let'").
MAX_NESTING = 120


@dataclass(frozen=True)
class Pos:
    line: int
    column: int
    end_line: int
    end_column: int


NOWHERE = Pos(1, 1, 1, 1)


# ---------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Number:
    value: Union[int, float]
    decimals: int
    pos: Pos


@dataclass(frozen=True)
class String:
    value: str
    pos: Pos


@dataclass(frozen=True)
class Regex:
    pattern: str
    flags: str
    pos: Pos


@dataclass(frozen=True)
class Bool:
    value: bool
    pos: Pos


@dataclass(frozen=True)
class Name:
    id: str
    pos: Pos


@dataclass(frozen=True)
class Attr:
    obj: Expr
    name: str
    pos: Pos
    name_pos: Pos


@dataclass(frozen=True)
class Star:
    """``t3.denied.*``: every row under a prefix (only inside a cell reference)."""

    obj: Expr
    pos: Pos


@dataclass(frozen=True)
class Index:
    obj: Expr
    index: Expr
    pos: Pos


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple[Expr, ...]
    pos: Pos


@dataclass(frozen=True)
class Generator:
    """``sum(t3[row].total for row in t3.rows where row != "total")``."""

    func: str
    element: Expr
    var: str
    iterable: Expr
    condition: Optional[Expr]
    pos: Pos
    var_pos: Pos


@dataclass(frozen=True)
class ListExpr:
    items: tuple[Expr, ...]
    pos: Pos


@dataclass(frozen=True)
class Unary:
    op: str  # "-", "+", "not"
    operand: Expr
    pos: Pos


@dataclass(frozen=True)
class Binary:
    """Arithmetic, comparison, boolean logic, ``in``, ``contains``, ``??`` and ``implies``."""

    op: str
    left: Expr
    right: Expr
    pos: Pos
    op_pos: Pos


@dataclass(frozen=True)
class Is:
    """``x is blank``, ``x is not missing``…"""

    operand: Expr
    test: str
    negated: bool
    pos: Pos
    test_pos: Pos


@dataclass(frozen=True)
class Matches:
    operand: Expr
    regex: Regex
    pos: Pos


@dataclass(frozen=True)
class IfExpr:
    condition: Expr
    then: Expr
    otherwise: Expr
    pos: Pos


Expr = Union[Number, String, Regex, Bool, Name, Attr, Star, Index, Call, Generator, ListExpr,
             Unary, Binary, Is, Matches, IfExpr]


# ---------------------------------------------------------------- clauses


@dataclass(frozen=True)
class Template:
    """A message: literal text and ``{expression}`` placeholders, in order."""

    parts: tuple[Union[str, Expr], ...]
    pos: Pos


@dataclass(frozen=True)
class SeverityClause:
    level: str
    condition: Optional[Expr]
    pos: Pos
    level_pos: Pos


@dataclass(frozen=True)
class VersionClause:
    value: int
    pos: Pos


@dataclass(frozen=True)
class DescriptionClause:
    text: str
    pos: Pos


@dataclass(frozen=True)
class Guard:
    condition: Expr
    pos: Pos


@dataclass(frozen=True)
class Loop:
    var: str
    iterable: Expr
    condition: Optional[Expr]
    pos: Pos
    var_pos: Pos


@dataclass(frozen=True)
class Let:
    name: str
    value: Expr
    pos: Pos
    name_pos: Pos


@dataclass(frozen=True)
class Treat:
    """``treat blank as 0``: blank and placeholder cells read as 0 in this rule."""

    what: str
    value: str
    pos: Pos
    what_pos: Pos
    value_pos: Pos


@dataclass(frozen=True)
class Require:
    """``require cond else "reason"``: when false the rule is not assessable (for this scope)."""

    condition: Expr
    reason: str
    pos: Pos


@dataclass(frozen=True)
class Assertion:
    condition: Expr
    pos: Pos


@dataclass(frozen=True)
class IdentityClause:
    """``identity lhs == rhs``: an assert that is also a declaration — a linear equation over cells
    that the tables satisfy, checked like an assert and used to localise the cell that is wrong."""

    condition: Expr
    pos: Pos


@dataclass(frozen=True)
class MessageClause:
    template: Template
    condition: Optional[Expr]
    pos: Pos


Clause = Union[SeverityClause, VersionClause, DescriptionClause, Guard, Loop, Let, Treat, Require,
               Assertion, IdentityClause, MessageClause]


# ---------------------------------------------------------------- file


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    clauses: tuple[Clause, ...]
    pos: Pos
    id_pos: Pos
    source: str  # the rule's own text, for the generated docs


@dataclass(frozen=True)
class Include:
    path: str
    pos: Pos


@dataclass(frozen=True)
class PackHeader:
    name: str
    version: int
    description: str
    pos: Pos


@dataclass(frozen=True)
class RuleFile:
    path: str
    header: Optional[PackHeader]
    includes: tuple[Include, ...]
    rules: tuple[Rule, ...]
