"""Each fuzz target under hypothesis. In the normal suite a few examples each (seconds in all);
``AUDITOR_FUZZ_EXAMPLES=5000 python -m pytest tests/fuzz`` or ``python -m tests.fuzz`` for a
longer run by hand."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings

from tests.fuzz.strategies import inputs
from tests.fuzz.targets import TARGETS

EXAMPLES = int(os.environ.get("AUDITOR_FUZZ_EXAMPLES", "15"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 50,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _test(target: str):
    @FUZZ
    @given(data=inputs(target))
    def run(data: bytes) -> None:
        TARGETS[target](data)

    return run


@pytest.mark.parametrize("target", list(TARGETS))
def test_fuzz_target(target: str) -> None:
    _test(target)()
