"""Issue 13, the batch side: odd names, files that are not files, limits, outputs, processes,
configurations found by surprise. Each test fails on the runner before these changes."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor import runner
from auditor.cli import cli
from auditor.config import ConfigError, load_config
from auditor.worker import Limits, display_path, timeout_message
from tests.factories import fake_load_rules, make_report

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "reports" / "000_60dfc1bb3c346b4a.txt"
POSIX = pytest.mark.skipif(os.name != "posix", reason="POSIX file system features")


def audit(*args: str, cwd: Path | None = None):
    old = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, ["audit", *args], catch_exceptions=False)
    finally:
        os.chdir(old)


def documents(result) -> dict[str, dict]:
    return {Path(d["source"]).name: d for d in json.loads(result.stdout)["documents"]}


# ------------------------------------------------------------------ 13.2 names that are not UTF-8


@POSIX
def test_a_gbk_file_name_is_kept_shown_escaped_and_breaks_no_output(fake_engine, tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    raw_name = "广州".encode("gbk") + b".txt"  # not UTF-8
    try:
        with open(os.path.join(os.fsencode(folder), raw_name), "wb") as handle:
            handle.write(SEED.read_bytes())
    except OSError:
        pytest.skip("file system refuses non-UTF-8 names")
    shutil.copy(SEED, folder / "good.txt")
    out = tmp_path / "out"
    formats = ["json", "junit", "sarif", "html", "csv", "github", "console"]
    args = [str(folder), "--jobs", "1"]
    for fmt in formats[:-1]:
        args += ["--format", fmt]
    for fmt in formats[:-1]:
        args += ["--output", str(out / f"r.{fmt}")]
    result = audit(*args, "--format", "console")
    assert result.exit_code in (0, 1), result.stderr
    escaped = display_path(os.fsdecode(raw_name))
    assert escaped == "\\xb9\\xe3\\xd6\\xdd.txt"
    for fmt in formats[:-1]:
        text = (out / f"r.{fmt}").read_text(encoding="utf-8-sig")
        assert "xb9" in text and "good.txt" in text, fmt
    data = json.loads((out / "r.json").read_text(encoding="utf-8"))
    entry = next(d for d in data["documents"] if d["source"].endswith(escaped))
    assert entry["error"] is None, "the file was read under its real name"


# ------------------------------------------------------------------ 13.3 files that are not files


@POSIX
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_fifo_and_dev_zero_link_are_error_entries_not_hangs(fake_engine, tmp_path, jobs):
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(SEED, folder / "good.txt")
    os.mkfifo(folder / "pipe.txt")
    os.symlink("/dev/zero", folder / "zero.txt")
    result = audit(str(folder), "--format", "json", "--jobs", jobs, "--timeout", "20")
    docs = documents(result)
    assert docs["pipe.txt"]["error"] == "不是普通文件（a named pipe (FIFO)），未读取"
    assert docs["zero.txt"]["error"] == "不是普通文件（a device），未读取"
    assert docs["good.txt"]["error"] is None


def test_size_is_capped_before_reading(fake_engine, tmp_path):
    big = tmp_path / "big.txt"
    with open(big, "wb") as handle:
        handle.truncate(2 * 1024 * 1024 + 1)
    (tmp_path / "auditor.toml").write_text("max_file_size = 1\n", encoding="utf-8")
    docs = documents(audit(str(big), "--format", "json", cwd=tmp_path))
    assert docs["big.txt"]["error"] == "文件大小 2 MiB，超过 1 MiB 的上限"


def test_parse_refuses_a_fifo_too(tmp_path):
    if os.name != "posix":
        pytest.skip("POSIX")
    os.mkfifo(tmp_path / "pipe.txt")
    result = CliRunner().invoke(cli, ["parse", str(tmp_path / "pipe.txt")])
    assert result.exit_code == 1 and "named pipe" in result.stderr


@pytest.mark.parametrize(("setting", "message"), [
    ("timeout = nan", "auditor.toml:1: timeout: 必须是有限的数字，不能是 nan"),
    ("timeout = inf", "auditor.toml:1: timeout: 必须是有限的数字，不能是 inf"),
    ("jobs = 100000", "auditor.toml:1: jobs: 100000 大于最大值 256"),
    ("timeout = -1", "auditor.toml:1: timeout: -1 小于最小值 0"),
    ("memory_limit = 1.5", "auditor.toml:1: memory_limit: 1.5 应为整数"),
])
def test_numeric_settings_are_finite_and_bounded(tmp_path, setting, message):
    (tmp_path / "auditor.toml").write_text(setting + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(start=tmp_path)
    assert message in str(info.value)


@pytest.mark.parametrize("args", [["--timeout", "nan"], ["--timeout", "inf"], ["--jobs", "100000"],
                                  ["--scheduler", "local:0"], ["--memory-limit", "-5"]])
def test_numeric_options_are_finite_and_bounded(fake_engine, tmp_path, args):
    shutil.copy(SEED, tmp_path / "a.txt")
    result = audit(str(tmp_path / "a.txt"), *args)
    assert result.exit_code == 2, result.output


# ------------------------------------------------------------------ limits in this process and in workers


def read_spinning(path: str):
    if path.endswith("spin.txt"):
        while True:  # a pure-Python hang
            pass
    return [make_report(path)]


def read_greedy(path: str):
    if path.endswith("greedy.txt"):
        hog = bytearray(3 * 1024 * 1024 * 1024)  # 3 GiB
        return [make_report(path, str(len(hog)))]
    return [make_report(path)]


def test_one_file_in_process_is_stopped_at_the_timeout_without_a_pool(tmp_path, monkeypatch):
    monkeypatch.setattr("auditor.pool.LocalPool.__init__", lambda *a, **k: pytest.fail("a pool was started"))
    spin = tmp_path / "spin.txt"
    spin.write_text("x", encoding="utf-8")
    started = time.monotonic()
    (doc,) = runner.run_batch([str(spin)], fake_load_rules, jobs=4, limits=Limits(timeout=0.5), read=read_spinning)
    assert doc.error == timeout_message(0.5)
    assert time.monotonic() - started < 5


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS as on Linux")
@pytest.mark.parametrize("jobs", [1, 2])
def test_memory_limit_hit_is_an_error_entry_and_the_batch_goes_on(tmp_path, jobs):
    files = [str(tmp_path / n) for n in ("a.txt", "greedy.txt", "b.txt")]
    for name in files:
        Path(name).write_text("x", encoding="utf-8")
    docs = runner.run_batch(files, fake_load_rules, jobs=jobs, limits=Limits(timeout=30, memory_mb=1024),
                            read=read_greedy)
    assert [Path(d.path).name for d in docs] == ["a.txt", "greedy.txt", "b.txt"]
    assert docs[1].error == "ran out of memory: the 1 GiB memory limit was reached (file skipped)"
    assert docs[0].error is None and docs[2].error is None


# ------------------------------------------------------------------ 13.9 processes and outputs


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def _gone(pids: list[int], within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        alive = []
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
                    if handle.read().rsplit(")", 1)[1].split()[0] != "Z":
                        alive.append(pid)
            except OSError:
                pass
        if not alive:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_workers_die_with_their_parent(tmp_path, sig):
    for name in ("a-hang.txt", "b-hang.txt", "c-hang.txt"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    script = textwrap.dedent(f"""
        import sys, glob
        sys.path.insert(0, {str(ROOT)!r})
        from auditor import runner
        from auditor.worker import Limits
        from tests.factories import fake_load_rules
        from tests.test_runner import read_hangs_or_crashes
        from auditor.commands.audit import _exit_cleanly_on_sigterm
        _exit_cleanly_on_sigterm()
        files = sorted(glob.glob({str(tmp_path / "*.txt")!r}))
        runner.run_batch(files, fake_load_rules, jobs=2, limits=Limits(timeout=100), read=read_hangs_or_crashes)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(workers) < 2:
            time.sleep(0.2)
            workers = _children(parent.pid)
        assert len(workers) >= 2, "the workers started"
        os.kill(parent.pid, sig)
        parent.wait(timeout=20)
        assert _gone(workers, within=10), "no worker outlives its parent"
    finally:
        if parent.poll() is None:
            parent.kill()
        for pid in workers:  # orphans, if the test failed: never leave them running
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


@POSIX
def test_output_through_a_symlink_keeps_the_link_and_a_device_is_written_not_replaced(fake_engine, tmp_path):
    shutil.copy(SEED, tmp_path / "a.txt")
    real = tmp_path / "real.json"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    result = audit(str(tmp_path / "a.txt"), "--format", "json", "--output", str(link),
                   "--format", "junit", "--output", os.devnull, "--fail-on", "never")
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and json.loads(real.read_text(encoding="utf-8"))["summary"]["documents"] == 1
    assert Path(os.devnull).exists() and not Path(os.devnull).is_file()
    if os.path.exists("/dev/full"):
        full = audit(str(tmp_path / "a.txt"), "--format", "json", "--output", "/dev/full")
        assert full.exit_code == 2 and "无法写入 /dev/full" in full.stderr
        assert not Path("/dev/full").is_file()


def test_temporary_outputs_of_killed_runs_are_removed_and_outputs_share_a_run_id(fake_engine, tmp_path):
    shutil.copy(SEED, tmp_path / "a.txt")
    out = tmp_path / "out"
    out.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (out / f".auditor-{dead.pid}-x1y2.tmp").write_text("left by a killed run", encoding="utf-8")
    (out / f".auditor-{os.getpid()}-live.tmp").write_text("a run still writing", encoding="utf-8")
    result = audit(str(tmp_path / "a.txt"), "--format", "json", "--output", str(out / "r.json"),
                   "--format", "sarif", "--output", str(out / "r.sarif"), "--format", "junit",
                   "--output", str(out / "r.xml"), "--fail-on", "never")
    assert result.exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted([f".auditor-{os.getpid()}-live.tmp", "r.json",
                                                            "r.sarif", "r.xml"])
    run_id = json.loads((out / "r.json").read_text(encoding="utf-8"))["run_id"]
    assert run_id and json.loads((out / "r.sarif").read_text(encoding="utf-8"))["runs"][0]["automationDetails"] == {
        "guid": run_id}
    assert f'name="auditor.run_id" value="{run_id}"' in (out / "r.xml").read_text(encoding="utf-8")


# ------------------------------------------------------------------ 13.10 configuration found by surprise


def test_the_configuration_used_is_named_and_disabling_standard_rules_is_warned(fake_engine, tmp_path):
    shutil.copy(SEED, tmp_path / "a.txt")
    (tmp_path / "auditor.toml").write_text("standard = false\n", encoding="utf-8")
    result = audit(str(tmp_path / "a.txt"), cwd=tmp_path)
    config = (tmp_path / "auditor.toml").resolve()
    assert f"使用配置文件 {config}（自动发现）" in result.stderr
    assert "standard = false：全部标准规则均未运行" in result.stderr


def test_a_found_config_ignoring_standard_rules_is_warned(tmp_path):
    shutil.copy(SEED, tmp_path / "a.txt")
    (tmp_path / "auditor.toml").write_text('ignore = ["T3-", "META"]\n', encoding="utf-8")
    result = audit(str(tmp_path / "a.txt"), "--no-cache", cwd=tmp_path)
    assert "的 ignore 停用了" in result.stderr and "条标准规则" in result.stderr
    assert "停用了" not in audit(str(tmp_path / "a.txt"), "--ignore", "T4-", "--no-cache", cwd=tmp_path).stderr


def test_a_broken_pyproject_on_the_way_up_is_said_not_skipped(fake_engine, tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project\nname = 'x'\n", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(SEED, work / "a.txt")
    result = audit(str(work / "a.txt"), cwd=work)
    assert f"跳过 {tmp_path / 'pyproject.toml'}：无法解析" in result.stderr
    (tmp_path / "pyproject.toml").write_text("[tool.auditor\nfail_on = 'never'\n", encoding="utf-8")
    result = audit(str(work / "a.txt"), cwd=work)
    assert result.exit_code == 2 and "含有 [tool.auditor] 表，但无法解析" in result.stderr


# ------------------------------------------------------------------ inputs by URL (fsspec)


def test_fsspec_urls_are_listed_read_under_the_size_cap_and_audited(fake_engine, tmp_path):
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    fs.pipe("/reports/a.txt", SEED.read_bytes())
    fs.pipe("/reports/notes.md", b"not a report")
    fs.pipe("/reports/big.txt", b"x" * 40_000)
    files = runner.collect_inputs(["memory://reports/"], include=["*.txt"])
    assert [f.replace(":///", "://") for f in files] == ["memory://reports/a.txt", "memory://reports/big.txt"]
    docs = runner.run_batch(files, fake_load_rules, jobs=1, limits=Limits(timeout=30, max_file_bytes=32_000))
    assert docs[0].error is None and docs[0].sha256
    assert docs[1].error == "file is 40000 bytes, over the 32000 bytes limit"
    fs.rm("/reports", recursive=True)
