"""datasketch is imported while the workers audit their first chunks, when narratives will be
compared — and its failure still says so, as if it had been imported at the end."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from pathlib import Path

import pytest

from auditor import runner, similarity
from auditor.engine import load_rules

SEEDS = Path(__file__).resolve().parents[2] / "examples" / "reports"


class Busy:
    """An executor as ``runner._Lazy`` sees it: chunks in flight once submitted."""

    in_flight = 0

    def submit(self, chunk) -> None:
        self.in_flight += 1


@pytest.mark.parametrize(("rules", "count", "expected"), [
    (["XDOC-COPY"], 3, True),  # narratives compared
    (["XDOC-COPY"], 1, False),  # one document: nothing to compare
    (["META-PERIOD"], 3, False),  # no rule reads similar_reports
])
def test_only_a_run_that_compares_narratives_imports_early(rules, count, expected):
    assert runner._compares(load_rules(select=rules), count) is expected


def test_the_import_runs_once_after_chunks_are_out():
    calls: list[int] = []
    lazy = runner._Lazy(Busy, after_start=lambda: calls.append(1))
    lazy.submitted()
    assert calls == [], "no pool yet"
    lazy.started.submit([(0, "a.txt")])
    lazy.submitted()
    lazy.submitted()
    assert calls == [1]


def test_a_pool_run_imports_early_and_a_run_from_the_cache_does_not(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from auditor import cachedir
    from auditor.cli import cli

    monkeypatch.setenv("AUDITOR_CACHE_DIR", str(tmp_path / "cache"))
    cachedir.reset()
    calls: list[int] = []
    monkeypatch.setattr(runner, "_preload_similarity", lambda: calls.append(1))
    folder = tmp_path / "reports"
    folder.mkdir()
    for path in sorted(SEEDS.glob("00[0-2]*.txt")):
        (folder / path.name).write_bytes(path.read_bytes())
    for expected in (1, 1):  # the second run's files all come from the cache: no pool, no import
        result = CliRunner().invoke(cli, ["audit", str(folder), "--jobs", "2", "--format", "json", "--no-progress"])
        assert result.exit_code in (0, 1), result.stderr
        assert len(calls) == expected
    cachedir.reset()


class Broken(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """datasketch found, but its import fails (a broken install)."""

    def find_spec(self, name, path=None, target=None):
        return importlib.machinery.ModuleSpec(name, self) if name == "datasketch" else None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        raise ImportError("broken datasketch")


def test_a_failed_import_still_says_datasketch_is_needed(monkeypatch):
    monkeypatch.delitem(sys.modules, "datasketch", raising=False)
    monkeypatch.setattr(sys, "meta_path", [Broken(), *sys.meta_path])
    similarity.preload()  # fails quietly
    assert "datasketch" not in sys.modules
    narratives = [similarity.Narrative(key=i, agency=f"机关{i}", year=2023, path=f"{i}.txt", identity=(str(i), 0),
                                       signature=None, source="本批次", in_run=True) for i in range(2)]
    monkeypatch.setattr(similarity.Narrative, "clauses", lambda self: [(1, n) for n in range(40)])
    with pytest.raises(similarity.SimilarityUnavailable, match="datasketch"):
        similarity.find_similar(narratives)


def test_preload_imports_datasketch(monkeypatch):
    pytest.importorskip("datasketch")
    monkeypatch.delitem(sys.modules, "datasketch", raising=False)
    similarity.preload()
    assert "datasketch" in sys.modules
