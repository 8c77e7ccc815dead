"""The result cache: an unchanged file audited with unchanged rules is not audited again.

An entry's key is the SHA-256 of the file's path and bytes and of everything else that shapes
its results: auditor's version and code, the adapters' libraries, every rule pack's hash, the
rules selected with their severities, the file-size limit and whether whole reports are kept.
The value is the JSON the worker sent back (``auditor.codec``: data only, never pickle),
compressed when it is large. Waivers are applied after the cache, so editing a waiver needs no new audit.
Beside it, in a table of its own (a tenth of the time to read as the same column beside the
values), the entry's first line: its documents' facts (``auditor.docstore.Facts``) with a CRC-32
of them — all a replayed run reads of a file (``facts_many``; see ``auditor.commands.audit``).

The store is SQLite from Python's standard library, in the private cache directory
(``auditor.cachedir``): one file, safe for concurrent runs (WAL), queried in batches. Not
``diskcache``: its default serializer unpickles values, and a store that can run code is
exactly what this cache must not be. Entries unused for ``MAX_AGE_DAYS`` are pruned at the
end of a run, and the oldest go first when the store passes ``MAX_ENTRIES`` or ``MAX_BYTES``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import sys
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

from auditor import __version__, cachedir

SUBDIR = "results"
DB_NAME = "results.sqlite3"
FORMAT = 6  # bump when the stored form changes (4: signatures packed as JSON text; 5: rendered runs; 6: facts)
MAX_AGE_DAYS = 30
MAX_ENTRIES = 500_000
MAX_BYTES = 2 * 1024 * 1024 * 1024
MAX_PAYLOAD = 64 * 1024 * 1024  # decompressed; anything bigger is treated as corrupt
MAX_FACTS = 16 * 1024 * 1024  # a facts line bigger than this is treated as corrupt
COMPRESS_ABOVE = 16 * 1024  # bytes: smaller payloads (summaries) are stored as they are
USE_RESOLUTION = 86400  # seconds
# Libraries whose output the adapters turn into reports: an upgrade can change results.
ADAPTER_LIBRARIES = ("pypdfium2", "python-docx", "selectolax", "charset-normalizer", "google-re2",
                     "rapidocr-onnxruntime", "onnxruntime")


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """auditor's version and the size and mtime of every file of its package (an edited
    checkout gets new keys without a version bump), plus the adapters' library versions and
    the plugin distributions installed."""
    from importlib import metadata

    digest = hashlib.sha256(f"{__version__}\0{FORMAT}\0{sys.version_info[:2]}".encode())
    package = Path(__file__).resolve().parent
    for root, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".toml", ".lark", ".json", ".rules")):
                info = os.stat(os.path.join(root, name))
                digest.update(f"{root}/{name}\0{info.st_size}\0{info.st_mtime_ns}\0".encode("utf-8", "surrogateescape"))
    for name in ADAPTER_LIBRARIES:
        try:
            digest.update(f"{name}={metadata.version(name)}\0".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=none\0".encode())
    from auditor import plugins

    for plugin_name in sorted({loaded.plugin for loaded in plugins.adapters().values()}):
        digest.update(f"plugin {plugin_name} {plugins.plugin_origin(plugin_name)}\0".encode())
    return digest.hexdigest()


def results_salt(ruleset: Any, *, full_reports: bool, max_file_bytes: int) -> str:
    """Everything besides the file that decides its results (see the module docstring)."""
    rules = [[r.id, r.severity, r.title, getattr(r, "version", 1)] for r in ruleset.rules]
    packs = [[p.name, p.version, p.sha256] for p in ruleset.packs]
    material = json.dumps({"code": code_fingerprint(), "packs": packs, "rules": rules, "full": full_reports,
                           "max_bytes": max_file_bytes}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


class ResultCache:
    """Get and put results in batches; ``close`` records use and prunes. Any database trouble
    turns the cache off for the rest of the run (a warning, never a failed audit)."""

    def __init__(self, folder: Path, salt: str) -> None:
        self.salt = salt
        self.path = folder / DB_NAME
        self.warning: Optional[str] = None
        self.hits: list[str] = []
        self.lookups = 0
        self.digests: dict[str, str] = {}  # path → SHA-256 of its bytes, hashed earlier in this run
        self._db: Optional[sqlite3.Connection] = None
        try:
            self._db = self._open()
        except sqlite3.DatabaseError:  # not a database (truncated, overwritten): start afresh
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            try:
                self._db = self._open()
            except sqlite3.Error as exc:
                self._fail(exc)
        except sqlite3.Error as exc:
            self._fail(exc)

    @classmethod
    def open(cls, salt: str) -> Optional[ResultCache]:
        folder = cachedir.directory(SUBDIR)
        if folder is None:
            return None
        cache = cls(folder, salt)
        return cache if cache._db is not None else None

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        if db.execute("PRAGMA user_version").fetchone()[0] != FORMAT:
            _create(db)
        with contextlib.suppress(OSError):
            os.chmod(self.path, 0o600)
        return db

    def _fail(self, exc: BaseException) -> None:
        self.warning = f"结果缓存 {self.path} 不可用（{exc}），本次运行不使用缓存"
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
        self._db = None

    @property
    def active(self) -> bool:
        return self._db is not None

    def key(self, path: str, digest: str) -> str:
        raw = path.encode("utf-8", "surrogateescape")
        return hashlib.sha256(self.salt.encode() + b"\0" + raw + b"\0" + digest.encode()).hexdigest()

    def get_many(self, keys: Sequence[str]) -> dict[str, str]:
        """The payloads stored under those of ``keys`` that are present and intact."""
        found: dict[str, str] = {}
        for key, data in self.get_bytes(keys).items():
            try:
                found[key] = data.decode("utf-8")
            except UnicodeDecodeError:
                continue
        return found

    def get_bytes(self, keys: Sequence[str]) -> dict[str, bytes]:
        """``get_many``'s payloads as the UTF-8 they are stored in, not decoded (checked by the caller)."""
        return self._select("SELECT key, used, payload FROM results", keys, _inflate)

    def facts_many(self, keys: Sequence[str]) -> dict[str, str]:
        """The facts lines (``auditor.worker.encode_entry``'s first line) of the entries stored
        under those of ``keys`` that are present and whose facts are intact; their values are
        not read. A hit here counts as a use of the entry."""
        return self._select("SELECT key, used, facts, crc FROM facts", keys, _intact_facts)

    def _select(self, query: str, keys: Sequence[str], read: Callable[..., Any]) -> dict[str, Any]:
        """``read(*columns)`` of each of ``keys`` stored (``query`` selects key, used, then the
        columns), in batches of 500; a row ``read`` refuses (None: damaged) is left out, the
        others are counted as uses."""
        if self._db is None or not keys:
            return {}
        found: dict[str, Any] = {}
        stale = int(time.time()) - USE_RESOLUTION  # ``used`` is refreshed at most once a day
        try:
            for start in range(0, len(keys), 500):
                part = list(keys[start:start + 500])
                for key, used, *columns in self._db.execute(f"{query} WHERE key IN ({','.join('?' * len(part))})",
                                                            part):
                    value = read(*columns)
                    if value is not None:
                        found[key] = value
                        if not isinstance(used, int) or used < stale:
                            self.hits.append(key)
        except sqlite3.Error as exc:
            self._fail(exc)
            return {}
        self.lookups += len(keys)
        return found

    def put_many(self, items: Iterable[tuple[str, str]], *, entries: bool = False) -> None:
        """Store payloads under their keys; ``entries``: they are results entries, whose facts
        line is kept apart too (``facts_many``)."""
        if self._db is None:
            return
        now = int(time.time())
        rows, facts = [], []
        for key, payload in items:
            blob = payload.encode("utf-8")
            if entries and b"\n" in blob:
                line = blob[:blob.index(b"\n")]
                facts.append((key, now, zlib.crc32(line), line))
            if len(blob) > COMPRESS_ABOVE:
                blob = ZLIB_MARK + zlib.compress(blob, 3)
            rows.append((key, now, len(blob), blob))
        if not rows:
            return
        try:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO results (key, used, size, payload) VALUES (?, ?, ?, ?)", rows)
            self._db.executemany("INSERT OR REPLACE INTO facts (key, used, crc, facts) VALUES (?, ?, ?, ?)", facts)
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._fail(exc)

    def close(self) -> None:
        """Mark this run's hits as used, prune, close."""
        if self._db is None:
            return
        now = int(time.time())
        try:
            if self.hits:
                hits = list(dict.fromkeys(self.hits))  # a replay that was not to be reads facts, then entries
                self._db.execute("BEGIN")
                self._db.executemany("UPDATE results SET used = ? WHERE key = ?", ((now, k) for k in hits))
                self._db.executemany("UPDATE facts SET used = ? WHERE key = ?", ((now, k) for k in hits))
                self._db.execute("COMMIT")
            self.prune(now)
            self._db.close()
        except sqlite3.Error as exc:
            self._fail(exc)
        self._db = None

    def prune(self, now: Optional[int] = None) -> int:
        """Delete entries unused for ``MAX_AGE_DAYS``, then the oldest beyond the size caps."""
        if self._db is None:
            return 0
        now = now or int(time.time())
        db = self._db
        # An entry's facts are used when it is (``close``): they age together.
        db.execute("DELETE FROM facts WHERE used < ?", (now - MAX_AGE_DAYS * 86400,))
        removed = db.execute("DELETE FROM results WHERE used < ?", (now - MAX_AGE_DAYS * 86400,)).rowcount
        count, size = db.execute("SELECT count(*), coalesce(sum(size), 0) FROM results").fetchone()
        if count > MAX_ENTRIES or size > MAX_BYTES:
            excess = max(count - MAX_ENTRIES, 0, int(count * (1 - MAX_BYTES / size)) if size else 0)
            oldest = "SELECT key FROM results ORDER BY used LIMIT ?"
            db.execute(f"DELETE FROM facts WHERE key IN ({oldest})", (max(excess, count // 10),))
            removed += db.execute(f"DELETE FROM results WHERE key IN ({oldest})", (max(excess, count // 10),)).rowcount
        return removed


def _create(db: sqlite3.Connection) -> None:
    """The table of this ``FORMAT``, an older one's dropped (its keys would never match again)."""
    db.execute("BEGIN IMMEDIATE")  # one process at a time; the next finds the version set
    try:
        if db.execute("PRAGMA user_version").fetchone()[0] != FORMAT:
            db.execute("DROP TABLE IF EXISTS results")
            db.execute("DROP TABLE IF EXISTS facts")
            db.execute("CREATE TABLE results (key TEXT PRIMARY KEY, used INTEGER NOT NULL, size INTEGER NOT NULL, "
                       "payload BLOB NOT NULL) WITHOUT ROWID")
            db.execute("CREATE INDEX results_used ON results (used)")
            db.execute("CREATE TABLE facts (key TEXT PRIMARY KEY, used INTEGER NOT NULL, crc INTEGER NOT NULL, "
                       "facts BLOB NOT NULL) WITHOUT ROWID")
            db.execute("CREATE INDEX facts_used ON facts (used)")
            db.execute(f"PRAGMA user_version = {FORMAT:d}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


# --------------------------------------------------------------------------------------------
# A whole run's rendered documents
# --------------------------------------------------------------------------------------------

RENDERED_CHUNK = 1 << 20  # characters of rendered text per stored piece
RENDERED_FETCH = 8  # pieces fetched at once


def rendered_key(cache: ResultCache, material: str) -> str:
    """The key of a run's rendered output: the cache's salt and ``material`` (every input's
    facts and every setting the output depends on, see ``auditor.commands.audit``)."""
    digest = hashlib.sha256(f"rendered\0{FORMAT}\0{cache.salt}\0".encode() + material.encode("utf-8", "surrogateescape"))
    return "rendered-" + digest.hexdigest()


class RenderedRecorder:
    """Keeps what the JSON output writes of a run's documents, in pieces of about
    ``RENDERED_CHUNK`` characters stored as they fill, and last the head that names them with
    the run's facts (JSON-able: the waivers record given here, the summary counts at the end). A run killed half
    way leaves pieces no head names: never read, pruned with age."""

    def __init__(self, cache: ResultCache, key: str, facts: Optional[dict[str, Any]] = None) -> None:
        self.cache = cache
        self.key = key
        self.facts = dict(facts or {})
        self.parts: list[str] = []
        self.size = 0
        self.pieces: list[list[int]] = []  # [length in bytes, crc32 of the UTF-8] per stored piece

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)
        if self.size >= RENDERED_CHUNK:
            self._flush()

    def _flush(self) -> None:
        if not self.parts:
            return
        text = "".join(self.parts)
        self.parts, self.size = [], 0
        self.cache.put_many([(f"{self.key}-{len(self.pieces)}", text)])
        data = text.encode("utf-8")  # as stored
        self.pieces.append([len(data), zlib.crc32(data)])

    def done(self, counts: dict[str, Any]) -> None:
        """The last piece, then the head: the pieces, the summary ``counts`` and ``facts``."""
        self._flush()
        facts = {**self.facts, "counts": counts}
        head = json.dumps({"pieces": self.pieces, "facts": facts}, ensure_ascii=False, separators=(",", ":"))
        self.cache.put_many([(self.key, head)])


def rendered_head(cache: ResultCache, key: str) -> Optional[tuple[list[list[int]], dict[str, Any]]]:
    """The pieces and facts stored for ``key``; None when absent or not ours."""
    text = cache.get_many([key]).get(key)
    if text is None:
        return None
    try:
        head = json.loads(text)
        pieces, facts = head["pieces"], head["facts"]
    except (ValueError, TypeError, KeyError):
        return None
    if not (isinstance(pieces, list) and isinstance(facts, dict)
            and all(isinstance(p, list) and len(p) == 2 and all(type(n) is int for n in p) for p in pieces)):
        return None
    return pieces, facts


def rendered_pieces(cache: ResultCache, key: str, pieces: Sequence[Sequence[int]]) -> Iterable[Optional[bytes]]:
    """The stored pieces of ``key`` in order, as UTF-8, each checked against its length and
    CRC-32 (never decoded: written out as they are); None in place of a piece that is missing
    or damaged (the caller then renders afresh)."""
    for start in range(0, len(pieces), RENDERED_FETCH):
        names = [f"{key}-{n}" for n in range(start, min(start + RENDERED_FETCH, len(pieces)))]
        found = cache.get_bytes(names)
        for name, (length, crc) in zip(names, pieces[start:start + RENDERED_FETCH]):
            data = found.pop(name, None)
            if data is None or len(data) != length or zlib.crc32(data) != crc:
                yield None
                return
            yield data


ZLIB_MARK = b"\x00z"  # before compressed payloads (JSON text never starts with a NUL)


def _intact_facts(facts: Any, crc: Any) -> Optional[str]:
    """A stored facts line, if it is bytes of a sane size whose CRC and UTF-8 hold."""
    if type(facts) is not bytes or len(facts) > MAX_FACTS or zlib.crc32(facts) != crc:
        return None
    try:
        return facts.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _inflate(blob: Any) -> Optional[bytes]:
    """The payload's bytes, decompressed with a cap (a planted entry cannot be a zip bomb);
    None if it is not ours."""
    if not isinstance(blob, bytes):
        return None
    if not blob.startswith(ZLIB_MARK):
        return blob if len(blob) <= MAX_PAYLOAD else None
    try:
        inflater = zlib.decompressobj()
        data = inflater.decompress(memoryview(blob)[len(ZLIB_MARK):], MAX_PAYLOAD)
        if inflater.unconsumed_tail or not inflater.eof:
            return None
        return data
    except zlib.error:
        return None
