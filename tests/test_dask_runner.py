"""Batches on Dask: a real LocalCluster with two workers, one killed mid-batch, every result in.

Skipped when Dask is not installed; ``.ci/run`` installs the ``dask`` extra so CI runs it.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from auditor import runner
from auditor.dask_runner import DaskExecutor
from auditor.worker import Limits, encode_results

SEEDS = Path(__file__).resolve().parent.parent / "examples" / "reports"


def slow_read(path: str):
    """The real reader, slowed so that a worker is surely busy when it is killed."""
    from auditor.reading import load_reports

    time.sleep(0.25)
    return load_reports(path)


@pytest.fixture(scope="module")
def ruleset():
    return runner.RuleSpec().load()


def test_a_killed_worker_loses_no_document_and_results_match_the_local_run(tmp_path, ruleset):
    files = []
    for n in range(12):
        seed = sorted(SEEDS.glob("00[0-3]_*.txt"))[n % 4]
        files.append(str(shutil.copy(seed, tmp_path / f"{n:02d}_{seed.name}")))
    limits = Limits(timeout=60, memory_mb=None)
    local = list(runner.iter_batch(files, ruleset=ruleset, jobs=1, limits=limits, full_reports=False))

    executor = DaskExecutor("local:2", ruleset=ruleset, read=slow_read, limits=limits, full_reports=False)
    killed: list[int] = []
    victim = next(iter(executor.worker_pids().values()))  # asked before the batch: no round trip mid-batch

    def kill_one_worker(done: int, total: int, path: str) -> None:
        if not killed:
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    try:
        remote = list(runner.iter_batch(files, ruleset=ruleset, limits=limits, full_reports=False,
                                        executor=executor, progress=kill_one_worker))
    finally:
        executor.close()
    assert killed, "a worker was killed mid-batch"
    assert [d.path for d in remote] == files, "every document, in input order"
    assert all(d.error is None for d in remote), [d.error for d in remote if d.error]
    assert encode_results(remote) == encode_results(local), "the same results whichever runs them"
