"""Batches: which files, audited by which workers, within what time, then waivers.

Nothing is lost: every input file yields at least one ``DocumentResult`` — a file that cannot
be read, crashes its worker or runs past the per-file timeout becomes an error entry with the
reason, and the batch goes on. Compiled rules are closures and do not pickle, so each worker
loads them itself (``load_ruleset`` is called once per process; ``load_rules`` caches).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fnmatch
import hashlib
import multiprocessing
import os
import queue
import socket
import time
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Protocol

from auditor.config import Waiver
from auditor.model import AdapterError, AuditRun, DocumentResult, Finding, Report, RuleOutcome

DEFAULT_TIMEOUT = 120.0
GLOB_CHARS = frozenset("*?[")

ProgressCallback = Callable[[int, int, str], None]  # done, total, last path
Reader = Callable[[str], "list[Report]"]


class RuleSetLike(Protocol):
    rules: tuple[Any, ...]
    packs: tuple[Any, ...]

    def evaluate(self, report: Report) -> tuple[RuleOutcome, ...]: ...


class RunnerError(Exception):
    """The batch itself cannot run (workers cannot start): a usage-level failure."""


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
    posix = path.as_posix()
    for pattern in patterns:
        bare = pattern.rstrip("/")
        if fnmatch.fnmatch(path.name.lower(), bare.lower()) or fnmatch.fnmatch(posix, bare):
            return True
        if fnmatch.fnmatch(posix, f"*/{bare}") or fnmatch.fnmatch(posix, f"{bare}/*"):
            return True
    return False


def collect_inputs(paths: Sequence[str], *, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> list[str]:
    """Expand files, folders (recursed, hidden entries skipped) and globs into a sorted,
    de-duplicated list. Files named explicitly are always kept — and a path that does not exist
    is kept too, so it shows up as an error entry instead of vanishing."""
    include = tuple(include) or default_include()
    found: list[str] = []

    def walk(folder: Path) -> None:
        for root, dirs, files in os.walk(folder):
            base = Path(root)
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__"
                             and not _matches(base / d, exclude))
            for name in sorted(files):
                candidate = base / name
                if name.startswith(".") or _matches(candidate, exclude):
                    continue
                if _matches(candidate, include):
                    found.append(str(candidate))

    for raw in paths:
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
        key = os.path.normcase(os.path.abspath(item))
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def file_sha256(path: str) -> Optional[str]:
    try:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return None


# --------------------------------------------------------------------------------------------
# One file
# --------------------------------------------------------------------------------------------


def _default_reader(path: str) -> list[Report]:
    from auditor.reading import load_reports

    return load_reports(path)


def audit_file(path: str, ruleset: RuleSetLike, read: Optional[Reader] = None) -> list[DocumentResult]:
    """Read, recognize and evaluate one file. Never raises on bad input: an unreadable file is
    an error entry; so is a bug tripped by a strange file (with the exception named)."""
    digest = file_sha256(path)
    try:
        reports = (read or _default_reader)(path)
    except AdapterError as exc:
        return [DocumentResult(path=path, error=str(exc) or "cannot be read", sha256=digest)]
    except Exception as exc:  # a crash on one file must not end the batch
        return [DocumentResult(path=path, error=_crash(exc), sha256=digest)]
    results = []
    indices = [r.source.index for r in reports]
    if len(set(indices)) != len(indices):  # an adapter that did not number them: use positions
        indices = list(range(len(reports)))
    for index, report in zip(indices, reports):
        try:
            outcomes = tuple(ruleset.evaluate(report))
        except Exception as exc:
            results.append(DocumentResult(path=path, index=index, report=report, sha256=digest,
                                          error=_crash(exc)))
            continue
        localize = getattr(ruleset, "localize", None)  # which cells hold the slip (auditor.engine)
        try:
            corrections = tuple(localize(report, outcomes)) if localize is not None else ()
        except Exception:  # advice only: a failure here must not cost the document its findings
            corrections = ()
        results.append(DocumentResult(path=path, index=index, report=report, outcomes=outcomes, sha256=digest,
                                      corrections=corrections))
    return results


def _crash(exc: BaseException) -> str:
    frame = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" at {Path(frame[0].filename).name}:{frame[0].lineno}" if frame else ""
    return f"internal error: {type(exc).__name__}: {exc}{where}"


# --------------------------------------------------------------------------------------------
# Many files
# --------------------------------------------------------------------------------------------


def run_batch(files: Sequence[str], load_ruleset: Callable[[], RuleSetLike], *, jobs: int = 1,
              timeout: Optional[float] = DEFAULT_TIMEOUT, progress: Optional[ProgressCallback] = None,
              read: Optional[Reader] = None) -> list[DocumentResult]:
    """Audit ``files`` and return results in input order. With ``jobs == 1`` and no timeout
    the work stays in this process; otherwise each file runs in a worker process that is
    stopped (and replaced) when it crashes or exceeds ``timeout`` seconds."""
    total = len(files)
    if not files:
        return []
    if jobs <= 1 and not timeout:
        ruleset = load_ruleset()
        out: list[DocumentResult] = []
        for done, path in enumerate(files, 1):
            out.extend(audit_file(path, ruleset, read))
            if progress:
                progress(done, total, path)
        return out
    per_file = _Pool(max(1, min(jobs, total)), load_ruleset, read, timeout or None).run(list(files), progress)
    return [doc for path_results in per_file for doc in path_results]


_WORKER_RULESET: Any = None


def _worker_main(worker_id: int, load_ruleset: Callable[[], RuleSetLike], read: Optional[Reader],
                 inbox: Any, outbox: Any) -> None:
    """Worker loop: build the rule set once, say ready, then audit one file per message."""
    global _WORKER_RULESET
    _WORKER_RULESET = load_ruleset()
    outbox.put(("ready", worker_id, None, None))
    while True:
        task = inbox.get()
        if task is None:
            return
        index, path = task
        outbox.put(("done", worker_id, index, audit_file(path, _WORKER_RULESET, read)))


@dataclass
class _Slot:
    process: Any
    inbox: Any
    ready: bool = False
    task: Optional[int] = None
    started: float = 0.0


class _Pool:
    """A tiny process pool that, unlike ``concurrent.futures``, can kill the one worker stuck
    on a file and carry on. Each worker gets its own inbox so we always know who has what."""

    POLL = 0.05
    MAX_START_FAILURES = 3

    def __init__(self, size: int, load_ruleset: Callable[[], RuleSetLike], read: Optional[Reader],
                 timeout: Optional[float]) -> None:
        methods = multiprocessing.get_all_start_methods()
        self.ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.size, self.load_ruleset, self.read, self.timeout = size, load_ruleset, read, timeout
        self.outbox = self.ctx.Queue()
        self.slots: dict[int, _Slot] = {}
        self.next_id = 0
        self.start_failures = 0

    def _spawn(self) -> None:
        worker_id, self.next_id = self.next_id, self.next_id + 1
        inbox = self.ctx.Queue()
        process = self.ctx.Process(target=_worker_main, daemon=True,
                                   args=(worker_id, self.load_ruleset, self.read, inbox, self.outbox))
        process.start()
        self.slots[worker_id] = _Slot(process, inbox)

    def _retire(self, worker_id: int) -> None:
        slot = self.slots.pop(worker_id)
        if slot.process.is_alive():
            slot.process.kill()
        slot.process.join(timeout=5)

    def run(self, files: list[str], progress: Optional[ProgressCallback]) -> list[list[DocumentResult]]:
        results: dict[int, list[DocumentResult]] = {}
        pending = list(range(len(files)))
        pending.reverse()
        for _ in range(self.size):
            self._spawn()
        try:
            while len(results) < len(files):
                for slot in self.slots.values():
                    if slot.ready and slot.task is None and pending:
                        slot.task = pending.pop()
                        slot.started = time.monotonic()
                        slot.inbox.put((slot.task, files[slot.task]))
                try:
                    kind, worker_id, index, payload = self.outbox.get(timeout=self.POLL)
                except queue.Empty:
                    pass
                else:
                    slot = self.slots.get(worker_id)
                    if kind == "ready" and slot is not None:
                        slot.ready = True
                    elif kind == "done" and index not in results:
                        results[index] = payload
                        if slot is not None:
                            slot.task = None
                        if progress:
                            progress(len(results), len(files), files[index])
                    continue
                self._check_workers(files, results, progress)
        finally:
            for worker_id in list(self.slots):
                slot = self.slots[worker_id]
                if slot.process.is_alive():
                    slot.inbox.put(None)
                slot.process.join(timeout=1)
                self._retire(worker_id)
        return [results[i] for i in range(len(files))]

    def _check_workers(self, files: list[str], results: dict[int, list[DocumentResult]],
                       progress: Optional[ProgressCallback]) -> None:
        now = time.monotonic()
        for worker_id, slot in list(self.slots.items()):
            alive = slot.process.is_alive()
            overdue = (slot.task is not None and self.timeout is not None
                       and now - slot.started > self.timeout)
            if alive and not overdue:
                continue
            if not slot.ready and not alive:
                self.start_failures += 1
                if self.start_failures > self.MAX_START_FAILURES:
                    raise RunnerError(f"worker processes fail to start (exit code {slot.process.exitcode})")
            if slot.task is not None and slot.task not in results:
                path = files[slot.task]
                reason = (f"timed out after {self.timeout:g} s (file skipped)" if alive
                          else f"worker crashed while reading this file (exit code {slot.process.exitcode})")
                results[slot.task] = [DocumentResult(path=path, error=reason, sha256=file_sha256(path))]
                if progress:
                    progress(len(results), len(files), path)
            self._retire(worker_id)
            self._spawn()


# --------------------------------------------------------------------------------------------
# Waivers
# --------------------------------------------------------------------------------------------


@dataclass
class WaiverUse:
    waiver: Waiver
    matched: int = 0


def apply_waivers(documents: Sequence[DocumentResult], waivers: Sequence[Waiver], *,
                  today: Optional[dt.date] = None) -> tuple[list[DocumentResult], dict[str, Any]]:
    """Mark covered findings as waived (never drop them). An expired waiver does not apply: the
    finding keeps failing and its message says which waiver ran out. Returns the documents and
    a record of unused and expired waivers for every output."""
    today = today or dt.date.today()
    uses = [WaiverUse(w) for w in waivers]
    out: list[DocumentResult] = []
    for doc in documents:
        if not doc.outcomes or not uses:
            out.append(doc)
            continue
        agency = doc.report.agency if doc.report else None
        relevant = [u for u in uses if u.waiver.covers_document(doc.path, agency)]
        if not relevant:
            out.append(doc)
            continue
        outcomes = tuple(dataclasses.replace(o, findings=tuple(_waive(f, relevant, today) for f in o.findings))
                         for o in doc.outcomes)
        out.append(dataclasses.replace(doc, outcomes=outcomes))
    record = {
        "applied": [dict(u.waiver.to_json(), matched=u.matched) for u in uses
                    if u.matched and not u.waiver.expired(today)],
        "unused": [u.waiver.to_json() for u in uses if not u.matched],
        "expired": [dict(u.waiver.to_json(), matched=u.matched) for u in uses
                    if u.matched and u.waiver.expired(today)],
    }
    return out, record


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
              fail_on: str = "error", inputs: Sequence[str] = (), argv: Sequence[str] = ()) -> AuditRun:
    """Assemble the ``AuditRun`` with everything needed to reproduce it."""
    from auditor import __version__

    hashes: dict[str, Optional[str]] = {}
    errors: dict[str, str] = {}
    for doc in documents:
        hashes.setdefault(doc.path, doc.sha256)
        if doc.error and doc.report is None:
            errors[doc.path] = doc.error
    packs = tuple(ruleset.packs) if ruleset is not None else ()
    meta = {
        "tool": {"name": "auditor", "version": __version__},
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
    return AuditRun(documents=tuple(documents), rules=tuple(ruleset.rules) if ruleset is not None else (),
                    packs=packs, meta=meta)


def exit_code(run: AuditRun, fail_on: str) -> int:
    """0 when nothing is at or above the fail level, 1 otherwise (unreadable inputs count)."""
    if fail_on == "never":
        return 0
    rank = {"info": 0, "warning": 1, "error": 2}
    floor = rank[fail_on]
    for doc in run.documents:
        if doc.error is not None:
            return 1
        if any(f.waived is None and rank.get(f.severity, 0) >= floor for f in doc.findings):
            return 1
    return 0
