"""datasketch is imported in the background while workers audit, when narratives will be
compared — and its failure still says so, as if it had been imported at the end."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from pathlib import Path

import pytest

from auditor import runner, similarity
from auditor.engine import load_rules
from auditor.worker import Limits, WorkerState, audit_chunk

SEEDS = Path(__file__).resolve().parents[2] / "examples" / "reports"


class InProcess:
    """An executor that audits each chunk here, as a pool worker would."""

    size = 1

    def __init__(self, ruleset) -> None:
        self.state = WorkerState(ruleset, None, Limits(timeout=None, memory_mb=None), False)
        self.done: list = []

    @property
    def in_flight(self) -> int:
        return len(self.done)

    def submit(self, chunk) -> None:
        self.done.append(audit_chunk(chunk, self.state))

    def next_done(self):
        return [(o.index, o) for o in self.done.pop(0)]

    def close(self) -> None:
        pass

    stop = close


@pytest.fixture
def preloads(monkeypatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(similarity, "preload", lambda: calls.append(1))
    return calls


def files(n: int) -> list[str]:
    return [str(p) for p in sorted(SEEDS.glob("00[0-3]*.txt"))[:n]]


@pytest.mark.parametrize(("rules", "count", "expected"), [
    (["XDOC-COPY"], 3, 1),  # narratives compared: imported once the workers run
    (["XDOC-COPY"], 1, 0),  # one document: nothing to compare
    (["META-PERIOD"], 3, 0),  # no rule reads similar_reports
])
def test_the_import_starts_with_the_workers_only_when_narratives_are_compared(preloads, rules, count, expected):
    ruleset = load_rules(select=rules)
    docs = list(runner.iter_batch(files(count), ruleset=ruleset, executor=InProcess(ruleset)))
    assert len(docs) == count
    assert len(preloads) == expected


def test_no_import_when_every_file_comes_from_the_cache(preloads, tmp_path, monkeypatch):
    from auditor import cachedir
    from auditor.resultcache import ResultCache

    monkeypatch.setenv("AUDITOR_CACHE_DIR", str(tmp_path / "cache"))
    cachedir.reset()
    ruleset = load_rules(select=["XDOC-COPY"])
    cache = ResultCache.open("salt")
    list(runner.iter_batch(files(3), ruleset=ruleset, executor=InProcess(ruleset), cache=cache))
    assert len(preloads) == 1
    list(runner.iter_batch(files(3), ruleset=ruleset, executor=InProcess(ruleset), cache=cache))
    assert len(preloads) == 1, "a run whose files all came from the cache imported datasketch"
    cache.close()
    cachedir.reset()


class Broken(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """datasketch found, but its import fails (a broken install)."""

    def find_spec(self, name, path=None, target=None):
        return importlib.machinery.ModuleSpec(name, self) if name == "datasketch" else None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        raise ImportError("broken datasketch")


def test_a_failed_background_import_says_datasketch_is_needed(monkeypatch):
    monkeypatch.delitem(sys.modules, "datasketch", raising=False)
    monkeypatch.setattr(sys, "meta_path", [Broken(), *sys.meta_path])
    monkeypatch.setattr(similarity, "_PRELOAD", None)
    similarity.preload()
    thread = similarity._PRELOAD
    assert thread is not None
    similarity._wait_for_preload()
    assert not thread.is_alive() and "datasketch" not in sys.modules
    narratives = [similarity.Narrative(key=i, agency=f"机关{i}", year=2023, path=f"{i}.txt", identity=(str(i), 0),
                                       signature=None, source="本批次", in_run=True) for i in range(2)]
    monkeypatch.setattr(similarity.Narrative, "clauses", lambda self: [(1, n) for n in range(40)])
    with pytest.raises(similarity.SimilarityUnavailable, match="datasketch"):
        similarity.find_similar(narratives)


def test_a_background_import_is_done_before_a_fork(monkeypatch):
    pytest.importorskip("datasketch")
    monkeypatch.delitem(sys.modules, "datasketch", raising=False)
    monkeypatch.setattr(similarity, "_PRELOAD", None)
    similarity.preload()
    similarity._wait_for_preload()  # what os.register_at_fork runs before each fork
    assert not similarity._PRELOAD.is_alive() and "datasketch" in sys.modules
