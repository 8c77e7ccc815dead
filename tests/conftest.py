"""Keep every cache these tests write (rule trees, audit results) out of the user's home.

Set at import time: some cases are collected (and their packs compiled) before any fixture runs.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile

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
