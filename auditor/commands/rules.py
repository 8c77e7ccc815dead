"""``auditor rules list|check|doc|test`` and ``auditor explain RULE``: rule packs from the command line.

Rule files are always compiled before any report is read, so a bad rule file stops the run
with exit code 2 and a compiler-style message, whatever else was asked.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

import click

from auditor.commands.base import Command, Group
from auditor.i18n import t


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
_no_standard = click.option("--no-standard", is_flag=True, help="rules.opt.no_standard")


@click.group("rules", cls=Group, help="rules.help")
def rules() -> None:
    """Inspect, check, document and test rule packs."""


@rules.command("list", cls=Command, help="rules.list.help")
@_paths_argument
@_no_standard
@click.option("--select", multiple=True, help="rules.opt.select")
@click.option("--ignore", multiple=True, help="rules.opt.ignore")
def list_rules(paths: tuple[str, ...], no_standard: bool, select: tuple[str, ...], ignore: tuple[str, ...]) -> None:
    """List rules: id, severity, title and pack (standard packs plus PATHS)."""
    ruleset = _load(paths, not no_standard, select, ignore)
    width = max((len(r.id) for r in ruleset.rules), default=10)
    for info in ruleset.rules:
        _echo(f"{info.id:<{width}}  {info.severity:<7}  {info.title}  [{info.pack}]")


@rules.command("check", cls=Command, help="rules.check.help")
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
        _echo(t("rules.check.ok", name=name, count=count))
    if failed:
        sys.exit(2)


@rules.command("doc", cls=Command, help="rules.doc.help")
@_paths_argument
@_no_standard
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="rules.doc.opt.output")
def doc_rules(paths: tuple[str, ...], no_standard: bool, output: Optional[str]) -> None:
    """Markdown documentation generated from the rules and their test cases."""
    from auditor.commands.ruledocs import render_docs

    ruleset = _load(paths, not no_standard)
    text = render_docs(ruleset)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        _echo(t("rules.doc.wrote", path=output), err=True)
    else:
        _echo(text, nl=False)


@rules.command("test", cls=Command, help="rules.test.help")
@_paths_argument
@click.option("-v", "--verbose", is_flag=True, help="rules.test.opt.verbose")
def test_rules(paths: tuple[str, ...], verbose: bool) -> None:
    """Run the test cases of rule packs (default: the standard packs); exit 1 if one fails."""
    from auditor.commands.ruledocs import run_pack_cases
    from auditor.dsl.cases import CaseFileError
    from auditor.engine import rule_files, standard_rules_dir

    targets = [Path(p) for p in paths] or [standard_rules_dir()]
    for target in targets:
        if not target.exists():
            _echo(f"{target}: {t('cli.error')}: {t('rules.no_such_file')}", err=True)
            sys.exit(2)
    files = [f for target in targets for f in rule_files(target)]
    ran = failed = 0
    for rule_file in files:
        ruleset = _load([str(rule_file)], standard=False)
        try:
            results, untested = run_pack_cases(rule_file, ruleset)
        except CaseFileError as exc:
            _echo(f"{t('cli.error')}: {exc}", err=True)
            sys.exit(2)
        for result in results:
            ran += 1
            if result.ok:
                if verbose:
                    _echo(t("rules.test.pass", file=rule_file.name, case=result.case.name))
                continue
            failed += 1
            _echo(t("rules.test.fail", file=rule_file.name, case=result.case.name))
            for problem in result.problems:
                _echo(f"     {problem}")
        for rule_id, missing in untested.items():
            kinds = t("list.and").join(t(f"rules.test.kind.{m}") for m in missing)
            _echo(f"{t('cli.warning')}: " + t("rules.test.untested", file=rule_file.name, rule=rule_id,
                                                    kinds=kinds), err=True)
    _echo(t("rules.test.total", ran=ran, failed=failed))
    if failed:
        sys.exit(1)


@click.command("explain", cls=Command, help="explain.help")
@click.argument("rule_id", metavar="RULE")
@click.option("--rules", "rule_paths", multiple=True, type=click.Path(), help="rules.opt.paths")
def explain(rule_id: str, rule_paths: tuple[str, ...]) -> None:
    """One rule: its Chinese description, its source and its test cases (like ``ruff rule``)."""
    from auditor.commands.ruledocs import explain_rule
    from auditor.dsl.errors import did_you_mean

    ruleset = _load(rule_paths)
    found = next((pack for pack in ruleset.loaded_packs for rule in pack.rules if rule.info.id == rule_id.upper()),
                 None)
    if found is None:
        known = [r.id for r in ruleset.rules]
        hint = did_you_mean(rule_id.upper(), known)
        _echo(f"auditor: {t('cli.error')}: {t('explain.unknown', rule=rule_id)}"
                   + (t("hint.did_you_mean", name=hint.split("'")[1]) if hint else ""), err=True)
        sys.exit(2)
    _echo(explain_rule(found, rule_id.upper()), nl=False)
