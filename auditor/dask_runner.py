"""Batches on a Dask cluster: ``--scheduler local:N`` (a ``LocalCluster``) or ``tcp://HOST:PORT``.

The same chunks, the same per-file work (``auditor.worker.audit_chunk``) and the same JSON
results as the local pool, so results, order, limits, outputs and exit codes do not depend on
where a batch ran. What differs:

- The rule packs travel once per worker, as their source text inside a worker plugin, and are
  compiled there (compiled rules are closures and do not pickle); no task carries them.
- Inputs must be readable by the workers: a shared file system, or fsspec URLs (``s3://…``).
- A worker that dies takes its running chunk with it; Dask retries the chunk elsewhere (its
  ``allowed-failures``, default 3), and a chunk that still fails is run again one file per task,
  so only the file that kills workers ends as an error entry ("worker lost").
- Tasks run in worker threads, so the per-file time limit is the watchdog kind
  (``auditor.limits``); a file stuck in C code is given up after the chunk's deadline and its
  thread is left to finish. A worker's memory is Dask's to police: ``local:N`` passes the
  memory limit to the cluster (the nanny restarts a worker over it: "worker lost").
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Optional

from auditor.limits import describe_memory
from auditor.pool import CHUNK_FILE_ALLOWANCE, GRACE, RunnerError
from auditor.worker import DEFAULT_LIMITS, Limits, Reader, WorkerState, audit_chunk, share_rules, timeout_message

try:
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # this module is only used with Dask; the error is raised when it is
    WorkerPlugin = object  # type: ignore[misc,assignment]

PLUGIN_NAME = "auditor-rules"
POLL = 0.5


@dataclass(frozen=True)
class PackSource:
    path: str
    text: str
    inherited_name: Optional[str]


def pack_sources(ruleset: Any) -> list[PackSource]:
    """Each loaded pack's text, read from its file (as ``load_rules`` reads it: UTF-8, BOM
    allowed); the file's hash must still be the one compiled, or the run stops."""
    import hashlib
    from pathlib import Path

    out = []
    for loaded in getattr(ruleset, "loaded_packs", ()):
        text = Path(loaded.path).read_bytes().decode("utf-8-sig")
        if hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest() != loaded.info.sha256:
            raise RunnerError(f"{loaded.path} changed while the batch was starting; run it again")
        out.append(PackSource(loaded.info.path, text, loaded.info.name))
    return out


def build_ruleset(sources: list[PackSource], rule_ids: tuple[str, ...], severity: dict[str, str]) -> Any:
    """The rule set on a worker: the packs compiled from their text, the same rules selected."""
    from auditor.engine import RuleSet, load_pack

    packs = [load_pack(s.path, s.text, s.inherited_name) for s in sources]
    by_id = {rule.info.id: rule for pack in packs for rule in pack.rules}
    return RuleSet([by_id[rid] for rid in rule_ids], packs, severity)


class RulesPlugin(WorkerPlugin):
    """A Dask worker plugin: compiles the rules once when a worker joins (or restarts)."""

    name = PLUGIN_NAME

    def __init__(self, sources: list[PackSource], rule_ids: tuple[str, ...], severity: dict[str, str],
                 ruleset: Any, read: Optional[Reader], limits: Limits, full_reports: bool) -> None:
        self.sources, self.rule_ids, self.severity = sources, rule_ids, severity
        self.ruleset = ruleset  # only when there are no sources (a stand-in rule set in tests)
        self.read, self.limits, self.full_reports = read, limits, full_reports

    def setup(self, worker: Any) -> None:
        ruleset = self.ruleset if not self.sources else build_ruleset(self.sources, self.rule_ids, self.severity)
        worker.auditor_state = WorkerState(ruleset, self.read, self.limits, self.full_reports)
        share_rules(ruleset)


def dask_audit_chunk(tasks: list[tuple[int, str]]) -> list[Any]:
    """The task: ``audit_chunk`` with the state the plugin left on this worker."""
    from distributed import get_worker

    return audit_chunk(tasks, get_worker().auditor_state)


class DaskExecutor:
    """Same interface as ``auditor.pool.LocalPool``: ``submit``, ``next_done``, ``in_flight``."""

    def __init__(self, scheduler: str, *, ruleset: Any, read: Optional[Reader] = None,
                 limits: Limits = DEFAULT_LIMITS, full_reports: bool = True) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise RunnerError('--scheduler needs Dask: pip install "auditor[dask]"') from None
        self.limits = limits
        self._cluster = None
        try:
            if scheduler.startswith("local:"):
                memory = limits.memory_mb * 1024 * 1024 if limits.memory_mb else 0
                self._cluster = LocalCluster(n_workers=int(scheduler.split(":", 1)[1]), threads_per_worker=1,
                                             processes=True, memory_limit=memory, dashboard_address=":0",
                                             silence_logs=logging.ERROR)
                self.client = Client(self._cluster)
            else:
                self.client = Client(scheduler, timeout=30)
        except OSError as exc:
            self.close()
            raise RunnerError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None
        sources = pack_sources(ruleset)
        rule_ids = tuple(r.id for r in ruleset.rules)
        severity = dict(getattr(ruleset, "_overrides", None) or {})  # --severity, as load_rules got it
        self.client.register_plugin(RulesPlugin(sources, rule_ids, severity, None if sources else ruleset,
                                                read, limits, full_reports), name=PLUGIN_NAME)
        self.size = max(1, sum(self.client.nthreads().values()))
        self._pending: dict[Any, tuple[list[tuple[int, str]], float]] = {}

    @property
    def in_flight(self) -> int:
        return len(self._pending)

    def worker_pids(self) -> dict[str, int]:
        """Worker address → process id (tests kill one)."""
        import os

        return self.client.run(os.getpid)

    def _deadline(self, files: int) -> Optional[float]:
        if not self.limits.timeout:
            return None
        per_chunk = self.limits.timeout + GRACE + (files - 1) * min(self.limits.timeout, CHUNK_FILE_ALLOWANCE)
        return per_chunk * 4  # measured from submission: the chunk may wait behind others

    def submit(self, chunk: list[tuple[int, str]]) -> None:
        future = self.client.submit(dask_audit_chunk, chunk, pure=False)
        deadline = self._deadline(len(chunk))
        self._pending[future] = (chunk, time.monotonic() + deadline if deadline else float("inf"))

    def next_done(self) -> list[tuple[int, Any]]:
        from distributed import wait

        while True:
            done, _ = wait(list(self._pending), timeout=POLL, return_when="FIRST_COMPLETED") \
                if self._pending else (set(), set())
            if done:
                future = next(iter(done))
                chunk, _ = self._pending.pop(future)
                return self._collect(future, chunk)
            now = time.monotonic()
            for future, (chunk, deadline) in list(self._pending.items()):
                if now > deadline:
                    del self._pending[future]
                    future.cancel()
                    return self._retry_or_fail(chunk, timeout_message(self.limits.timeout or 0))

    def _collect(self, future: Any, chunk: list[tuple[int, str]]) -> list[tuple[int, Any]]:
        from distributed import KilledWorker

        try:
            outcomes = future.result()
        except KilledWorker:
            note = ""
            if self.limits.memory_mb:
                note = f"; perhaps over the {describe_memory(self.limits.memory_mb)} memory limit"
            return self._retry_or_fail(chunk, f"worker lost while reading this file (retried by Dask){note}")
        return [(outcome.index, outcome) for outcome in outcomes]

    def _retry_or_fail(self, chunk: list[tuple[int, str]], reason: str) -> list[tuple[int, Any]]:
        if len(chunk) > 1:
            for task in chunk:
                self.submit([task])
            return []
        return [(chunk[0][0], reason)]

    def close(self) -> None:
        client = getattr(self, "client", None)
        if client is not None:
            client.close()
        if self._cluster is not None:
            self._cluster.close()

    def stop(self) -> None:
        for future in list(getattr(self, "_pending", {})):
            future.cancel()
        self.close()
