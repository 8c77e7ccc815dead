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

from auditor.i18n import has, t
from auditor.model import Finding
from auditor.tomllines import line_of

CONFIG_NAME = "auditor.toml"
PYPROJECT = "pyproject.toml"
SCHEMA_NAME = "config.schema.json"


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names the file, the line and the key."""


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
    text: str = field(default="", repr=False)  # the file as written, to say which line sets a key

    def where(self, *path: Any) -> str:
        """``auditor.toml:12`` for the line that sets ``path`` (the file alone if unknown)."""
        if self.path is None:
            return "config"
        prefix: tuple[Any, ...] = ("tool", "auditor") if self.path.name == PYPROJECT else ()
        line = line_of(self.text, (*prefix, *path)) if self.text else None
        return f"{self.path}:{line}" if line else str(self.path)

    def key_name(self, *path: Any) -> str:
        """How messages name a key: ``ignore``, ``tool.auditor.ignore``, ``waivers[1].expires``."""
        prefix = "tool.auditor." if self.path is not None and self.path.name == PYPROJECT else ""
        return _key(prefix, list(path))

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
            raise ConfigError(t("config.pyproject_broken", path=pyproject, reason=reason)) from None
        if notes is not None:
            notes.append(t("config.pyproject_skipped", path=pyproject, reason=reason))
        return False
    return isinstance(data.get("tool"), dict) and "auditor" in data["tool"]


def load_config(explicit: Optional[str] = None, *, start: Optional[Path] = None) -> Config:
    """The configuration to use: ``explicit`` (``--config``) or the discovered one, validated.
    No file at all is fine: defaults apply."""
    notes: list[str] = []
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(t("config.missing", path=explicit))
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
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except OSError as exc:
        raise ConfigError(t("config.unreadable", path=path, reason=exc.strerror or exc)) from None
    except UnicodeDecodeError:
        raise ConfigError(t("config.not_utf8", path=path)) from None
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        where = f"{path}:{line}" if line else str(path)
        raise ConfigError(t("config.invalid_toml", where=where, reason=exc)) from None
    except RecursionError:
        raise ConfigError(t("config.invalid_toml", where=path, reason="nested too deeply")) from None
    prefix = ""
    if path.name == PYPROJECT:
        tool = data.get("tool", {})
        if not isinstance(tool, dict) or "auditor" not in tool:
            raise ConfigError(t("config.no_tool_table", path=path))
        data, prefix = tool["auditor"], "tool.auditor."
        if not isinstance(data, dict):
            raise ConfigError(t("config.not_a_table", path=path, key=prefix.rstrip(".")))
    settings = _plain(data)
    validate(settings, str(path), prefix, text)
    return Config(path=path.resolve(), settings=settings, sha256=hashlib.sha256(raw).hexdigest(), text=text)


def _plain(value: Any) -> Any:
    """TOML dates and times become ISO strings, so the schema (and JSON records) see text."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return value


def validate(settings: dict[str, Any], where: str, prefix: str = "", text: str = "") -> None:
    """Raise ``ConfigError`` listing every problem as ``file:line: key.path: what is wrong``."""
    import jsonschema

    from auditor.resources import load_schema

    schema = load_schema(SCHEMA_NAME)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(settings), key=lambda e: [str(p) for p in e.absolute_path])
    head = tuple(part for part in prefix.split(".") if part)

    def at(path: list[Any]) -> str:
        line = line_of(text, (*head, *path)) if text else None
        return f"{where}:{line}" if line else where

    lines = [f"{at(path)}: {_key(prefix, path)}: {t('config.not_finite', value=repr(value))}"
             for path, value in _non_finite(settings, [])]
    for error in errors:
        if isinstance(error.instance, float) and not math.isfinite(error.instance):
            continue
        path = list(error.absolute_path)
        extra = _unknown_keys(error)
        lines.append(f"{at(path + extra[:1])}: {_key(prefix, path)}: {_explain(error, schema)}")
    if lines:
        raise ConfigError("\n".join(lines))


def _unknown_keys(error: Any) -> list[str]:
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {})
        return [k for k in error.instance if k not in known]
    return []


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
    return key or t("config.top_level")


def _explain(error: Any, schema: dict[str, Any]) -> str:
    """jsonschema's messages, in the user's language and specific where they are vague."""
    validator, value, instance = error.validator, error.validator_value, error.instance
    if validator == "additionalProperties" and isinstance(instance, dict):
        known = list(error.schema.get("properties", {}))
        hints = []
        for name in _unknown_keys(error):
            close = difflib.get_close_matches(name, known, n=1)
            hints.append(t("config.unknown_key", key=name) + (t("hint.did_you_mean", name=close[0]) if close else ""))
        if hints:
            return "; ".join(hints) + t("config.known_keys", keys=", ".join(known))
    if validator == "enum":
        return t("config.not_one_of", value=repr(instance), choices=", ".join(map(str, value)))
    if validator == "anyOf" and error.schema is schema["properties"]["waivers"]["items"]:
        return t("config.waiver_needs_target")
    if validator == "format":
        return t("config.bad_date", value=repr(instance), format=value)
    if validator == "required":
        missing = [k for k in value if isinstance(instance, dict) and k not in instance]
        return t("config.required", key=missing[0] if missing else value[0])
    if validator == "type":
        kind = f"type.{value}"
        return t("config.wrong_type", value=repr(instance), type=t(kind) if has(kind) else str(value))
    if validator in ("minimum", "maximum", "minLength", "minItems", "minProperties"):
        return t(f"config.{validator}", value=repr(instance), limit=value)
    if validator == "pattern":
        return t("config.pattern", value=repr(instance))
    return error.message

