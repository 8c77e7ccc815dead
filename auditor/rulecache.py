"""The on-disk cache of rule files' syntax trees, as JSON.

Parsing the standard packs costs about 0.13 s cold (importing lark and building its parser
included); loading their cached trees about 10 ms, which is most of what keeps a one-file audit
fast. The key is the SHA-256 of the rule text plus everything that shapes a tree: auditor's
version, ``ast.AST_VERSION`` and the bytes of ``grammar.lark``, ``parser.py`` and ``ast.py`` —
so an edited parser never gets old trees. An entry that does not decode is a miss and is
rewritten. The directory rules are ``auditor.cachedir``'s (0700, ours or refused).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib.util
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Optional

from auditor import __version__, cachedir
from auditor.codec import Codec, CodecError, dataclasses_of
from auditor.dsl import ast

SUBDIR = "rules"
SUFFIX = ".json"
MAX_ENTRIES = 256


def cache_dir() -> Optional[Path]:
    """The tree cache's folder (created 0700 and checked), or None when caching is off."""
    return cachedir.directory(SUBDIR)


@lru_cache(maxsize=1)
def _codec() -> Codec:
    return Codec(dataclasses_of(ast))


@lru_cache(maxsize=1)
def parser_fingerprint() -> str:
    """What makes a syntax tree: auditor's version, the tree classes and the parser's own code.
    Read as bytes (not imported), so a cache hit never imports lark."""
    digest = hashlib.sha256(f"{__version__}\0{ast.AST_VERSION}".encode())
    for module in ("auditor.dsl.parser", "auditor.dsl.ast"):
        spec = importlib.util.find_spec(module)
        origin = spec.origin if spec else None
        digest.update(Path(origin).read_bytes() if origin and os.path.isfile(origin) else module.encode())
    grammar = Path(ast.__file__).with_name("grammar.lark")
    digest.update(grammar.read_bytes() if grammar.is_file() else b"no grammar")
    return digest.hexdigest()[:32]


def entry_key(digest: str) -> str:
    return hashlib.sha256(f"{parser_fingerprint()}\0{digest}".encode()).hexdigest()


def parse_cached(path: str, text: str, digest: Optional[str] = None) -> ast.RuleFile:
    """The syntax tree of ``text``: from the cache when this exact content was parsed by this
    parser before, else parsed (and stored). Parse errors are raised as usual, never cached."""
    digest = digest or hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    folder = cache_dir()
    entry = folder / f"{entry_key(digest)}{SUFFIX}" if folder else None
    if entry is not None:
        tree = _load(entry)
        if tree is not None:
            return dataclasses.replace(tree, path=path)
    from auditor.dsl.parser import parse

    tree = parse(text, path)
    if entry is not None:
        _store(entry, tree)
    return tree


def _load(entry: Path) -> Optional[ast.RuleFile]:
    try:
        with open(entry, "rb") as handle:
            data = handle.read()
        tree = _codec().loads(data)
    except (OSError, CodecError):
        return None  # absent, unreadable, truncated or foreign: parse again and overwrite
    return tree if isinstance(tree, ast.RuleFile) else None


def _store(entry: Path, tree: ast.RuleFile) -> None:
    tmp = None
    try:
        text = _codec().dumps(tree)
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-", suffix=SUFFIX)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, entry)
        tmp = None
        _prune(entry.parent)
    except (OSError, CodecError, RecursionError):
        pass  # the cache is an optimisation; never fail a run over it
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _prune(folder: Path) -> None:
    """Keep the newest entries: trees of old versions and edited files pile up otherwise.
    Pickles left by auditor before 0.2 are never read; they are deleted."""
    entries = []
    for item in folder.iterdir():
        if item.suffix == ".pickle":
            with contextlib.suppress(OSError):
                item.unlink()
        elif item.suffix == SUFFIX:
            entries.append(item)
    if len(entries) <= MAX_ENTRIES:
        return
    entries.sort(key=lambda p: p.stat().st_mtime)
    for old in entries[: len(entries) - MAX_ENTRIES]:
        with contextlib.suppress(OSError):
            old.unlink()
