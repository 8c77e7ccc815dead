"""Batches: which files, audited where, within what limits, from the cache when unchanged.

Nothing is lost: every input file yields at least one ``DocumentResult`` — a file that cannot
be read, crashes its worker or runs past the per-file timeout becomes an error entry with the
reason, and the batch goes on. Results stream out in input order (``iter_batch``) as compact
documents without their full text, so memory stays flat however many files there are.

Where the work runs: one file or ``jobs=1`` in this process (``auditor.limits`` enforces the
timeout without a pool); more in a local pool (``auditor.pool``, pebble); ``scheduler`` set, on
a Dask cluster (``auditor.dask_runner``). Same results, same order, same limits whichever runs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fnmatch
import hashlib
import os
import re
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Optional

from auditor.config import Waiver
from auditor.limits import DEFAULT_TIMEOUT, TimeLimitExceeded, memory_limit, time_limit
from auditor.model import AdapterError, AuditRun, DocumentResult, Finding
from auditor.pool import RunnerError
from auditor.reading import is_url, read_bytes
from auditor.worker import (
    DEFAULT_LIMITS,
    FileOutcome,
    Limits,
    Reader,
    RuleSetLike,
    audit_file,
    decode_entry,
    display_path,
    encode_entry,
    error_entry,
    fewer_collections,
    memory_message,
    share_rules,
    slim,
    timeout_message,
)

__all__ = ["DEFAULT_TIMEOUT", "Limits", "RuleSpec", "RunnerError", "apply_waivers", "audit_file", "build_run",
           "collect_inputs", "exit_code", "iter_batch", "run_batch"]

GLOB_CHARS = frozenset("*?[")
CACHE_BLOCK = 256  # files hashed and looked up together

ProgressCallback = Callable[[int, int, str], None]  # done, total, last path


@dataclass(frozen=True)
class RuleSpec:
    """How to build the rule set: picklable, so a worker process can build its own."""

    paths: tuple[str, ...] = ()
    standard: bool = True
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)

    def load(self) -> RuleSetLike:
        from auditor.engine import load_rules

        return load_rules(self.paths, standard=self.standard, select=self.select, ignore=self.ignore,
                          severity_overrides=dict(self.severity) or None)


# --------------------------------------------------------------------------------------------
# Which files
# --------------------------------------------------------------------------------------------


def default_include() -> tuple[str, ...]:
    """Every extension an installed adapter reads (``*.txt``, ``*.html``…)."""
    from auditor import plugins

    exts = sorted({ext for loaded in plugins.adapters().values() for ext in loaded.obj.extensions})
    return tuple(f"*{ext}" for ext in exts) or ("*",)


def _matches(path: Path, patterns: Iterable[str]) -> bool:
    """A file or folder name matches a pattern, or its path does (as a whole, at its end, or
    as a folder above it); names compare without case."""
    by_name, by_path = _compiled(tuple(patterns))
    return bool(by_name.match(path.name.lower()) or by_path.match(path.as_posix()))


# A repository's own documents met while recursing a folder (README.md, CHANGELOG.txt…): not
# reports. Named on the command line they are read like any file. (A pattern string, compiled
# by ``re`` on first use: a one-file audit never recurses a folder.)
REPOSITORY_DOCS = (r"(?i)^(readme|changelog|changes|license|licence|contributing|authors|notice)"
                   r"(\.[a-z]+)?$")


@lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """One regular expression for names and one for paths: a folder of 10^5 files is matched
    in one call per file, not a dozen ``fnmatch`` calls."""
    never = "(?!)"
    bare = [p.rstrip("/") for p in patterns]
    names = "|".join(fnmatch.translate(b.lower()) for b in bare) or never
    paths = "|".join(f"{fnmatch.translate(b)}|{fnmatch.translate('*/' + b)}|{fnmatch.translate(b + '/*')}"
                     for b in bare) or never
    return re.compile(names), re.compile(paths)


def collect_inputs(paths: Sequence[str], *, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> list[str]:
    """Expand files, folders (recursed, hidden entries skipped) and globs into a sorted,
    de-duplicated list. Files named explicitly are always kept — and a path that does not exist
    is kept too, so it shows up as an error entry instead of vanishing. File names that are not
    UTF-8 are kept as Python keeps them (surrogate escapes), so they can still be opened.
    A URL (``s3://bucket/reports/``) is listed with fsspec when it ends in ``/`` or has a glob."""
    include = tuple(include) or default_include()
    found: list[str] = []

    def walk(folder: Path) -> None:
        for root, dirs, files in os.walk(folder):
            base = Path(root)
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__"
                             and not _matches(base / d, exclude))
            for name in sorted(files):
                candidate = base / name
                if name.startswith(".") or _matches(candidate, exclude) or re.match(REPOSITORY_DOCS, name):
                    continue
                if _matches(candidate, include):
                    found.append(str(candidate))

    for raw in paths:
        if is_url(raw):
            found.extend(_list_url(raw, include, exclude))
            continue
        path = Path(raw)
        if path.is_dir():
            walk(path)
        elif path.exists() or path.is_symlink() or not GLOB_CHARS & set(raw):
            found.append(raw)
        else:
            for match in sorted(Path().glob(raw) if not path.is_absolute() else
                                Path(path.anchor).glob(str(path.relative_to(path.anchor)))):
                if match.is_dir():
                    walk(match)
                elif not _matches(match, exclude) and _matches(match, include):
                    found.append(str(match))
    seen: set[str] = set()
    unique = []
    for item in found:
        key = item if is_url(item) else os.path.normcase(os.path.abspath(item))
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def _list_url(url: str, include: Sequence[str], exclude: Sequence[str]) -> list[str]:
    """The files behind a folder or glob URL; a URL naming one file is kept as it is."""
    if not (url.endswith("/") or GLOB_CHARS & set(url.partition("://")[2])):
        return [url]
    try:
        import fsspec
    except ImportError:
        return [url]  # reading it will say that fsspec is needed
    fs, target = fsspec.core.url_to_fs(url)
    names = fs.glob(target) if GLOB_CHARS & set(target) else fs.find(target)
    out = []
    for name in sorted(names):
        candidate = Path(name)
        if _matches(candidate, include) and not _matches(candidate, exclude):
            out.append(name if is_url(name) else fs.unstrip_protocol(name))
    return out


def file_sha256(path: str, max_bytes: Optional[int] = None) -> Optional[str]:
    """SHA-256 of a regular file's bytes (None if it cannot be read); never blocks on a FIFO."""
    try:
        return hashlib.sha256(read_bytes(path, max_bytes or Limits().max_file_bytes)).hexdigest()
    except AdapterError:
        return None


# --------------------------------------------------------------------------------------------
# Many files
# --------------------------------------------------------------------------------------------


def run_batch(files: Sequence[str], load_ruleset: Optional[Callable[[], RuleSetLike]] = None, *, jobs: int = 1,
              timeout: Optional[float] = DEFAULT_TIMEOUT, progress: Optional[ProgressCallback] = None,
              read: Optional[Reader] = None, history: Sequence[Any] = (), deadline: Any = None,
              **options: Any) -> list[DocumentResult]:
    """``iter_batch`` collected into a list, then the cross-document phase (``auditor.crossdoc``:
    rules reading ``previous``, ``similar_reports``, ``publication_deadline``) over it and
    ``history`` (entries from ``auditor.crossdoc``). The API for small batches and tests."""
    from auditor.crossdoc import complete

    limits = options.pop("limits", None) or Limits(timeout=timeout)
    ruleset = options.pop("ruleset", None)
    if ruleset is None:
        if load_ruleset is None:
            raise ValueError("run_batch needs ruleset or load_ruleset")
        ruleset = load_ruleset()
    docs = list(iter_batch(files, load_ruleset, ruleset=ruleset, jobs=jobs, limits=limits, progress=progress,
                           read=read, **options))
    return complete(docs, ruleset, history=history, deadline=deadline)


def iter_batch(files: Sequence[str], load_ruleset: Optional[Callable[[], RuleSetLike]] = None, *,
               ruleset: Optional[RuleSetLike] = None, jobs: int = 1, limits: Limits = DEFAULT_LIMITS,
               progress: Optional[ProgressCallback] = None, read: Optional[Reader] = None,
               cache: Any = None, full_reports: bool = True, scheduler: Optional[str] = None,
               executor: Any = None) -> Iterator[DocumentResult]:
    """Audit ``files`` and yield their results in input order, as they become available.

    Rules over several documents are left as stand-ins (``engine.DEFERRED``), each document
    carrying its ``signature``: run ``auditor.crossdoc.complete`` over the results (as
    ``run_batch`` and the audit command do) to evaluate them.

    ``cache`` is a ``ResultCache`` (or None); ``full_reports`` False keeps only the report
    metadata the built-in summary formats show (``auditor.worker.slim``); ``scheduler`` is
    ``local:N`` or ``tcp://host:port`` for Dask; ``executor`` overrides the pool (tests).
    One file, or ``jobs <= 1`` without a scheduler, runs in this process."""
    for docs, entry, state in _iter_files(files, load_ruleset, ruleset=ruleset, jobs=jobs, limits=limits,
                                          progress=progress, read=read, cache=cache, full_reports=full_reports,
                                          scheduler=scheduler, executor=executor):
        yield from state.share(docs if docs is not None else decode_entry(entry))


def iter_entries(files: Sequence[str], load_ruleset: Optional[Callable[[], RuleSetLike]] = None,
                 **options: Any) -> Iterator[str]:
    """``iter_batch`` a file at a time, each input file's results as the entry a worker sends
    and the result cache keeps (``auditor.worker.encode_entry``), undecoded: for an
    ``auditor.docstore.DocumentStore`` to keep on disk. Same options as ``iter_batch``."""
    for _docs, entry, _state in _iter_files(files, load_ruleset, **options):
        yield entry


def _iter_files(files: Sequence[str], load_ruleset: Optional[Callable[[], RuleSetLike]] = None, *,
                ruleset: Optional[RuleSetLike] = None, jobs: int = 1, limits: Limits = DEFAULT_LIMITS,
                progress: Optional[ProgressCallback] = None, read: Optional[Reader] = None,
                cache: Any = None, full_reports: bool = True, scheduler: Optional[str] = None,
                executor: Any = None) -> Iterator[tuple[Optional[list[DocumentResult]], str, _Accounting]]:
    if not files:
        return
    if ruleset is None and load_ruleset is None:
        raise ValueError("iter_batch needs ruleset or load_ruleset")
    ruleset = ruleset if ruleset is not None else load_ruleset()  # type: ignore[misc]
    share_rules(ruleset)
    state = _Accounting(len(files), progress, cache, full_reports)
    with fewer_collections():
        for docs, entry in _run_files(files, load_ruleset, ruleset, jobs, limits, read, state, full_reports,
                                      scheduler, executor):
            yield docs, entry, state


# One file's results: its documents when they are at hand (None: not decoded) and its entry.
Results = tuple[Optional[list[DocumentResult]], str]


def _run_files(files: Sequence[str], load_ruleset: Optional[Callable[[], RuleSetLike]], ruleset: RuleSetLike,
               jobs: int, limits: Limits, read: Optional[Reader], state: _Accounting, full_reports: bool,
               scheduler: Optional[str], executor: Any) -> Iterator[Results]:
    try:
        if executor is None and scheduler is None and (jobs <= 1 or len(files) == 1):
            yield from _in_process(files, ruleset, read, limits, state)
            return
        lazy = _Lazy(executor or (lambda: _executor(scheduler, jobs, len(files), load_ruleset, ruleset, read,
                                                     limits, full_reports)),
                     after_start=_preload_similarity if _compares(ruleset, len(files)) else None)
        try:
            yield from _distributed(files, lazy, limits, state)
        except BaseException:
            lazy.stop()
            raise
        lazy.close()
    finally:
        state.flush()


class _Lazy:
    """The pool or cluster, started on the first file the cache does not have (a re-audit of an
    unchanged folder starts neither)."""

    def __init__(self, made: Any, after_start: Optional[Callable[[], None]] = None) -> None:
        self._made = made if not callable(made) else None
        self._make = made if callable(made) else None
        self._after_start = after_start

    def submitted(self) -> None:
        """Chunks are out: ``after_start`` runs once, while the workers are busy with them."""
        if self._after_start is not None and self._made is not None and self.in_flight:
            after, self._after_start = self._after_start, None
            after()

    @property
    def started(self) -> Any:
        if self._made is None:
            self._made = self._make()
        return self._made

    @property
    def in_flight(self) -> int:
        return self._made.in_flight if self._made is not None else 0

    def close(self) -> None:
        if self._made is not None:
            self._made.close()

    def stop(self) -> None:
        if self._made is not None:
            self._made.stop()


def _compares(ruleset: Any, files: int) -> bool:
    """Whether the cross-document phase will compare narratives: a rule reads similar reports."""
    return files >= 2 and "similar_reports" in getattr(ruleset, "cross_names", ())


def _preload_similarity() -> None:
    """datasketch imported while the workers audit their first chunks, not after the batch
    (``similarity.preload``): the parent mostly waits for results meanwhile."""
    from auditor.similarity import preload

    preload()


def _executor(scheduler: Optional[str], jobs: int, total: int, load_ruleset: Any, ruleset: Any, read: Any,
              limits: Limits, full_reports: bool) -> Any:
    if scheduler:
        from auditor.dask_runner import DaskExecutor

        return DaskExecutor(scheduler, ruleset=ruleset or load_ruleset(), read=read, limits=limits,
                            full_reports=full_reports)
    from auditor.pool import LocalPool

    return LocalPool(max(1, min(jobs, total)), load_ruleset=load_ruleset, ruleset=ruleset, read=read,
                     limits=limits, full_reports=full_reports)


@dataclass
class _Accounting:
    """Progress, the cache's pending writes, and sharing of identical outcomes across documents."""

    total: int
    progress: Optional[ProgressCallback]
    cache: Any
    full_reports: bool
    done: int = 0
    puts: list[tuple[str, str]] = field(default_factory=list)
    shared: dict[Any, Any] = field(default_factory=dict)

    def finished(self, path: str) -> None:
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total, path)

    def store(self, key: Optional[str], payload: str) -> None:
        if self.cache is None or key is None:
            return
        self.puts.append((key, payload))
        if len(self.puts) >= CACHE_BLOCK:
            self.flush()

    def flush(self) -> None:
        if self.cache is not None and self.puts:
            self.cache.put_many(self.puts, entries=True)
        self.puts = []

    def share(self, docs: list[DocumentResult]) -> list[DocumentResult]:
        """One object for each outcome without findings (``pass`` of rule X…), not one per document."""
        out = []
        for doc in docs:
            if doc.outcomes:
                outcomes = tuple(self.shared.setdefault((id(o.rule), o.status, o.reason), o) if not o.findings else o
                                 for o in doc.outcomes)
                doc = dataclasses.replace(doc, outcomes=outcomes)
            out.append(doc)
        return out


def _in_process(files: Sequence[str], ruleset: RuleSetLike, read: Optional[Reader], limits: Limits,
                state: _Accounting) -> Iterator[Results]:
    """One file after another in this process, each under the time and memory limits."""
    for path in files:
        with memory_limit(limits.memory_mb):
            docs, entry, new_key = _audit_here(path, ruleset, read, limits, state.cache)
        if entry is None:
            docs = [slim(d, full_reports=state.full_reports) for d in docs]
            entry = encode_entry(docs)
        if new_key is not None:
            state.store(new_key, entry)
        state.finished(path)
        yield (docs if docs else None), entry


def _audit_here(path: str, ruleset: RuleSetLike, read: Optional[Reader], limits: Limits,
                cache: Any) -> tuple[list[DocumentResult], Optional[str], Optional[str]]:
    """One file, hashing and cache look-up included, under the time limit. Returns its results
    (none when they came from the cache), the cache's entry (None: audited here, not slimmed
    yet), and the cache key to store them under (None: a hit, no cache, or not cacheable)."""
    from auditor.worker import run_guarded

    found: dict[str, Any] = {}

    def work() -> list[DocumentResult]:
        try:
            data = None
            if cache is not None:
                digest = cache.digests.pop(path, None)  # hashed already by a replay that was not to be
                if digest is None:
                    data = read_bytes(path, limits.max_file_bytes)
                    digest = hashlib.sha256(data).hexdigest()
                key = found["key"] = cache.key(path, digest)
                entry = cache.get_many([key]).get(key)
                if entry is not None and _valid(entry):
                    found["hit"] = entry
                    return HIT
                if data is None:
                    data = read_bytes(path, limits.max_file_bytes)
                    key = found["key"] = cache.key(path, hashlib.sha256(data).hexdigest())
            return audit_file(path, ruleset, read, data=data, max_bytes=limits.max_file_bytes)
        except AdapterError as exc:
            return [DocumentResult(path=path, error=str(exc) or "cannot be read")]

    docs, cacheable = run_guarded(path, limits, work)
    entry = found.get("hit") if docs is HIT else None  # (not if the time ran out after the look-up)
    return ([] if entry else docs), entry, (found.get("key") if cacheable and entry is None else None)


def _distributed(files: Sequence[str], executor: _Lazy, limits: Limits, state: _Accounting) -> Iterator[Results]:
    """Hash and look up a block of files here, send the misses out in chunks, and yield every
    result in input order as soon as all before it are in."""
    from auditor.pool import plan_chunks

    buffer: dict[int, Results] = {}
    keys: dict[int, Optional[str]] = {}
    digests: dict[int, Optional[str]] = {}
    next_index = 0
    position = 0
    waiting: list[list[tuple[int, str]]] = []
    window = 0  # chunks in flight at most; set when the pool or cluster starts

    def accept(index: int, results: Results) -> None:
        buffer[index] = results
        state.finished(files[index])

    while True:
        while waiting and executor.in_flight < window:
            executor.started.submit(waiting.pop())
        executor.submitted()
        if not waiting and position < len(files) and executor.in_flight <= window // 2:
            block = range(position, min(position + CACHE_BLOCK, len(files)))
            position = block.stop
            misses = _look_up(block, files, limits, state, keys, digests, accept)
            if misses:
                size = getattr(executor.started, "size", 2)
                window = window or max(2, size * 4)
                waiting = plan_chunks([(i, files[i]) for i in misses], size, [_size(files[i]) for i in misses])
                waiting.reverse()
        while next_index in buffer:
            yield buffer.pop(next_index)
            next_index += 1
        if executor.in_flight == 0:
            if waiting or position < len(files):
                continue
            break
        for index, outcome in executor.started.next_done():
            accept(index, _received(index, outcome, files[index], keys, digests, state))
    while next_index in buffer:  # pragma: no branch - everything is in by now
        yield buffer.pop(next_index)
        next_index += 1


def _look_up(block: range, files: Sequence[str], limits: Limits, state: _Accounting, keys: dict[int, Optional[str]],
             digests: dict[int, Optional[str]], accept: Callable[[int, Results], None]) -> list[int]:
    """Hash each file of ``block`` (regular files only, under the time limit) and take what the
    cache has; return the indices still to audit. Without a cache nothing is read here."""
    cache = state.cache
    if cache is None:
        return list(block)
    misses = []
    for index in block:
        path = files[index]
        if is_url(path):  # hashing here would download it here: remote inputs are not cached
            misses.append(index)
            continue
        try:
            digest = cache.digests.pop(path, None)  # hashed already by a replay that was not to be
            if digest is None:
                with time_limit(limits.timeout):
                    digest = hashlib.sha256(read_bytes(path, limits.max_file_bytes)).hexdigest()
        except AdapterError:
            misses.append(index)  # the worker says why, exactly as without a cache
            continue
        except TimeLimitExceeded:
            accept(index, _encoded([error_entry(path, timeout_message(limits.timeout or 0))]))
            continue
        except MemoryError:
            accept(index, _encoded([error_entry(path, memory_message(limits.memory_mb))]))
            continue
        digests[index] = digest
        keys[index] = cache.key(path, digest)
        misses.append(index)
    found = cache.get_many([keys[i] for i in misses if keys.get(i)])
    still = []
    for index in misses:
        entry = found.get(keys.get(index) or "")
        if entry is None or not _valid(entry):
            still.append(index)
        else:
            keys.pop(index, None)
            digests.pop(index, None)
            accept(index, (None, entry))
    return still


HIT: list[DocumentResult] = []  # what ``_audit_here`` finds in the cache: its entry, not decoded


def _valid(entry: str) -> bool:
    """Whether an entry is whole (``auditor.worker.entry_facts``: its shape and checksum); a
    corrupt entry is a miss. Its documents are decoded when an output reads them."""
    from auditor.codec import CodecError
    from auditor.worker import check_entry

    try:
        check_entry(entry)
    except CodecError:
        return False
    return True


def _encoded(docs: list[DocumentResult]) -> Results:
    return docs, encode_entry(docs)


def _received(index: int, outcome: Any, path: str, keys: dict[int, Optional[str]], digests: dict[int, Optional[str]],
              state: _Accounting) -> Results:
    """A worker's answer for one file: its results (stored in the cache) or the pool's error."""
    key = keys.pop(index, None)
    digest = digests.pop(index, None)
    if not isinstance(outcome, FileOutcome):
        return _encoded([error_entry(path, str(outcome), digest)])
    if not _valid(outcome.payload):
        return _encoded([error_entry(path, "internal error: a worker sent back results that cannot be read", digest)])
    if outcome.cacheable and state.cache is not None and outcome.digest and digest is not None:
        if outcome.digest != digest:  # the file changed after it was hashed here
            key = state.cache.key(path, outcome.digest)
        state.store(key, outcome.payload)
    return None, outcome.payload


def _size(path: str) -> int:
    try:
        return 0 if is_url(path) else os.stat(path).st_size
    except OSError:
        return 0


# --------------------------------------------------------------------------------------------
# Waivers
# --------------------------------------------------------------------------------------------


@dataclass
class WaiverUse:
    waiver: Waiver
    matched: int = 0


def apply_waivers(documents: Sequence[DocumentResult], waivers: Sequence[Waiver], *,
                  today: Optional[dt.date] = None,
                  record: Optional[dict[str, Any]] = None) -> tuple[Sequence[DocumentResult], dict[str, Any]]:
    """Mark covered findings as waived (never drop them). An expired waiver does not apply: the
    finding keeps failing and its message says which waiver ran out. Returns the documents and
    a record of unused and expired waivers for every output. Documents read from disk
    (``auditor.docstore.DocumentView``) are counted in one pass and waived as they are read —
    or not counted, when ``record`` is what that pass found in an identical earlier run."""
    today = today or dt.date.today()
    uses = [WaiverUse(w) for w in waivers]
    patched = getattr(documents, "patched", None)
    if callable(patched):
        if not uses:
            return documents, _waiver_record(uses, today)
        if record is not None:
            return patched(lambda _position, doc: _waived(doc, [WaiverUse(w) for w in waivers], today)), record
        for doc in documents:
            _waived(doc, uses, today)
        record = _waiver_record(uses, today)
        return patched(lambda _position, doc: _waived(doc, [WaiverUse(w) for w in waivers], today)), record
    out = [_waived(doc, uses, today) for doc in documents]
    return out, _waiver_record(uses, today)


def _waived(doc: DocumentResult, uses: Sequence[WaiverUse], today: dt.date) -> DocumentResult:
    if not doc.outcomes or not uses:
        return doc
    agency = doc.report.agency if doc.report else None
    relevant = [u for u in uses if u.waiver.covers_document(doc.path, agency)]
    if not relevant:
        return doc
    outcomes = tuple(dataclasses.replace(o, findings=tuple(_waive(f, relevant, today) for f in o.findings))
                     for o in doc.outcomes)
    return dataclasses.replace(doc, outcomes=outcomes)


def _waiver_record(uses: Sequence[WaiverUse], today: dt.date) -> dict[str, Any]:
    return {
        "applied": [dict(u.waiver.to_json(), matched=u.matched) for u in uses
                    if u.matched and not u.waiver.expired(today)],
        "unused": [u.waiver.to_json() for u in uses if not u.matched],
        "expired": [dict(u.waiver.to_json(), matched=u.matched) for u in uses
                    if u.matched and u.waiver.expired(today)],
    }


def _waive(finding: Finding, uses: Sequence[WaiverUse], today: dt.date) -> Finding:
    expired_use: Optional[WaiverUse] = None
    for use in uses:
        if not use.waiver.covers_finding(finding):
            continue
        use.matched += 1
        if not use.waiver.expired(today):
            return dataclasses.replace(finding, waived=use.waiver.to_json())
        expired_use = expired_use or use
    if expired_use is not None:
        w = expired_use.waiver
        note = f"（豁免已于{w.expires.isoformat()}到期，不再适用：{w.reason}；{w.origin}）"
        return dataclasses.replace(finding, message=finding.message + note)
    return finding


# --------------------------------------------------------------------------------------------
# The run record
# --------------------------------------------------------------------------------------------


def build_run(documents: Sequence[DocumentResult], ruleset: Optional[RuleSetLike], *,
              config: Optional[dict[str, Any]] = None, waivers: Optional[dict[str, Any]] = None,
              fail_on: str = "error", inputs: Sequence[str] = (), argv: Sequence[str] = (),
              run_id: Optional[str] = None) -> AuditRun:
    """Assemble the ``AuditRun`` with everything needed to reproduce it, and the run id that
    every output of this run carries (outputs side by side from two runs can be told apart)."""
    import socket

    from auditor import __version__

    hashes: dict[str, Optional[str]] = {}
    errors: dict[str, str] = {}
    inputs = [display_path(p) for p in inputs]
    facts = getattr(documents, "facts", None)  # documents on disk (auditor.docstore): read none of them
    for doc in (facts() if callable(facts) else documents):
        hashes.setdefault(doc.path, doc.sha256)
        if doc.error and not (doc.has_report if callable(facts) else doc.report is not None):
            errors[doc.path] = doc.error
    packs = tuple(ruleset.packs) if ruleset is not None else ()
    meta = {
        "tool": {"name": "auditor", "version": __version__},
        "run_id": run_id or str(uuid.uuid4()),  # a GUID: SARIF's automationDetails.guid
        "created": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "hostname": socket.gethostname() or "localhost",
        "fail_on": fail_on,
        "command": list(argv),
        "config": config or {"path": None, "sha256": None, "settings": {}},
        "packs": [{"name": p.name, "version": p.version, "path": p.path, "sha256": p.sha256} for p in packs],
        "inputs": [{"path": p, "sha256": hashes.get(p), **({"error": errors[p]} if p in errors else {})}
                   for p in (inputs or hashes)],
        "waivers": waivers or {"applied": [], "unused": [], "expired": []},
    }
    kept = documents if callable(facts) else tuple(documents)
    return AuditRun(documents=kept, rules=tuple(ruleset.rules) if ruleset is not None else (),
                    packs=packs, meta=meta)


def exit_code(run: AuditRun, fail_on: str) -> int:
    """0 when nothing is at or above the fail level, 1 otherwise (unreadable inputs count)."""
    if fail_on == "never":
        return 0
    rank = {"info": 0, "warning": 1, "error": 2}
    floor = rank[fail_on]
    if callable(getattr(run.documents, "memo", None)):  # documents on disk: the outputs' counts, no new pass
        from auditor.reporters import summary_counts

        counts = summary_counts(run)
        return int(counts["unreadable"] > 0 or any(n and rank[sev] >= floor for sev, n in counts["findings"].items()))
    for doc in run.documents:
        if doc.error is not None:
            return 1
        if any(f.waived is None and rank.get(f.severity, 0) >= floor for f in doc.findings):
            return 1
    return 0
