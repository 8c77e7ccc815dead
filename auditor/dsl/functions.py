"""Built-in functions of the rule language, each with how it types its arguments.

Each function declares how it types its arguments (so ``sum("a")`` is a compile-time error
with a caret) next to what it computes. Regular expressions are RE2 only: linear time, no
backtracking, no look-around — a rule cannot stall the process on a hostile report.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Callable, Optional

import re2

from auditor import templates
from auditor.dsl.runtime import MAX_TEXT, Approx, LimitExceeded, Linear, Missing, Num, display, num_add, plain
from auditor.dsl.types import (
    ANY,
    BOOL,
    MENTION,
    NUMBER,
    REGEX,
    REPORT,
    SECTION,
    STRING,
    Type,
    compatible,
    describe,
    element_of,
    is_number,
    is_stringy,
    list_of,
)


class TypeProblem(Exception):
    """An argument of the wrong type; ``index`` is the argument to point at (None: the call)."""

    def __init__(self, message: str, index: Optional[int] = None):
        super().__init__(message)
        self.index = index


# ---------------------------------------------------------------- registry


@dataclass(frozen=True)
class Function:
    """A built-in. ``check`` maps argument types to the result type or raises TypeProblem.

    ``aggregate`` functions also take a generator (``sum(x for c in … where …)``) and then
    receive one list. ``lenient`` functions receive ``ABSENT`` for arguments the report lacks
    instead of making the whole rule not assessable.
    """

    name: str
    signature: str
    summary: str
    check: Callable[[Sequence[Type]], Type]
    impl: Callable[..., Any]
    aggregate: bool = False
    lenient: bool = False
    contextual: bool = False  # receives the report as its first argument
    with_context: bool = False  # receives the evaluation context as its first argument
    # Text work charged to the rule's step budget by length: "text" the first argument (a regex
    # run over it), "result" the text built.
    charges: str = ""


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()
FUNCTIONS: dict[str, Function] = {}


def _register(name: str, signature: str, summary: str, check: Callable[[Sequence[Type]], Type],
              aggregate: bool = False, lenient: bool = False, contextual: bool = False, charges: str = "",
              with_context: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(impl: Callable[..., Any]) -> Callable[..., Any]:
        FUNCTIONS[name] = Function(name, signature, summary, check, impl, aggregate=aggregate, lenient=lenient,
                                   contextual=contextual, with_context=with_context, charges=charges)
        return impl
    return wrap


def _arity(types: Sequence[Type], low: int, high: int, name: str) -> None:
    if not low <= len(types) <= high:
        want = str(low) if low == high else f"{low} to {high}"
        raise TypeProblem(f"{name}() takes {want} argument{'s' if high != 1 else ''}, got {len(types)}")


def _expect(types: Sequence[Type], index: int, ok: Callable[[str], bool], want: str, name: str) -> None:
    if not ok(types[index]):
        raise TypeProblem(f"argument {index + 1} of {name}() must be {want}, not {describe(types[index])}", index)


def _numbers_or_list(name: str) -> Callable[[Sequence[Type]], Type]:
    """``f(list of numbers)`` or ``f(n1, n2, …)`` (lists inside are flattened)."""
    def check(types: Sequence[Type]) -> Type:
        if not types:
            raise TypeProblem(f"{name}() needs at least one argument")
        for i, t in enumerate(types):
            if not (is_number(t) or element_of(t) in (NUMBER, ANY)):
                raise TypeProblem(f"argument {i + 1} of {name}() must be a number or a list of numbers, "
                                  f"not {describe(t)}", i)
        return NUMBER
    return check


def _flatten(values: Sequence[Any]) -> list[Num]:
    out: list[Num] = []
    for v in values:
        if isinstance(v, (list, tuple)):
            out.extend(v)
        else:
            out.append(v)
    return out


@_register("sum", "sum(numbers…)", "Sum of numbers or of a list (rounded figures keep their tolerance).",
           _numbers_or_list("sum"), aggregate=True)
def fn_sum(*values: Any) -> Num:
    items = values[0] if len(values) == 1 and isinstance(values[0], (list, tuple)) else _flatten(values)
    if items and type(items[0]) is Linear:  # an identity probed over symbolic cells
        return Linear.total(items)
    try:
        return sum(items)  # exact figures: Python's own sum
    except TypeError:  # a rounded figure (Approx) among them: add with tolerance
        total: Num = 0
        for v in items:
            total = num_add(total, v)
        return total


@_register("min", "min(numbers…)", "Smallest of numbers or of a list.", _numbers_or_list("min"), aggregate=True)
def fn_min(*values: Any) -> Num:
    items = _flatten(values)
    if not items:
        raise Missing("min() 的列表为空")
    best = items[0]
    for v in items[1:]:
        if plain(v) < plain(best):
            best = v
    return best


@_register("max", "max(numbers…)", "Largest of numbers or of a list.", _numbers_or_list("max"), aggregate=True)
def fn_max(*values: Any) -> Num:
    items = _flatten(values)
    if not items:
        raise Missing("max() 的列表为空")
    best = items[0]
    for v in items[1:]:
        if plain(v) > plain(best):
            best = v
    return best


def _check_count(types: Sequence[Type]) -> Type:
    _arity(types, 1, 1, "count")
    _expect(types, 0, lambda t: element_of(t) is not None, "a list", "count")
    return NUMBER


@_register("count", "count(list)", "Number of items (with a generator: of items passing `where`).",
           _check_count, aggregate=True)
def fn_count(items: Sequence[Any]) -> int:
    return len(items)


def _check_bools(name: str) -> Callable[[Sequence[Type]], Type]:
    def check(types: Sequence[Type]) -> Type:
        _arity(types, 1, 1, name)
        _expect(types, 0, lambda t: element_of(t) in (BOOL, ANY), "a list of conditions", name)
        return BOOL
    return check


@_register("any", "any(cond for x in list)", "True when at least one item holds.", _check_bools("any"), aggregate=True)
def fn_any(items: Sequence[bool]) -> bool:
    return any(items)


@_register("all", "all(cond for x in list)", "True when every item holds (and for no items).",
           _check_bools("all"), aggregate=True)
def fn_all(items: Sequence[bool]) -> bool:
    return all(items)


def _check_abs(types: Sequence[Type]) -> Type:
    _arity(types, 1, 1, "abs")
    _expect(types, 0, is_number, "a number", "abs")
    return NUMBER


@_register("abs", "abs(n)", "Absolute value.", _check_abs)
def fn_abs(value: Num) -> Num:
    if type(value) is Approx:
        return Approx(abs(value.value), value.radius, value.decimals)
    return abs(value)  # type: ignore[arg-type]


def _check_round(types: Sequence[Type]) -> Type:
    _arity(types, 1, 2, "round")
    for i in range(len(types)):
        _expect(types, i, is_number, "a number", "round")
    return NUMBER


@_register("round", "round(n, digits=0)", "Round half away from zero; the result is exact.", _check_round)
def fn_round(value: Num, digits: Num = 0) -> Num:
    places = int(plain(digits))
    if not -12 <= places <= 12:
        raise Missing("round() 的位数超出范围")
    scaled = abs(plain(value)) * 10 ** places
    rounded = int(scaled + 0.5) / 10 ** places
    rounded = rounded if plain(value) >= 0 else -rounded
    return int(rounded) if places <= 0 else rounded


def _check_len(types: Sequence[Type]) -> Type:
    _arity(types, 1, 1, "len")
    _expect(types, 0, lambda t: is_stringy(t) or element_of(t) is not None, "a string or a list", "len")
    return NUMBER


@_register("len", "len(text or list)", "Length of a text (characters) or a list.", _check_len)
def fn_len(value: Any) -> int:
    return len(value)


def _check_text_regex(name: str, result: Type) -> Callable[[Sequence[Type]], Type]:
    def check(types: Sequence[Type]) -> Type:
        _arity(types, 2, 3, name)
        _expect(types, 0, is_stringy, "a text", name)
        _expect(types, 1, lambda t: t == REGEX, "a regular expression /…/", name)
        if len(types) == 3:
            _expect(types, 2, is_number, "a group number", name)
        return result
    return check


def _group(pattern: Any, text: str, group: Num, name: str) -> Optional[str]:
    index = int(plain(group))
    if not 0 <= index <= pattern.groups:
        raise Missing(f"{name}() 的分组{index}不存在")
    match = pattern.search(text)
    if match is None:
        return None
    return match.group(index)


@_register("extract", "extract(text, /re/, group=1)",
           "The number captured by a group (1 by default); decimals written make it a rounded figure.",
           _check_text_regex("extract", NUMBER), charges="text")
def fn_extract(text: str, pattern: Any, group: Num = 1) -> Num:
    found = _group(pattern, text, group if pattern.groups else 0, "extract")
    if found is None:
        raise Missing(f"文本中未找到 /{pattern.pattern}/")
    return parse_number(found, f"/{pattern.pattern}/")


@_register("find", "find(text, /re/, group=0)", "The text matched (or captured by a group).",
           _check_text_regex("find", STRING), charges="text")
def fn_find(text: str, pattern: Any, group: Num = 0) -> str:
    found = _group(pattern, text, group, "find")
    if found is None:
        raise Missing(f"文本中未找到 /{pattern.pattern}/")
    return found


def parse_number(text: str, where: str) -> Num:
    cleaned = text.replace(",", "").replace("，", "").replace(" ", "").strip()
    try:
        if "." in cleaned:
            return Approx.written(float(cleaned), len(cleaned.split(".", 1)[1]))
        return int(cleaned)
    except ValueError:
        raise Missing(f"{where} 匹配到的「{text}」不是数字") from None


def _check_date(types: Sequence[Type]) -> Type:
    _arity(types, 3, 3, "date")
    for i in range(3):
        _expect(types, i, is_number, "a number", "date")
    return STRING


@_register("date", "date(year, month, day)", "An ISO date text (2021-01-31), comparable with report dates.",
           _check_date)
def fn_date(year: Num, month: Num, day: Num) -> str:
    try:
        return datetime.date(int(plain(year)), int(plain(month)), int(plain(day))).isoformat()
    except ValueError:
        raise Missing(f"无效日期 {display_triplet(year, month, day)}") from None


def display_triplet(*values: Num) -> str:
    return "-".join(str(plain(v)) for v in values)


def _check_year(types: Sequence[Type]) -> Type:
    _arity(types, 1, 1, "year")
    _expect(types, 0, is_stringy, "an ISO date text", "year")
    return NUMBER


@_register("year", "year(iso_date)", "The year of an ISO date text.", _check_year)
def fn_year(text: str) -> int:
    head = text[:4]
    if not head.isdigit():
        raise Missing(f"「{text}」不是日期")
    return int(head)


def _check_format_for_year(types: Sequence[Type]) -> Type:
    _arity(types, 1, 1, "format_for_year")
    _expect(types, 0, is_number, "a year", "format_for_year")
    return STRING


@_register("format_for_year", "format_for_year(year)", "The national format a year's report must use: "
           "legacy, 2019 or 2021.", _check_format_for_year)
def fn_format_for_year(year: Num) -> str:
    return templates.format_for_year(int(plain(year))) or ""


def _check_table_name(types: Sequence[Type]) -> Type:
    _arity(types, 1, 1, "table_name")
    _expect(types, 0, is_stringy, "a table id", "table_name")
    return STRING


@_register("table_name", "table_name(id)", "The Chinese name of a table id: t3 → 表三.", _check_table_name)
def fn_table_name(table: str) -> str:
    return templates.TABLE_NAMES.get(table, table)


@_register("table_title", "table_title(id)", "The title the form prints over a table: t3 → "
           "收到和处理政府信息公开申请情况.", _check_table_name)
def fn_table_title(table: str) -> str:
    titles = {t.id: t.title for fmt in templates.FORMATS for t in templates.load(fmt).tables}
    return titles.get(str(table), str(table))


def _check_section_heading(types: Sequence[Type]) -> Type:
    _arity(types, 1, 1, "section_heading")
    _expect(types, 0, is_number, "a section number 1–6", "section_heading")
    return STRING


@_register("section_heading", "section_heading(n)", "The standard heading of section n: 1 → 总体情况.",
           _check_section_heading)
def fn_section_heading(number: Num) -> str:
    wanted = int(plain(number))
    template = templates.load(templates.FORMATS[-1])
    return next((s.heading for s in template.sections if s.number == wanted), "")


def _check_split_rows(types: Sequence[Type]) -> Type:
    _arity(types, 2, 2, "split_rows")
    _expect(types, 0, is_stringy, "a table id", "split_rows")
    _expect(types, 1, is_stringy, "row_total, column_sum or column_balance", "split_rows")
    return list_of(STRING)


@_register("split_rows", "split_rows(table, sum)", "Rows of a table whose digits had run together and were "
           "split by that printed sum (row_total, column_sum, column_balance): the sum holds there by "
           "construction, so checking it says nothing.", _check_split_rows, contextual=True)
def fn_split_rows(report: Any, table: str, identity: str) -> list[str]:
    reading = report.reading(str(table)) if hasattr(report, "reading") else None
    if reading is None or str(identity) not in reading.identities:
        return []
    return list(reading.summed_rows)


def _check_same(types: Sequence[Type]) -> Type:
    if len(types) < 2:
        raise TypeProblem("same() needs at least two arguments")
    for i, t in enumerate(types[1:], start=1):
        if not compatible(types[0], t):
            raise TypeProblem(f"same() compares values of one kind: argument {i + 1} is {describe(t)}, "
                              f"argument 1 is {describe(types[0])}", i)
    return BOOL


@_register("same", "same(a, b, …)", "True when every value the report has agrees; values it lacks are "
           "left out (so a missing title does not make the rule fail).", _check_same, lenient=True)
def fn_same(*values: Any) -> bool:
    present = [plain(v) for v in values if v is not ABSENT]
    return all(v == present[0] for v in present[1:])


def _check_join(types: Sequence[Type]) -> Type:
    _arity(types, 1, 2, "join")
    _expect(types, 0, lambda t: element_of(t) is not None, "a list", "join")
    if len(types) == 2:
        _expect(types, 1, is_stringy, "a separator text", "join")
    return STRING


@_register("join", "join(list, sep=\"、\")", "The items of a list (or of a generator) as one text.", _check_join,
           aggregate=True, charges="result")
def fn_join(items: Sequence[Any], separator: str = "、") -> str:
    text = separator.join(display(i) for i in items)
    if len(text) > MAX_TEXT:
        raise LimitExceeded("join() 的结果过长")
    return text


def _check_text(types: Sequence[Type]) -> Type:
    _arity(types, 1, 1, "text")
    return STRING


@_register("text", "text(value)", "A value as text, as a message would show it.", _check_text)
def fn_text(value: Any) -> str:
    return display(value)


def _check_section(types: Sequence[Type]) -> Type:
    _arity(types, 1, 2, "section")
    _expect(types, 0, is_number, "a section number 1–6", "section")
    if len(types) == 2:
        _expect(types, 1, lambda t: t in (REPORT, ANY), "a report (previous)", "section")
    return SECTION


@_register("section", "section(n, of=report)", "Section n (1–6) of the report (or of `previous`); "
           "`section(n) is missing` tests that the report lacks it, anything else makes the rule not assessable.",
           _check_section, contextual=True)
def fn_section(report: Any, number: Num, of: Any = None) -> Any:
    wanted = plain(number)
    target = report if of is None else of
    for section in target.sections:
        if section.number == wanted:
            return section
    whose = "报告" if of is None or of is report else "上一年度报告"
    raise Missing(f"{whose}缺少第{display(number)}部分")


def _check_similarity(types: Sequence[Type]) -> Type:
    _arity(types, 2, 2, "similarity")
    for i in range(2):
        _expect(types, i, lambda t: t in (SECTION, ANY), "a section", "similarity")
    return NUMBER


@_register("similarity", "similarity(section_a, section_b)", "How much of two sections' narrative is the same "
           "(0–1): clauses in common over clauses in either, after table text and boilerplate are left out and "
           "figures, years and the agency's own name are masked. `similarity(section(5), section(5, previous))`.",
           _check_similarity, with_context=True)
def fn_similarity(ctx: Any, a: Any, b: Any) -> float:
    first, second = _clause_set(ctx, a), _clause_set(ctx, b)
    for section, clauses in ((a, first), (b, second)):
        if not clauses:
            raise Missing(f"第{section.number}部分没有可比较的叙述文字")
    return len(first & second) / len(first | second)


def _clause_set(ctx: Any, section: Any) -> frozenset[int]:
    facts = ctx.facts
    if facts is not None and id(section) in facts.prints:
        return facts.prints[id(section)]
    from auditor.narrative import section_clauses

    ctx.charge_text(len(section.text))
    return frozenset(section_clauses(section, ctx.report.agency))


def _check_mentions(types: Sequence[Type]) -> Type:
    _arity(types, 2, 2, "mentions")
    _expect(types, 0, is_stringy, "a text", "mentions")
    _expect(types, 1, lambda t: t == REGEX, "a regular expression /…/ whose group 1 is the figure", "mentions")
    return list_of(MENTION)


@_register("mentions", "mentions(text, /re/)", "Figures the prose of a text states, found with a pattern whose "
           "group 1 (else the whole match) is the number, one per match with its sentence; `m.ambiguous` is true "
           "when the sentence is about another year, a comparison or a part of the whole (as TEXT-TABLE leaves "
           "alone). Table lines are left out.", _check_mentions, contextual=True)
def fn_mentions(report: Any, text: str, pattern: Any) -> list[Any]:
    from auditor.narrative import mentions

    if len(text) > MAX_TEXT:
        raise LimitExceeded("mentions() 的文本过长")
    return mentions(text, pattern, report.year)


def _check_sentences(types: Sequence[Type]) -> Type:
    _arity(types, 1, 1, "sentences")
    _expect(types, 0, is_stringy, "a text", "sentences")
    return list_of(STRING)


@_register("sentences", "sentences(text)", "The sentences of a text (cut after 。！？； and at line ends).",
           _check_sentences, charges="text")
def fn_sentences(text: str) -> list[str]:
    from auditor.narrative import sentences

    return sentences(text)


# ---------------------------------------------------------------- regular expressions


class RegexError(Exception):
    pass


def compile_regex(pattern: str, flags: str) -> Any:
    """Compile with RE2 (never Python's ``re``); ``i`` ignores case, ``s`` lets ``.`` match newlines."""
    options = re2.Options()
    options.log_errors = False
    options.max_mem = 8 << 20
    options.case_sensitive = "i" not in flags
    options.dot_nl = "s" in flags
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise RegexError(reason) from None
