"""click commands whose help speaks the user's language, and the one error boundary.

Help texts are catalogue keys (``help="audit.opt.rules"``) resolved when help is shown, so
``--lang en`` (accepted by every command) or ``AUDITOR_LANG=en`` switches them without
re-importing anything; click's own words go through ``auditor.i18n.clicktext``.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Any, Optional

import click

from auditor import i18n
from auditor.i18n import t
from auditor.i18n.clicktext import _gettext as _click_text
from auditor.i18n.clicktext import install as _install_click_texts

_install_click_texts()


def tr(text: Optional[str]) -> Optional[str]:
    """A help text: catalogue keys are looked up, click's own words translated, anything else
    shown as written."""
    if not text:
        return text
    if i18n.has(text):
        return t(text)
    return _click_text(text)


def _set_language(ctx: click.Context, param: click.Parameter, value: Optional[str]) -> None:
    if value:
        i18n.set_language(value)


def lang_option() -> click.Option:
    return click.Option(["--lang"], type=click.Choice(i18n.LANGUAGES), expose_value=False, is_eager=True,
                        callback=_set_language, help="opt.lang")


class UsageError(click.ClickException):
    """Usage, configuration or rule-file trouble: exit code 2, one ``auditor: 错误:`` line."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        from auditor.reporters.escape import terminal

        click.echo(terminal(f"auditor: {t('cli.error')}: {self.format_message()}", lines=True), err=True)


class _Localized:
    """Shared by commands and groups: help and short help in the language in force."""

    help: Optional[str]
    short_help: Optional[str]

    @contextmanager
    def _translated(self, ctx: click.Context) -> Any:
        saved: list[tuple[Any, str, Any]] = [(self, "help", self.help), (self, "short_help", self.short_help)]
        for param in self.get_params(ctx):  # type: ignore[attr-defined]
            saved.append((param, "help", getattr(param, "help", None)))
        try:
            for obj, attr, value in saved:
                setattr(obj, attr, tr(value))
            yield
        finally:
            for obj, attr, value in saved:
                setattr(obj, attr, value)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with self._translated(ctx):
            super().format_help(ctx, formatter)  # type: ignore[misc]

    def get_short_help_str(self, limit: int = 45) -> str:
        saved = self.help, self.short_help
        self.help, self.short_help = tr(self.help), tr(self.short_help)
        try:
            return super().get_short_help_str(limit)  # type: ignore[misc]
        finally:
            self.help, self.short_help = saved


class Command(_Localized, click.Command):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.append(lang_option())


class Group(_Localized, click.Group):
    command_class = Command

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.append(lang_option())

    def main(self, args: Any = None, prog_name: Optional[str] = None, complete_var: Optional[str] = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        """The error boundary: 0 success, 1 findings or unreadable inputs (the commands exit with
        it), 2 usage, configuration or rule-file errors, 130 interrupted — never a traceback for
        a mistake a user can make."""
        chosen = i18n.chosen()  # --lang holds for this invocation only (tests run many in one process)
        try:
            if not standalone_mode:
                return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            self._main(args, prog_name, complete_var, **extra)
        finally:
            i18n.set_language(chosen)

    def _main(self, args: Any, prog_name: Optional[str], complete_var: Optional[str], **extra: Any) -> None:
        from auditor.plugins import PluginError

        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Abort:
            click.echo(t("cli.aborted"), err=True)
            sys.exit(130)
        except click.ClickException as exc:
            exc.show()
            sys.exit(2 if exc.exit_code in (1, 2) else exc.exit_code)
        except PluginError as exc:
            click.echo(f"auditor: {t('cli.plugin_error')}: {exc}", err=True)
            sys.exit(2)
        except BrokenPipeError:
            sys.exit(0)
        sys.exit(code if isinstance(code, int) else 0)


def language_from_argv(argv: list[str]) -> None:
    """``--lang en`` anywhere on the command line, read before click parses it: ``--help``
    is eager and may come first, and help must already be in the asked-for language."""
    for position, arg in enumerate(argv):
        if arg == "--lang" and position + 1 < len(argv):
            i18n.set_language(argv[position + 1])
        elif arg.startswith("--lang="):
            i18n.set_language(arg.partition("=")[2])
