"""``auditor audit PATH…`` (and ``auditor check``): the batch command supervising offices and CI run.

Exit codes: 0 nothing at or above the fail level; 1 findings at or above it, or inputs that could
not be read; 2 usage, configuration or rule-file errors (reported before any report is read).
Command-line options override the configuration file; ``--rules`` adds to its rule paths.
``check`` is the same command with other defaults: the console on standard output whatever
outputs the configuration lists.
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

from auditor.commands.base import Command
from auditor.commands.base import UsageError as AuditUsageError
from auditor.i18n import t

FAIL_LEVELS = ("error", "warning", "never")
MAX_JOBS = 256
MAX_TIMEOUT = 86400.0
# Built-in formats that show only a report's metadata (``auditor.worker.SUMMARY_FIELDS``):
# when only these are asked for, workers send back summaries, a fraction of whole reports.
SUMMARY_FORMATS = frozenset({"console", "json", "junit", "sarif", "csv", "github"})
# Patterns of rarely taken paths are strings, compiled by ``re`` on first use.
SCHEDULER = r"^(local:(\d{1,3})|(tcp|tls|inproc)://.+)$"


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
            raise AuditUsageError(t("audit.bad_severity", value=value))
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
            raise AuditUsageError(t("audit.mispaired", path=output.path, format=output.format, other=others[0]))


def _outputs(formats: tuple[str, ...], paths: tuple[str, ...], config: Any, *, console_only: bool = False) -> list[Output]:
    """Pair the n-th ``--output`` with the n-th ``--format``; a format without one → stdout.
    Without ``--format``: the configuration's outputs (``check``: the console alone)."""
    if len(paths) > len(formats):
        raise AuditUsageError(t("audit.too_many_outputs", outputs=len(paths), formats=len(formats)))
    if formats:
        chosen = [Output(fmt, paths[i] if i < len(paths) and paths[i] != "-" else None)
                  for i, fmt in enumerate(formats)]
    elif console_only:
        chosen = [Output("console", None)]
    else:
        chosen = [Output(o["format"], config.resolve(o["path"]) if o.get("path") not in (None, "-") else None)
                  for o in config.get("outputs", [])] or [Output("console", None)]
    to_stdout = [o.format for o in chosen if o.path is None]
    if len(to_stdout) > 1:
        raise AuditUsageError(t("audit.stdout_clash", formats=", ".join(to_stdout)))
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


def _finite(ctx: click.Context, param: click.Parameter, value: Optional[float]) -> Optional[float]:
    """Reject ``nan``/``inf``: every bound check passes for ``nan``, so click lets it through."""
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(t("audit.not_finite", value=value))
    return value


def _use_color(choice: str, stream: TextIO) -> bool:
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    return bool(os.environ.get("FORCE_COLOR")) or stream.isatty()


def audit_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """The options ``audit`` and ``check`` share (help texts are catalogue keys)."""
    options = [
        click.argument("paths", nargs=-1, type=click.Path()),
        click.option("--rules", "rule_paths", multiple=True, type=click.Path(), help="audit.opt.rules"),
        click.option("--no-standard", is_flag=True, help="audit.opt.no_standard"),
        click.option("--select", multiple=True, metavar="IDS", help="audit.opt.select"),
        click.option("--ignore", multiple=True, metavar="IDS", help="audit.opt.ignore"),
        click.option("--severity", "severities", multiple=True, metavar="RULE=LEVEL", help="audit.opt.severity"),
        click.option("--format", "formats", multiple=True, metavar="FORMAT", help="audit.opt.format"),
        click.option("--output", "-o", "output_paths", multiple=True, metavar="PATH", help="audit.opt.output"),
        click.option("--fail-on", type=click.Choice(FAIL_LEVELS), help="audit.opt.fail_on"),
        click.option("--exit-zero", is_flag=True, help="audit.opt.exit_zero"),
        click.option("--baseline", type=click.Path(), metavar="RESULTS.json", help="audit.opt.baseline"),
        click.option("--statistics", is_flag=True, help="audit.opt.statistics"),
        click.option("--quiet", "-q", is_flag=True, help="audit.opt.quiet"),
        click.option("--reports-only", is_flag=True, help="audit.opt.reports_only"),
        click.option("--jobs", "-j", type=click.IntRange(min=0, max=MAX_JOBS), help="audit.opt.jobs"),
        click.option("--timeout", type=click.FloatRange(min=0, max=MAX_TIMEOUT), callback=_finite,
                     help="audit.opt.timeout"),
        click.option("--memory-limit", type=click.IntRange(min=0, max=1048576), metavar="MIB",
                     help="audit.opt.memory_limit"),
        click.option("--no-cache", is_flag=True, help="audit.opt.no_cache"),
        click.option("--scheduler", metavar="local:N|tcp://HOST:PORT", help="audit.opt.scheduler"),
        click.option("--history", "history_paths", multiple=True, type=click.Path(), metavar="PATH",
                     help="audit.opt.history"),
        click.option("--config", "config_path", type=click.Path(), help="audit.opt.config"),
        click.option("--show-settings", is_flag=True, help="audit.opt.show_settings"),
        click.option("--no-progress", is_flag=True, help="audit.opt.no_progress"),
        click.option("--color", type=click.Choice(("auto", "always", "never")), default="auto", show_default=True,
                     help="audit.opt.color"),
    ]
    for option in reversed(options):
        function = option(function)
    return click.pass_context(function)


@click.command("audit", cls=Command, help="audit.help")
@audit_options
def audit(ctx: click.Context, **options: Any) -> None:
    """Audit report files, folders (recursed) and globs; write the outputs; exit 0, 1 or 2."""
    run_audit(ctx, Options(**options), console_only=False)


@click.command("check", cls=Command, help="check.help")
@audit_options
def check(ctx: click.Context, **options: Any) -> None:
    """``audit`` with the console on standard output whatever the configuration's outputs are."""
    run_audit(ctx, Options(**options), console_only=True)


@dataclass(frozen=True)
class Options:
    paths: tuple[str, ...]
    rule_paths: tuple[str, ...]
    no_standard: bool
    select: tuple[str, ...]
    ignore: tuple[str, ...]
    severities: tuple[str, ...]
    formats: tuple[str, ...]
    output_paths: tuple[str, ...]
    fail_on: Optional[str]
    exit_zero: bool
    baseline: Optional[str]
    statistics: bool
    quiet: bool
    reports_only: bool
    jobs: Optional[int]
    timeout: Optional[float]
    memory_limit: Optional[int]
    no_cache: bool
    scheduler: Optional[str]
    history_paths: tuple[str, ...]
    config_path: Optional[str]
    show_settings: bool
    no_progress: bool
    color: str


def run_audit(ctx: click.Context, o: Options, *, console_only: bool) -> None:
    """What ``audit`` and ``check`` do; they differ only in the default outputs."""
    from auditor import cachedir, plugins, runner
    from auditor.commands import settings as shown_settings
    from auditor.config import ConfigError, load_config

    _exit_cleanly_on_sigterm()
    try:
        config = load_config(o.config_path)
    except ConfigError as exc:
        raise AuditUsageError(str(exc)) from None
    if o.show_settings:
        click.echo(shown_settings.render(config, ctx.params, console_only=console_only), nl=False)
        sys.exit(0)
    if not o.quiet:
        _say_which_config(config)

    reporters = plugins.reporters()
    outputs = _outputs(o.formats, o.output_paths, config, console_only=console_only)
    unknown = [out.format for out in outputs if out.format not in reporters]
    if unknown:
        raise AuditUsageError(t("audit.unknown_format", format=unknown[0], known=", ".join(sorted(reporters))))
    _check_pairing(outputs, reporters)
    _check_folders(outputs, reporters)
    fail_level = "never" if o.exit_zero else (o.fail_on or config.get("fail_on", "error"))
    inputs = list(o.paths) or config.input_paths
    if not inputs:
        raise AuditUsageError(t("audit.no_paths"))
    scheduler = o.scheduler or config.get("scheduler")
    if scheduler is not None:
        _check_scheduler(scheduler)
    baseline = _load_baseline(o.baseline) if o.baseline else None

    use_cache = not o.no_cache and config.get("cache", True)
    cache_dir = config.get("cache_dir")
    if cache_dir and cache_dir.strip().lower() not in cachedir.OFF_VALUES:
        cache_dir = config.resolve(cache_dir)
    cachedir.configure(cache_dir, enabled=not o.no_cache)
    severity = dict(config.get("severity", {}))
    severity.update(_severity_overrides(o.severities))
    spec = runner.RuleSpec(paths=tuple(config.rule_paths) + tuple(o.rule_paths),
                           standard=False if o.no_standard else config.get("standard", True),
                           select=_split(o.select) if o.select else tuple(config.get("select", [])),
                           ignore=_split(o.ignore) if o.ignore else tuple(config.get("ignore", [])),
                           severity=severity)
    ruleset = _load_rules(spec, config, o)
    if config.discovered and not o.quiet:
        _warn_disabled_standard_rules(config, ruleset, select=bool(o.select), ignore=bool(o.ignore))

    files = runner.collect_inputs(inputs, include=config.get("include", []), exclude=config.get("exclude", []))
    if not files:
        raise AuditUsageError(t("audit.no_files", paths=", ".join(inputs)))
    jobs = o.jobs if o.jobs is not None else config.get("jobs", 0)
    workers = min((os.cpu_count() or 1) if jobs == 0 else jobs, MAX_JOBS)
    limit = o.timeout if o.timeout is not None else config.get("timeout", runner.DEFAULT_TIMEOUT)
    memory = o.memory_limit if o.memory_limit is not None else config.get("memory_limit",
                                                                          runner.DEFAULT_LIMITS.memory_mb)
    limits = runner.Limits(timeout=limit or None, memory_mb=memory or None,
                           max_file_bytes=config.get("max_file_size", 0) * 1024 * 1024
                           or runner.DEFAULT_LIMITS.max_file_bytes)
    full_reports = any(out.format not in SUMMARY_FORMATS for out in outputs)
    cache = _open_cache(ruleset, full_reports, limits) if use_cache else None
    from auditor.commands.progress import Progress

    progress = Progress(len(files), enabled=not (o.no_progress or o.quiet))
    from auditor.docstore import DocumentStore

    # Every document goes to a temporary file as the compact JSON it arrives in; memory keeps a
    # few facts per document, and outputs read the documents back one by one (auditor.docstore).
    store = DocumentStore()
    try:
        _audit_into(store, ctx, o, config, outputs, reporters, files, spec, ruleset, workers, limits, progress, cache,
                    full_reports, scheduler, fail_level, baseline)
    finally:
        store.close()


def _audit_into(store: Any, ctx: click.Context, o: Options, config: Any, outputs: list[Output],
                reporters: dict[str, Any], files: list[str], spec: Any, ruleset: Any, workers: int, limits: Any,
                progress: Any, cache: Any, full_reports: bool, scheduler: Optional[str], fail_level: str,
                baseline: Optional[dict[str, Any]]) -> None:
    """The batch into ``store``, the cross-document phase, waivers, the run record, the outputs."""
    from auditor import runner

    history: list[Any] = []
    history_notes: list[str] = []
    wanted = list(o.history_paths) + [config.resolve(p) for p in config.get("history", [])]
    early = None
    if not (wanted and getattr(ruleset, "has_cross", False)) and _replayable(cache, outputs, reporters, baseline):
        early = _replay_unchanged(store, cache, files, limits, config, o, fail_level)
    try:
        if early is None:
            for entry in runner.iter_entries(files, spec.load, ruleset=ruleset, jobs=workers, limits=limits,
                                             progress=progress, cache=cache, full_reports=full_reports,
                                             scheduler=scheduler):
                store.add(entry)
        else:  # every file as if from the cache, at once
            progress(len(files), len(files), files[-1])
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
    spool = None
    try:
        if early is not None:
            key, spool, facts = early
        else:
            key = _rendered_key(store.facts, cache, config, o, fail_level) \
                if not history and _replayable(cache, outputs, reporters, baseline) else None
            spool, facts = _replay(cache, key) if key is not None else (None, {})
        if spool is None:
            documents = _cross_document_phase(store, ruleset, history, config, cache)
        else:  # an identical run's outputs are at hand: the phase runs only if a document is read
            documents = store.view().patched(_Later(lambda: _cross_document_phase(store, ruleset, history, config,
                                                                                  cache, patch=True)))
        _write_run(ctx, o, config, outputs, reporters, files, ruleset, cache, fail_level, baseline, documents,
                   history_notes, key, spool, facts)
    finally:
        if spool is not None:
            spool.close()
        if cache is not None:
            cache.close()


def _write_run(ctx: click.Context, o: Options, config: Any, outputs: list[Output], reporters: dict[str, Any],
               files: list[str], ruleset: Any, cache: Any, fail_level: str, baseline: Optional[dict[str, Any]],
               documents: Any, history_notes: list[str], key: Optional[str], spool: Any,
               facts: dict[str, Any]) -> None:
    """Waivers, the run record, the outputs, the summary on standard error, the exit code."""
    from auditor import cachedir, runner

    for warning in cachedir.warnings() + ([cache.warning] if cache is not None and cache.warning else []) \
            + history_notes:
        click.echo(f"auditor: {t('cli.warning')}: {warning}", err=True)
    skipped: list[str] = []
    if o.reports_only:
        documents, skipped = _drop_non_reports(documents)
    documents, waiver_record = runner.apply_waivers(documents, config.waivers, record=facts.get("waivers"))
    if spool is not None:
        documents.replay("json", spool, facts["counts"])
    elif key is not None:
        from auditor.resultcache import RenderedRecorder

        documents.record_to("json", lambda: RenderedRecorder(cache, key, {"waivers": waiver_record}))
    run = runner.build_run(documents, ruleset, config=config.record(), waivers=waiver_record,
                           fail_on=fail_level, inputs=[f for f in files if f not in set(skipped)],
                           argv=_command_line(ctx))
    run.meta["lang"] = _language()
    if baseline is not None:
        run.meta["baseline"] = baseline
    if skipped:
        run.meta["skipped"] = skipped
    if o.quiet:
        run.meta["quiet"] = True
    if o.statistics:  # the table takes the console's place on standard output
        outputs = [out for out in outputs if not (out.format == "console" and out.path is None)]
    _write_outputs(run, outputs, reporters, o.color)
    if o.statistics:
        from auditor.reporters.console import statistics_text

        click.echo(statistics_text(run), nl=False)
    if any(out.format == "console" for out in outputs) or all(out.path is not None for out in outputs):
        from auditor.reporters.console import summary_text

        click.echo(summary_text(run, color=_use_color(o.color, sys.stderr), brief=o.quiet), err=True, nl=False)
    sys.exit(runner.exit_code(run, fail_level))  # not ctx.exit: the group runs with standalone_mode=False


class _Later:
    """A patch made when a document is first read (never, when the outputs are replayed)."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make: Optional[Callable[[], Any]] = make
        self._patch: Any = None

    def __call__(self, position: int, doc: Any) -> Any:
        if self._make is not None:
            self._patch, self._make = self._make(), None
        return self._patch(position, doc)


REPLAY_BLOCK = 500  # files hashed before their facts are looked up at once


def _replayable(cache: Any, outputs: list[Output], reporters: dict[str, Any], baseline: Optional[dict[str, Any]]) -> bool:
    """Whether this run's outputs can come from an identical run's: every output a format that
    replays (JSON), no baseline (nor history: the caller's to check; they have no key of their own)."""
    return cache is not None and cache.active and baseline is None \
        and all(getattr(reporters[out.format].obj, "replays", False) for out in outputs)


def _replay_unchanged(store: Any, cache: Any, files: list[str], limits: Any, config: Any, o: Options,
                      fail_level: str) -> Optional[tuple[str, Any, dict[str, Any]]]:
    """An unchanged run's outputs, when an identical run left them in the cache: each file
    hashed and only its facts read (``ResultCache.facts_many``: no entry fetched, nothing
    decoded, no worker started); ``store`` then holds the facts. (key, spool, facts) as
    ``_rendered_key`` and ``_replay`` give them; None at the first file the cache has no facts
    of, or when no identical run's outputs are kept — the batch then runs as always, without
    hashing again what was hashed here (``ResultCache.digests``)."""
    import hashlib

    from auditor.codec import CodecError
    from auditor.limits import TimeLimitExceeded, time_limit
    from auditor.model import AdapterError
    from auditor.reading import is_url, read_bytes
    from auditor.worker import head_facts

    known: list[tuple[str, list[Any]]] = []
    for start in range(0, len(files), REPLAY_BLOCK):
        keys = []
        try:
            with time_limit(limits.timeout):  # one file's limit for a block: on a slow disk, no replay
                for path in files[start:start + REPLAY_BLOCK]:
                    if is_url(path):  # remote inputs are not cached
                        return None
                    digest = cache.digests[path] = hashlib.sha256(read_bytes(path, limits.max_file_bytes)).hexdigest()
                    keys.append(cache.key(path, digest))
        except (AdapterError, TimeLimitExceeded, MemoryError):
            return None
        found = cache.facts_many(keys)
        for key in keys:
            try:
                known.append((key, head_facts(found[key])[1]))
            except (KeyError, CodecError):
                return None
    key = _rendered_key([fact for _key, facts in known for fact in facts], cache, config, o, fail_level)
    spool, facts = _replay(cache, key)
    if spool is None:
        return None
    cache.digests.clear()
    for entry_key, entry_facts in known:
        store.add_known(entry_facts, entry_key)
    store.fetch = lambda entry_key: cache.get_many([entry_key]).get(entry_key)
    return key, spool, facts


def _rendered_key(facts: list[Any], cache: Any, config: Any, o: Options, fail_level: str) -> str:
    """The key of this run's rendered outputs in the result cache (when ``_replayable``). It
    covers every document's ``facts`` (path, hash, error… — with the cache's salt, its
    results), the configuration, the waivers (and today, which decides which ran out), the
    language, the fail level, ``--reports-only``, the working folder and datasketch's version:
    all the JSON output's documents and summary depend on."""
    import datetime as dt
    import json

    from auditor.crossdoc import datasketch_version  # (crossdoc imports the comparison itself only to compare)
    from auditor.resultcache import rendered_key

    waivers = config.waivers
    settings = json.dumps({"config": config.record(), "waivers": [repr(w) for w in waivers],
                           "today": dt.date.today().isoformat() if waivers else None, "lang": _language(),
                           "fail_on": fail_level, "reports_only": o.reports_only, "cwd": os.getcwd(),
                           "datasketch": datasketch_version()}, sort_keys=True, ensure_ascii=False, default=str)
    return rendered_key(cache, "\n".join([settings, *map(repr, facts)]))


def _replay(cache: Any, key: str) -> tuple[Any, dict[str, Any]]:
    """This run's rendered documents (in a ``Spool``) and facts, if an identical run left
    them whole in the cache; (None, {}) otherwise."""
    from auditor.docstore import Spool
    from auditor.resultcache import rendered_head, rendered_pieces

    head = rendered_head(cache, key)
    if head is None:
        return None, {}
    pieces, facts = head
    if not isinstance(facts.get("counts"), dict) or not isinstance(facts.get("waivers"), dict):
        return None, {}
    spool = Spool()
    for data in rendered_pieces(cache, key, pieces):
        if data is None:
            spool.close()
            return None, {}
        spool.write(data)
    return spool, facts


def _cross_document_phase(store: Any, ruleset: Any, history: list[Any], config: Any, cache: Any = None, *,
                          patch: bool = False) -> Any:
    """Rules over several documents (previous year, similar reports, local deadlines), once all
    results are in (``auditor.crossdoc``); kept in the result cache for the whole run. Returns
    the store's documents as outputs read them: with these outcomes filled in (``patch``: the
    patch that fills them in)."""
    if not getattr(ruleset, "has_cross", False):
        return (lambda _position, doc: doc) if patch else store.view()
    import json

    from auditor.crossdoc import completer, cross_outcomes
    from auditor.deadlines import from_config

    origin = config.path.name if config.path is not None else "config"
    deadlines = config.get("deadlines", [])
    settings = json.dumps({"deadlines": deadlines, "origin": origin}, sort_keys=True, ensure_ascii=False, default=str)
    found = cross_outcomes(store, ruleset, history=history, deadline=from_config(deadlines, origin), cache=cache,
                           settings=settings)
    return completer(found) if patch else store.view().patched(completer(found))


def _language() -> str:
    from auditor.i18n import language

    return language()


def _check_folders(outputs: list[Output], reporters: dict[str, Any]) -> None:
    """A format that writes a folder of files (``notice``) needs ``--output DIR/``."""
    for output in outputs:
        if getattr(reporters[output.format].obj, "folder", False):
            if output.path is None:
                raise AuditUsageError(t("audit.needs_folder", format=output.format))
            if os.path.exists(output.path) and not os.path.isdir(output.path):
                raise AuditUsageError(t("audit.not_a_folder", format=output.format, path=output.path))


NOT_A_REPORT = (r"^(no annual report found|\$|invalid JSON|no report text in the page|empty HTML page|"
                r"no HTML markup|file holds only whitespace|file is empty|binary data)")


def _drop_non_reports(documents: Any) -> tuple[Any, list[str]]:
    """``--reports-only`` (the pre-commit hook): files that turn out not to be reports — a
    README, a package.json — are named in the summary as skipped, not counted as errors.
    ``documents``: a ``DocumentView`` (judged by the facts it keeps) or a list."""
    def not_a_report(doc: Any) -> bool:
        return doc.error is not None and bool(re.match(NOT_A_REPORT, doc.error))

    select = getattr(documents, "select", None)
    if callable(select):
        return select(lambda f: not not_a_report(f)), [f.path for f in documents.facts() if not_a_report(f)]
    kept, skipped = [], []
    for doc in documents:
        if not_a_report(doc):
            skipped.append(doc.path)
        else:
            kept.append(doc)
    return kept, skipped


def _load_baseline(path: str) -> dict[str, Any]:
    """The findings of the previous round (a ``--format json`` results file)."""
    import json

    from auditor.reporters.rounds import baseline_findings

    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        findings = baseline_findings(data)
    except OSError as exc:
        raise AuditUsageError(t("baseline.unreadable", path=path, reason=exc.strerror or exc)) from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise AuditUsageError(t("baseline.invalid", path=path, reason=exc)) from None
    return {"path": path, "created": data.get("created"), "run_id": data.get("run_id"), "findings": findings,
            "documents": sorted({f["document"] for f in findings.values()} | _document_keys(data))}


def _document_keys(data: dict[str, Any]) -> set[str]:
    from auditor.reporters.rounds import document_identity

    return {document_identity(d.get("agency"), d.get("year"), d.get("source", ""), d.get("index", 0))
            for d in data.get("documents", []) if not d.get("error")}


def _write_outputs(run: Any, outputs: list[Output], reporters: dict[str, Any], color: str) -> None:
    """Render every output, then put the files in place one right after another: a failure in
    any rendering replaces none of them, so outputs of two runs do not end up side by side
    (each carries the run id, ``meta['run_id']``, to tell them apart anyway)."""
    staged: list[tuple[Optional[str], str]] = []
    try:
        for output in outputs:
            reporter = reporters[output.format].obj
            if getattr(reporter, "folder", False):
                assert output.path is not None
                for name, data in reporter.files(run):
                    target = os.path.join(output.path, name)
                    staged.append((_stage(target, data), target))
                continue
            use_color = output.path is None and _use_color(color, sys.stdout)
            data = _content(reporter, run, use_color)
            if output.path is None:
                _write_stdout(data)
                continue
            temp = _stage(output.path, data)
            if temp is not None:
                staged.append((temp, output.path))
        while staged:
            temp, path = staged[0]
            if temp is not None:
                try:
                    commit_output(temp, path)
                except OSError as exc:
                    raise AuditUsageError(t("audit.cannot_write", path=path, reason=exc.strerror or exc)) from None
            staged.pop(0)
    finally:
        for temp, _ in staged:
            discard_output(temp)


def _stage(path: str, data: Content) -> Optional[str]:
    try:
        return stage_output(path, data)
    except OSError as exc:
        raise AuditUsageError(t("audit.cannot_write", path=path, reason=exc.strerror or exc)) from None


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
        click.echo(f"auditor: {t('cli.warning')}: {note}", err=True)
    if config.path is not None:
        how = t("config.discovered") if config.discovered else t("config.named")
        click.echo(t("config.using", path=config.path, how=how), err=True)


def _warn_disabled_standard_rules(config: Any, ruleset: Any, *, select: bool, ignore: bool) -> None:
    """A discovered configuration that switches standard rules off says so loudly."""
    if config.get("standard", True) is False:
        click.echo(f"auditor: {t('cli.warning')}: " + t("config.standard_off", where=config.where("standard")),
                   err=True)
        return
    from auditor.resources import data_path

    base = os.path.realpath(data_path("rules"))
    active = {r.id for r in ruleset.rules}
    standard_ids = [rid for pack in ruleset.packs if os.path.realpath(pack.path).startswith(base)
                    for rid in pack.rules]
    off = [rid for rid in standard_ids if rid not in active]
    set_here = [key for key, given in (("select", select), ("ignore", ignore)) if config.get(key) and not given]
    if off and set_here:
        shown = "、".join(off[:8]) + (t("list.more") if len(off) > 8 else "")
        click.echo(f"auditor: {t('cli.warning')}: " + t("config.rules_off", where=config.where(set_here[0]),
                                                         keys="/".join(set_here), count=len(off), rules=shown),
                   err=True)


def _check_scheduler(scheduler: str) -> None:
    match = re.match(SCHEDULER, scheduler)
    if not match or (match.group(2) is not None and not 1 <= int(match.group(2)) <= MAX_JOBS):
        raise AuditUsageError(t("audit.bad_scheduler", max=MAX_JOBS, value=scheduler))
    import importlib.util

    if importlib.util.find_spec("distributed") is None:
        raise AuditUsageError(t("audit.needs_dask"))


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


OPTION_NAMES = {"rule_paths": "rules", "severities": "severity", "formats": "format", "output_paths": "output",
                "config_path": "config", "history_paths": "history"}


def _command_line(ctx: click.Context) -> list[str]:
    """The command as it would be typed again (for the reproducibility record)."""
    line = ["auditor", ctx.info_name or "audit"]
    for name, value in ctx.params.items():
        if name == "paths" or value in (None, False, ()) or (name == "color" and value == "auto"):
            continue
        option = "--" + OPTION_NAMES.get(name, name).replace("_", "-")
        for item in value if isinstance(value, tuple) else (value,):
            line += [option] if item is True else [option, str(item)]
    return line + list(ctx.params.get("paths", ()))


CONFIG_SELECTION = r"^(?:no rule matches|unknown rule) '(?P<rule>[^']+)'(?: — did you mean '(?P<hint>[^']+)'\?)?"


def _load_rules(spec: Any, config: Any, o: Options) -> Any:
    """Compile the rules once up front: a broken rule file stops the run before any report is
    read (exit 2, compiler-style message); workers forked later inherit the compiled set. A
    selection that names no rule says where it was written: the option, or the configuration
    file's line (``auditor.toml:12: ignore: …``)."""
    try:
        from auditor.engine import RuleFileError
    except ModuleNotFoundError as exc:
        if exc.name != "auditor.engine":
            raise
        raise AuditUsageError(t("audit.no_engine")) from None
    try:
        return spec.load()
    except RuleFileError as exc:
        diagnostics = getattr(exc, "diagnostics", ())
        if diagnostics and all(d.path in ("--select", "--ignore", "severity") for d in diagnostics):
            raise AuditUsageError("\n".join(_selection_problem(d, config, o) for d in diagnostics)) from None
        render = getattr(exc, "render", None)
        raise AuditUsageError(render() if callable(render) else str(exc)) from None
    except (OSError, ValueError) as exc:
        raise AuditUsageError(t("audit.cannot_load_rules", reason=exc)) from None


def _selection_problem(diagnostic: Any, config: Any, o: Options) -> str:
    key = diagnostic.path.lstrip("-")
    match = re.match(CONFIG_SELECTION, diagnostic.message)
    if match is None:
        return f"{diagnostic.path}: {diagnostic.message}"
    rule, hint = match.group("rule"), match.group("hint")
    text = t("audit.no_rule", rule=rule) + (t("hint.did_you_mean", name=hint) if hint else "")
    from_cli = {"select": bool(o.select), "ignore": bool(o.ignore),
                "severity": any(s.partition("=")[0].strip() == rule for s in _split(o.severities))}[key]
    if from_cli or config.path is None:
        return f"--{key}: {text}"
    values = config.get(key, [] if key != "severity" else {})
    path: tuple[Any, ...] = (key, values.index(rule)) if isinstance(values, list) and rule in values else (key, rule)
    return f"{config.where(*path)}: {config.key_name(key)}: {text}"
