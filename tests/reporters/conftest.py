"""Reporter tests share ``tests/factories.py``: hand-built runs, no engine needed."""

from __future__ import annotations

import pytest

from auditor.model import AuditRun
from tests.factories import make_run


@pytest.fixture
def run() -> AuditRun:
    return make_run()
