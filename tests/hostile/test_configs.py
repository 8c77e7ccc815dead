"""Hostile configurations (issue 13): each is a configuration error naming the file and the
key (exit 2, no traceback, no secret), or a run that finishes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile.builders import SEED

SECRET = "hunter2-config-7d1e"
# Bounds on numeric settings arrive with the runner branch (issue 13, item 3); until then a
# configuration asking for 100,000 workers would start them, so those cases wait for it.
PATHOLOGICAL_GLOB = "*a" * 40 + "b"

# name → (configuration bytes, expected exit codes, words stderr must hold)
CONFIGS = {
    "syntax error": (b"fail_on = \n", {2}, "auditor.toml"),
    "wrong type": (b'jobs = "many"\n', {2}, "jobs"),
    "negative timeout": (b"timeout = -1\n", {2}, "timeout"),
    "unknown key": (b'fial_on = "error"\n', {2}, "fial_on"),
    "not UTF-8": (b"fail_on = '\xff\xfe'\n", {2}, "auditor.toml"),
    "rules: the environment": (b'rules = ["/proc/self/environ"]\n', {2}, "not a rule file"),
    "rules: a device": (b'rules = ["/dev/zero"]\n', {2}, "not a regular file"),
    "pathological globs": (f'[[waivers]]\nrule = "T3-*"\nagency = "{PATHOLOGICAL_GLOB}"\npaths = '
                           f'["{PATHOLOGICAL_GLOB}"]\nreason = "r"\napproved_by = "a"\nexpires = 2099-01-01\n'.encode(),
                           {0, 1}, ""),
    "ten MB of comments": ((b"#" + b"y" * 1000 + b"\n") * 10_000 + b'fail_on = "error"\n', {0, 1}, ""),
    "timeout = nan": (b"timeout = nan\n", {2}, "timeout"),
    "timeout = inf": (b"timeout = inf\n", {2}, "timeout"),
    "jobs = 100000": (b"jobs = 100000\n", {2}, "jobs"),
    "deep nesting": (b"x = " + b"[" * 100_000 + b"]" * 100_000 + b"\n", {2}, "auditor.toml"),
}


def _cap_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024 * 2**20, resource.getrlimit(resource.RLIMIT_AS)[1]))


@pytest.mark.parametrize(("content", "codes", "words"), list(CONFIGS.values()), ids=list(CONFIGS))
def test_hostile_configuration(tmp_path: Path, content: bytes, codes: set[int], words: str):
    (tmp_path / "auditor.toml").write_bytes(content)
    env = {**os.environ, "AUDITOR_CACHE_DIR": "off", "AUDITOR_TEST_SECRET": SECRET}
    done = subprocess.run([sys.executable, "-m", "auditor", "audit", str(SEED), "--config", "auditor.toml"],
                          capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path, preexec_fn=_cap_memory)
    assert done.returncode in codes, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert words in done.stderr
    assert SECRET not in done.stderr + done.stdout
