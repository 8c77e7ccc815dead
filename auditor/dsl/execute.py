"""A compiled rule as one closure: guard, loops, lets and requires in order, then the asserts.

Each scope (an item of each loop) passes, fails with a ``Finding`` (message, severity, cited
cells, scope), or is not assessable with a reason; the rule's ``RuleOutcome`` sums them up.

An identity rule (``identity lhs == rhs``) can also be *probed*: run over a report whose cells
are symbols, it yields each instance of the identity as a linear form (``Σ coef·cell + c = 0``)
with the scope its finding would carry — what the localiser needs to say which cell is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Optional

from auditor.dsl import ast
from auditor.dsl.runtime import Context, LimitExceeded, Linear, Missing, TableRow, display
from auditor.model import Cell, CellRef, Finding, RuleInfo, RuleOutcome, Section, Span

Fn = Callable[[Context], Any]
Sink = tuple[list[Any], list[str]]  # (findings or identity instances, reasons for not assessable)
Chain = Callable[[Context, tuple, Sink, Optional[str]], None]
ScopeKey = tuple[tuple[str, str], ...]


_SMALL = {n: Fraction(n) for n in range(-16, 17)}  # Fractions are immutable: the common ones shared


def _exact(number: Any) -> Fraction:
    """An identity's coefficient or constant as a ``Fraction`` (``Linear`` keeps whole ones as ints)."""
    if type(number) is Fraction:
        return number
    shared = _SMALL.get(number)
    return shared if shared is not None else Fraction(number)


@dataclass(frozen=True)
class IdentityInstance:
    """One instance of a declared identity: ``Σ terms[cell]·cell + constant == 0`` must hold."""

    rule: str
    scope: ScopeKey  # as the finding for this instance would carry it, sorted
    terms: dict[str, Fraction]
    constant: Fraction


@dataclass(frozen=True)
class CompiledRule:
    """A rule ready to run: its metadata, its tree (for docs) and its closure; an identity rule
    also has a ``probe`` giving its instances as linear forms, and the tables it reads."""

    info: RuleInfo
    node: ast.Rule
    path: str
    run: Callable[[Context, Optional[str]], RuleOutcome]
    probe: Optional[Callable[[Context], list[IdentityInstance]]] = None
    tables: tuple[str, ...] = ()
    # A rule reading facts of the run (previous, similar_reports, deadline) runs once every
    # document is read, on signatures; ``reads`` are the cell-id prefixes it needs kept.
    cross: frozenset[str] = frozenset()  # the cross-document names it reads
    reads: tuple[str, ...] = ()

    def evaluate(self, ctx: Context, severity: Optional[str] = None) -> RuleOutcome:
        return self.run(ctx, severity)

    @property
    def is_identity(self) -> bool:
        return self.probe is not None

Sink = tuple[list[Finding], list[str]]
NO_SPAN = Span()  # immutable: one for every finding that names no place
OCR_REVIEW_BELOW = 0.9  # an OCR'd cell read less surely than this is named in the finding


def scope_value(value: Any) -> str:
    """How a loop item names its scope in a finding: a cell by id, a section by number."""
    if isinstance(value, str):  # a row or a column (an Axis), or a text
        return str(value)
    if isinstance(value, (Cell, TableRow)):
        return value.id
    if isinstance(value, Section):
        return str(value.number)
    if hasattr(value, "region_id"):
        return value.region_id
    return display(value)


def scope_key(scope: tuple) -> ScopeKey:
    """A finding's scope as a hashable, ordered key (how corrections name what they explain)."""
    return tuple(sorted((key, scope_value(value)) for key, value in scope))


# ---------------------------------------------------------------- steps


Last = Optional[tuple[Fn, Callable[..., Finding]]]  # (check, finding) of a rule's assert


class Step:
    """A clause between the guard and the asserts; ``wrap`` runs it, then ``then``. ``last`` is
    the assert when ``then`` is the assert itself, for a step that can fuse them."""

    def wrap(self, then: Chain, last: Last = None) -> Chain:
        raise NotImplementedError


@dataclass(frozen=True)
class LoopStep(Step):
    """``for var in source [where …]``: one scope per item; ``key`` names it in findings."""

    source: Fn
    where: Optional[Fn]
    slot: int
    key: str

    def wrap(self, then: Chain, last: Last = None) -> Chain:
        """With ``last`` the assert runs inside the loop body, which saves a call per item in the
        common one-loop rule."""
        source, where, slot, key = self.source, self.where, self.slot, self.key
        check, make_finding = last if last is not None else (None, None)
        cites_item = key == "cell"

        def loop(ctx: Context, scope: tuple, sink: Sink, severity: Optional[str]) -> None:
            try:
                items = source(ctx)
            except Missing as exc:
                sink[1].append(exc.reason)
                return
            found, reasons = sink
            ctx.charge(len(items))  # charged up front: the budget is checked once per loop
            variables = ctx.vars
            for item in items:
                variables[slot] = item
                if where is not None:
                    try:
                        if not where(ctx):
                            continue
                    except Missing as exc:
                        reasons.append(exc.reason)
                        continue
                # What a finding cites is what this iteration touched (its lets included).
                ctx.touched = [item] if cites_item else []
                if ctx.spans:  # only ever appended to: an empty one is as good as new
                    ctx.spans = []
                if check is None:
                    then(ctx, (*scope, (key, item)), sink, severity)
                    continue
                try:
                    ok = check(ctx)
                except Missing as exc:
                    reasons.append(exc.reason)
                    continue
                if not ok:
                    found.append(make_finding(ctx, (*scope, (key, item)), severity))
        return loop


class MissingValue:
    """What a ``let`` holds when the report lacks its ingredients: only using it makes the
    rule not assessable (a lenient function such as ``same()`` simply leaves it out)."""

    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason


@dataclass(frozen=True)
class LetStep(Step):
    """``let name = value``: computed once per scope, missing only where it is used.

    A ``lazy`` let is one only messages read, after the rule's last loop: it is computed when a
    finding is made, not for every scope that passes (``force_lets``); ``first`` marks the first
    such let of the rule, which starts the scope's list of them."""

    value: Fn
    slot: int
    name: str
    lazy: bool = False
    first: bool = False

    def wrap(self, then: Chain, last: Last = None) -> Chain:
        value, slot = self.value, self.slot
        if self.lazy:
            first = self.first

            def lazy_let(ctx: Context, scope: tuple, sink: Sink, severity: Optional[str]) -> None:
                # Where its cells and spans would have gone, had it been computed here.
                entry = (slot, value, len(ctx.touched), len(ctx.spans))
                if first:
                    ctx.pending = [entry]
                else:
                    ctx.pending.append(entry)
                ctx.vars[slot] = None
                then(ctx, scope, sink, severity)
            return lazy_let

        def let(ctx: Context, scope: tuple, sink: Sink, severity: Optional[str]) -> None:
            try:
                ctx.vars[slot] = value(ctx)
            except Missing as exc:
                ctx.vars[slot] = MissingValue(exc.reason)
            then(ctx, scope, sink, severity)
        return let


def force_lets(ctx: Context) -> None:
    """Compute the scope's lazy lets, in the order written, and put the cells they read and the
    spans they name where computing them in their place would have put them: the finding cites
    the same cells, in the same order, as if they had never waited."""
    touched, spans = ctx.touched, ctx.spans
    made = []
    try:
        for slot, value, at_cell, at_span in ctx.pending:
            ctx.touched, ctx.spans = [], []
            try:
                ctx.vars[slot] = value(ctx)
            except Missing as exc:
                ctx.vars[slot] = MissingValue(exc.reason)
            made.append((at_cell, ctx.touched, at_span, ctx.spans))
    finally:
        ctx.touched, ctx.spans = touched, spans
        ctx.pending = []
    for at_cell, cells, at_span, named in reversed(made):  # later positions first: earlier ones stay put
        touched[at_cell:at_cell] = cells
        spans[at_span:at_span] = named


@dataclass(frozen=True)
class RequireStep(Step):
    """``require cond else "reason"``: this scope is not assessable when the condition fails."""

    condition: Fn
    reason: str

    def wrap(self, then: Chain, last: Last = None) -> Chain:
        """With ``last`` the assert runs here (a call saved per scope, as in ``LoopStep``)."""
        condition, reason = self.condition, self.reason
        if last is not None:
            check, make_finding = last

            def require_then_assert(ctx: Context, scope: tuple, sink: Sink, severity: Optional[str]) -> None:
                try:
                    ok = condition(ctx)
                except Missing as exc:
                    sink[1].append(exc.reason)
                    return
                if not ok:
                    sink[1].append(reason)
                    return
                try:
                    ok = check(ctx)
                except Missing as exc:
                    sink[1].append(exc.reason)
                    return
                if not ok:
                    sink[0].append(make_finding(ctx, scope, severity))
            return require_then_assert

        def require(ctx: Context, scope: tuple, sink: Sink, severity: Optional[str]) -> None:
            try:
                ok = condition(ctx)
            except Missing as exc:
                sink[1].append(exc.reason)
                return
            if not ok:
                sink[1].append(reason)
                return
            then(ctx, scope, sink, severity)
        return require


@dataclass(frozen=True)
class IdentitySpec:
    """What an ``identity`` clause adds to a rule: its two sides and the tables it reads."""

    left: Fn
    right: Fn
    tables: tuple[str, ...]


def _chain(steps: list[Step], final: Chain, last: Last = None) -> Chain:
    chain = final
    for step in reversed(steps):
        chain = step.wrap(chain, last if chain is final else None)
    return chain


# ---------------------------------------------------------------- the rule


def make_runner(info: RuleInfo, guards: list[Fn], steps: list[Step], check: Fn,
                messages: list[tuple[Optional[Fn], Callable[[Context], str]]],
                severity_rules: list[tuple[Fn, str]], nslots: int, identity: Optional[IdentitySpec] = None,
                cross: frozenset[str] = frozenset()
                ) -> tuple[Callable[[Context, Optional[str]], RuleOutcome], Optional[Callable[[Context], list]]]:
    """The rule as one closure (guard, steps, asserts, findings) and, for an identity rule, its
    probe. A rule reading ``previous`` is skipped, with the reason, where there is none; one
    reading ``similar_reports`` where nothing was compared."""
    from auditor.dsl.crossfacts import NO_PREVIOUS, NOTHING_COMPARED

    def skip_reason(ctx: Context) -> Optional[str]:
        facts = ctx.facts
        if "previous" in cross and (facts is None or facts.previous is None):
            return facts.no_previous if facts is not None else NO_PREVIOUS
        if "similar_reports" in cross and (facts is None or not facts.compared):
            return facts.not_compared if facts is not None else NOTHING_COMPARED
        return None

    def finding(ctx: Context, scope: tuple, severity: Optional[str]) -> Finding:
        if ctx.pending:
            force_lets(ctx)
        seen: dict[str, Cell] = {}
        for cell in ctx.touched:
            seen.setdefault(cell.id, cell)
        level = severity
        if level is None:
            level = info.severity
            for condition, alternative in severity_rules:
                try:
                    if condition(ctx):
                        level = alternative
                        break
                except Missing:
                    continue
        text = ""
        for condition, render in messages:
            try:
                if condition is None or condition(ctx):
                    text = render(ctx)
                    break
            except Missing:
                continue
        unsure = [c.id for c in seen.values() if c.origin == "ocr" and (c.confidence or 0.0) < OCR_REVIEW_BELOW]
        if unsure:
            text += f"（{'、'.join(unsure)}：该单元格为图像识别结果，请核对原件）"
        cells = tuple(CellRef(c.id, c.value if c.state == "number" else None, c.raw, c.span) for c in seen.values())
        spans = ctx.spans
        return Finding(rule=info.id, severity=level, message=text, scope={k: scope_value(v) for k, v in scope},
                       cells=cells,  # type: ignore[arg-type]
                       span=spans[0] if spans else NO_SPAN)

    def final(ctx: Context, scope: tuple, sink: Sink, severity: Optional[str]) -> None:
        try:
            ok = check(ctx)
        except Missing as exc:
            sink[1].append(exc.reason)
            return
        if not ok:
            sink[0].append(finding(ctx, scope, severity))

    chain = _chain(steps, final, (check, finding))
    tables = identity.tables if identity is not None else ()

    def blank_table(ctx: Context) -> Optional[str]:
        """An identity over a table printed wholly blank is not assessable (not a pass on zeros)."""
        for table in tables:
            extent = ctx.blank_table(table)
            if extent is not None:
                return extent
        return None

    # Outcomes are immutable: a rule's pass and its "condition does not apply" are built once per
    # severity and shared by every report (most rules pass on most reports).
    shared: dict[Optional[str], tuple[RuleInfo, RuleOutcome, RuleOutcome]] = {}

    def outcomes_for(severity: Optional[str]) -> tuple[RuleInfo, RuleOutcome, RuleOutcome]:
        rule = info if severity is None else RuleInfo(info.id, info.title, severity, info.pack,  # type: ignore[arg-type]
                                                      info.description, info.version)
        if len(shared) > 16:  # severities are three words: this never grows
            shared.clear()
        made = shared[severity] = (rule, RuleOutcome(rule, "pass"), RuleOutcome(rule, "skipped", reason="条件不适用"))
        return made

    def run(ctx: Context, severity: Optional[str] = None) -> RuleOutcome:
        rule, passed, not_applicable = shared.get(severity) or outcomes_for(severity)
        ctx.start_rule(nslots)
        try:
            skip = skip_reason(ctx) if cross else None
            if skip is not None:
                return RuleOutcome(rule, "skipped", reason=skip)
            for guard in guards:
                if not guard(ctx):
                    return not_applicable
            blank = blank_table(ctx) if tables else None
            if blank is not None:
                return RuleOutcome(rule, "not_assessable", reason=blank)
            sink: Sink = ([], [])
            chain(ctx, (), sink, severity)
        except Missing as exc:
            return RuleOutcome(rule, "not_assessable", reason=exc.reason)
        except LimitExceeded as exc:
            return RuleOutcome(rule, "not_assessable", reason=str(exc))
        except (ArithmeticError, ValueError) as exc:  # e.g. a float overflow on absurd figures
            return RuleOutcome(rule, "not_assessable", reason=f"无法计算：{exc}")
        findings, reasons = sink
        reason = "；".join(dict.fromkeys(reasons)) if reasons else ""
        if findings:
            return RuleOutcome(rule, "fail", tuple(findings), reason=reason)
        if reasons:
            return RuleOutcome(rule, "not_assessable", reason=reason)
        return passed

    if identity is None:
        return run, None
    left, right = identity.left, identity.right

    def record(ctx: Context, scope: tuple, sink: Sink, severity: Optional[str]) -> None:
        try:
            form = Linear.of(left(ctx)) - Linear.of(right(ctx))
        except Missing:
            return
        small = _SMALL  # the common coefficients (±1) shared; Linear never keeps a zero one
        terms = {cell: small.get(coef) or _exact(coef) for cell, coef in form.terms.items()}
        constant = _exact(form.constant)
        sink[0].append(IdentityInstance(info.id, scope_key(scope), terms, constant))

    probe_chain = _chain(steps, record)

    def probe(ctx: Context) -> list[IdentityInstance]:
        """Every instance of the identity on ``ctx`` (a context over symbolic cells)."""
        ctx.start_rule(nslots)
        sink: Sink = ([], [])
        try:
            if not all(guard(ctx) for guard in guards) or blank_table(ctx) is not None:
                return []
            probe_chain(ctx, (), sink, None)
        except (Missing, LimitExceeded, ArithmeticError, ValueError):
            return []
        return sink[0]
    return run, probe
