"""``auditor rules list|check|doc|test`` and ``auditor check``: rule packs from the command line.

Rule files are always compiled before any report is read, so a bad rule file stops the run
with exit code 2 and a compiler-style message, whatever else was asked.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

import click

SEVERITY_WORDS = {"error": "错误", "warning": "警告", "info": "提示"}
SHOWN_PER_RULE = 5


def _echo(text: str, *, err: bool = False, nl: bool = True) -> None:
    """``click.echo`` of text holding outside words (rule titles, file names, findings quoting a
    report), with line feeds kept and every other control character shown, not sent."""
    from auditor.reporters.escape import terminal

    click.echo(terminal(text, lines=True), err=err, nl=nl)


def _load(paths: Sequence[str], standard: bool = True, select: Sequence[str] = (), ignore: Sequence[str] = ()):
    """Compile rules or exit 2 with every diagnostic on stderr."""
    from auditor.engine import RuleFileError, load_rules

    try:
        return load_rules(paths, standard=standard, select=select, ignore=ignore)
    except RuleFileError as exc:
        _echo(exc.render(), err=True)
        sys.exit(2)


_paths_argument = click.argument("paths", nargs=-1, type=click.Path())
_no_standard = click.option("--no-standard", is_flag=True, help="Leave out the standard packs.")


@click.group("rules")
def rules() -> None:
    """Inspect, check, document and test rule packs."""


@rules.command("list")
@_paths_argument
@_no_standard
@click.option("--select", multiple=True, help="Rule ids or prefixes (T3-, META) to keep.")
@click.option("--ignore", multiple=True, help="Rule ids or prefixes to leave out.")
def list_rules(paths: tuple[str, ...], no_standard: bool, select: tuple[str, ...], ignore: tuple[str, ...]) -> None:
    """List rules: id, severity, title and pack (standard packs plus PATHS)."""
    ruleset = _load(paths, not no_standard, select, ignore)
    width = max((len(r.id) for r in ruleset.rules), default=10)
    for info in ruleset.rules:
        _echo(f"{info.id:<{width}}  {info.severity:<7}  {info.title}  [{info.pack}]")


@rules.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path())
def check_rules(files: tuple[str, ...]) -> None:
    """Compile rule FILES (with the standard packs, to catch clashing ids); exit 2 on any error."""
    from auditor.engine import RuleFileError, load_rules, rule_files

    failed = False
    for name in files:
        try:
            ruleset = load_rules([name])
        except RuleFileError as exc:
            failed = True
            _echo(exc.render(), err=True)
            continue
        own = {str(Path(f).resolve()) for f in rule_files(name)}
        count = sum(1 for c in ruleset.compiled if str(Path(c.path).resolve()) in own)
        _echo(f"{name}: ok ({count} rule{'s' if count != 1 else ''})")
    if failed:
        sys.exit(2)


@rules.command("doc")
@_paths_argument
@_no_standard
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to a file instead of stdout.")
def doc_rules(paths: tuple[str, ...], no_standard: bool, output: Optional[str]) -> None:
    """Markdown documentation generated from the rules and their test cases."""
    from auditor.commands.ruledocs import render_docs

    ruleset = _load(paths, not no_standard)
    text = render_docs(ruleset)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        _echo(f"wrote {output}", err=True)
    else:
        _echo(text, nl=False)


@rules.command("test")
@_paths_argument
@click.option("-v", "--verbose", is_flag=True, help="Show passing cases too.")
def test_rules(paths: tuple[str, ...], verbose: bool) -> None:
    """Run the test cases of rule packs (default: the standard packs); exit 1 if one fails."""
    from auditor.commands.ruledocs import run_pack_cases
    from auditor.dsl.cases import CaseFileError
    from auditor.engine import rule_files, standard_rules_dir

    targets = [Path(p) for p in paths] or [standard_rules_dir()]
    files = [f for t in targets for f in rule_files(t)]
    for target in targets:
        if not target.exists():
            _echo(f"{target}: error: no such rule file or folder", err=True)
            sys.exit(2)
    ran = failed = 0
    for rule_file in files:
        ruleset = _load([str(rule_file)], standard=False)
        try:
            results, untested = run_pack_cases(rule_file, ruleset)
        except CaseFileError as exc:
            _echo(f"error: {exc}", err=True)
            sys.exit(2)
        for result in results:
            ran += 1
            if result.ok:
                if verbose:
                    _echo(f"PASS {rule_file.name}: {result.case.name}")
                continue
            failed += 1
            _echo(f"FAIL {rule_file.name}: {result.case.name}")
            for problem in result.problems:
                _echo(f"     {problem}")
        for rule_id, missing in untested.items():
            _echo(f"warning: {rule_file.name}: {rule_id} has no {' and no '.join(missing)} case", err=True)
    _echo(f"{ran} case{'s' if ran != 1 else ''}, {failed} failed")
    if failed:
        sys.exit(1)


@click.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--rules", "rule_paths", multiple=True, type=click.Path(), help="Extra rule files or folders.")
@_no_standard
@click.option("--select", multiple=True, help="Rule ids or prefixes (T3-, META) to run.")
@click.option("--ignore", multiple=True, help="Rule ids or prefixes to leave out.")
@click.option("-v", "--verbose", is_flag=True, help="Also say which rules could not be assessed, and why.")
@click.option("--all", "show_all", is_flag=True, help=f"Show every finding (default: {SHOWN_PER_RULE} per rule "
              "and document, then a count).")
def check(files: tuple[str, ...], rule_paths: tuple[str, ...], no_standard: bool, select: tuple[str, ...],
          ignore: tuple[str, ...], verbose: bool, show_all: bool) -> None:
    """What the rule packs find in FILES (exit 1 if any error-severity finding)."""
    from auditor.model import AdapterError
    from auditor.reading import load_reports

    ruleset = _load(rule_paths, not no_standard, select, ignore)  # before any report is read
    errors = warnings = documents = 0
    unreadable = False
    for path in files:
        try:
            reports = load_reports(path)
        except AdapterError as exc:
            unreadable = True
            _echo(f"{path}: 无法读取：{exc}", err=True)
            continue
        for report in reports:
            documents += 1
            outcomes = ruleset.evaluate(report)
            _echo(_heading(path, report))
            if report.kind == "other":
                _echo("  不是年度报告，未检查")
                continue
            shown = False
            for outcome in outcomes:
                for number, finding in enumerate(outcome.findings):
                    shown = True
                    errors += finding.severity == "error"
                    warnings += finding.severity == "warning"
                    if number < SHOWN_PER_RULE or show_all:
                        line = f"（第{finding.line}行）" if finding.line else ""
                        _echo(f"  {SEVERITY_WORDS[finding.severity]} {finding.rule}  {finding.message}{line}")
                hidden = len(outcome.findings) - SHOWN_PER_RULE
                if hidden > 0 and not show_all:
                    _echo(f"  …… {outcome.rule.id} 另有{hidden}条（--all 显示全部）")
                if verbose and outcome.status == "not_assessable":
                    _echo(f"  无法评估 {outcome.rule.id}  {outcome.reason}")
            if not shown:
                _echo("  未发现问题")
    _echo(f"共{documents}份文档：错误{errors}条，警告{warnings}条")
    if errors or unreadable:
        sys.exit(1)


def _heading(path: str, report) -> str:
    title = report.title or report.agency or "（无标题）"
    facts = [f"{report.year}年度" if report.year else "年度不明"]
    if report.format:
        facts.append("旧式报告" if report.format == "legacy" else f"{report.format}年版格式")
    return f"{path}#{report.source.index} {title}（{'，'.join(facts)}）"
