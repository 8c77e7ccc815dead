"""The result cache: identical outputs from unchanged files, misses on any change, never code."""

from __future__ import annotations

import json
import sqlite3
import time
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor import cachedir, runner
from auditor.cli import cli
from auditor.resultcache import DB_NAME, MAX_AGE_DAYS, SUBDIR, ResultCache
from auditor.worker import decode_entry, decode_results

SEEDS = Path(__file__).resolve().parent.parent / "examples" / "reports"


@pytest.fixture
def reports(seed_reports) -> Path:
    """The seeds and an empty file."""
    return seed_reports


def audit_json(*args: str) -> dict:
    result = CliRunner().invoke(cli, ["audit", *args, "--format", "json"], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.stderr
    data = json.loads(result.stdout)
    for key in ("created", "run_id", "command"):
        data.pop(key)
    return data


def no_audit(*args, **kwargs):
    raise AssertionError("a cached file was audited again")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_unchanged_folder_comes_from_the_cache_with_identical_outputs(fake_engine, cache_dir, reports,
                                                                         monkeypatch, jobs):
    first = audit_json(str(reports), "--jobs", jobs)
    assert (cache_dir / SUBDIR / DB_NAME).is_file()
    monkeypatch.setattr(runner, "audit_file", no_audit)
    monkeypatch.setattr("auditor.pool.LocalPool.submit", no_audit)
    second = audit_json(str(reports), "--jobs", jobs)
    assert second == first


def test_real_rules_cached_results_match_a_fresh_audit(cache_dir, reports, monkeypatch):
    fresh = audit_json(str(reports), "--no-cache")
    first = audit_json(str(reports))
    monkeypatch.setattr(runner, "audit_file", no_audit)
    assert audit_json(str(reports)) == first == fresh


def test_a_changed_file_or_rule_selection_is_audited_again(fake_engine, cache_dir, reports, monkeypatch):
    audit_json(str(reports), "--jobs", "1")
    calls: list[str] = []
    real = runner.audit_file

    def counting(path, *args, **kwargs):
        calls.append(Path(path).name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(runner, "audit_file", counting)
    target = reports / "000_60dfc1bb3c346b4a.txt"
    target.write_bytes(target.read_bytes() + b"\n")
    audit_json(str(reports), "--jobs", "1")
    assert calls == ["000_60dfc1bb3c346b4a.txt"]
    calls.clear()
    audit_json(str(reports), "--jobs", "1", "--ignore", "FAKE-PERIOD")
    assert len(calls) == len(list(reports.iterdir()))


def test_the_cross_document_phase_of_an_unchanged_run_comes_from_the_cache(cache_dir, reports, monkeypatch):
    from auditor import crossdoc

    fresh = audit_json(str(reports), "--no-cache")
    first = audit_json(str(reports))
    real = crossdoc._cross_outcomes
    calls: list[int] = []

    def counting(run, *args, **kwargs):
        calls.append(len(run))
        return real(run, *args, **kwargs)

    monkeypatch.setattr(crossdoc, "_cross_outcomes", counting)
    assert audit_json(str(reports)) == first == fresh
    assert calls == [], "an unchanged run was paired and compared again"
    target = reports / "001_1fa793b153ce3d21.txt"
    target.write_bytes(target.read_bytes() + b"\n")
    changed = audit_json(str(reports))
    assert len(calls) == 1 and calls[0] >= len(list(SEEDS.glob("*.txt"))), "a changed file did not renew the phase"
    assert changed == audit_json(str(reports), "--no-cache")


def test_a_corrupt_cross_document_entry_is_a_miss(cache_dir, reports):
    first = audit_json(str(reports))
    with sqlite3.connect(cache_dir / SUBDIR / DB_NAME) as conn:
        changed = conn.execute("UPDATE results SET payload = ? WHERE key LIKE 'cross-%'",
                               (b'[[99, {"X": 1}]]',)).rowcount
    assert changed == 1
    assert audit_json(str(reports)) == first


def test_no_cache_neither_reads_nor_writes(fake_engine, cache_dir, reports):
    audit_json(str(reports), "--no-cache")
    assert not cache_dir.exists()


def test_a_corrupt_database_is_replaced_and_a_corrupt_entry_is_a_miss(fake_engine, cache_dir, reports):
    first = audit_json(str(reports), "--jobs", "1")
    db = cache_dir / SUBDIR / DB_NAME
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE results SET payload = ?", (b'[{"@": "os.system", "cmd": "x"}]',))
    assert audit_json(str(reports), "--jobs", "1") == first
    db.write_bytes(b"this is not a database")
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    assert audit_json(str(reports), "--jobs", "1") == first


def test_a_planted_pickle_is_never_loaded(cache_dir, tmp_path):
    import pickle

    marker = tmp_path / "pwned"
    cache = ResultCache.open("salt")
    key = cache.key("a.txt", "0" * 64)

    class Planted:
        def __reduce__(self):
            return (Path.touch, (marker,))

    planted = pickle.dumps(Planted())
    cache._db.execute("INSERT INTO results (key, used, size, payload) VALUES (?, ?, 1, ?)", (key, int(time.time()), planted))
    cache._db.execute("INSERT INTO facts (key, used, crc, facts) VALUES (?, ?, ?, ?)",
                      (key, int(time.time()), zlib.crc32(planted), planted))
    assert cache.get_many([key]) == {}, "not UTF-8: not even handed out"
    assert cache.facts_many([key]) == {}, "not UTF-8: not even handed out"
    for decode in (decode_results, decode_entry):
        with pytest.raises(ValueError):
            decode(pickle.dumps(Planted()).decode("latin-1"))
    assert not marker.exists()
    cache.close()


def test_entries_unused_for_a_month_are_pruned(cache_dir):
    cache = ResultCache.open("salt")
    cache.put_many([("old", "[1]\n[]"), ("new", "[2]\n[]")], entries=True)
    for table in ("results", "facts"):
        cache._db.execute(f"UPDATE {table} SET used = ? WHERE key = 'old'", (int(time.time()) - (MAX_AGE_DAYS + 1) * 86400,))
    cache.close()
    cache = ResultCache.open("salt")
    assert cache.get_many(["old", "new"]) == {"new": "[2]\n[]"}
    assert cache.facts_many(["old", "new"]) == {"new": "[2]"}, "the facts of a pruned entry were kept"
    cache.close()


def test_cache_dir_from_the_configuration_and_the_environment_wins(fake_engine, tmp_path, reports, monkeypatch):
    monkeypatch.delenv("AUDITOR_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    cachedir.reset()
    (tmp_path / "auditor.toml").write_text('cache_dir = "my-cache"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["audit", str(reports), "--jobs", "1"], catch_exceptions=False)
    assert result.exit_code == 1
    assert (tmp_path / "my-cache" / SUBDIR / DB_NAME).is_file() and not (tmp_path / "xdg").exists()
    monkeypatch.setenv("AUDITOR_CACHE_DIR", str(tmp_path / "env-cache"))
    cachedir.reset()
    CliRunner().invoke(cli, ["audit", str(reports), "--jobs", "1"], catch_exceptions=False)
    assert (tmp_path / "env-cache" / SUBDIR / DB_NAME).is_file()
    cachedir.reset()


def test_a_compressed_entry_is_inflated_under_a_cap(monkeypatch):
    from auditor import resultcache

    monkeypatch.setattr(resultcache, "MAX_PAYLOAD", 1000)
    small = resultcache.ZLIB_MARK + zlib.compress(b"[]")
    bomb = resultcache.ZLIB_MARK + zlib.compress(b"[" + b" " * 100_000 + b"]")
    assert resultcache._inflate(small) == b"[]"
    assert resultcache._inflate(bomb) is None


def test_a_cache_of_an_older_format_is_dropped_whole(cache_dir, monkeypatch):
    from auditor import resultcache

    folder = cache_dir / SUBDIR
    folder.mkdir(parents=True)
    with sqlite3.connect(folder / DB_NAME) as conn:  # format 5: no facts column, no version mark
        conn.execute("CREATE TABLE results (key TEXT PRIMARY KEY, payload BLOB NOT NULL, size INTEGER NOT NULL, "
                     "used INTEGER NOT NULL) WITHOUT ROWID")
        conn.execute("INSERT INTO results VALUES ('old', X'5B5D', 2, ?)", (int(time.time()),))
    cache = ResultCache.open("salt")
    assert cache.get_many(["old"]) == {}
    cache.put_many([("k", '[9,[["a.txt",0]]]\nbody')], entries=True)
    assert cache.facts_many(["k"]) == {"k": '[9,[["a.txt",0]]]'}
    cache.close()
    monkeypatch.setattr(resultcache, "FORMAT", resultcache.FORMAT + 1)
    cache = ResultCache.open("salt")
    assert cache.get_many(["k"]) == {} and cache.facts_many(["k"]) == {}, "a format bump kept old entries"
    cache.close()


def test_past_the_size_cap_the_oldest_go_with_their_facts(cache_dir, monkeypatch):
    from auditor import resultcache

    monkeypatch.setattr(resultcache, "MAX_ENTRIES", 10)
    cache = ResultCache.open("salt")
    cache.put_many([(f"k{n}", f"[{n}]\n[]") for n in range(12)], entries=True)
    for table in ("results", "facts"):
        cache._db.execute(f"UPDATE {table} SET used = used - 100 WHERE key IN ('k0', 'k1')")
    assert cache.prune() == 2
    keys = [f"k{n}" for n in range(12)]
    assert sorted(cache.get_many(keys)) == sorted(cache.facts_many(keys)) == sorted(keys[2:])
    cache.close()


def test_facts_are_kept_for_entries_only_and_checked(cache_dir):
    cache = ResultCache.open("salt")
    big = '[5,[["a.txt",0]]]\n' + "x" * 40_000  # compressed whole; its facts stay plain
    cache.put_many([("entry", big), ("piece", "a\nb")], entries=True)
    cache.put_many([("other", "a\nb")])
    assert cache.get_many(["entry"]) == {"entry": big}
    assert cache.facts_many(["entry", "piece", "other", "absent"]) == {"entry": '[5,[["a.txt",0]]]', "piece": "a"}
    cache._db.execute("UPDATE facts SET facts = ? WHERE key = 'entry'", (b'[5,[["b.txt",0]]]',))
    assert cache.facts_many(["entry"]) == {}, "facts that do not match their CRC were handed out"
    cache.close()
