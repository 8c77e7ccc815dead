"""``auditor audit PATH…``: the batch command supervising offices and CI run.

Exit codes: 0 nothing at or above the fail level; 1 findings at or above it, or inputs that could
not be read; 2 usage, configuration or rule-file errors (reported before any report is read).
Command-line options override the configuration file; ``--rules`` adds to its rule paths.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
import stat
import sys
import tempfile
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable, Optional, TextIO, Union

import click

FAIL_LEVELS = ("error", "warning", "never")
MAX_JOBS = 256
MAX_TIMEOUT = 86400.0
# Built-in formats that show only a report's metadata (``auditor.worker.SUMMARY_FIELDS``):
# when only these are asked for, workers send back summaries, a fraction of whole reports.
SUMMARY_FORMATS = frozenset({"console", "json", "junit", "sarif", "csv", "github"})
SCHEDULER = re.compile(r"^(local:(\d{1,3})|(tcp|tls|inproc)://.+)$")


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


TEMP_PREFIX = ".auditor-"
TEMP_SUFFIX = ".tmp"
_TEMP_NAME = re.compile(r"^\.auditor-(?:(\d+)-)?[^/]*\.tmp$")
STALE_TEMP_SECONDS = 3600


Content = Union[bytes, Callable[[BinaryIO], None]]  # the bytes, or what writes them to a file


def write_atomic(path: str, data: Content) -> None:
    """Write via a temporary file in the same folder and ``os.replace``: a CI server never sees
    half a file, and an interrupted run leaves the previous output intact."""
    temp = stage_output(path, data)
    if temp is not None:
        commit_output(temp, path)


def _put(handle: BinaryIO, data: Content) -> None:
    if isinstance(data, bytes):
        handle.write(data)
    else:
        data(handle)


def output_target(path: str) -> tuple[str, bool]:
    """Where ``--output path`` really goes, and whether it is written in place: a symlink is
    followed (the link stays, its target gets the output); a device or FIFO (``/dev/stdout``,
    ``/dev/null``) is written to directly instead of being replaced by a regular file."""
    target = os.path.realpath(path) if os.path.islink(path) else path
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return target, False
    return target, not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def stage_output(path: str, data: Content) -> Optional[str]:
    """Write ``data`` next to ``path`` under a temporary name (``.auditor-PID-….tmp``, which a
    later run removes if this one is killed before renaming it); None when ``path`` is a
    device or FIFO, which is written to at once."""
    target, in_place = output_target(path)
    if in_place:
        with open(target, "wb") as handle:
            _put(handle, data)
            handle.flush()
        return None
    folder = os.path.dirname(os.path.abspath(target))
    os.makedirs(folder, exist_ok=True)
    remove_stale_temps(folder)
    fd, temp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=TEMP_SUFFIX, dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            _put(handle, data)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
    except BaseException:
        discard_output(temp)
        raise
    return temp


def commit_output(temp: str, path: str) -> None:
    target, _ = output_target(path)
    try:
        os.replace(temp, target)
    except BaseException:
        discard_output(temp)
        raise


def discard_output(temp: Optional[str]) -> None:
    if temp is not None:
        with contextlib.suppress(OSError):
            os.unlink(temp)


def remove_stale_temps(folder: str) -> None:
    """Temporary outputs of runs that were killed (their process is gone, or an old-style name
    older than an hour): removed, so they do not pile up next to the real outputs."""
    import time

    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        match = _TEMP_NAME.match(name)
        if not match:
            continue
        full = os.path.join(folder, name)
        pid = int(match.group(1)) if match.group(1) else None
        if pid is not None:
            if pid == os.getpid() or _alive(pid):
                continue
        else:
            try:
                if time.time() - os.stat(full).st_mtime < STALE_TEMP_SECONDS:
                    continue
            except OSError:
                continue
        discard_output(full)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, someone else's
        return True
    return True


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


def _finite(ctx: click.Context, param: click.Parameter, value: Optional[float]) -> Optional[float]:
    """Reject ``nan``/``inf``: every bound check passes for ``nan``, so click lets it through."""
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"must be a finite number of seconds, not {value}")
    return value


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
@click.option("--jobs", "-j", type=click.IntRange(min=0, max=MAX_JOBS),
              help="Worker processes; 0 = one per CPU core; 1 = in this process.")
@click.option("--timeout", type=click.FloatRange(min=0, max=MAX_TIMEOUT), callback=_finite,
              help="Seconds per file before it is stopped [default: 120; 0: none].")
@click.option("--memory-limit", type=click.IntRange(min=0, max=1048576), metavar="MIB",
              help="Address space per worker in MiB; a file needing more is an error entry [default: 2048; 0: none].")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the result and rule caches.")
@click.option("--scheduler", metavar="local:N|tcp://HOST:PORT",
              help="Run the batch on Dask: a LocalCluster of N workers or a running scheduler.")
@click.option("--history", "history_paths", multiple=True, type=click.Path(), metavar="PATH",
              help="Earlier reports to compare with (repeatable): a folder or files in any format read, or a "
                   "previous run's --format json results. Pairs each report with its agency's previous year.")
@click.option("--config", "config_path", type=click.Path(), help="Configuration file (default: discovered).")
@click.option("--no-progress", is_flag=True, help="No progress bar (it is only shown on a terminal anyway).")
@click.option("--color", type=click.Choice(("auto", "always", "never")), default="auto", show_default=True,
              help="Colour in the console format.")
@click.pass_context
def audit(ctx: click.Context, paths: tuple[str, ...], rule_paths: tuple[str, ...], select: tuple[str, ...],
          ignore: tuple[str, ...], severities: tuple[str, ...], formats: tuple[str, ...],
          output_paths: tuple[str, ...], fail_on: Optional[str], jobs: Optional[int], timeout: Optional[float],
          memory_limit: Optional[int], no_cache: bool, scheduler: Optional[str], history_paths: tuple[str, ...],
          config_path: Optional[str], no_progress: bool, color: str) -> None:
    """Audit report files, folders (recursed) and globs; write the outputs; exit 0, 1 or 2."""
    from auditor import cachedir, plugins, runner
    from auditor.config import ConfigError, load_config

    _exit_cleanly_on_sigterm()
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        raise AuditUsageError(str(exc)) from None
    _say_which_config(config)

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
    scheduler = scheduler or config.get("scheduler")
    if scheduler is not None:
        _check_scheduler(scheduler)

    use_cache = not no_cache and config.get("cache", True)
    cache_dir = config.get("cache_dir")
    if cache_dir and cache_dir.strip().lower() not in cachedir.OFF_VALUES:
        cache_dir = config.resolve(cache_dir)
    cachedir.configure(cache_dir, enabled=not no_cache)
    severity = dict(config.get("severity", {}))
    severity.update(_severity_overrides(severities))
    spec = runner.RuleSpec(paths=tuple(config.rule_paths) + tuple(rule_paths),
                           standard=config.get("standard", True),
                           select=_split(select) if select else tuple(config.get("select", [])),
                           ignore=_split(ignore) if ignore else tuple(config.get("ignore", [])),
                           severity=severity)
    ruleset = _load_rules(spec)
    if config.discovered:
        _warn_disabled_standard_rules(config, ruleset, select=bool(select), ignore=bool(ignore))

    files = runner.collect_inputs(inputs, include=config.get("include", []), exclude=config.get("exclude", []))
    if not files:
        raise AuditUsageError(f"no report files found in {', '.join(inputs)}")
    jobs = jobs if jobs is not None else config.get("jobs", 0)
    workers = min((os.cpu_count() or 1) if jobs == 0 else jobs, MAX_JOBS)
    limit = timeout if timeout is not None else config.get("timeout", runner.DEFAULT_TIMEOUT)
    memory = memory_limit if memory_limit is not None else config.get("memory_limit", runner.DEFAULT_LIMITS.memory_mb)
    limits = runner.Limits(timeout=limit or None, memory_mb=memory or None,
                           max_file_bytes=config.get("max_file_size", 0) * 1024 * 1024
                           or runner.DEFAULT_LIMITS.max_file_bytes)
    full_reports = any(o.format not in SUMMARY_FORMATS for o in outputs)
    cache = _open_cache(ruleset, full_reports, limits) if use_cache else None
    progress = Progress(not no_progress and sys.stderr.isatty() and len(files) > 1)
    documents = []
    history: list[Any] = []
    history_notes: list[str] = []
    try:
        for document in runner.iter_batch(files, spec.load, ruleset=ruleset, jobs=workers, limits=limits,
                                          progress=progress, cache=cache, full_reports=full_reports,
                                          scheduler=scheduler):
            documents.append(document)
        wanted = list(history_paths) + [config.resolve(p) for p in config.get("history", [])]
        if wanted and getattr(ruleset, "has_cross", False):
            from auditor.history import load_history

            history, history_notes = load_history(
                wanted, include=config.get("include", []), exclude=config.get("exclude", []),
                audit=lambda found: list(runner.iter_batch(found, spec.load, ruleset=ruleset, jobs=workers,
                                                           limits=limits, cache=cache, full_reports=full_reports,
                                                           scheduler=scheduler)))
    except runner.RunnerError as exc:
        raise AuditUsageError(str(exc)) from None
    finally:
        progress.close()
        if cache is not None:
            cache.close()
    for warning in cachedir.warnings() + ([cache.warning] if cache is not None and cache.warning else []) \
            + history_notes:
        click.echo(f"auditor: 警告: {warning}", err=True)
    documents = _cross_document_phase(documents, ruleset, history, config)
    documents, waiver_record = runner.apply_waivers(documents, config.waivers)
    run = runner.build_run(documents, ruleset, config=config.record(), waivers=waiver_record,
                           fail_on=fail_level, inputs=files, argv=_command_line(ctx))
    _write_outputs(run, outputs, reporters, color)
    if any(o.format == "console" for o in outputs) or all(o.path is not None for o in outputs):
        from auditor.reporters.console import summary_text

        click.echo(summary_text(run, color=_use_color(color, sys.stderr)), err=True, nl=False)
    sys.exit(runner.exit_code(run, fail_level))  # not ctx.exit: the group runs with standalone_mode=False


def _cross_document_phase(documents: list[Any], ruleset: Any, history: list[Any], config: Any) -> list[Any]:
    """Rules over several documents (previous year, similar reports, local deadlines), once all
    results are in (``auditor.crossdoc``)."""
    if not getattr(ruleset, "has_cross", False):
        return documents
    from auditor.crossdoc import complete
    from auditor.deadlines import from_config

    origin = config.path.name if config.path is not None else "config"
    return complete(documents, ruleset, history=history, deadline=from_config(config.get("deadlines", []), origin))


def _write_outputs(run: Any, outputs: list[Output], reporters: dict[str, Any], color: str) -> None:
    """Render every output, then put the files in place one right after another: a failure in
    any rendering replaces none of them, so outputs of two runs do not end up side by side
    (each carries the run id, ``meta['run_id']``, to tell them apart anyway)."""
    staged: list[tuple[str, str]] = []
    try:
        for output in outputs:
            reporter = reporters[output.format].obj
            use_color = output.path is None and _use_color(color, sys.stdout)
            data = _content(reporter, run, use_color)
            if output.path is None:
                _write_stdout(data)
                continue
            try:
                temp = stage_output(output.path, data)
            except OSError as exc:
                raise AuditUsageError(f"cannot write {output.path}: {exc.strerror or exc}") from None
            if temp is not None:
                staged.append((temp, output.path))
        while staged:
            temp, path = staged[0]
            try:
                commit_output(temp, path)
            except OSError as exc:
                raise AuditUsageError(f"cannot write {path}: {exc.strerror or exc}") from None
            staged.pop(0)
    finally:
        for temp, _ in staged:
            discard_output(temp)


def _content(reporter: Any, run: Any, color: bool) -> Content:
    """A reporter that can ``write`` streams into the file (a huge batch never becomes one
    string); others ``render`` the whole output."""
    writer = getattr(reporter, "write", None)
    if callable(writer):
        return lambda handle: writer(run, handle, color=color)
    rendered = reporter.render(run, color=color)
    return rendered if isinstance(rendered, bytes) else rendered.encode("utf-8")


def _exit_cleanly_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C would: workers stopped, temporary files removed (by default
    Python dies on the spot). Workers also die with us on SIGKILL (``auditor.limits``)."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _on_sigterm)


def _on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def _say_which_config(config: Any) -> None:
    """Which configuration applies, on standard error: a file found in a parent folder changes
    what is checked, and nobody should have to guess."""
    for note in config.notes:
        click.echo(f"auditor: 警告: {note}", err=True)
    if config.path is not None:
        how = "自动发现" if config.discovered else "--config 指定"
        click.echo(f"auditor: 使用配置文件 {config.path}（{how}）", err=True)


def _warn_disabled_standard_rules(config: Any, ruleset: Any, *, select: bool, ignore: bool) -> None:
    """A discovered configuration that switches standard rules off says so loudly."""
    where = f"自动发现的配置文件 {config.path}"
    if config.get("standard", True) is False:
        click.echo(f"auditor: 警告: {where} 设置了 standard = false：全部标准规则均未运行", err=True)
        return
    from auditor.resources import data_path

    base = os.path.realpath(data_path("rules"))
    active = {r.id for r in ruleset.rules}
    standard_ids = [rid for pack in ruleset.packs if os.path.realpath(pack.path).startswith(base)
                    for rid in pack.rules]
    off = [rid for rid in standard_ids if rid not in active]
    set_here = [key for key, given in (("select", select), ("ignore", ignore)) if config.get(key) and not given]
    if off and set_here:
        shown = "、".join(off[:8]) + ("等" if len(off) > 8 else "")
        click.echo(f"auditor: 警告: {where} 的 {'/'.join(set_here)} 停用了 {len(off)} 条标准规则：{shown}", err=True)


def _check_scheduler(scheduler: str) -> None:
    match = SCHEDULER.match(scheduler)
    if not match or (match.group(2) is not None and not 1 <= int(match.group(2)) <= MAX_JOBS):
        raise AuditUsageError(f"--scheduler expects local:N (1–{MAX_JOBS}) or tcp://HOST:PORT, got '{scheduler}'")
    import importlib.util

    if importlib.util.find_spec("distributed") is None:
        raise AuditUsageError('--scheduler needs Dask: pip install "auditor[dask]"')


def _open_cache(ruleset: Any, full_reports: bool, limits: Any) -> Any:
    from auditor.resultcache import ResultCache, results_salt

    return ResultCache.open(results_salt(ruleset, full_reports=full_reports, max_file_bytes=limits.max_file_bytes))


def _write_stdout(data: Content) -> None:
    """Bytes as rendered (the CSV keeps its BOM), whatever encoding the terminal claims."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        if not isinstance(data, bytes):
            collected = io.BytesIO()
            data(collected)
            data = collected.getvalue()
        sys.stdout.write(data.decode("utf-8"))
        sys.stdout.flush()
        return
    sys.stdout.flush()
    _put(buffer, data)
    buffer.flush()


def _command_line(ctx: click.Context) -> list[str]:
    """The command as it would be typed again (for the reproducibility record)."""
    line = ["auditor", "audit"]
    for name, value in ctx.params.items():
        if name == "paths" or value in (None, False, ()) or (name == "color" and value == "auto"):
            continue
        option = "--" + {"rule_paths": "rules", "severities": "severity", "formats": "format",
                         "output_paths": "output", "config_path": "config",
                         "history_paths": "history"}.get(name, name).replace("_", "-")
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
