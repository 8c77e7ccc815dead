"""Load rule packs and run them over reports: the API the audit command and plugins build on.

``load_rules`` finds the standard packs, plugin packs and the caller's files, parses them
(through an in-process cache and ``auditor.rulecache``, an on-disk cache of syntax trees), compiles
them to closures and returns a ``RuleSet``; ``RuleSet.evaluate`` gives one outcome per rule,
and ``RuleSet.localize`` — when declared identities failed — the corrections that say which cell
most likely holds the slip. Any problem with a rule file, or with a selection, is a
``RuleFileError`` raised before any report is read.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional, Union

from auditor.dsl import ast
from auditor.dsl.compiler import CompiledRule, RuleCompiler
from auditor.dsl.crossfacts import RunFacts
from auditor.dsl.errors import Diagnostic, RuleFileError, did_you_mean
from auditor.dsl.runtime import Context, symbolic_cells
from auditor.model import SEVERITIES, Correction, PackInfo, Report, RuleInfo, RuleOutcome
from auditor.rulecache import parse_cached  # the on-disk tree cache (JSON, never pickle)

__all__ = ["LoadedPack", "RuleFileError", "RuleSet", "load_rules", "rule_files", "standard_rules_dir"]

RULE_SUFFIX = ".rules"
# The stand-in outcome of a rule over several documents until the batch evaluates it.
DEFERRED = "跨文档规则，待全部文档读取后评估"
PathLike = Union[str, Path]


# ---------------------------------------------------------------- the rule set


@dataclass(frozen=True)
class LoadedPack:
    """One compiled rule file."""

    info: PackInfo
    path: Path
    tree: ast.RuleFile
    rules: tuple[CompiledRule, ...]
    description: str = ""


class RuleSet:
    """Compiled rules, ready to evaluate any number of reports (compile once, run many)."""

    def __init__(self, compiled: Sequence[CompiledRule], packs: Sequence[LoadedPack],
                 severity_overrides: Optional[Mapping[str, str]] = None):
        self._overrides = dict(severity_overrides or {})
        self.compiled: tuple[CompiledRule, ...] = tuple(compiled)
        self.loaded_packs: tuple[LoadedPack, ...] = tuple(packs)
        self.rules: tuple[RuleInfo, ...] = tuple(
            dataclasses.replace(c.info, severity=self._overrides[c.info.id]) if c.info.id in self._overrides
            else c.info for c in self.compiled)
        self.packs: tuple[PackInfo, ...] = tuple(p.info for p in packs)
        self._plan = tuple((c, self._overrides.get(c.info.id)) for c in self.compiled)
        # (closure, severity, the stand-in outcome while a batch defers a cross-document rule)
        self._deferred = tuple((c.run, severity, RuleOutcome(info, "skipped", reason=DEFERRED) if c.cross else None)
                               for (c, severity), info in zip(self._plan, self.rules))
        # Rules over several documents (previous, similar_reports, deadline): see auditor.crossdoc.
        self.cross_names: frozenset[str] = frozenset(n for c in self.compiled for n in c.cross)
        self.signature_reads: tuple[str, ...] = tuple(sorted({p for c in self.compiled for p in c.reads}))

    def __len__(self) -> int:
        return len(self.compiled)

    @property
    def has_cross(self) -> bool:
        return bool(self.cross_names)

    def evaluate(self, report: Report, facts: Optional[RunFacts] = None, *,
                 defer: bool = False) -> tuple[RuleOutcome, ...]:
        """One outcome per rule, in rule order. Documents that are not reports run nothing.

        ``facts`` are what the run knows beyond this document (the previous year, similar
        reports, local deadlines); without them a rule reading ``previous`` is skipped. ``defer``
        (in a batch) leaves the rules over several documents to ``evaluate_cross``, which the
        batch runs once every document is read: their outcome here is a ``skipped`` stand-in."""
        if report.kind == "other":
            return tuple(RuleOutcome(info, "skipped", reason="不是政府信息公开工作年度报告") for info in self.rules)
        ctx = Context(report, facts=facts)
        if defer:
            return tuple([run(ctx, severity) if stand_in is None else stand_in
                          for run, severity, stand_in in self._deferred])
        return tuple([run(ctx, severity) for run, severity, _ in self._deferred])

    def evaluate_cross(self, report: Report, facts: RunFacts) -> dict[str, RuleOutcome]:
        """The outcomes of the rules over several documents, by rule id."""
        ctx = Context(report, facts=facts)
        return {rule.info.id: rule.evaluate(ctx, severity) for rule, severity in self._plan if rule.cross}

    def localize(self, report: Report, outcomes: Sequence[RuleOutcome]) -> tuple[Correction, ...]:
        """Which cells most likely hold the slip, when identity rules failed: the identities every
        selected ``identity`` rule declares (standard and custom), probed over symbolic cells, go
        to the localiser (``auditor.localize``)."""
        failed = {o.rule.id for o in outcomes if o.status == "fail"}
        identity_rules = [rule for rule in self.compiled if rule.is_identity]
        if not any(rule.info.id in failed for rule in identity_rules):
            return ()
        from auditor.localize import Identity, localize

        ctx = Context(report, symbolic_cells(report))
        identities = [Identity(i.rule, i.scope, i.terms, i.constant)
                      for rule in identity_rules for i in rule.probe(ctx)]  # type: ignore[misc]
        return tuple(localize(identities, report.cells, report.format or ""))

    def rule(self, rule_id: str) -> CompiledRule:
        for compiled in self.compiled:
            if compiled.info.id == rule_id:
                return compiled
        raise KeyError(rule_id)


# ---------------------------------------------------------------- loading


def standard_rules_dir() -> Path:
    from auditor.resources import data_path

    return data_path("rules")


def rule_files(path: PathLike) -> list[Path]:
    """``path`` itself if it is a file, else every ``*.rules`` below it, in a stable order."""
    p = Path(path)
    if p.is_dir():
        return sorted(f for f in p.rglob(f"*{RULE_SUFFIX}") if f.is_file())
    return [p]


def load_rules(paths: Sequence[PathLike] = (), *, standard: bool = True,
               select: Sequence[str] = (), ignore: Sequence[str] = (),
               severity_overrides: Optional[Mapping[str, str]] = None) -> RuleSet:
    """Standard packs (unless ``standard=False``), plugin packs, then ``paths``.

    ``select``/``ignore`` take rule ids or prefixes (``T3-``, ``META``); ignoring wins.
    """
    sources: list[Path] = []
    if standard:
        sources += rule_files(standard_rules_dir())
        sources += [f for extra in _plugin_rule_paths() for f in rule_files(extra)]
    diagnostics: list[Diagnostic] = []
    for path in paths:
        if not Path(path).exists():
            diagnostics.append(Diagnostic(str(path), 0, 0, "no such rule file or folder"))
            continue
        sources += rule_files(path)
    packs = _load_files(sources, diagnostics)
    if diagnostics:
        raise RuleFileError(diagnostics)

    compiled = _check_unique([r for p in packs for r in p.rules])
    every = [c.info.id for c in compiled]
    problems: list[Diagnostic] = []
    for option, selectors in (("select", select), ("ignore", ignore)):
        for selector in selectors:
            if not any(_selects(selector, rid) for rid in every):
                problems.append(Diagnostic(f"--{option}", 0, 0, f"no rule matches '{selector}'"
                                           + did_you_mean(selector, every)))
    for rid, level in (severity_overrides or {}).items():
        if rid not in every:
            problems.append(Diagnostic("severity", 0, 0, f"unknown rule '{rid}'" + did_you_mean(rid, every)))
        elif level not in SEVERITIES:
            problems.append(Diagnostic("severity", 0, 0, f"unknown severity '{level}' for {rid}; "
                                       "expected error, warning or info"))
    if problems:
        raise RuleFileError(problems)
    chosen = [c for c in compiled
              if (not select or any(_selects(s, c.info.id) for s in select))
              and not any(_selects(s, c.info.id) for s in ignore)]
    return RuleSet(chosen, packs, severity_overrides)


def _selects(selector: str, rule_id: str) -> bool:
    """``T3-BALANCE`` selects itself; ``T3-`` and ``T3`` select every ``T3-…`` rule."""
    if selector == rule_id:
        return True
    prefix = selector if selector.endswith("-") else selector + "-"
    return rule_id.startswith(prefix)


def _plugin_rule_paths() -> list[Path]:
    from auditor import plugins

    return [Path(loaded.obj) for loaded in plugins.rule_paths()]


def _check_unique(rules: list[CompiledRule]) -> list[CompiledRule]:
    first: dict[str, CompiledRule] = {}
    problems: list[Diagnostic] = []
    for rule in rules:
        if rule.info.id in first:
            other = first[rule.info.id]
            pos = rule.node.id_pos
            line = rule.node.source.splitlines()[0] if rule.node.source else ""
            problems.append(Diagnostic(rule.path, pos.line, pos.column,
                                       f"duplicate rule id '{rule.info.id}' (also defined in "
                                       f"{other.path}:{other.node.pos.line})", line if pos.line == rule.node.pos.line
                                       else "", len(rule.info.id)))
            continue
        first[rule.info.id] = rule
    if problems:
        raise RuleFileError(problems)
    return list(first.values())


def _load_files(files: Iterable[Path], diagnostics: list[Diagnostic]) -> list[LoadedPack]:
    """Each file once, followed by its includes (which stay inside the including folder)."""
    packs: list[LoadedPack] = []
    seen: set[Path] = set()
    queue: list[tuple[Path, Optional[str]]] = [(f, None) for f in files]
    while queue:
        path, inherited = queue.pop(0)
        resolved = path.resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        try:
            text = _read(path)
            pack = load_pack(path, text, inherited, disk_cache=True)
        except RuleFileError as exc:
            diagnostics.extend(exc.diagnostics)
            continue
        packs.append(pack)
        for include in pack.tree.includes:
            target = _resolve_include(path, include, text, diagnostics)
            if target is not None:
                queue.append((target, pack.info.name))
    return packs


MAX_RULE_FILE_BYTES = 4 * 1024 * 1024  # the parser's 1,000,000-character limit in UTF-8, and a margin


def _read(path: Path) -> str:
    """A rule file's text: regular files only (a FIFO would block and ``/dev/zero`` never end),
    at most ``MAX_RULE_FILE_BYTES``."""
    import os
    import stat

    def refuse(message: str) -> RuleFileError:
        return RuleFileError([Diagnostic(str(path), 0, 0, message)])

    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise refuse("not a regular file (a folder, FIFO or device): not read as a rule file")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # swapped between the two looks
                raise refuse("not a regular file: not read as a rule file")
            data = handle.read(MAX_RULE_FILE_BYTES + 1)
    except OSError as exc:
        raise refuse(f"cannot read rule file: {exc.strerror or exc}") from None
    if len(data) > MAX_RULE_FILE_BYTES:
        raise refuse(f"rule file is larger than {MAX_RULE_FILE_BYTES // 2**20} MiB")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RuleFileError([Diagnostic(str(path), line, 0, "rule files must be UTF-8")]) from None


def _resolve_include(path: Path, include: ast.Include, text: str, diagnostics: list[Diagnostic]) -> Optional[Path]:
    from auditor.dsl.errors import diagnostic

    base = path.parent.resolve()
    target = (base / include.path).resolve()
    pos = include.pos
    if Path(include.path).is_absolute() or base not in (target, *target.parents):
        diagnostics.append(diagnostic(str(path), text, pos.line, pos.column,
                                      "include must name a file in this folder or below it"))
        return None
    if target.suffix != RULE_SUFFIX or not target.is_file():
        siblings = [str(f.relative_to(base)) for f in base.rglob(f"*{RULE_SUFFIX}")]
        diagnostics.append(diagnostic(str(path), text, pos.line, pos.column,
                                      f"included file '{include.path}' not found"
                                      + did_you_mean(include.path, siblings)))
        return None
    return target


def load_pack(path: PathLike, text: str, inherited_name: Optional[str] = None, *,
              disk_cache: bool = False) -> LoadedPack:
    """Compile one rule file's text (memoised in-process; ``disk_cache`` also keeps its syntax
    tree on disk — used for files, not for texts built on the fly)."""
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return _compile_cached(str(path), digest, text, inherited_name, disk_cache)


@lru_cache(maxsize=128)
def _compile_cached(path: str, digest: str, text: str, inherited_name: Optional[str],
                    disk_cache: bool) -> LoadedPack:
    if disk_cache:
        tree = parse_cached(path, text, digest)
    else:
        from auditor.dsl.parser import parse

        tree = parse(text, path)
    header = tree.header
    name = header.name if header else (inherited_name or Path(path).stem)
    compiler = RuleCompiler(path, text, name)
    rules = compiler.compile_rules(tree.rules)
    compiler.raise_errors()
    info = PackInfo(name=name, version=header.version if header else 1, path=path, sha256=digest,
                    rules=tuple(r.info.id for r in rules))
    return LoadedPack(info, Path(path), tree, tuple(rules), header.description if header else "")


def clear_memory_cache() -> None:
    """Forget compiled packs (tests and benchmarks measuring cold starts)."""
    _compile_cached.cache_clear()
