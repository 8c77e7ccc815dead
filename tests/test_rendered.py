"""A re-audit of an unchanged run writes the JSON output an identical run wrote, from the cache:
byte for byte the same, without decoding a document or running the cross-document phase."""

from __future__ import annotations

import json
import shutil
import sqlite3
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor import crossdoc, resultcache, runner, worker
from auditor.cli import cli
from auditor.resultcache import DB_NAME, SUBDIR

SEEDS = Path(__file__).resolve().parent.parent / "examples" / "reports"
WAIVER = "".join(
    f'[[waivers]]\nrule = "{rule}"\nreason = "{reason}"\napproved_by = "办公室"\npaths = ["*.txt"]\nexpires = {expires}\n'
    for rule, reason, expires in (("META-CONTACT", "联系方式另行公开", "2099-12-31"), ("T3-BALANCE", "已过期", "2020-01-01"),
                                  ("NO-SUCH-RULE", "从未用到", "2099-12-31")))


@pytest.fixture
def reports(seed_reports) -> Path:
    """The seeds, an empty file and a JSON file that is no report."""
    (seed_reports / "README.json").write_text('{"name": "not a report"}', encoding="utf-8")
    return seed_reports


def audit(*args: str) -> tuple[str, str, int]:
    """The JSON output without what differs between runs (time, run id, command), the summary
    on standard error and the exit code."""
    result = CliRunner().invoke(cli, ["audit", *args, "--no-progress"], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.stderr
    lines = [line for line in result.stdout.splitlines(keepends=True)
             if not line.startswith(('  "created"', '  "run_id"'))]
    text = "".join(lines)
    command = json.loads(text)["command"]
    return text.replace(json.dumps(command, ensure_ascii=False, indent=2).replace("\n", "\n  "), "[]"), \
        result.stderr, result.exit_code


class Counting:
    def __init__(self, monkeypatch) -> None:
        self.decoded = 0
        self.phases = 0
        real_decode, real_phase = worker.decode_body, crossdoc._cross_outcomes

        def decode(*args, **kwargs):
            self.decoded += 1
            return real_decode(*args, **kwargs)

        def phase(*args, **kwargs):
            self.phases += 1
            return real_phase(*args, **kwargs)

        monkeypatch.setattr(worker, "decode_body", decode)
        monkeypatch.setattr(crossdoc, "_cross_outcomes", phase)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_unchanged_run_replays_its_json_without_decoding(cache_dir, reports, monkeypatch, jobs):
    fresh = audit(str(reports), "--format", "json", "--no-cache", "--jobs", jobs)
    first = audit(str(reports), "--format", "json", "--jobs", jobs)
    counting = Counting(monkeypatch)
    second = audit(str(reports), "--format", "json", "--jobs", jobs)
    assert second == first == fresh
    assert counting.decoded == 0 and counting.phases == 0, "a replayed run decoded documents"
    assert '"documents": [\n    {' in second[0] and second[2] == 1


@pytest.mark.parametrize("extra", [
    pytest.param(("--reports-only",), id="reports-only"),
    pytest.param(("--fail-on", "warning"), id="fail-on"),
    pytest.param(("--select", "META-,T3-"), id="select"),
])
def test_options_replay_their_own_output(cache_dir, reports, monkeypatch, extra):
    plain = audit(str(reports), "--format", "json")
    fresh = audit(str(reports), "--format", "json", "--no-cache", *extra)
    assert fresh != plain
    first = audit(str(reports), "--format", "json", *extra)
    counting = Counting(monkeypatch)
    assert audit(str(reports), "--format", "json", *extra) == first == fresh
    assert counting.decoded == 0


def test_waivers_are_part_of_the_key_and_their_record_is_replayed(cache_dir, reports, tmp_path, monkeypatch):
    config = tmp_path / "auditor.toml"
    config.write_text(WAIVER, encoding="utf-8")
    without = audit(str(reports), "--format", "json")
    fresh = audit(str(reports), "--format", "json", "--config", str(config), "--no-cache")
    first = audit(str(reports), "--format", "json", "--config", str(config))
    data = json.loads(first[0])
    assert data["waivers"]["applied"] and data["waivers"]["expired"] and data["waivers"]["unused"]
    assert data["summary"]["waived"] > 0
    counting = Counting(monkeypatch)
    assert audit(str(reports), "--format", "json", "--config", str(config)) == first == fresh != without
    assert counting.decoded == 0
    config.write_text(WAIVER.replace("2099-12-31", "2098-12-31"), encoding="utf-8")
    assert audit(str(reports), "--format", "json", "--config", str(config)) == \
        audit(str(reports), "--format", "json", "--config", str(config), "--no-cache")
    assert counting.decoded > 0, "an edited waiver did not renew the output"


def test_the_language_is_part_of_the_key(cache_dir, reports, monkeypatch):
    chinese = audit(str(reports), "--format", "json")
    monkeypatch.setenv("AUDITOR_LANG", "en")
    english = audit(str(reports), "--format", "json")
    assert english != chinese and '"error": "file is empty' in english[0]
    assert english == audit(str(reports), "--format", "json", "--no-cache")


def test_a_changed_file_renders_afresh(cache_dir, reports, monkeypatch):
    audit(str(reports), "--format", "json")
    target = reports / "001_1fa793b153ce3d21.txt"
    target.write_bytes(target.read_bytes() + b"\n")
    counting = Counting(monkeypatch)
    assert audit(str(reports), "--format", "json") == audit(str(reports), "--format", "json", "--no-cache")
    assert counting.decoded > 0 and counting.phases > 0


def test_other_formats_baseline_and_history_are_not_replayed_and_stay_identical(cache_dir, reports, tmp_path,
                                                                                 monkeypatch):
    baseline = tmp_path / "baseline.json"
    baseline.write_text(audit(str(reports), "--format", "json", "--no-cache")[0], encoding="utf-8")
    history = tmp_path / "history"
    history.mkdir()
    shutil.copy(SEEDS / "000_60dfc1bb3c346b4a.txt", history / "old.txt")
    for extra in (("--baseline", str(baseline)), ("--history", str(history))):
        fresh = audit(str(reports), "--format", "json", "--no-cache", *extra)
        assert audit(str(reports), "--format", "json", *extra) == fresh
        counting = Counting(monkeypatch)
        assert audit(str(reports), "--format", "json", *extra) == fresh
        assert counting.decoded > 0
    sarif = tmp_path / "out.sarif"
    first = audit(str(reports), "--format", "json", "--format", "sarif", "-o", "-", "-o", str(sarif))
    counting = Counting(monkeypatch)
    assert audit(str(reports), "--format", "json", "--format", "sarif", "-o", "-", "-o", str(sarif)) == first
    assert counting.decoded > 0


def test_many_pieces_and_a_damaged_one(cache_dir, reports, monkeypatch):
    monkeypatch.setattr(resultcache, "RENDERED_CHUNK", 2000)
    monkeypatch.setattr(resultcache, "RENDERED_FETCH", 2)
    first = audit(str(reports), "--format", "json")
    with sqlite3.connect(cache_dir / SUBDIR / DB_NAME) as conn:
        pieces = conn.execute("SELECT count(*) FROM results WHERE key LIKE 'rendered-%-%'").fetchone()[0]
    assert pieces > 3
    counting = Counting(monkeypatch)
    assert audit(str(reports), "--format", "json") == first
    assert counting.decoded == 0
    with sqlite3.connect(cache_dir / SUBDIR / DB_NAME) as conn:
        key = conn.execute("SELECT key FROM results WHERE key LIKE 'rendered-%-2'").fetchone()[0]
        conn.execute("UPDATE results SET payload = ? WHERE key = ?", (b'{"damaged": true}', key))
    assert audit(str(reports), "--format", "json") == first
    assert counting.decoded > 0, "a damaged piece was written out"


class Fetching:
    """The keys the result cache is asked for whole values of, and the files read in this process."""

    def __init__(self, monkeypatch) -> None:
        from auditor import reading

        self.keys: list[str] = []
        self.reads: list[str] = []
        real_get, real_read = resultcache.ResultCache.get_many, reading.read_bytes

        def get_many(cache, keys):
            self.keys.extend(keys)
            return real_get(cache, keys)

        def read_bytes(path, *args, **kwargs):
            self.reads.append(path)
            return real_read(path, *args, **kwargs)

        monkeypatch.setattr(resultcache.ResultCache, "get_many", get_many)
        monkeypatch.setattr(reading, "read_bytes", read_bytes)
        monkeypatch.setattr(runner, "read_bytes", read_bytes)

    @property
    def entries(self) -> list[str]:
        return [key for key in self.keys if not key.startswith("rendered-")]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_replay_reads_each_files_facts_and_no_entry(cache_dir, reports, monkeypatch, jobs):
    first = audit(str(reports), "--format", "json", "--jobs", jobs)
    fetching = Fetching(monkeypatch)
    monkeypatch.setattr(runner, "iter_entries", None)  # the batch does not run at all
    assert audit(str(reports), "--format", "json", "--jobs", jobs) == first
    assert fetching.keys and not fetching.entries, "a replayed run fetched whole entries"
    assert sorted(fetching.reads) == sorted(runner.collect_inputs([str(reports)])), "each file hashed once"


def test_a_replay_counts_as_a_use_of_the_entries(cache_dir, reports):
    audit(str(reports), "--format", "json")
    long_ago = 1_000_000
    with sqlite3.connect(cache_dir / SUBDIR / DB_NAME) as conn:
        for table in ("results", "facts"):
            conn.execute(f"UPDATE {table} SET used = ? WHERE key NOT LIKE 'rendered-%'", (long_ago,))
    audit(str(reports), "--format", "json")
    with sqlite3.connect(cache_dir / SUBDIR / DB_NAME) as conn:
        stale = [conn.execute(f"SELECT count(*) FROM {table} WHERE used = ?", (long_ago,)).fetchone()[0]
                 for table in ("results", "facts")]
    assert stale == [0, 0], "replayed entries would be pruned as unused"


@pytest.mark.parametrize("damage", ["crc", "json", "other facts"])
def test_damaged_facts_mean_a_normal_audit_with_identical_outputs(cache_dir, reports, monkeypatch, damage):
    fresh = audit(str(reports), "--format", "json", "--no-cache")
    assert audit(str(reports), "--format", "json") == fresh
    with sqlite3.connect(cache_dir / SUBDIR / DB_NAME) as conn:
        key, facts = conn.execute("SELECT key, facts FROM facts WHERE CAST(facts AS TEXT) LIKE ?",
                                  ("%001_1fa793b153ce3d21%",)).fetchone()
        if damage == "crc":
            facts = facts.replace(b"001_", b"009_")  # the CRC no longer matches
            conn.execute("UPDATE facts SET facts = ? WHERE key = ?", (facts, key))
        else:
            facts = b"[1, {" if damage == "json" else facts.replace(b"001_", b"009_")
            conn.execute("UPDATE facts SET facts = ?, crc = ? WHERE key = ?", (facts, zlib.crc32(facts), key))
    fetching = Fetching(monkeypatch)
    assert audit(str(reports), "--format", "json") == fresh
    assert fetching.entries, "not audited normally"
    assert sorted(fetching.reads) == sorted(runner.collect_inputs([str(reports)])), "files hashed twice"


def test_a_changed_file_is_hashed_once(cache_dir, reports, monkeypatch):
    audit(str(reports), "--format", "json", "--jobs", "2")
    target = reports / "001_1fa793b153ce3d21.txt"
    target.write_bytes(target.read_bytes() + b"\n")
    fresh = audit(str(reports), "--format", "json", "--jobs", "2", "--no-cache")
    fetching = Fetching(monkeypatch)
    assert audit(str(reports), "--format", "json", "--jobs", "2") == fresh
    assert sorted(fetching.reads) == sorted(runner.collect_inputs([str(reports)])), "files hashed twice"
