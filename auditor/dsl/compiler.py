"""Syntax tree → Python closures, with the semantic checks a rule author needs.

Nothing is interpreted from the tree at evaluation time and nothing is ``eval``-ed: each node
becomes a small closure over its children, types are checked once here (unknown cells, fields
and functions get a "did you mean"), and cell ids are validated against the national templates.
A rule becomes one ``CompiledRule`` whose ``evaluate`` returns a ``RuleOutcome``.
"""

from __future__ import annotations

import operator
from typing import Any, Callable, Optional

from auditor import templates
from auditor.dsl import ast
from auditor.dsl.cellrefs import compile_reference, reference_table, row_cells
from auditor.dsl.crossfacts import CROSS_NAMES, KEPT_REPORT_FIELDS, KEPT_SECTION_FIELDS
from auditor.dsl.errors import Diagnostic, RuleFileError, diagnostic, did_you_mean, source_text
from auditor.dsl.execute import (
    CompiledRule,
    IdentitySpec,
    LetStep,
    LoopStep,
    MissingValue,
    RequireStep,
    Step,
    make_runner,
)
from auditor.dsl.fields import (
    CELL_TEXT_FIELDS,
    CELL_VAR_FIELDS,
    PLAIN_REPORT_FIELDS,
    cell_state_and_text_test,
    cell_text_in,
    cell_text_test,
    cell_value,
    field_table,
)
from auditor.dsl.functions import ABSENT, FUNCTIONS, RegexError, TypeProblem, compile_regex
from auditor.dsl.identity import IdentityCheck
from auditor.dsl.runtime import (
    MAX_TEXT,
    Approx,
    Context,
    LimitExceeded,
    Linear,
    Missing,
    axes,
    display,
    num_add,
    num_div,
    num_eq,
    num_le,
    num_lt,
    num_mul,
    num_neg,
    num_sub,
    plain,
)
from auditor.dsl.types import (
    ANY,
    BLANK_REGION,
    BOOL,
    CELL,
    DEADLINE,
    NUMBER,
    READING,
    REGEX,
    REPORT,
    SIMILAR,
    STRING,
    TABLEROW,
    Binding,
    Compiled,
    Type,
    axis_of,
    compatible,
    describe,
    element_of,
    is_axis,
    is_number,
    is_stringy,
    list_of,
    table_of,
)
from auditor.model import SEVERITIES, RuleInfo

Fn = Callable[[Context], Any]
Scope = dict[str, Binding]

TABLES = templates.TABLES
BUILTIN_NAMES = ("report", "cells", "rows", "blanks", *CROSS_NAMES, *TABLES)
# Names a rule over several documents cannot read: they hold the whole report, which is gone by then.
WHOLE_REPORT_NAMES = ("cells", "rows", "blanks")
IS_TESTS = ("blank", "placeholder", "text", "number", "missing", "empty")
CELL_STATES = ("blank", "placeholder", "text", "number")
TABLE_FIELDS = ("columns", "rows", "name", "present", "id")
MAX_DEPTH = ast.MAX_NESTING


class _Abort(Exception):
    """Stop compiling the current rule; its diagnostic is already recorded."""


class RuleCompiler:
    """Compiles the rules of one file; collects every semantic error before raising."""

    def __init__(self, path: str, source: str, pack: str):
        self.path = path
        self.source = source
        self.pack = pack
        self.errors: list[Diagnostic] = []
        self._slots = 0
        self.blank_zero = False  # this rule reads blank and placeholder cells as 0
        self._depth = 0
        self.cross: frozenset[str] = frozenset()  # cross-document names the current rule reads
        self.reads: set[str] = set()  # cell-id prefixes the current rule reads

    # -- diagnostics
    def error(self, pos: ast.Pos, message: str) -> _Abort:
        width = pos.end_column - pos.column if pos.end_line == pos.line else 1
        self.errors.append(diagnostic(self.path, self.source, pos.line, pos.column, message, max(width, 1)))
        return _Abort()

    def raise_errors(self) -> None:
        if self.errors:
            raise RuleFileError(self.errors)

    # -- rules
    def compile_rules(self, rules: tuple[ast.Rule, ...]) -> list[CompiledRule]:
        compiled: list[CompiledRule] = []
        seen: dict[str, ast.Rule] = {}
        for rule in rules:
            if rule.id in seen:
                self.error(rule.id_pos, f"duplicate rule id '{rule.id}' (first defined on line {seen[rule.id].pos.line})")
                continue
            seen[rule.id] = rule
            try:
                compiled.append(self.rule(rule))
            except _Abort:
                continue
        return compiled

    def rule(self, rule: ast.Rule) -> CompiledRule:
        self._slots = 0
        self.cross = frozenset(n for n in _names(rule) if n in CROSS_NAMES)
        self.reads = set()
        by_kind: dict[type, list[Any]] = {}
        for clause in rule.clauses:
            by_kind.setdefault(type(clause), []).append(clause)

        def single(kind: type, word: str) -> Optional[Any]:
            found = by_kind.get(kind, [])
            if len(found) > 1:
                raise self.error(found[1].pos, f"rule {rule.id} has more than one '{word}'")
            return found[0] if found else None

        version = single(ast.VersionClause, "version")
        description = single(ast.DescriptionClause, "description")
        treat = single(ast.Treat, "treat")
        identity = single(ast.IdentityClause, "identity")
        self.blank_zero = identity is not None  # identities read a blank as 0 (the blank is CELL-BLANK's)
        if treat is not None:
            if treat.what != "blank":
                raise self.error(treat.what_pos, f"cannot treat '{treat.what}' as a value: write 'treat blank as 0'"
                                 + did_you_mean(treat.what, ["blank"]))
            if treat.value not in ("0", "0.0"):
                raise self.error(treat.value_pos, "blank cells can only be treated as 0")
            self.blank_zero = True

        severities = by_kind.get(ast.SeverityClause, [])
        for clause in severities:
            if clause.level not in SEVERITIES:
                raise self.error(clause.level_pos, f"unknown severity '{clause.level}'; expected error, warning or info"
                                 + did_you_mean(clause.level, SEVERITIES))
        plain_severity = [c for c in severities if c.condition is None]
        if not plain_severity:
            raise self.error(rule.id_pos, f"rule {rule.id} has no severity: add 'severity error', "
                             "'severity warning' or 'severity info'")
        if len(plain_severity) > 1:
            raise self.error(plain_severity[1].pos, f"rule {rule.id} has more than one 'severity' without 'if'")
        asserts = by_kind.get(ast.Assertion, [])
        if identity is not None and asserts:
            raise self.error(asserts[0].pos, f"rule {rule.id} declares an identity: it is the rule's assert, "
                             "so the rule has no other 'assert'")
        if identity is None and not asserts:
            raise self.error(rule.id_pos, f"rule {rule.id} has no 'assert': say what must hold "
                             "(or declare an 'identity')")
        messages = by_kind.get(ast.MessageClause, [])
        if not any(m.condition is None for m in messages):
            raise self.error(rule.id_pos, f"rule {rule.id} has no message: add message \"…\" (one without 'if')")

        info = RuleInfo(id=rule.id, title=rule.title, severity=plain_severity[0].level, pack=self.pack,
                        description=description.text if description else "",
                        version=version.value if version else 1)

        scope: Scope = {}
        guards = [self.condition(g.condition, scope, "when") for g in by_kind.get(ast.Guard, [])]

        # Loops and lets in the order written; asserts and messages see every name.
        steps: list[Step] = []
        lets: dict[str, ast.Expr] = {}
        lazy = _message_only_lets(rule)
        first_lazy = True
        for clause in rule.clauses:
            if isinstance(clause, ast.Loop):
                source = self.expr(clause.iterable, scope)
                item_type = element_of(source.type)
                if item_type is None:
                    raise self.error(clause.iterable.pos, f"'for' needs a list to go through, got {describe(source.type)}")
                slot = self.bind(clause.var, clause.var_pos, scope)
                scope = {**scope, clause.var: Binding(item_type, slot)}
                where = self.condition(clause.condition, scope, "where") if clause.condition else None
                steps.append(LoopStep(source.fn, where, slot, _scope_key(clause.var, item_type)))
            elif isinstance(clause, ast.Let):
                value = self.expr(clause.value, scope)
                slot = self.bind(clause.name, clause.name_pos, scope)
                scope = {**scope, clause.name: Binding(value.type, slot, is_let=True)}
                lets[clause.name] = clause.value
                is_lazy = clause.name in lazy
                steps.append(LetStep(value.fn, slot, clause.name, is_lazy, is_lazy and first_lazy))
                first_lazy = first_lazy and not is_lazy
            elif isinstance(clause, ast.Require):
                condition = self.condition(clause.condition, scope, "require")
                reason = clause.reason or source_text(self.source, clause.condition.pos)
                steps.append(RequireStep(condition, reason))

        spec: Optional[IdentitySpec] = None
        if identity is not None:
            equation = identity.condition
            loops = {c.var for c in rule.clauses if isinstance(c, ast.Loop)}
            tables = IdentityCheck(lets, loops, self.error).equation(equation)
            check, message_scope, (left, right) = self.comparison(equation, scope)  # type: ignore[arg-type]
            spec = IdentitySpec(left, right, tables)
        else:
            check, message_scope = self.assertions(asserts, scope)
        rendered = [(self.condition(m.condition, message_scope, "if") if m.condition else None,
                     self.template(m.template, message_scope)) for m in messages]
        rendered.sort(key=lambda pair: pair[0] is None)  # conditional messages are tried first
        severity_rules = [(self.condition(c.condition, message_scope, "if"), c.level)
                          for c in severities if c.condition is not None]
        if identity is not None and self.cross:
            raise self.error(identity.pos, "an identity is a table's own equation: it cannot read 'previous', "
                             "'similar_reports' or 'publication_deadline' (write an assert)")
        run, probe = make_runner(info, guards, steps, check, rendered, severity_rules, self._slots, spec, self.cross)
        return CompiledRule(info, rule, self.path, run, probe, spec.tables if spec else (), self.cross,
                            tuple(sorted(self.reads)) if self.cross else ())

    # -- rules over several documents
    def note_reference(self, table: str, parts: list[Any]) -> None:
        """Remember which cells a cross-document rule reads: they are kept in each signature."""
        if not self.cross:
            return
        rows = parts[:-1]
        prefix = [table]
        for part in rows:
            if part.kind != "name":
                break
            prefix.append(str(part.value))
        self.reads.add(".".join(prefix) + ".")

    def _kept_only(self, node: ast.Attr, type_: Type) -> None:
        """A cross-document rule reads what signatures keep; say so at compile time."""
        if not self.cross:
            return
        kept = KEPT_REPORT_FIELDS if type_ == REPORT else KEPT_SECTION_FIELDS if type_.kind == "section" else None
        if kept is not None and node.name not in kept:
            raise self.error(node.name_pos, f"a rule reading {', '.join(sorted(self.cross))} runs after every "
                             f"document is read, on what each keeps: '{node.name}' is not kept "
                             f"(kept: {', '.join(kept)}, the cells the rule names)")

    def _previous_reference(self, node: ast.Expr, scope: Scope) -> Optional[Compiled]:
        """``previous.t3.carried_forward[col]``: the reference compiled as usual, read in the
        previous report (a ``Missing`` there names that report)."""
        stripped = _strip_previous(node, scope)
        if stripped is None:
            return None
        if isinstance(stripped, ast.Is):
            inner = self._Is(stripped, scope)
        else:
            table = reference_table(stripped, scope)
            inner = compile_reference(self, stripped, table, scope, "value")  # type: ignore[arg-type]
        fn = inner.fn

        def in_previous(ctx: Context) -> Any:
            prev = ctx.previous_context()
            try:
                return fn(prev)
            except Missing as exc:
                raise Missing(f"上一年度报告（{prev.report.source.path}）：{exc.reason}") from None
        return Compiled(inner.type, in_previous)

    def bind(self, name: str, pos: ast.Pos, scope: Scope) -> int:
        if name in BUILTIN_NAMES or name in FUNCTIONS:
            raise self.error(pos, f"'{name}' is a built-in name; choose another")
        if name in scope:
            raise self.error(pos, f"'{name}' is already defined in this rule")
        self._slots += 1
        return self._slots - 1

    def assertions(self, asserts: list[ast.Assertion], scope: Scope) -> tuple[Fn, Scope]:
        """All asserts must hold. A single comparison also binds ``lhs`` and ``rhs`` for messages."""
        if len(asserts) == 1 and isinstance(asserts[0].condition, ast.Binary) \
                and asserts[0].condition.op in _COMPARISONS:
            check, message_scope, _ = self.comparison(asserts[0].condition, scope)
            return check, message_scope
        conditions = [self.condition(a.condition, scope, "assert") for a in asserts]
        if len(conditions) == 1:
            return conditions[0], scope
        return (lambda ctx: all(c(ctx) for c in conditions)), scope

    def comparison(self, node: ast.Binary, scope: Scope) -> tuple[Fn, Scope, tuple[Fn, Fn]]:
        """``lhs op rhs`` as a check that keeps both sides (as ``lhs`` and ``rhs``) for messages."""
        left, right = self.expr(node.left, scope), self.expr(node.right, scope)
        compare = self.comparator(node, left.type, right.type)
        lslot, rslot = self._slots, self._slots + 1
        self._slots += 2
        lfn, rfn = left.fn, right.fn

        cell_slot = self._cell_value_slot(node.left, scope)
        whole = _INT_COMPARISONS.get(node.op) if compare is _NUMBER_COMPARISONS.get(node.op) else None
        if right.is_constant and cell_slot is not None:
            constant = right.constant
            if type(constant) is not int:
                whole = None  # compared as numbers: the int comparison is for whole counts only

            def check(ctx: Context) -> bool:
                """``cell.value >= 0`` for every cell of the tables: the value read and compared in
                place (whole counts by the int comparison, in C)."""
                variables = ctx.vars
                cell = variables[cell_slot]
                a = cell.value if cell.state == "number" and not cell.decimals else cell_value(ctx, cell)
                variables[lslot] = a
                variables[rslot] = constant
                if whole is not None and type(a) is int:
                    return whole(a, constant)  # type: ignore[no-any-return]
                return compare(a, constant)
        elif right.is_constant:
            constant = right.constant

            def check(ctx: Context) -> bool:
                a = lfn(ctx)
                ctx.vars[lslot] = a
                ctx.vars[rslot] = constant
                return compare(a, constant)
        else:
            def check(ctx: Context) -> bool:
                a = lfn(ctx)
                ctx.vars[lslot] = a
                b = rfn(ctx)
                ctx.vars[rslot] = b
                return compare(a, b)

        extra = {"lhs": Binding(left.type, lslot), "rhs": Binding(right.type, rslot)}
        return check, {**scope, **{k: v for k, v in extra.items() if k not in scope}}, (lfn, rfn)

    def template(self, template: ast.Template, scope: Scope) -> Callable[[Context], str]:
        parts: list[Any] = []
        for part in template.parts:
            parts.append(part if isinstance(part, str) else self.expr(part, scope).fn)

        def render(ctx: Context) -> str:
            out = []
            for part in parts:
                if isinstance(part, str):
                    out.append(part)
                    continue
                try:
                    out.append(display(part(ctx)))
                except Missing:
                    out.append("？")
            return "".join(out)
        return render

    # -- expressions
    def condition(self, node: ast.Expr, scope: Scope, where: str) -> Fn:
        compiled = self.expr(node, scope)
        if compiled.type not in (BOOL, ANY):
            raise self.error(node.pos, f"'{where}' needs a condition (true/false), got {describe(compiled.type)}")
        return compiled.fn

    def expr(self, node: ast.Expr, scope: Scope) -> Compiled:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise self.error(node.pos, f"expression nested more than {MAX_DEPTH} levels deep: split it with 'let'")
            method = getattr(self, f"_{type(node).__name__}")
            return method(node, scope)
        finally:
            self._depth -= 1

    def _Number(self, node: ast.Number, scope: Scope) -> Compiled:
        value = node.value
        return Compiled(NUMBER, lambda ctx: value, value, True)

    def _String(self, node: ast.String, scope: Scope) -> Compiled:
        value = node.value
        return Compiled(STRING, lambda ctx: value, value, True)

    def _Bool(self, node: ast.Bool, scope: Scope) -> Compiled:
        value = node.value
        return Compiled(BOOL, lambda ctx: value, value, True)

    def _Regex(self, node: ast.Regex, scope: Scope) -> Compiled:
        bad = set(node.flags) - {"i", "s"}
        if bad:
            raise self.error(node.pos, f"unknown regular expression flag '{sorted(bad)[0]}' (known: i, s)")
        try:
            pattern = compile_regex(node.pattern, node.flags)
        except RegexError as exc:
            raise self.error(node.pos, f"invalid regular expression /{node.pattern}/: {exc} "
                             "(RE2 syntax: no look-around or backreferences)") from None
        return Compiled(REGEX, lambda ctx: pattern)

    def _Name(self, node: ast.Name, scope: Scope) -> Compiled:
        if node.id in scope:
            binding = scope[node.id]
            slot = binding.slot
            if binding.is_let:
                def let_value(ctx: Context) -> Any:
                    value = ctx.vars[slot]
                    if type(value) is MissingValue:
                        raise Missing(value.reason)
                    return value
                return Compiled(binding.type, let_value)
            return Compiled(binding.type, lambda ctx: ctx.vars[slot], slot=slot)
        if node.id == "report":
            return Compiled(REPORT, lambda ctx: ctx.report)
        if node.id == "previous":
            return Compiled(REPORT, lambda ctx: ctx.previous_report())
        if node.id == "similar_reports":
            return Compiled(list_of(SIMILAR), lambda ctx: list(ctx.facts.similar) if ctx.facts is not None else [])
        if node.id == "publication_deadline":
            from auditor.dsl.crossfacts import statutory_deadline

            return Compiled(DEADLINE, lambda ctx: (ctx.facts.deadline if ctx.facts is not None
                                                   else statutory_deadline)(ctx.report))
        if self.cross and node.id in WHOLE_REPORT_NAMES:
            raise self.error(node.pos, f"a rule reading {', '.join(sorted(self.cross))} runs after every document "
                             f"is read, on what each keeps: '{node.id}' is not kept (name the cells instead)")
        if node.id == "cells":
            return Compiled(list_of(CELL), lambda ctx: list(ctx.cells.values()))
        if node.id == "rows":
            return Compiled(list_of(TABLEROW), lambda ctx: ctx.table_rows())
        if node.id == "blanks":
            return Compiled(list_of(BLANK_REGION), lambda ctx: ctx.blank_regions())
        if node.id in TABLES:
            table = node.id
            return Compiled(table_of(table), lambda ctx: table)
        hint = ""
        if node.id in ("lhs", "rhs"):
            hint = " ('lhs' and 'rhs' exist in messages of rules with a single comparison assert or an identity)"
        elif node.id in FUNCTIONS:
            hint = f" ({node.id} is a function: call it as {FUNCTIONS[node.id].signature})"
        elif node.id in CHINESE_NUMERALS:  # section(一): the report prints 一、 but rules count in digits
            number = CHINESE_NUMERALS.index(node.id) + 1
            hint = f" — did you mean '{number}'? (sections are numbered in digits: section({number}))"
        raise self.error(node.pos, f"unknown name '{node.id}'"
                         + (hint or did_you_mean(node.id, [*scope, *BUILTIN_NAMES])))

    def _Attr(self, node: ast.Attr, scope: Scope) -> Compiled:
        previous = self._previous_reference(node, scope)
        if previous is not None:
            return previous
        table = reference_table(node, scope)
        if table is not None:
            if isinstance(node.obj, ast.Name) and node.name in TABLE_FIELDS:
                return self.table_field(table, node.name)
            return compile_reference(self, node, table, scope, "value")
        obj = self.expr(node.obj, scope)
        self._kept_only(node, obj.type)
        fields = field_table(obj.type)
        if fields is None:
            raise self.error(node.name_pos, f"{describe(obj.type)} has no fields (no '.{node.name}')")
        if node.name not in fields:
            raise self.error(node.name_pos, f"unknown field '{node.name}' of {describe(obj.type)}"
                             + did_you_mean(node.name, fields))
        type_, getter = fields[node.name]
        get = obj.fn
        if obj.type.kind in ("section", "period"):
            def section_field(ctx: Context) -> Any:
                value = get(ctx)
                ctx.spans.append(value.span)
                return getter(ctx, value)
            return Compiled(type_, section_field)
        if obj.type == CELL:
            slot = self._plain_slot(node.obj, scope)
            if slot is not None:  # a loop variable: the loop cites it, and this runs for every cell
                fast = CELL_VAR_FIELDS.get(node.name)
                if fast is not None:
                    return Compiled(type_, fast(slot))
                return Compiled(type_, lambda ctx: getter(ctx, ctx.vars[slot]))

            def cell_field(ctx: Context) -> Any:
                value = get(ctx)
                ctx.touched.append(value)
                return getter(ctx, value)
            return Compiled(type_, cell_field)
        if obj.type == BLANK_REGION and node.name == "cells":
            def region_cells(ctx: Context) -> Any:
                cells = get(ctx).cells
                ctx.touched.extend(cells)
                return cells
            return Compiled(type_, region_cells)
        if isinstance(node.obj, ast.Name) and node.obj.id == "report" and "report" not in scope:
            if node.name in PLAIN_REPORT_FIELDS:  # never missing: a C-level attribute lookup
                return Compiled(type_, operator.attrgetter(f"report.{node.name}"))
            return Compiled(type_, lambda ctx: getter(ctx, ctx.report))
        return Compiled(type_, lambda ctx: getter(ctx, get(ctx)))

    def _slot_state_test(self, node: ast.Expr, scope: Scope) -> Optional[tuple[int, str, bool]]:
        """(slot, state, negated) of ``cell is number`` when ``cell`` is a loop variable over cells."""
        if isinstance(node, ast.Is) and node.test in CELL_STATES:
            slot = self._plain_slot(node.operand, scope)
            if slot is not None and scope[node.operand.id].type == CELL:  # type: ignore[attr-defined]
                return slot, node.test, node.negated
        return None

    def _state_and_text_test(self, node: ast.Binary, scope: Scope) -> Optional[Fn]:
        """``cell is number and cell.column != "change"`` (one loop cell, a text field compared with
        a text) as one closure: CELL-NEGATIVE's filter, run for every cell."""
        state_test = self._slot_state_test(node.left, scope)
        right = node.right
        if state_test is None or not (isinstance(right, ast.Binary) and right.op in ("==", "!=")
                                      and isinstance(right.right, ast.String)):
            return None
        field = self._cell_text_field(right.left, scope)
        if field is None or field[0] != state_test[0]:
            return None
        slot, test, negated = state_test
        compare = operator.eq if right.op == "==" else operator.ne
        return cell_state_and_text_test(slot, test, negated, field[1], compare, right.right.value)

    def _cell_text_field(self, node: Optional[ast.Expr], scope: Scope) -> Optional[tuple[int, str]]:
        """(slot, field) of ``cell.table`` (and id, column, raw, state) on a loop variable over cells."""
        if isinstance(node, ast.Attr) and node.name in CELL_TEXT_FIELDS:
            slot = self._plain_slot(node.obj, scope)
            if slot is not None and scope[node.obj.id].type == CELL:  # type: ignore[attr-defined]
                return slot, node.name
        return None

    def _cell_value_slot(self, node: ast.Expr, scope: Scope) -> Optional[int]:
        """The slot of the cell in ``cell.value`` when ``cell`` is a loop variable over cells."""
        if isinstance(node, ast.Attr) and node.name == "value":
            slot = self._plain_slot(node.obj, scope)
            if slot is not None and scope[node.obj.id].type == CELL:  # type: ignore[attr-defined]
                return slot
        return None

    def _plain_slot(self, node: ast.Expr, scope: Scope) -> Optional[int]:
        """The slot of a loop variable (never missing), for fast paths."""
        if isinstance(node, ast.Name) and node.id in scope and not scope[node.id].is_let:
            return scope[node.id].slot
        return None

    def _Index(self, node: ast.Index, scope: Scope) -> Compiled:
        previous = self._previous_reference(node, scope)
        if previous is not None:
            return previous
        table = reference_table(node, scope)
        if table is not None:
            return compile_reference(self, node, table, scope, "value")
        obj = self.expr(node.obj, scope)
        item = element_of(obj.type)
        index = self.expr(node.index, scope)
        if item is None or not is_number(index.type):
            raise self.error(node.pos, f"cannot index {describe(obj.type)} with {describe(index.type)}")
        get, at = obj.fn, index.fn

        def indexed(ctx: Context) -> Any:
            items, i = get(ctx), plain(at(ctx))
            if not isinstance(i, int) or not -len(items) <= i < len(items):
                raise Missing(f"列表中没有第{i}项")
            return items[i]
        return Compiled(item, indexed)

    def _Star(self, node: ast.Star, scope: Scope) -> Compiled:
        previous = self._previous_reference(node, scope)
        if previous is not None:
            return previous
        table = reference_table(node, scope)
        if table is None:
            raise self.error(node.pos, "'.*' only appears in a cell reference, like t3.denied.*[col]")
        return compile_reference(self, node, table, scope, "value")

    def table_field(self, table: str, name: str) -> Compiled:
        if name in ("columns", "rows"):
            kind = "column" if name == "columns" else "row"

            def listed(ctx: Context) -> Any:
                fmt = ctx.format
                if fmt is None:
                    ctx.need_format(f"{templates.TABLE_NAMES[table]}的{'列' if kind == 'column' else '行'}")
                return axes(fmt, table, kind)
            return Compiled(list_of(axis_of(kind, table)), listed)
        if name == "name":
            label = templates.TABLE_NAMES[table]
            return Compiled(STRING, lambda ctx: label)
        if name == "present":
            return Compiled(BOOL, lambda ctx: table in ctx.report.tables)
        return Compiled(STRING, lambda ctx: table)

    # -- calls
    def _Call(self, node: ast.Call, scope: Scope) -> Compiled:
        func = self._function(node.func, node.pos)
        args = [self.expr(a, scope) for a in node.args]
        type_ = self._check_call(func, [a.type for a in args], node)
        fns = [a.fn for a in args]
        impl = func.impl
        if self.cross and node.func == "split_rows":
            raise self.error(node.pos, "split_rows() reads how the tables were read, which a rule over several "
                             "documents does not keep")
        if func.with_context:
            return Compiled(type_, lambda ctx: impl(ctx, *(f(ctx) for f in fns)))
        if func.contextual and args and all(a.is_constant for a in args):
            # split_rows("t3", "row_total") inside a loop: the same report and the same arguments
            # give the same answer, so it is computed once per report (kept in the context).
            constants = tuple(a.constant for a in args)
            site = object()

            def once_per_report(ctx: Context) -> Any:
                memo = ctx.memo
                found = memo.get(site, memo)
                if found is memo:
                    found = memo[site] = impl(ctx.report, *constants)
                return found
            return Compiled(type_, once_per_report)
        if func.contextual:
            if len(fns) == 1:
                only = fns[0]
                return Compiled(type_, lambda ctx: impl(ctx.report, only(ctx)))
            return Compiled(type_, lambda ctx: impl(ctx.report, *(f(ctx) for f in fns)))
        if func.lenient:
            def lenient(ctx: Context) -> Any:
                values = []
                for f in fns:
                    try:
                        values.append(f(ctx))
                    except Missing:
                        values.append(ABSENT)
                return impl(*values)
            return Compiled(type_, lenient)
        if func.charges == "text":
            def over_text(ctx: Context) -> Any:
                values = [f(ctx) for f in fns]
                ctx.charge_text(len(values[0]))
                return impl(*values)
            return Compiled(type_, over_text)
        if func.charges == "result":
            def building_text(ctx: Context) -> Any:
                result = impl(*[f(ctx) for f in fns])
                ctx.charge_text(len(result))
                return result
            return Compiled(type_, building_text)
        if len(fns) == 1:
            only = fns[0]
            if impl is FUNCTIONS["sum"].impl and element_of(args[0].type) is not None:
                def sum_of_list(ctx: Context) -> Any:
                    """sum(t3.denied.*[col]): Python's sum of whole figures inline, else ``fn_sum``."""
                    values = only(ctx)
                    if type(values) is list and values and type(values[0]) is int:
                        try:
                            return sum(values)
                        except TypeError:
                            pass
                    return impl(values)
                return Compiled(type_, sum_of_list)
            return Compiled(type_, lambda ctx: impl(only(ctx)))
        return Compiled(type_, lambda ctx: impl(*[f(ctx) for f in fns]))

    def _function(self, name: str, pos: ast.Pos) -> Any:
        if name not in FUNCTIONS:
            at = ast.Pos(pos.line, pos.column, pos.line, pos.column + len(name))
            raise self.error(at, f"unknown function '{name}'" + did_you_mean(name, FUNCTIONS))
        return FUNCTIONS[name]

    def _check_call(self, func: Any, types: list[Type], node: Any) -> Type:
        try:
            return func.check(types)
        except TypeProblem as exc:
            args = getattr(node, "args", ())
            at = args[exc.index].pos if exc.index is not None and exc.index < len(args) else node.pos
            raise self.error(at, str(exc)) from None

    def _Generator(self, node: ast.Generator, scope: Scope) -> Compiled:
        func = self._function(node.func, node.pos)
        if not func.aggregate:
            raise self.error(node.pos, f"{node.func}() does not take 'for … in …' "
                             f"(those that do: {', '.join(sorted(n for n, f in FUNCTIONS.items() if f.aggregate))})")
        source = self.expr(node.iterable, scope)
        item_type = element_of(source.type)
        if item_type is None:
            raise self.error(node.iterable.pos, f"'for' needs a list to go through, got {describe(source.type)}")
        slot = self.bind(node.var, node.var_pos, scope)
        inner = {**scope, node.var: Binding(item_type, slot)}
        element = self.expr(node.element, inner)
        where = self.condition(node.condition, inner, "where") if node.condition else None
        type_ = self._check_call(func, [list_of(element.type)], node)
        items_fn, element_fn, impl = source.fn, element.fn, func.impl
        charges_result = func.charges == "result"

        cites = item_type == CELL  # cells a generator keeps are the ones a finding is about
        itself = element.slot == slot  # count(c for c in …): the element is the item
        condition = node.condition
        if itself and cites and isinstance(condition, ast.Is) and condition.test in CELL_STATES \
                and isinstance(condition.operand, ast.Name) and condition.operand.id == node.var:
            # count(c for c in row.cells where c is blank): a plain filter, no per-item closures
            state, negated = condition.test, condition.negated

            def filtered(ctx: Context) -> Any:
                items = items_fn(ctx)
                ctx.charge(len(items))
                kept = [c for c in items if (c.state == state) is not negated]
                ctx.touched.extend(kept)
                result = impl(kept)
                if charges_result:
                    ctx.charge_text(len(result))
                return result
            return Compiled(type_, filtered)

        if where is not None and _depends_only_on(condition, node.var) \
                and (is_axis(item_type) or is_stringy(item_type) or is_number(item_type)):
            # sum(t3[row][c] for c in t3.columns where c != "total"): the filter reads nothing but
            # the item, so it is applied once per list (a template's columns, the same tuple for
            # every row and report) and remembered with it.
            filtered: list[Any] = [None]  # (items, kept): read and replaced whole, never in part
            summing = impl is FUNCTIONS["sum"].impl
            # t3[row][c] with c this generator's variable: the cells read in one call, not one each.
            shape = getattr(element_fn, "row_column", None)
            row_read = shape if shape is not None and shape[2] == slot and shape[1] != slot else None

            def generate_filtered(ctx: Context) -> Any:
                items = items_fn(ctx)
                ctx.charge(len(items))
                if type(items) is not tuple:
                    return generate(ctx, items)
                variables = ctx.vars
                entry = filtered[0]
                if entry is not None and entry[0] is items:
                    kept = entry[1]
                else:
                    kept = tuple(item for item in items if _set(variables, slot, item) and where(ctx))  # type: ignore[misc]
                    filtered[0] = (items, kept)
                if row_read is not None:
                    head, row_slot, _, blank_zero = row_read
                    out = row_cells(ctx, head + variables[row_slot] + ".", kept, blank_zero)
                else:
                    out = []
                    for item in kept:
                        variables[slot] = item
                        out.append(item if itself else element_fn(ctx))
                if summing and out and type(out[0]) is not Linear:
                    try:
                        return sum(out)  # what fn_sum does for plain figures, without the call
                    except TypeError:
                        pass
                result = impl(out)
                if charges_result:
                    ctx.charge_text(len(result))
                return result

        def generate(ctx: Context, items: Any = None) -> Any:
            out = []
            if items is None:
                items = items_fn(ctx)
                ctx.charge(len(items))
            variables = ctx.vars
            for item in items:
                variables[slot] = item
                if where is not None and not where(ctx):
                    continue
                if cites:
                    ctx.touched.append(item)
                out.append(item if itself else element_fn(ctx))
            result = impl(out)
            if charges_result:
                ctx.charge_text(len(result))
            return result
        if where is not None and _depends_only_on(condition, node.var) \
                and (is_axis(item_type) or is_stringy(item_type) or is_number(item_type)):
            return Compiled(type_, generate_filtered)
        return Compiled(type_, generate)

    def _ListExpr(self, node: ast.ListExpr, scope: Scope) -> Compiled:
        items = [self.expr(i, scope) for i in node.items]
        item_type = next((i.type for i in items if i.type != ANY), ANY)
        for item, child in zip(items, node.items):
            if not compatible(item.type, item_type):
                raise self.error(child.pos, f"a list holds values of one kind: this is {describe(item.type)}, "
                                 f"the first is {describe(item_type)}")
        fns = [i.fn for i in items]
        if all(isinstance(i, (ast.Number, ast.String, ast.Bool)) for i in node.items):
            constant = tuple(i.value for i in node.items)  # type: ignore[union-attr]
            return Compiled(list_of(item_type), lambda ctx: constant)
        return Compiled(list_of(item_type), lambda ctx: tuple(f(ctx) for f in fns))

    # -- operators
    def _Unary(self, node: ast.Unary, scope: Scope) -> Compiled:
        operand = self.expr(node.operand, scope)
        fn = operand.fn
        if node.op == "not":
            if operand.type not in (BOOL, ANY):
                raise self.error(node.operand.pos, f"'not' needs a condition, got {describe(operand.type)}")
            return Compiled(BOOL, lambda ctx: not fn(ctx))
        if not is_number(operand.type):
            raise self.error(node.pos, f"'{node.op}' needs a number, got {describe(operand.type)}")
        if node.op == "-":
            return Compiled(NUMBER, lambda ctx: num_neg(fn(ctx)))
        return operand

    def _Binary(self, node: ast.Binary, scope: Scope) -> Compiled:
        op = node.op
        left, right = self.expr(node.left, scope), self.expr(node.right, scope)
        lf, rf = left.fn, right.fn
        if op in ("and", "or", "implies"):
            for side, child in ((left, node.left), (right, node.right)):
                if side.type not in (BOOL, ANY):
                    raise self.error(child.pos, f"'{op}' joins conditions, got {describe(side.type)}")
            if ANY not in (left.type, right.type):  # both closures return real bools already
                state_test = self._slot_state_test(node.left, scope) if op == "and" else None
                both = self._state_and_text_test(node, scope) if state_test is not None else None
                if both is not None:  # cell is number and cell.column != "change": one closure
                    return Compiled(BOOL, both)
                if state_test is not None:  # cell is number and …: the test read in place
                    slot, test, negated = state_test
                    if negated:
                        return Compiled(BOOL, lambda ctx: ctx.vars[slot].state != test and rf(ctx))
                    return Compiled(BOOL, lambda ctx: ctx.vars[slot].state == test and rf(ctx))
                if op == "and":
                    return Compiled(BOOL, lambda ctx: lf(ctx) and rf(ctx))
                if op == "or":
                    return Compiled(BOOL, lambda ctx: lf(ctx) or rf(ctx))
                return Compiled(BOOL, lambda ctx: (not lf(ctx)) or rf(ctx))
            if op == "and":
                return Compiled(BOOL, lambda ctx: bool(lf(ctx)) and bool(rf(ctx)))
            if op == "or":
                return Compiled(BOOL, lambda ctx: bool(lf(ctx)) or bool(rf(ctx)))
            return Compiled(BOOL, lambda ctx: (not lf(ctx)) or bool(rf(ctx)))
        if op in _COMPARISONS:
            compare = self.comparator(node, left.type, right.type)
            field = self._cell_text_field(node.left, scope)
            if field is not None and right.is_constant and compare in (operator.eq, operator.ne):
                # cell.column != "change": one closure reads the field and compares
                return Compiled(BOOL, cell_text_test(field[1], field[0], compare, right.constant))
            return Compiled(BOOL, _apply(compare, left, right))
        if op in ("in", "not in"):
            return self._membership(node, left, right, item_node=node.left, scope=scope)
        if op == "contains":
            return self._membership(node, right, left, word="contains")
        if op == "??":
            if not compatible(left.type, right.type):
                raise self.error(node.right.pos, f"'??' gives a fallback of the same kind: "
                                 f"{describe(right.type)} for {describe(left.type)}")

            def fallback(ctx: Context) -> Any:
                try:
                    return lf(ctx)
                except Missing:
                    return rf(ctx)
            return Compiled(left.type if left.type != ANY else right.type, fallback)
        if op == "+" and is_stringy(left.type) and is_stringy(right.type) and ANY not in (left.type, right.type):
            def concat(ctx: Context) -> str:
                text = str(lf(ctx)) + str(rf(ctx))
                if len(text) > MAX_TEXT:
                    raise LimitExceeded("拼接的文本过长")
                ctx.charge_text(len(text))
                return text
            return Compiled(STRING, concat)
        for side, child in ((left, node.left), (right, node.right)):
            if not is_number(side.type):
                raise self.error(child.pos, f"'{op}' needs numbers, got {describe(side.type)}")
        if op in ("+", "-"):
            chain = (left.chain or ((False, lf),)) + ((op == "-", rf),)
            if len(chain) > 2:
                return Compiled(NUMBER, _sum_chain(chain), chain=chain)
            return Compiled(NUMBER, _apply(num_add if op == "+" else num_sub, left, right), chain=chain)
        arith = {"*": num_mul, "/": num_div}[op]
        return Compiled(NUMBER, _apply(arith, left, right))

    def comparator(self, node: ast.Binary, ltype: Type, rtype: Type) -> Callable[[Any, Any], bool]:
        op = node.op
        numbers = is_number(ltype) and is_number(rtype)
        if not compatible(ltype, rtype) and not numbers:
            raise self.error(node.op_pos, f"cannot compare {describe(ltype)} with {describe(rtype)}")
        if op in ("<", "<=", ">", ">=") and not (numbers or (is_stringy(ltype) and is_stringy(rtype))):
            raise self.error(node.op_pos, f"'{op}' orders numbers or texts, not {describe(ltype)}")
        if numbers and ANY not in (ltype, rtype):
            return _NUMBER_COMPARISONS[op]
        if op in ("==", "!=") and is_stringy(ltype) and is_stringy(rtype) and ANY not in (ltype, rtype):
            return operator.eq if op == "==" else operator.ne
        if op in ("==", "!="):
            want = op == "=="
            return lambda a, b: _equal(a, b) is want
        return _COMPARISONS[op]

    def _membership(self, node: ast.Binary, item: Compiled, container: Compiled, word: str = "in",
                    item_node: Optional[ast.Expr] = None, scope: Optional[Scope] = None) -> Compiled:
        element = element_of(container.type)
        if element is None and not is_stringy(container.type):
            raise self.error(node.pos, f"'{word}' needs a list or a text, got {describe(container.type)}")
        if element is None and not is_stringy(item.type):
            raise self.error(node.pos, f"only a text can be found in a text, not {describe(item.type)}")
        if element is not None and not compatible(element, item.type) \
                and not (is_number(element) and is_number(item.type)):
            raise self.error(node.pos, f"a list of {describe(element)} never holds {describe(item.type)}")
        ifn, cfn = item.fn, container.fn
        negate = node.op == "not in"
        if is_stringy(item.type) and element is not None and is_stringy(element) and ANY not in (item.type, element):
            if item.slot is not None:  # row not in split_rows(…): the loop variable read in place
                slot = item.slot
                return Compiled(BOOL, lambda ctx: (ctx.vars[slot] in cfn(ctx)) is not negate)
            field = self._cell_text_field(item_node, scope) if scope is not None else None
            if field is not None:  # cell.table in report.tables: the field read in place
                return Compiled(BOOL, cell_text_in(field[1], field[0], cfn, negate))
            return Compiled(BOOL, lambda ctx: (ifn(ctx) in cfn(ctx)) is not negate)

        def member(ctx: Context) -> bool:
            needle, hay = ifn(ctx), cfn(ctx)
            if isinstance(hay, str):
                ctx.charge_text(len(hay))
                found = str(needle) in hay
            else:
                found = any(_equal(needle, h) for h in hay)
            return found is not negate
        return Compiled(BOOL, member)

    def _Is(self, node: ast.Is, scope: Scope) -> Compiled:
        test = node.test
        if test not in IS_TESTS:
            raise self.error(node.test_pos, f"unknown test 'is {test}'; known: {', '.join(IS_TESTS)}"
                             + did_you_mean(test, IS_TESTS))
        negate = node.negated
        operand = node.operand
        if test in CELL_STATES or test == "missing":
            previous = self._previous_reference(node, scope)
            if previous is not None:
                return previous
        table = reference_table(operand, scope)
        if test in CELL_STATES:
            if table is not None:
                getter = compile_reference(self, operand, table, scope, "cell").fn
            else:
                compiled = self.expr(operand, scope)
                if compiled.type not in (CELL, ANY):
                    raise self.error(operand.pos, f"'is {test}' tests a table cell, not {describe(compiled.type)}")
                getter = compiled.fn
                slot = self._plain_slot(operand, scope)
                if slot is not None:
                    if negate:
                        return Compiled(BOOL, lambda ctx: ctx.vars[slot].state != test)
                    return Compiled(BOOL, lambda ctx: ctx.vars[slot].state == test)

            def state(ctx: Context) -> bool:
                cell = getter(ctx)
                ctx.touched.append(cell)
                return (cell.state == test) is not negate
            return Compiled(BOOL, state)
        if test == "missing":
            getter = (compile_reference(self, operand, table, scope, "cell") if table is not None
                      else self.expr(operand, scope)).fn

            def missing(ctx: Context) -> bool:
                try:
                    getter(ctx)
                except Missing:
                    return not negate
                return negate
            return Compiled(BOOL, missing)
        compiled = self.expr(operand, scope)
        if not (is_stringy(compiled.type) or element_of(compiled.type) is not None):
            raise self.error(operand.pos, f"'is empty' tests a text or a list, not {describe(compiled.type)}")
        fn = compiled.fn

        def empty(ctx: Context) -> bool:
            value = fn(ctx)
            if isinstance(value, str):
                ctx.charge_text(len(value))
                return (not value.strip()) is not negate
            return (len(value) == 0) is not negate
        return Compiled(BOOL, empty)

    def _Matches(self, node: ast.Matches, scope: Scope) -> Compiled:
        operand = self.expr(node.operand, scope)
        if not is_stringy(operand.type):
            raise self.error(node.operand.pos, f"'matches' tests a text, not {describe(operand.type)}")
        pattern = self._Regex(node.regex, scope).fn(None)  # type: ignore[arg-type]
        fn = operand.fn

        def matches(ctx: Context) -> bool:
            text = fn(ctx)
            ctx.charge_text(len(text))
            return pattern.search(text) is not None
        return Compiled(BOOL, matches)

    def _IfExpr(self, node: ast.IfExpr, scope: Scope) -> Compiled:
        condition = self.condition(node.condition, scope, "if")
        then, otherwise = self.expr(node.then, scope), self.expr(node.otherwise, scope)
        if not compatible(then.type, otherwise.type):
            raise self.error(node.otherwise.pos, f"both branches of 'if' must be of one kind: "
                             f"{describe(then.type)} and {describe(otherwise.type)}")
        tf, of = then.fn, otherwise.fn
        return Compiled(then.type if then.type != ANY else otherwise.type,
                        lambda ctx: tf(ctx) if condition(ctx) else of(ctx))


# ---------------------------------------------------------------- helpers


def _names(node: Any) -> set[str]:
    """Every bare name a rule's tree holds (to tell a cross-document rule before compiling it)."""
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.Name):
            found.add(item.id)
        elif isinstance(item, (tuple, list)):
            stack.extend(item)
        elif hasattr(item, "__dataclass_fields__"):
            stack.extend(getattr(item, f) for f in item.__dataclass_fields__)
    return found


def _set(variables: list[Any], slot: int, item: Any) -> bool:
    """Put ``item`` in its slot (inside a comprehension); always true."""
    variables[slot] = item
    return True


def _message_only_lets(rule: ast.Rule) -> set[str]:
    """Lets that only messages and conditional severities read, written after the rule's last
    loop: their value matters only when a finding is made (see ``LetStep``)."""
    clauses = rule.clauses
    last_loop = max((i for i, c in enumerate(clauses) if isinstance(c, ast.Loop)), default=-1)
    read: set[str] = set()
    for clause in clauses:
        if isinstance(clause, ast.Let):
            read |= _names(clause.value)
        elif not isinstance(clause, (ast.MessageClause, ast.SeverityClause)):
            read |= _names(clause)
    return {c.name for i, c in enumerate(clauses) if isinstance(c, ast.Let) and i > last_loop and c.name not in read}


def _depends_only_on(node: Any, var: str) -> bool:
    """``node`` reads nothing but the variable ``var`` and constants (``c != "total"``, ``r in ["a", "b"]``),
    so its value for an item never changes."""
    if isinstance(node, ast.Name):
        return node.id == var
    if isinstance(node, (ast.String, ast.Number, ast.Bool)):
        return True
    if isinstance(node, ast.ListExpr):
        return all(isinstance(i, (ast.String, ast.Number, ast.Bool)) for i in node.items)
    if isinstance(node, ast.Unary):
        return node.op == "not" and _depends_only_on(node.operand, var)
    if isinstance(node, ast.Binary):
        return node.op in (*_COMPARISONS, "and", "or", "in", "not in") \
            and _depends_only_on(node.left, var) and _depends_only_on(node.right, var)
    return False


def _strip_previous(node: ast.Expr, scope: Scope) -> Optional[ast.Expr]:
    """``previous.t3.x[col]`` → ``t3.x[col]`` (and ``previous.t3.x.y is blank`` → ``t3.x.y is blank``);
    None when ``node`` is not a cell reference into ``previous``."""
    if isinstance(node, ast.Is):
        inner = _strip_previous(node.operand, scope)
        return None if inner is None else ast.Is(inner, node.test, node.negated, node.pos, node.test_pos)
    chain = []
    cur: Any = node
    while isinstance(cur, (ast.Attr, ast.Index, ast.Star)):
        chain.append(cur)
        cur = cur.obj
    if not (isinstance(cur, ast.Name) and cur.id == "previous" and "previous" not in scope and chain):
        return None
    head = chain[-1]
    if not (isinstance(head, ast.Attr) and head.name in TABLES):
        return None
    rebuilt: Any = ast.Name(head.name, head.name_pos)
    for link in reversed(chain[:-1]):
        if isinstance(link, ast.Attr):
            rebuilt = ast.Attr(rebuilt, link.name, link.pos, link.name_pos)
        elif isinstance(link, ast.Index):
            rebuilt = ast.Index(rebuilt, link.index, link.pos)
        else:
            rebuilt = ast.Star(rebuilt, link.pos)
    return rebuilt


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


def _num_ne(a: Any, b: Any) -> bool:
    if type(a) is int and type(b) is int:
        return a != b
    return not num_eq(a, b)


def _num_lt(a: Any, b: Any) -> bool:
    if type(a) is not Approx and type(b) is not Approx:
        return a < b  # type: ignore[no-any-return]
    return num_lt(a, b)


def _num_le(a: Any, b: Any) -> bool:
    if type(a) is not Approx and type(b) is not Approx:
        return a <= b  # type: ignore[no-any-return]
    return num_le(a, b)


def _num_gt(a: Any, b: Any) -> bool:
    if type(a) is not Approx and type(b) is not Approx:
        return a > b  # type: ignore[no-any-return]
    return num_lt(b, a)


def _num_ge(a: Any, b: Any) -> bool:
    if type(a) is not Approx and type(b) is not Approx:
        return a >= b  # type: ignore[no-any-return]
    return num_le(b, a)


# Comparisons of numbers: plain ints and floats compared inline (a call saved per cell checked),
# rounded figures (Approx) by the interval rules of ``runtime``.
_NUMBER_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "==": num_eq, "!=": _num_ne, "<": _num_lt, "<=": _num_le, ">": _num_gt, ">=": _num_ge,
}


# The same comparisons of two ints, in C (exactly what the functions above do for them).
_INT_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


def _sum_chain(chain: tuple[tuple[bool, Fn], ...]) -> Fn:
    """``a + b + c - d`` as one closure: each operand read, then added to what came before, left
    to right as the operators would (ints inline, anything else by ``num_add``/``num_sub``)."""
    first = chain[0][1]
    rest = chain[1:]

    def summed(ctx: Context) -> Any:
        total = first(ctx)
        for subtract, fn in rest:
            value = fn(ctx)
            if type(total) is int and type(value) is int:
                total = total - value if subtract else total + value
            else:
                total = num_sub(total, value) if subtract else num_add(total, value)
        return total
    return summed


def _apply(func: Callable[[Any, Any], Any], left: Compiled, right: Compiled) -> Fn:
    """``func(left, right)`` as a closure, reading constants and loop variables directly."""
    lf, rf = left.fn, right.fn
    if right.is_constant:
        constant = right.constant
        if left.slot is not None:
            slot = left.slot
            return lambda ctx: func(ctx.vars[slot], constant)
        return lambda ctx: func(lf(ctx), constant)
    if left.is_constant:
        constant = left.constant
        return lambda ctx: func(constant, rf(ctx))
    return lambda ctx: func(lf(ctx), rf(ctx))


def _is_num(x: Any) -> bool:
    return type(x) in (int, float, Approx)


CHINESE_NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十")


def _equal(a: Any, b: Any) -> bool:
    if _is_num(a) and _is_num(b):
        return num_eq(a, b)
    return bool(a == b)


def _scope_key(var: str, type_: Type) -> str:
    """What a loop's scope is called in findings (and waivers): column, row, cell, section, region."""
    if is_axis(type_):
        return type_.kind
    if type_ == TABLEROW:
        return "row"
    if type_.kind in ("cell", "section"):
        return type_.kind
    if type_ == BLANK_REGION:
        return "region"
    if type_ == READING:
        return "table"
    return var
