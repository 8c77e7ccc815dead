"""Keep every cache these tests write (rule trees, audit results) out of the user's home.

Set at import time: some cases are collected (and their packs compiled) before any fixture runs.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

if "AUDITOR_TEST_CACHE" not in os.environ:
    _cache = tempfile.mkdtemp(prefix="auditor-test-cache-")
    os.environ["AUDITOR_TEST_CACHE"] = os.environ["AUDITOR_CACHE_DIR"] = _cache
    atexit.register(shutil.rmtree, _cache, ignore_errors=True)


@pytest.fixture
def fake_engine(monkeypatch):
    """``auditor.engine`` replaced by a tiny one (``tests.factories``): audit commands without
    compiling the standard packs."""
    from tests.factories import fake_engine_module

    monkeypatch.setitem(sys.modules, "auditor.engine", fake_engine_module())


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    """A cache folder of the test's own (result and rule caches on), forgotten after it."""
    from auditor import cachedir

    folder = tmp_path / "cache"
    monkeypatch.setenv("AUDITOR_CACHE_DIR", str(folder))
    cachedir.reset()
    yield folder
    cachedir.reset()


@pytest.fixture
def seed_reports(tmp_path) -> Path:
    """A folder of the bundled example reports and one empty file (an error entry)."""
    folder = tmp_path / "reports"
    folder.mkdir()
    for seed in sorted((Path(__file__).resolve().parent.parent / "examples" / "reports").glob("*.txt")):
        shutil.copy(seed, folder / seed.name)
    (folder / "empty.txt").write_bytes(b"")
    return folder
