"""Static types of the rule language, and what the compiler hands around while compiling.

A ``Type`` is a small value: ``number``, ``string``, ``cell``, ``list<cell>``, ``column<t3>``…
The compiler checks every expression's type once, so evaluation never meets a surprise and a
rule author gets ``'+' needs numbers, got a section`` with a caret instead of a wrong result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

from auditor import templates

Fn = Callable[[Any], Any]  # a compiled closure: Context → value


@dataclass(frozen=True)
class Type:
    """A value's kind; lists know their element type, rows and columns their table."""

    kind: str
    element: Optional[Type] = None  # for list
    table: Optional[str] = None  # for table, column, row

    def __str__(self) -> str:
        if self.element is not None:
            return f"{self.kind}<{self.element}>"
        if self.table is not None:
            return f"{self.kind}<{self.table}>"
        return self.kind


NUMBER, STRING, BOOL, REGEX, ANY = Type("number"), Type("string"), Type("bool"), Type("regex"), Type("any")
REPORT, PERIOD, CONTACT, SECTION = Type("report"), Type("period"), Type("contact"), Type("section")
CELL, TABLEROW, BLANK_REGION = Type("cell"), Type("tablerow"), Type("blank_region")
READING = Type("reading")  # how one table was read: rows missing, undivided, not placeable…
CLAIM = Type("claim")  # a figure the narrative states for a table quantity
MENTION = Type("mention")  # a figure a rule's own pattern found in prose
SIMILAR = Type("similar")  # another report whose narrative is close to this one's
DEADLINE = Type("deadline")  # the publication deadline that applies, and which rule set it
AXES = ("column", "row")


def list_of(element: Type) -> Type:
    return Type("list", element=element)


def table_of(table: str) -> Type:
    return Type("table", table=table)


def axis_of(kind: str, table: str) -> Type:
    """``column<t3>`` or ``row<t3>``: texts that know their label."""
    return Type(kind, table=table)


def element_of(type_: Type) -> Optional[Type]:
    if type_ == ANY:
        return ANY
    return type_.element if type_.kind == "list" else None


def is_axis(type_: Type) -> bool:
    return type_.kind in AXES


def is_stringy(type_: Type) -> bool:
    return type_ in (STRING, ANY) or is_axis(type_)


def is_number(type_: Type) -> bool:
    return type_ in (NUMBER, ANY)


def compatible(a: Type, b: Type) -> bool:
    """Can values of these types be compared for equality?"""
    if ANY in (a, b) or a == b:
        return True
    if is_stringy(a) and is_stringy(b):
        return True
    ea, eb = element_of(a), element_of(b)
    return ea is not None and eb is not None and compatible(ea, eb)


def describe(type_: Type) -> str:
    """A type in words, for error messages."""
    if type_.element is not None:
        return f"a list of {describe(type_.element)}"
    if type_.table is not None:
        return f"a {type_.kind} of {templates.TABLE_NAMES.get(type_.table, type_.table)}"
    words = {"bool": "a condition (true/false)", "any": "a value", "blank_region": "a blank region"}
    article = "an" if type_.kind[0] in "aeiou" else "a"
    return words.get(type_.kind, f"{article} {type_.kind}")


@dataclass(frozen=True)
class Compiled:
    """A compiled expression: its static type and the closure computing it."""

    type: Type
    fn: Fn
    constant: Any = None  # the value, when the expression is a literal
    is_constant: bool = False
    slot: Optional[int] = None  # the variable slot, when it reads a loop variable
    # ``a + b - c`` (left to right): its operands as (subtract?, closure), so that a longer chain
    # runs as one closure instead of one per operator.
    chain: Optional[tuple[tuple[bool, Fn], ...]] = None


@dataclass(frozen=True)
class Binding:
    """A name in scope: a loop variable (always set) or a ``let`` (may hold a missing value)."""

    type: Type
    slot: int
    is_let: bool = False

