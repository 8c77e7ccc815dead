"""Configuration: ``auditor.toml`` or ``[tool.auditor]`` in ``pyproject.toml``.

Found by walking up from the working directory (the nearest file wins; a ``pyproject.toml``
without the table is passed over); ``--config`` names one explicitly. The file is validated
against ``schemas/config.schema.json`` and every error names the file and the key, because a
supervisor editing a waiver at year end should not have to guess which line is wrong. Numbers
must be finite (TOML allows ``nan`` and ``inf``; a ``timeout = nan`` must not switch the limit
off). A broken ``pyproject.toml`` met on the way up is an error when it mentions
``tool.auditor``, else a note the console shows: never silently skipped.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import fnmatch
import hashlib
import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Optional

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from auditor.model import Finding

CONFIG_NAME = "auditor.toml"
PYPROJECT = "pyproject.toml"
SCHEMA_NAME = "config.schema.json"


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Waiver:
    """An accepted deviation: which rule, which documents, why, who said so, until when."""

    rule: str
    reason: str
    approved_by: str
    expires: dt.date
    paths: tuple[str, ...] = ()
    agency: Optional[str] = None
    scope: dict[str, str] = field(default_factory=dict)
    base: str = "."  # folder that relative ``paths`` are relative to (the config file's)
    origin: str = ""  # ``auditor.toml:waivers[2]``, so reports can say which entry

    def expired(self, today: dt.date) -> bool:
        return today > self.expires

    def covers_document(self, path: str, agency: Optional[str]) -> bool:
        """True if the waiver is about this document (path globs and agency both, when given)."""
        if self.paths and not any(_path_matches(path, pattern, self.base) for pattern in self.paths):
            return False
        return not (self.agency and not (agency and fnmatch.fnmatchcase(agency, self.agency)))

    def covers_finding(self, finding: Finding) -> bool:
        if not fnmatch.fnmatchcase(finding.rule, self.rule):
            return False
        return all(finding.scope.get(key) == value for key, value in self.scope.items())

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"rule": self.rule, "reason": self.reason, "approved_by": self.approved_by,
                                "expires": self.expires.isoformat(), "origin": self.origin}
        if self.paths:
            data["paths"] = list(self.paths)
        if self.agency:
            data["agency"] = self.agency
        if self.scope:
            data["scope"] = dict(self.scope)
        return data


def _path_matches(path: str, pattern: str, base: str) -> bool:
    """Match a document path against a waiver glob: relative to the config folder, as written
    on the command line, or by file name alone (``reports/2024/*.txt``, ``*良庆区*``)."""
    candidates = {PurePosixPath(Path(path).as_posix()).as_posix(), Path(path).name}
    absolute = Path(os.path.abspath(path))
    try:
        candidates.add(absolute.relative_to(os.path.abspath(base)).as_posix())
    except ValueError:
        candidates.add(absolute.as_posix())
    pattern = pattern.rstrip("/")
    return any(fnmatch.fnmatchcase(c, pattern) or fnmatch.fnmatchcase(c, pattern + "/*") for c in candidates)


@dataclass(frozen=True)
class Config:
    """Validated settings plus where they came from (for the reproducibility record)."""

    path: Optional[Path] = None
    settings: dict[str, Any] = field(default_factory=dict)
    sha256: Optional[str] = None
    discovered: bool = False  # found by walking up, not named with --config
    notes: tuple[str, ...] = ()  # what discovery passed over and why (broken pyproject.toml files)

    @property
    def base(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def get(self, key: str, default: Any = None) -> Any:
        return self.settings.get(key, default)

    def resolve(self, value: str) -> str:
        """A path from the config, relative to the config file's folder."""
        return value if os.path.isabs(value) else os.path.normpath(self.base / value)

    @property
    def rule_paths(self) -> list[str]:
        return [self.resolve(p) for p in self.get("rules", [])]

    @property
    def input_paths(self) -> list[str]:
        return [self.resolve(p) for p in self.get("paths", [])]

    @property
    def waivers(self) -> list[Waiver]:
        name = self.path.name if self.path else "config"
        prefix = "tool.auditor." if self.path and self.path.name == PYPROJECT else ""
        return [Waiver(rule=w["rule"], reason=w["reason"], approved_by=w["approved_by"],
                       expires=dt.date.fromisoformat(w["expires"]), paths=tuple(w.get("paths", ())),
                       agency=w.get("agency"), scope=dict(w.get("scope", {})), base=str(self.base),
                       origin=f"{name}:{prefix}waivers[{i}]")
                for i, w in enumerate(self.get("waivers", []))]

    def record(self) -> dict[str, Any]:
        """What ``AuditRun.meta['config']`` carries: the file, its hash and the settings used."""
        return {"path": str(self.path) if self.path else None, "sha256": self.sha256,
                "settings": self.settings}


def discover(start: Optional[Path] = None, notes: Optional[list[str]] = None) -> Optional[Path]:
    """The nearest ``auditor.toml``, or ``pyproject.toml`` with a ``[tool.auditor]`` table,
    in ``start`` or any folder above it. Broken ``pyproject.toml`` files passed over are
    described in ``notes``; one that mentions ``tool.auditor`` is a ``ConfigError``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
        pyproject = folder / PYPROJECT
        if pyproject.is_file() and _has_tool_table(pyproject, notes):
            return pyproject
    return None


def _has_tool_table(pyproject: Path, notes: Optional[list[str]] = None) -> bool:
    raw = b""
    try:
        raw = pyproject.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else (
            getattr(exc, "strerror", None) or str(exc) or type(exc).__name__)
        if b"tool.auditor" in raw:
            raise ConfigError(f"{pyproject}: has a [tool.auditor] table but cannot be read: {reason}") from None
        if notes is not None:
            notes.append(f"跳过 {pyproject}：无法解析（{reason}），其中没有 [tool.auditor]")
        return False
    return isinstance(data.get("tool"), dict) and "auditor" in data["tool"]


def load_config(explicit: Optional[str] = None, *, start: Optional[Path] = None) -> Config:
    """The configuration to use: ``explicit`` (``--config``) or the discovered one, validated.
    No file at all is fine: defaults apply."""
    notes: list[str] = []
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"{explicit}: no such configuration file")
    else:
        path = discover(start, notes)
        if path is None:
            return Config(notes=tuple(notes))
    config = read_config(path)
    return dataclasses.replace(config, discovered=explicit is None, notes=tuple(notes))


def read_config(path: Path) -> Config:
    """Parse and validate one file (``auditor.toml`` top level, or pyproject's table)."""
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: nested too deeply") from None
    prefix = ""
    if path.name == PYPROJECT:
        tool = data.get("tool", {})
        if not isinstance(tool, dict) or "auditor" not in tool:
            raise ConfigError(f"{path}: no [tool.auditor] table")
        data, prefix = tool["auditor"], "tool.auditor."
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: {prefix.rstrip('.')}: must be a table")
    settings = _plain(data)
    validate(settings, str(path), prefix)
    return Config(path=path.resolve(), settings=settings, sha256=hashlib.sha256(raw).hexdigest())


def _plain(value: Any) -> Any:
    """TOML dates and times become ISO strings, so the schema (and JSON records) see text."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return value


def validate(settings: dict[str, Any], where: str, prefix: str = "") -> None:
    """Raise ``ConfigError`` listing every problem as ``file: key.path: what is wrong``."""
    import jsonschema

    from auditor.resources import load_schema

    schema = load_schema(SCHEMA_NAME)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(settings), key=lambda e: [str(p) for p in e.absolute_path])
    lines = [f"{where}: {_key(prefix, path)}: must be a finite number, not {value!r}"
             for path, value in _non_finite(settings, [])]
    lines += [f"{where}: {_key(prefix, e.absolute_path)}: {_explain(e, schema)}" for e in errors
              if not (isinstance(e.instance, float) and not math.isfinite(e.instance))]
    if lines:
        raise ConfigError("\n".join(lines))


def _non_finite(value: Any, path: list[Any]) -> list[tuple[list[Any], float]]:
    """``nan``, ``inf`` anywhere: JSON Schema's bounds let ``nan`` through (every comparison with
    it is false), and no setting of ours means anything with one."""
    if isinstance(value, float) and not math.isfinite(value):
        return [(path, value)]
    if isinstance(value, dict):
        return [hit for key, item in value.items() for hit in _non_finite(item, [*path, key])]
    if isinstance(value, list):
        return [hit for i, item in enumerate(value) for hit in _non_finite(item, [*path, i])]
    return []


def _key(prefix: str, path: Any) -> str:
    key = prefix.rstrip(".") if prefix else ""
    for part in path:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key or "(top level)"


def _explain(error: Any, schema: dict[str, Any]) -> str:
    """jsonschema's messages, made specific where they are vague (unknown keys, enums)."""
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = list(error.schema.get("properties", {}))
        extra = [k for k in error.instance if k not in known]
        hints = []
        for name in extra:
            close = difflib.get_close_matches(name, known, n=1)
            hints.append(f"unknown key '{name}'" + (f" — did you mean '{close[0]}'?" if close else ""))
        if hints:
            return "; ".join(hints) + f" (known: {', '.join(known)})"
    if error.validator == "enum":
        return f"{error.instance!r} is not one of {', '.join(map(str, error.validator_value))}"
    if error.validator == "anyOf" and error.schema is schema["properties"]["waivers"]["items"]:
        return "a waiver needs 'paths' or 'agency' to say which documents it covers"
    if error.validator == "format":
        return f"{error.instance!r} is not a valid {error.validator_value} (YYYY-MM-DD)"
    return error.message
