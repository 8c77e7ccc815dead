"""The local worker pool: pebble's ``ProcessPool``, which kills the one worker stuck on a task
and starts another, so one bad file never stalls or ends a batch.

Files go out in chunks (a few per task, so a worker is not paid one round trip per small file)
and come back as compact JSON per file. Each file has the per-file time limit inside the worker
(``auditor.limits.time_limit``); the pool's own timeout per chunk is the backstop for a hang in
C code, which the in-worker limit cannot interrupt. When a chunk is killed or its worker dies,
its files are run again one per task, so the file to blame is found exactly and the others
still get their results.

Workers are started with ``fork`` where the system has it (they inherit the compiled rules),
else ``spawn`` (each compiles them once in its initializer); they cap their address space
(``--memory-limit``) and end with their parent (``auditor.limits.die_with_parent``).

multiprocessing, concurrent.futures and pebble are imported when a pool starts: a one-file
audit runs in process and never pays for them (``RunnerError`` and ``plan_chunks`` are cheap).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, Callable, Optional

from auditor.limits import apply_memory_limit, die_with_parent, inherited_address_space_mb
from auditor.worker import DEFAULT_LIMITS, FileOutcome, Limits, Reader, WorkerState, audit_chunk, set_state

# Time allowed per extra file of a chunk before the pool kills it; the in-worker limit stops
# pure-Python hangs at the exact per-file timeout, so this only bounds hangs in C code.
CHUNK_FILE_ALLOWANCE = 10.0
GRACE = 2.0  # lets the in-worker limit answer first, with its clearer error entry
MAX_CHUNK_FILES = 16
MAX_CHUNK_BYTES = 2 * 1024 * 1024


class RunnerError(Exception):
    """The batch itself cannot run (workers cannot start): a usage-level failure."""


def _init_worker(parent_pid: int, load_ruleset: Optional[Callable[[], Any]], ruleset: Any,
                 read: Optional[Reader], limits: Limits, full_reports: bool) -> None:
    """Runs once in each worker process before its first task."""
    die_with_parent(parent_pid)
    # A forked worker starts with its parent's address space (a long-lived parent — a test
    # process, a service — can hold more than the cap): the cap counts on top of it.
    apply_memory_limit(limits.memory_mb + inherited_address_space_mb() if limits.memory_mb else None)
    set_state(WorkerState(ruleset if ruleset is not None else load_ruleset(), read, limits, full_reports))


def _context() -> Any:
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def plan_chunks(tasks: Sequence[tuple[int, str]], workers: int, sizes: Optional[Sequence[int]] = None,
                ) -> list[list[tuple[int, str]]]:
    """Consecutive files grouped so that every worker gets several chunks (even load at the
    end of a batch) and no chunk holds more than a few MiB of input (big PDFs go alone)."""
    per_chunk = max(1, min(MAX_CHUNK_FILES, len(tasks) // max(1, workers * 4)))
    chunks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    weight = 0
    for position, task in enumerate(tasks):
        size = sizes[position] if sizes is not None else 0
        if current and (len(current) >= per_chunk or weight + size > MAX_CHUNK_BYTES):
            chunks.append(current)
            current, weight = [], 0
        current.append(task)
        weight += size
    if current:
        chunks.append(current)
    return chunks


class LocalPool:
    """Audit files in ``size`` worker processes; results arrive as files finish."""

    def __init__(self, size: int, *, load_ruleset: Optional[Callable[[], Any]] = None, ruleset: Any = None,
                 read: Optional[Reader] = None, limits: Limits = DEFAULT_LIMITS, full_reports: bool = True) -> None:
        import queue

        from pebble import ProcessPool

        context = _context()
        inherited = ruleset if context.get_start_method() == "fork" else None
        if inherited is None and load_ruleset is None:
            raise ValueError("a pool that cannot fork needs load_ruleset")
        self.limits = limits
        self.size = size
        self._pool = ProcessPool(max_workers=size, context=context, initializer=_init_worker,
                                 initargs=(os.getpid(), load_ruleset, inherited, read, limits, full_reports))
        self._done: queue.SimpleQueue = queue.SimpleQueue()
        self._running = 0

    def _deadline(self, files: int) -> Optional[float]:
        if not self.limits.timeout:
            return None
        return self.limits.timeout + GRACE + (files - 1) * min(self.limits.timeout, CHUNK_FILE_ALLOWANCE)

    @property
    def in_flight(self) -> int:
        """Chunks submitted and not yet collected."""
        return self._running

    def submit(self, chunk: list[tuple[int, str]]) -> None:
        future = self._pool.schedule(audit_chunk, args=(chunk,), timeout=self._deadline(len(chunk)))
        future.add_done_callback(lambda f, c=chunk: self._done.put((c, f)))
        self._running += 1

    def next_done(self) -> list[tuple[int, Any]]:
        """Wait for one chunk; ``(index, FileOutcome or error text)`` for each of its files. A
        chunk killed for its time or lost with its worker is resubmitted one file per task (an
        empty list comes back for it now); a single file that fails is its error text."""
        from concurrent.futures import CancelledError
        from concurrent.futures import TimeoutError as FutureTimeout
        from concurrent.futures.process import BrokenProcessPool

        from pebble import ProcessExpired

        chunk, future = self._done.get()
        self._running -= 1
        try:
            outcomes: list[FileOutcome] = future.result()
        except (FutureTimeout, ProcessExpired, CancelledError) as exc:
            if len(chunk) > 1:  # find the file to blame: each again, alone
                for task in chunk:
                    self.submit([task])
                return []
            return [(chunk[0][0], self._failure(exc))]
        except BrokenProcessPool as exc:
            raise RunnerError(f"worker processes cannot start or keep running: {exc}") from None
        return [(outcome.index, outcome) for outcome in outcomes]

    def _failure(self, exc: BaseException) -> str:
        from concurrent.futures import TimeoutError as FutureTimeout

        from auditor.limits import describe_memory
        from auditor.worker import timeout_message

        if isinstance(exc, FutureTimeout):
            return timeout_message(self.limits.timeout or 0)
        code = getattr(exc, "exitcode", None)
        reason = f"worker crashed while reading this file (exit code {code})"
        if code == -9 and self.limits.memory_mb:
            reason += f"; killed, perhaps over the {describe_memory(self.limits.memory_mb)} memory limit"
        return reason

    def close(self) -> None:
        self._pool.close()
        self._pool.join()

    def stop(self) -> None:
        """Kill the workers now (an interrupted batch)."""
        self._pool.stop()
        self._pool.join()
