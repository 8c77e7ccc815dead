"""The rule-tree cache (issue 13.1): JSON not pickle, a private directory, misses on anything odd."""

from __future__ import annotations

import os
import pickle
import stat
from pathlib import Path

import pytest

from auditor import cachedir, rulecache

RULE = 'rule {id} "t" severity error\n  assert true\n  message "m"\n'


@pytest.fixture
def cache(tmp_path: Path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("AUDITOR_CACHE_DIR", str(folder))
    cachedir.reset()
    yield folder
    cachedir.reset()


def entries(cache: Path) -> list[Path]:
    return sorted((cache / "rules").glob("*.json"))


def test_trees_are_stored_as_json_reused_and_take_the_callers_path(cache):
    text = RULE.format(id="C-1")
    first = rulecache.parse_cached("a.rules", text)
    (entry,) = entries(cache)
    assert entry.read_text(encoding="utf-8").startswith('{"@":"RuleFile"')
    again = rulecache.parse_cached("elsewhere.rules", text)
    assert again.path == "elsewhere.rules" and again.rules == first.rules


class Planted:
    """Unpickling this creates a file: the proof that a pickle ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_pickle_planted_in_the_cache_never_runs_and_is_replaced(cache, tmp_path):
    text = RULE.format(id="C-2")
    rulecache.parse_cached("a.rules", text)
    (entry,) = entries(cache)
    marker = tmp_path / "pwned"
    entry.write_bytes(pickle.dumps(Planted(marker)))
    (cache / "rules" / (entry.stem + ".pickle")).write_bytes(pickle.dumps(Planted(marker)))
    tree = rulecache.parse_cached("a.rules", text)
    assert not marker.exists()
    assert tree.rules[0].id == "C-2"
    assert entry.read_text(encoding="utf-8").startswith('{"@":"RuleFile"'), "the corrupt entry is rewritten"


@pytest.mark.parametrize("garbage", [b"", b"\x80\x05garbage", b'{"@":"RuleFile"}', b'{"@":"Name","id":"x"}'])
def test_a_corrupt_entry_is_a_miss(cache, garbage):
    text = RULE.format(id="C-3")
    rulecache.parse_cached("a.rules", text)
    (entry,) = entries(cache)
    entry.write_bytes(garbage)
    assert rulecache.parse_cached("a.rules", text).rules[0].id == "C-3"


def test_the_directory_is_created_private_and_a_loose_one_of_ours_is_tightened(cache):
    rulecache.parse_cached("a.rules", RULE.format(id="C-4"))
    assert stat.S_IMODE(os.stat(cache).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(cache / "rules").st_mode) == 0o700
    os.chmod(cache / "rules", 0o777)
    cachedir.reset()
    rulecache.parse_cached("a.rules", RULE.format(id="C-4"))
    assert stat.S_IMODE(os.stat(cache / "rules").st_mode) == 0o700


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to give a folder away")
def test_a_directory_owned_by_someone_else_is_refused(cache):
    (cache / "rules").mkdir(parents=True, mode=0o700)
    os.chown(cache / "rules", 12345, 12345)
    tree = rulecache.parse_cached("a.rules", RULE.format(id="C-5"))
    assert tree.rules[0].id == "C-5", "the run goes on without a cache"
    assert entries(cache) == []
    assert any("属于其他用户" in w for w in cachedir.warnings())


def test_the_key_changes_with_the_parsers_own_code(cache, tmp_path, monkeypatch):
    before = rulecache.entry_key("0" * 64)
    edited = tmp_path / "parser.py"
    edited.write_text("# an edited parser\n", encoding="utf-8")
    real_find_spec = rulecache.importlib.util.find_spec

    def find_spec(name):
        spec = real_find_spec(name)
        if name == "auditor.dsl.parser":
            spec = type(spec)(spec.name, spec.loader, origin=str(edited))
        return spec

    monkeypatch.setattr(rulecache.importlib.util, "find_spec", find_spec)
    rulecache.parser_fingerprint.cache_clear()
    try:
        assert rulecache.entry_key("0" * 64) != before
    finally:
        rulecache.parser_fingerprint.cache_clear()


def test_cache_can_be_switched_off(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITOR_CACHE_DIR", "off")
    monkeypatch.setenv("HOME", str(tmp_path))
    cachedir.reset()
    rulecache.parse_cached("a.rules", RULE.format(id="C-6"))
    assert not any(tmp_path.rglob("*.json"))


def test_no_cache_flag_turns_it_off_too(cache):
    cachedir.configure(enabled=False)
    rulecache.parse_cached("a.rules", RULE.format(id="C-7"))
    assert not cache.exists()
