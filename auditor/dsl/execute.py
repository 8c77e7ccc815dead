"""A compiled rule as one closure: guard, loops, lets and requires in order, then the asserts.

Each scope (an item of each loop) passes, fails with a ``Finding`` (message, severity, cited
cells, scope), or is not assessable with a reason; the rule's ``RuleOutcome`` sums them up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

from auditor.dsl import ast
from auditor.dsl.runtime import MAX_STEPS, Context, LimitExceeded, Missing, TableRow, display
from auditor.model import Cell, CellRef, Finding, RuleInfo, RuleOutcome, Section, Span

Fn = Callable[[Context], Any]


@dataclass(frozen=True)
class CompiledRule:
    """A rule ready to run: its metadata, its tree (for docs) and its closure."""

    info: RuleInfo
    node: ast.Rule
    path: str
    run: Callable[[Context, Optional[str]], RuleOutcome]

    def evaluate(self, ctx: Context, severity: Optional[str] = None) -> RuleOutcome:
        return self.run(ctx, severity)


Sink = tuple[list[Finding], list[str]]
OCR_REVIEW_BELOW = 0.9  # an OCR'd cell read less surely than this is named in the finding


def scope_value(value: Any) -> str:
    """How a loop item names its scope in a finding: a cell by id, a section by number."""
    if isinstance(value, Cell):
        return value.id
    if isinstance(value, Section):
        return str(value.number)
    if isinstance(value, TableRow):
        return value.id
    return display(value)


def make_runner(info: RuleInfo, guards: list[Fn], steps: list[tuple[str, Any, Optional[Fn], int, str]],
                 check: Fn, messages: list[tuple[Optional[Fn], Callable[[Context], str]]],
                 severity_rules: list[tuple[Fn, str]], nslots: int
                 ) -> Callable[[Context, Optional[str]], RuleOutcome]:
    """The rule as one closure: guard, loops and lets in order, asserts, findings."""

    def finding(ctx: Context, scope: tuple[tuple[str, str], ...], severity: Optional[str]) -> Finding:
        touched = ctx.touched
        spans = ctx.spans
        seen: dict[str, Cell] = {}
        for cell in touched:
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
        return Finding(rule=info.id, severity=level, message=text, scope={k: scope_value(v) for k, v in scope},
                       cells=cells,  # type: ignore[arg-type]
                       span=spans[0] if spans else Span())

    def final(ctx: Context, scope: tuple, sink: Sink, severity: Optional[str]) -> None:
        try:
            ok = check(ctx)
        except Missing as exc:
            sink[1].append(exc.reason)
            return
        if not ok:
            sink[0].append(finding(ctx, scope, severity))

    chain: Callable[[Context, tuple, Sink, Optional[str]], None] = final
    for kind, source, where, slot, key in reversed(steps):
        if kind == "loop":
            chain = _loop_step(source, where, slot, key, chain, (check, finding) if chain is final else None)
        elif kind == "let":
            chain = _let_step(source, slot, chain)
        else:
            chain = _require_step(source, key, chain)

    def run(ctx: Context, severity: Optional[str] = None) -> RuleOutcome:
        rule = info if severity is None else RuleInfo(info.id, info.title, severity, info.pack,  # type: ignore[arg-type]
                                                      info.description, info.version)
        ctx.vars = [None] * nslots
        ctx.steps = 0
        ctx.touched = []
        ctx.spans = []
        try:
            for guard in guards:
                if not guard(ctx):
                    return RuleOutcome(rule, "skipped", reason="条件不适用")
            sink: Sink = ([], [])
            chain(ctx, (), sink, severity)
        except Missing as exc:
            return RuleOutcome(rule, "not_assessable", reason=exc.reason)
        except LimitExceeded as exc:
            return RuleOutcome(rule, "not_assessable", reason=str(exc))
        except (ArithmeticError, ValueError) as exc:  # e.g. a float overflow on absurd figures
            return RuleOutcome(rule, "not_assessable", reason=f"无法计算：{exc}")
        findings, reasons = sink
        reason = "；".join(dict.fromkeys(reasons))
        if findings:
            return RuleOutcome(rule, "fail", tuple(findings), reason=reason)
        if reasons:
            return RuleOutcome(rule, "not_assessable", reason=reason)
        return RuleOutcome(rule, "pass")
    return run


def _loop_step(source: Fn, where: Optional[Fn], slot: int, key: str,
               then: Callable[[Context, tuple, Sink, Optional[str]], None],
               last: Optional[tuple[Fn, Callable[..., Finding]]] = None
               ) -> Callable[[Context, tuple, Sink, Optional[str]], None]:
    """Go through a list; ``last`` (check, finding) fuses the assert into the loop body, which
    saves a call per item in the common one-loop rule."""
    check, make_finding = last if last is not None else (None, None)
    cites_item = key == "cell"

    def loop(ctx: Context, scope: tuple, sink: Sink, severity: Optional[str]) -> None:
        try:
            items = source(ctx)
        except Missing as exc:
            sink[1].append(exc.reason)
            return
        found, reasons = sink
        ctx.steps += len(items)  # charged up front: the budget is checked once per loop
        if ctx.steps > MAX_STEPS:
            ctx.tick()
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


def _let_step(source: Fn, slot: int, then: Callable[[Context, tuple, Sink, Optional[str]], None]
              ) -> Callable[[Context, tuple, Sink, Optional[str]], None]:
    def let(ctx: Context, scope: tuple, sink: Sink, severity: Optional[str]) -> None:
        try:
            ctx.vars[slot] = source(ctx)
        except Missing as exc:
            ctx.vars[slot] = MissingValue(exc.reason)
        then(ctx, scope, sink, severity)
    return let


def _require_step(condition: Fn, reason: str, then: Callable[[Context, tuple, Sink, Optional[str]], None]
                  ) -> Callable[[Context, tuple, Sink, Optional[str]], None]:
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
