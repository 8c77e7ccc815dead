"""``auditor audit PATH…``: the batch command supervising offices and CI run.

Exit codes: 0 nothing at or above the fail level; 1 findings at or above it, or inputs that could
not be read; 2 usage, configuration or rule-file errors (reported before any report is read).
Command-line options override the configuration file; ``--rules`` adds to its rule paths.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from typing import Any, Optional, TextIO

import click

FAIL_LEVELS = ("error", "warning", "never")


class AuditUsageError(click.ClickException):
    """Usage, configuration or rule-file trouble: exit code 2 however the command is invoked."""

    exit_code = 2

    def show(self, file: Optional[TextIO] = None) -> None:
        from auditor.reporters.escape import terminal

        click.echo(terminal(f"auditor: error: {self.format_message()}", lines=True), err=True)


@dataclass(frozen=True)
class Output:
    format: str
    path: Optional[str]  # None: standard output


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    """``--select T3-,META-PERIOD --select CELL-`` → three prefixes."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def _severity_overrides(values: tuple[str, ...]) -> dict[str, str]:
    overrides = {}
    for value in _split(values):
        rule, _, level = value.partition("=")
        if not rule or level not in ("error", "warning", "info"):
            raise AuditUsageError(f"--severity expects RULE=error|warning|info, got '{value}'")
        overrides[rule.strip()] = level
    return overrides


def _check_pairing(outputs: list[Output], reporters: dict[str, Any]) -> None:
    """Catch ``--format console --format json --output r.json``: positions pair console with
    r.json. When a file's suffix belongs to another requested format, say how to fix it."""
    suffixes = {o.format: reporters[o.format].obj.suffix for o in outputs if o.format in reporters}
    for output in outputs:
        if output.path is None or output.format not in suffixes:
            continue
        suffix = os.path.splitext(output.path)[1].lower()
        others = [f for f, s in suffixes.items() if f != output.format and s == suffix]
        if others and suffix != suffixes[output.format]:
            raise AuditUsageError(
                f"--output {output.path} is paired with --format {output.format}, but looks like "
                f"{others[0]} output: the n-th --output belongs to the n-th --format, so list the "
                "formats that print to standard output last")


def _outputs(formats: tuple[str, ...], paths: tuple[str, ...], config: Any) -> list[Output]:
    """Pair the n-th ``--output`` with the n-th ``--format``; a format without one → stdout."""
    if len(paths) > len(formats):
        raise AuditUsageError(f"{len(paths)} --output given for {len(formats)} --format: "
                              "each --output belongs to the --format in the same position")
    if formats:
        chosen = [Output(fmt, paths[i] if i < len(paths) and paths[i] != "-" else None)
                  for i, fmt in enumerate(formats)]
    else:
        chosen = [Output(o["format"], config.resolve(o["path"]) if o.get("path") not in (None, "-") else None)
                  for o in config.get("outputs", [])] or [Output("console", None)]
    to_stdout = [o.format for o in chosen if o.path is None]
    if len(to_stdout) > 1:
        raise AuditUsageError(f"formats {', '.join(to_stdout)} would all write to standard output: "
                              "give all but one an --output file")
    return chosen


def write_atomic(path: str, data: bytes) -> None:
    """Write via a temporary file in the same folder and ``os.replace``: a CI server never sees
    half a file, and an interrupted run leaves the previous output intact."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".auditor-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


class Progress:
    """A one-line progress bar on standard error; only drawn on a terminal."""

    WIDTH = 28

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.drawn = False

    def __call__(self, done: int, total: int, path: str) -> None:
        if not self.enabled:
            return
        filled = self.WIDTH * done // max(total, 1)
        from auditor.reporters.escape import terminal

        name = terminal(os.path.basename(path)[:40])
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{total} {name}\x1b[K")
        sys.stderr.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def _use_color(choice: str, stream: TextIO) -> bool:
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    return bool(os.environ.get("FORCE_COLOR")) or stream.isatty()


@click.command("audit")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--rules", "rule_paths", multiple=True, type=click.Path(),
              help="Extra rule file or folder (repeatable); added to the config's.")
@click.option("--select", multiple=True, metavar="IDS",
              help="Run only these rule ids or prefixes (comma-separated or repeated).")
@click.option("--ignore", multiple=True, metavar="IDS", help="Skip these rule ids or prefixes.")
@click.option("--severity", "severities", multiple=True, metavar="RULE=LEVEL",
              help="Override a rule's severity (error, warning, info).")
@click.option("--format", "formats", multiple=True, metavar="FORMAT",
              help="Output format (repeatable): console, json, junit, sarif, html, csv, github.")
@click.option("--output", "-o", "output_paths", multiple=True, metavar="PATH",
              help="File for the format in the same position; a format without one writes to stdout.")
@click.option("--fail-on", type=click.Choice(FAIL_LEVELS), help="Lowest severity that exits 1 [default: error].")
@click.option("--jobs", "-j", type=click.IntRange(min=0), help="Worker processes; 0 = one per CPU core.")
@click.option("--timeout", type=click.FloatRange(min=0),
              help="Seconds per file before it is stopped [default: 120; 0: none].")
@click.option("--config", "config_path", type=click.Path(), help="Configuration file (default: discovered).")
@click.option("--no-progress", is_flag=True, help="No progress bar (it is only shown on a terminal anyway).")
@click.option("--color", type=click.Choice(("auto", "always", "never")), default="auto", show_default=True,
              help="Colour in the console format.")
@click.pass_context
def audit(ctx: click.Context, paths: tuple[str, ...], rule_paths: tuple[str, ...], select: tuple[str, ...],
          ignore: tuple[str, ...], severities: tuple[str, ...], formats: tuple[str, ...],
          output_paths: tuple[str, ...], fail_on: Optional[str], jobs: Optional[int], timeout: Optional[float],
          config_path: Optional[str], no_progress: bool, color: str) -> None:
    """Audit report files, folders (recursed) and globs; write the outputs; exit 0, 1 or 2."""
    from auditor import plugins, runner
    from auditor.config import ConfigError, load_config

    try:
        config = load_config(config_path)
    except ConfigError as exc:
        raise AuditUsageError(str(exc)) from None

    reporters = plugins.reporters()
    outputs = _outputs(formats, output_paths, config)
    unknown = [o.format for o in outputs if o.format not in reporters]
    if unknown:
        raise AuditUsageError(f"unknown format '{unknown[0]}' (known: {', '.join(sorted(reporters))})")
    _check_pairing(outputs, reporters)
    fail_level = fail_on or config.get("fail_on", "error")
    inputs = list(paths) or config.input_paths
    if not inputs:
        raise AuditUsageError("no PATH given (and no 'paths' in the configuration)")

    severity = dict(config.get("severity", {}))
    severity.update(_severity_overrides(severities))
    spec = runner.RuleSpec(paths=tuple(config.rule_paths) + tuple(rule_paths),
                           standard=config.get("standard", True),
                           select=_split(select) if select else tuple(config.get("select", [])),
                           ignore=_split(ignore) if ignore else tuple(config.get("ignore", [])),
                           severity=severity)
    ruleset = _load_rules(spec)

    files = runner.collect_inputs(inputs, include=config.get("include", []), exclude=config.get("exclude", []))
    if not files:
        raise AuditUsageError(f"no report files found in {', '.join(inputs)}")
    jobs = jobs if jobs is not None else config.get("jobs", 0)
    workers = (os.cpu_count() or 1) if jobs == 0 else jobs
    limit = timeout if timeout is not None else config.get("timeout", runner.DEFAULT_TIMEOUT)
    progress = Progress(not no_progress and sys.stderr.isatty() and len(files) > 1)
    try:
        documents = runner.run_batch(files, spec.load, jobs=workers, timeout=limit or None, progress=progress)
    except runner.RunnerError as exc:
        raise AuditUsageError(str(exc)) from None
    finally:
        progress.close()
    documents, waiver_record = runner.apply_waivers(documents, config.waivers)
    run = runner.build_run(documents, ruleset, config=config.record(), waivers=waiver_record,
                           fail_on=fail_level, inputs=files, argv=_command_line(ctx))

    for output in outputs:
        reporter = reporters[output.format].obj
        use_color = output.path is None and _use_color(color, sys.stdout)
        rendered = reporter.render(run, color=use_color)
        data = rendered if isinstance(rendered, bytes) else rendered.encode("utf-8")
        if output.path is None:
            _write_stdout(data)
        else:
            try:
                write_atomic(output.path, data)
            except OSError as exc:
                raise AuditUsageError(f"cannot write {output.path}: {exc.strerror or exc}") from None
    if any(o.format == "console" for o in outputs) or all(o.path is not None for o in outputs):
        from auditor.reporters.console import summary_text

        click.echo(summary_text(run, color=_use_color(color, sys.stderr)), err=True, nl=False)
    sys.exit(runner.exit_code(run, fail_level))  # not ctx.exit: the group runs with standalone_mode=False


def _write_stdout(data: bytes) -> None:
    """Bytes as rendered (the CSV keeps its BOM), whatever encoding the terminal claims."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(data.decode("utf-8"))
        sys.stdout.flush()
        return
    sys.stdout.flush()
    buffer.write(data)
    buffer.flush()


def _command_line(ctx: click.Context) -> list[str]:
    """The command as it would be typed again (for the reproducibility record)."""
    line = ["auditor", "audit"]
    for name, value in ctx.params.items():
        if name == "paths" or value in (None, False, ()) or (name == "color" and value == "auto"):
            continue
        option = "--" + {"rule_paths": "rules", "severities": "severity", "formats": "format",
                         "output_paths": "output", "config_path": "config"}.get(name, name).replace("_", "-")
        for item in value if isinstance(value, tuple) else (value,):
            line += [option] if item is True else [option, str(item)]
    return line + list(ctx.params.get("paths", ()))


def _load_rules(spec: Any) -> Any:
    """Compile the rules once up front: a broken rule file stops the run before any report is
    read (exit 2, compiler-style message); workers forked later inherit the compiled set."""
    try:
        from auditor.engine import RuleFileError
    except ModuleNotFoundError as exc:
        if exc.name != "auditor.engine":
            raise
        raise AuditUsageError("the rule engine (auditor.engine) is not installed") from None
    try:
        return spec.load()
    except RuleFileError as exc:
        render = getattr(exc, "render", None)
        raise AuditUsageError(render() if callable(render) else str(exc)) from None
    except (OSError, ValueError) as exc:
        raise AuditUsageError(f"cannot load rules: {exc}") from None
