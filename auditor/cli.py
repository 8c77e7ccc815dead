"""The ``auditor`` command line: a thin click group.

One error boundary (``auditor.commands.base.Group.main``) maps exceptions to exit codes: 0
success, 1 findings or unreadable inputs, 2 usage / configuration / rule-file errors. Every
text meant for a person is looked up in ``auditor.i18n`` (Chinese unless ``--lang en`` or
``AUDITOR_LANG=en``). Heavy libraries are imported by the commands that need them, so
``auditor --help`` stays fast.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any, Optional

import click

from auditor import __version__
from auditor.commands.base import Command, Group, language_from_argv
from auditor.i18n import t

PARSE_TIMEOUT = 120.0  # seconds per file, as audit's default

# Commands that live in their own modules, imported when they are run or listed: ``auditor
# --version`` and ``auditor parse`` never load the audit machinery. A module not written yet
# leaves its commands out rather than breaking the others.
LAZY_COMMANDS: dict[str, str] = {"rules": "auditor.commands.rules", "explain": "auditor.commands.rules",
                                 "audit": "auditor.commands.audit", "check": "auditor.commands.audit"}


class CommandLine(Group):
    """The top-level group: its own commands, and ``LAZY_COMMANDS`` loaded on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *(n for n in LAZY_COMMANDS if self._load(n) is not None)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> Optional[click.Command]:
        return super().get_command(ctx, cmd_name) or self._load(cmd_name)

    def _load(self, name: str) -> Optional[click.Command]:
        if name in self.commands or name not in LAZY_COMMANDS:
            return self.commands.get(name)
        module_name = LAZY_COMMANDS[name]
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            return None
        command: Any = getattr(module, name, None)
        if command is not None:
            self.add_command(command)
        return command


@click.group(cls=CommandLine, context_settings={"help_option_names": ["-h", "--help"]}, help="cli.help")
@click.version_option(__version__, prog_name="auditor", help="Show the version and exit.")
def cli() -> None:
    """Audit 政府信息公开工作年度报告 against the national format and your own rules."""


@cli.command(cls=Command, help="parse.help")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--format", "output_format", type=click.Choice(["json", "text"]), default="text",
              show_default=True, help="parse.opt.format")
def parse(files: tuple[str, ...], output_format: str) -> None:
    """Show what was recognized in FILES (documents, sections, metadata, every cell)."""
    import dataclasses
    import json

    from auditor.i18n import reason as translate_reason
    from auditor.limits import TimeLimitExceeded, time_limit
    from auditor.model import AdapterError
    from auditor.reading import load_reports
    from auditor.reporters.escape import terminal
    from auditor.summary import text_summary
    from auditor.worker import display_path, timeout_message

    documents: list[dict] = []
    failed = 0
    for path in files:
        shown = display_path(path)
        try:
            with time_limit(PARSE_TIMEOUT):
                reports = load_reports(path)
        except (AdapterError, TimeLimitExceeded) as exc:
            failed += 1
            reason = str(exc) if isinstance(exc, AdapterError) else timeout_message(PARSE_TIMEOUT)
            click.echo(terminal(f"{shown}: {t('cli.error')}: {translate_reason(reason)}"), err=True)
            if output_format == "json":
                documents.append({"source": shown, "index": 0, "kind": None, "error": translate_reason(reason)})
            continue
        for report in reports:
            if report.source.path != shown:
                report = dataclasses.replace(report, source=dataclasses.replace(report.source, path=shown))
            if output_format == "json":
                documents.append(report.to_json())
            else:
                click.echo(terminal(text_summary(report), lines=True))
    if output_format == "json":
        click.echo(json.dumps({"documents": documents}, ensure_ascii=False, indent=2))
    if failed:
        sys.exit(1)


@cli.command("plugins", cls=Command, help="plugins.help")
def plugins_command() -> None:
    """List loaded plugins: adapters (with the extensions they claim) and reporters."""
    from auditor import plugins

    click.echo(t("plugins.adapters"))
    for name, loaded in sorted(plugins.adapters().items()):
        exts = " ".join(loaded.obj.extensions)
        click.echo(f"  {name:<8} {exts:<22} {loaded.plugin} ({plugins.plugin_origin(loaded.plugin)})")
    click.echo(t("plugins.reporters"))
    for name, loaded in sorted(plugins.reporters().items()):
        click.echo(f"  {name:<8} {loaded.obj.suffix:<22} {loaded.plugin} ({plugins.plugin_origin(loaded.plugin)})")


def main() -> None:
    """Entry point: the language first (``--lang`` may follow ``--help``), then the group."""
    language_from_argv(sys.argv[1:])
    cli.main(prog_name="auditor")
