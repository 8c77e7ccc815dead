"""Per-file limits that work without a process pool, and the safety net of worker processes.

``time_limit`` stops a file that runs too long inside the current process: with an interval
timer and SIGALRM in the main thread (Unix), else with a watchdog thread that raises the
exception in the audited thread. Both only take effect when control returns to the Python
interpreter: one long call into C — a single RE2 or pdfium call, a huge integer multiplication,
a read blocked in the kernel on a dead network share — finishes first. A worker process killed
by the pool (``--jobs`` 2 or more) has no such gap, so batches of untrusted files should use one.

``apply_memory_limit`` caps a worker's address space with ``setrlimit``; an allocation past it
raises ``MemoryError``, which the runner reports as the limit hit. ``die_with_parent`` makes a
worker end when the process that started it ends, even by SIGKILL.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from typing import Optional

DEFAULT_TIMEOUT = 120.0
MAX_TIMEOUT = 86400.0
DEFAULT_MEMORY_MB = 2048
MAX_JOBS = 256


class TimeLimitExceeded(BaseException):
    """Raised inside the audited code when its time is up. A ``BaseException`` so that an
    adapter's ``except Exception`` cannot swallow it and carry on."""


@contextlib.contextmanager
def time_limit(seconds: Optional[float]) -> Iterator[None]:
    """Raise ``TimeLimitExceeded`` in this thread if the block runs longer than ``seconds``
    (None or 0: no limit)."""
    if not seconds:
        yield
        return
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        with _alarm(seconds):
            yield
    else:
        with _watchdog(seconds):
            yield


def _raise_timeout(signum: int, frame: object) -> None:
    raise TimeLimitExceeded()


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    previous = signal.signal(signal.SIGALRM, _raise_timeout)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _watchdog(seconds: float) -> Iterator[None]:
    """For threads other than the main one (Dask runs tasks in threads) and systems without
    SIGALRM: a timer thread sets an asynchronous exception in the audited thread."""
    import ctypes  # here, not at the top: the main thread of the command line never needs it

    target = threading.get_ident()
    lock = threading.Lock()
    state = {"done": False, "fired": False}
    set_async = ctypes.pythonapi.PyThreadState_SetAsyncExc

    def fire() -> None:
        with lock:
            if not state["done"]:
                state["fired"] = True
                set_async(ctypes.c_ulong(target), ctypes.py_object(TimeLimitExceeded))

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            state["done"] = True
            timer.cancel()
            if state["fired"]:  # not raised yet (or raised and caught): withdraw it
                set_async(ctypes.c_ulong(target), None)


# --------------------------------------------------------------------------------------------
# Memory
# --------------------------------------------------------------------------------------------


def apply_memory_limit(megabytes: Optional[int]) -> bool:
    """Cap this process's address space at ``megabytes`` (None/0: leave it). False where the
    system has no such limit (Windows) or refuses it."""
    if not megabytes:
        return False
    try:
        import resource
    except ImportError:
        return False
    limit = int(megabytes) * 1024 * 1024
    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):
        return False
    _few_malloc_arenas()
    return True


MALLOC_ARENAS = 2
_M_ARENA_MAX = -8  # glibc's mallopt parameter


def _few_malloc_arenas() -> None:
    """The address-space cap counts what is reserved, not what is used, and glibc reserves
    64 MiB of address space for each thread's malloc arena (up to 8 a core). A library that
    starts a thread pool — onnxruntime for OCR — thus spent the cap on empty reservations:
    a 6-page scanned report audited in process failed under the default 2 GiB, though reading
    it peaks at ~1.2 GiB resident. Two arenas, as ``MALLOC_ARENA_MAX=2`` would, keep the cap
    measuring memory. glibc only; elsewhere nothing to do."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None).mallopt(_M_ARENA_MAX, MALLOC_ARENAS)


@contextlib.contextmanager
def memory_limit(megabytes: Optional[int]) -> Iterator[None]:
    """For one block in a long-lived process (in-process audits): at most ``megabytes`` more
    address space than the process holds now, then the previous limit again. (A worker's cap
    is absolute: it starts fresh.)"""
    try:
        import resource
    except ImportError:
        yield
        return
    previous = resource.getrlimit(resource.RLIMIT_AS)
    applied = apply_memory_limit(megabytes + _address_space_mb() if megabytes else None)
    try:
        yield
    finally:
        if applied:
            with contextlib.suppress(ValueError, OSError):
                resource.setrlimit(resource.RLIMIT_AS, previous)


def inherited_address_space_mb() -> int:
    """What a worker holds at its start: its parent's address space when forked, ~0 spawned."""
    return _address_space_mb()


def _address_space_mb() -> int:
    """This process's address space in MiB (Linux; 0 where it cannot be read)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            pages = int(handle.read().split()[0])
        return pages * os.sysconf("SC_PAGE_SIZE") // (1024 * 1024)
    except (OSError, ValueError, IndexError, AttributeError):
        return 0


def describe_memory(megabytes: int) -> str:
    return f"{megabytes // 1024} GiB" if megabytes % 1024 == 0 else f"{megabytes} MiB"


# --------------------------------------------------------------------------------------------
# Workers end with their parent
# --------------------------------------------------------------------------------------------

PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Make this worker end when ``parent_pid`` ends: the kernel sends SIGKILL on Linux
    (``prctl(PR_SET_PDEATHSIG)``); elsewhere a daemon thread polls the parent id."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0:
                if os.getppid() != parent_pid:  # the parent died before prctl took effect
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True, name="auditor-parent-watch").start()


def _watch_parent(parent_pid: int) -> None:
    import time

    while os.getppid() == parent_pid:
        time.sleep(1.0)
    os._exit(1)
