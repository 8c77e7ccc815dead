"""Frozen dataclasses to JSON and back, for the caches and for results sent by workers.

Why not pickle: a pickle names functions that run when it is loaded, so anyone who can write a
cache directory could run code as the next user. Here loading only ever calls the dataclasses a
``Codec`` was given, with field values that are JSON scalars, tuples, dicts or other registered
dataclasses; anything else is a ``CodecError``, which callers treat as a cache miss.

The form is generic, so a field added to a model class needs no code here:

- a dataclass is an object with its class name under ``"@"`` and the fields that differ from
  their defaults (a missing field takes its default, so old entries still load);
- a tuple is an array (every array loads as a tuple); a list is ``{"@": "list", "items": […]}``;
- a dict whose keys are all strings not starting with ``@`` is an object, any other dict is
  ``{"@": "dict", "items": [[key, value], …]}``; a non-finite float is ``{"@": "float", "v": "nan"}``.

This module imports nothing of auditor's own.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterable
from typing import Any

TAG = "@"
_MISSING = dataclasses.MISSING


class CodecError(ValueError):
    """Text that is not a valid encoding for this codec (corrupt, foreign or from a newer shape)."""


class _List(list):
    """A list that was a list (not a tuple) when encoded: left alone when arrays become tuples."""


@dataclasses.dataclass(frozen=True)
class _ClassInfo:
    cls: type
    fields: tuple[str, ...]
    required: frozenset[str]
    defaults: tuple[tuple[str, Any], ...]  # plain defaults, compared when encoding
    factories: tuple[tuple[str, Any], ...]  # default_factory fields
    factory_values: tuple[tuple[str, Any], ...]  # one value from each factory, for comparison
    fast: bool  # can be built without calling __init__ (no __post_init__, no __slots__)


def dataclasses_of(*modules: Any) -> list[type]:
    """Every dataclass defined in these modules (not imported into them)."""
    found = []
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == module.__name__:
                found.append(value)
    return found


class Codec:
    """Encode and decode instances of a fixed set of dataclasses.

    ``intern`` names classes whose equal, hashable instances are shared when decoding (rule
    descriptions repeated in every document's outcomes cost one object, not one per document).
    A codec keeps its intern table, so one codec per batch shares across documents.
    """

    def __init__(self, classes: Iterable[type], *, intern: Iterable[type] = ()) -> None:
        self._by_name: dict[str, _ClassInfo] = {}
        self._by_class: dict[type, _ClassInfo] = {}
        for cls in classes:
            info = _describe(cls)
            if cls.__name__ in self._by_name or cls.__name__ in ("list", "dict", "float"):
                raise ValueError(f"two classes named {cls.__name__} in one codec")
            self._by_name[cls.__name__] = info
            self._by_class[cls] = info
        self._intern = frozenset(intern)
        self._interned: dict[Any, Any] = {}

    # ------------------------------------------------------------------ encoding

    def encode(self, value: Any) -> Any:
        """``value`` as JSON-ready data (dicts, lists, strings, numbers, booleans, None)."""
        kind = type(value)
        if kind is str or kind is int or kind is bool or value is None:
            return value
        if kind is float:
            return value if math.isfinite(value) else {TAG: "float", "v": repr(value)}
        if kind is tuple:
            return [self.encode(v) for v in value]
        info = self._by_class.get(kind)
        if info is not None:
            out: dict[str, Any] = {TAG: kind.__name__}
            attrs = value.__dict__ if info.fast else {n: getattr(value, n) for n in info.fields}
            for name, default in info.defaults:
                item = attrs[name]
                if type(item) is not type(default) or item != default:
                    out[name] = self.encode(item)
            for name, default in info.factory_values:
                item = attrs[name]
                if type(item) is not type(default) or item != default:
                    out[name] = self.encode(item)
            for name in info.required:
                out[name] = self.encode(attrs[name])
            return out
        if isinstance(value, dict):
            if all(type(k) is str and not k.startswith(TAG) for k in value):
                return {k: self.encode(v) for k, v in value.items()}
            return {TAG: "dict", "items": [[self.encode(k), self.encode(v)] for k, v in value.items()]}
        if isinstance(value, list):
            return {TAG: "list", "items": [self.encode(v) for v in value]}
        if isinstance(value, bool):  # subclasses (enums) as their plain values
            return bool(value)
        if isinstance(value, (str, int, float)):
            return self.encode(str(value) if isinstance(value, str) else
                               int(value) if isinstance(value, int) else float(value))
        raise CodecError(f"cannot encode a {kind.__name__}")

    def dumps(self, value: Any) -> str:
        """Compact JSON text of ``value``."""
        return json.dumps(self.encode(value), ensure_ascii=False, separators=(",", ":"))

    # ------------------------------------------------------------------ decoding

    def loads(self, text: str | bytes) -> Any:
        """The value ``dumps`` wrote. Any problem is a ``CodecError``, never another exception."""
        try:
            return _tuples(json.loads(text, object_hook=self._hook))
        except CodecError:
            raise
        except (ValueError, TypeError, KeyError, RecursionError) as exc:
            raise CodecError(f"not a valid entry: {type(exc).__name__}: {exc}") from None

    def _hook(self, data: dict[str, Any]) -> Any:
        tag = data.pop(TAG, None)
        if tag is None:
            for key, item in data.items():
                if type(item) is list:
                    data[key] = _tuples(item)
            return data
        if tag == "dict":
            return {_tuples(k): _tuples(v) for k, v in data["items"]}
        if tag == "list":
            return _List(_tuples(v) for v in data["items"])
        if tag == "float":
            number = float(data["v"])
            if math.isfinite(number):
                raise CodecError("finite float in a non-finite float entry")
            return number
        info = self._by_name.get(tag) if type(tag) is str else None
        if info is None:
            raise CodecError(f"unknown class {tag!r}")
        for key, item in data.items():
            if type(item) is list:
                data[key] = _tuples(item)
        if not info.required <= data.keys() or not data.keys() <= set(info.fields):
            missing = sorted(info.required - data.keys())
            extra = sorted(set(data) - set(info.fields))
            raise CodecError(f"{tag}: missing {missing}, unknown {extra}")
        for name, factory in info.factories:
            if name not in data:
                data[name] = factory()
        if info.fast:
            obj = object.__new__(info.cls)
            attrs = obj.__dict__
            for name, default in info.defaults:
                attrs[name] = default
            attrs.update(data)
        else:
            obj = info.cls(**data)
        if info.cls in self._intern:
            try:
                key = (info.cls, *(getattr(obj, n) for n in info.fields))
                return self._interned.setdefault(key, obj)
            except TypeError:  # an unhashable field (a dict): not shared
                return obj
        return obj


def _tuples(value: Any) -> Any:
    if type(value) is list:
        return tuple(_tuples(v) for v in value)
    return value


def _describe(cls: type) -> _ClassInfo:
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        raise TypeError(f"{cls!r} is not a dataclass")
    fields = [f for f in dataclasses.fields(cls) if f.init]
    defaults = tuple((f.name, f.default) for f in fields if f.default is not _MISSING)
    factories = tuple((f.name, f.default_factory) for f in fields if f.default_factory is not _MISSING)
    required = frozenset(f.name for f in fields if f.default is _MISSING and f.default_factory is _MISSING)
    fast = (not hasattr(cls, "__post_init__") and "__slots__" not in cls.__dict__
            and len(fields) == len(dataclasses.fields(cls)))
    return _ClassInfo(cls, tuple(f.name for f in fields), required, defaults, factories,
                      tuple((name, factory()) for name, factory in factories), fast)
