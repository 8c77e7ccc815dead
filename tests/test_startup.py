"""Start-up stays lazy: what a short command must not import (issue 11, speed and scale).

Nothing is timed here (``benchmarks/bench_batch.py --sections one`` prints the figures). Each
command runs in a fresh interpreter, exactly as ``auditor …`` does, and the test looks at which
modules it loaded: someone re-adding an eager import of the pool, the parser or a reporter's
library makes these fail, with the module named.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "reports" / "000_60dfc1bb3c346b4a.txt"

# Runs the command line in this interpreter, then prints the loaded modules as the last line.
PROBE = """
import json, sys
from auditor.cli import cli
try:
    cli.main(sys.argv[1:], prog_name="auditor")
except SystemExit:
    pass
print()
print(json.dumps(sorted(sys.modules)))
"""

# Never needed to audit one text report in process with JSON output.
NEVER_FOR_ONE_FILE = (
    "multiprocessing",  # the pool (auditor.pool starts one only for several files)
    "concurrent.futures.process",
    "pebble",
    "distributed",  # --scheduler only
    "datasketch",  # XDOC-COPY compares several reports
    "jsonschema",  # configuration files only
    "junit_xml",  # the JUnit reporter, not selected
    "xml.etree.ElementTree",
    "docx",  # adapters of other file types
    "bs4",
    "lxml",
    "pdfplumber",
    "pypdfium2",
)
# Not needed when the packs' syntax trees are in the rule cache.
PARSER = ("lark", "auditor.dsl.parser")
# Not needed when the file's results are in the result cache.
READING = ("auditor.recognize", "auditor.narrative", "auditor.similarity")


def loaded(args: list[str], cwd: Path, cache: Path) -> set[str]:
    env = {**os.environ, "AUDITOR_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)}
    env.pop("AUDITOR_LANG", None)
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.strip(), done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def audit(report: Path, tmp_path: Path) -> list[str]:
    return ["audit", str(report), "--format", "json", "-o", str(tmp_path / "out.json"), "--no-progress"]


def test_version_loads_no_command_module(tmp_path):
    modules = loaded(["--version"], tmp_path, tmp_path / "cache")
    assert "auditor.cli" in modules
    unexpected = {"auditor.commands.audit", "auditor.commands.rules", "auditor.engine", "auditor.runner",
                  "auditor.model", "pluggy"} & modules
    assert not unexpected


@pytest.fixture
def reports(tmp_path) -> tuple[Path, Path]:
    """Two text reports that differ (the second has a result of its own to work out)."""
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    text = SEED.read_text(encoding="utf-8")
    first.write_text(text, encoding="utf-8")
    second.write_text(text.replace("年度报告", "年度报告（第2号）", 1), encoding="utf-8")
    return first, second


def test_one_file_audit_loads_only_what_it_needs(reports, tmp_path):
    first, second = reports
    cache = tmp_path / "cache"
    warm = loaded(audit(first, tmp_path), tmp_path, cache)  # compiles the packs: the parser is needed
    assert "auditor.engine" in warm and "lark" in warm

    new_file = loaded(audit(second, tmp_path), tmp_path, cache)
    assert json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["documents"]
    assert "auditor.recognize" in new_file  # read, recognized, audited here
    assert not {m for m in NEVER_FOR_ONE_FILE + PARSER if m in new_file}

    replayed = loaded(audit(second, tmp_path), tmp_path, cache)
    assert json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["documents"]
    assert not {m for m in NEVER_FOR_ONE_FILE + PARSER + READING if m in replayed}


def test_importing_the_plugin_manager_loads_no_plugin():
    """The error boundary imports ``auditor.plugins`` for every command (for ``PluginError``)."""
    done = subprocess.run([sys.executable, "-c", "import sys, auditor.plugins; "
                           "print(sorted(m for m in sys.modules if m == 'pluggy' or m.startswith('auditor.')))"],
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "['auditor.plugins']", done.stderr
