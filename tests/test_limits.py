"""Time limits without a pool, in the main thread and in other threads; the memory cap."""

from __future__ import annotations

import contextlib
import sys
import threading
import time

import pytest

from auditor.limits import TimeLimitExceeded, apply_memory_limit, memory_limit, time_limit


def spin_swallowing_exceptions(seconds: float) -> str:
    """A hang inside code that catches ``Exception`` — it must not catch the time limit."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        with contextlib.suppress(Exception):
            sum(range(1000))
    return "finished"


def test_main_thread_hang_is_stopped():
    started = time.monotonic()
    with pytest.raises(TimeLimitExceeded), time_limit(0.2):
        spin_swallowing_exceptions(10)
    assert time.monotonic() - started < 2


def test_other_threads_use_the_watchdog():
    outcome: list[str] = []

    def work() -> None:
        try:
            with time_limit(0.2):
                spin_swallowing_exceptions(10)
            outcome.append("not stopped")
        except TimeLimitExceeded:
            outcome.append("stopped")

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(5)
    assert outcome == ["stopped"]


def test_no_limit_and_quick_work_are_left_alone():
    with time_limit(None):
        assert spin_swallowing_exceptions(0.01) == "finished"
    with time_limit(5):
        assert spin_swallowing_exceptions(0.01) == "finished"
    time.sleep(0.05)  # no alarm left behind


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS as on Linux")
def test_memory_limit_applies_inside_the_block_only():
    import resource

    before = resource.getrlimit(resource.RLIMIT_AS)
    with memory_limit(1024):  # 1 GiB more than the process holds now
        assert resource.getrlimit(resource.RLIMIT_AS)[0] > 1024 * 1024 * 1024
        bytearray(256 * 1024 * 1024)
        with pytest.raises(MemoryError):
            bytearray(2 * 1024 * 1024 * 1024)
    assert resource.getrlimit(resource.RLIMIT_AS) == before
    assert apply_memory_limit(None) is False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and glibc's mallopt, as on Linux")
def test_a_capped_process_keeps_to_few_malloc_arenas(monkeypatch):
    """Each thread's glibc arena reserves 64 MiB of address space, which the cap counts: an OCR
    thread pool spent the default 2 GiB on reservations (a 6-page scan failed in process)."""
    import ctypes
    import resource

    from auditor import limits

    calls = []

    class FakeLibc:
        def mallopt(self, parameter: int, value: int) -> int:
            calls.append((parameter, value))
            return 1

    monkeypatch.setattr(resource, "setrlimit", lambda *_: None)  # this test process stays uncapped
    monkeypatch.setattr(ctypes, "CDLL", lambda *_a, **_k: FakeLibc())
    assert apply_memory_limit(2048) is True
    assert calls == [(-8, limits.MALLOC_ARENAS)]  # M_ARENA_MAX
    calls.clear()
    assert apply_memory_limit(0) is False and calls == []  # no cap, arenas left alone
