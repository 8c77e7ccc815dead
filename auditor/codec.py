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
  ``{"@": "dict", "items": [[key, value], …]}``; a non-finite float is ``{"@": "float", "v": "nan"}``;
- an instance equal to one in a table both sides hold (``set_refs``: the rules of a run) is a
  string, NUL, class, colon, key: ``"\u0000RuleInfo:T3-BALANCE"`` (a real string starting with
  NUL is ``{"@": "str", "v": …}``); a reference the decoding side lacks is an error.

This module imports nothing of auditor's own.
"""

from __future__ import annotations

import dataclasses
import json
import math
import operator
from collections.abc import Callable, Iterable
from typing import Any, Optional, Union

TAG = "@"
REF = "\x00"  # starts a reference to a shared instance
_MISSING = dataclasses.MISSING


class CodecError(ValueError):
    """Text that is not a valid encoding for this codec (corrupt, foreign or from a newer shape)."""


class _List(list):
    """A list that was a list (not a tuple) when encoded: left alone when arrays become tuples."""


class _Plain(str):
    """A string that starts with NUL but is not a reference (it was escaped when encoded)."""


@dataclasses.dataclass(frozen=True)
class _ClassInfo:
    cls: type
    fields: tuple[str, ...]
    required: frozenset[str]
    defaults: tuple[tuple[str, Any], ...]  # plain defaults, compared when encoding
    factories: tuple[tuple[str, Any], ...]  # default_factory fields
    factory_values: tuple[tuple[str, Any], ...]  # one value from each factory, for comparison
    fast: bool  # can be built without calling __init__ (no __post_init__, no __slots__)
    default_map: dict[str, Any]  # ``defaults`` as a dict
    field_set: frozenset[str]
    interned: bool = False


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

    def __init__(self, classes: Iterable[type], *, intern: Iterable[type] = (),
                 refs: Optional[dict[type, Union[str, Callable[[Any], str]]]] = None) -> None:
        self._by_name: dict[str, _ClassInfo] = {}
        self._by_class: dict[type, _ClassInfo] = {}
        for cls in classes:
            info = _describe(cls)
            if cls.__name__ in self._by_name or cls.__name__ in ("list", "dict", "float"):
                raise ValueError(f"two classes named {cls.__name__} in one codec")
            self._by_name[cls.__name__] = info
            self._by_class[cls] = info
        self._intern = frozenset(intern)
        for cls in self._intern:
            if cls not in self._by_class:
                raise ValueError(f"{cls.__name__} is interned but not registered")
            info = dataclasses.replace(self._by_class[cls], interned=True)
            self._by_class[cls] = self._by_name[cls.__name__] = info
        self._interned: dict[Any, Any] = {}
        self._ref_keys: dict[type, Callable[[Any], str]] = {
            cls: (operator.attrgetter(key) if isinstance(key, str) else key) for cls, key in (refs or {}).items()}
        self._refs: dict[type, dict[str, Any]] = {cls: {} for cls in self._ref_keys}
        self._by_token: dict[str, Any] = {}

    def set_refs(self, cls: type, objects: Iterable[Any]) -> None:
        """The instances of ``cls`` both sides know: encoded as a short reference, not in full."""
        key_of = self._ref_keys[cls]
        self._refs[cls] = {key_of(obj): obj for obj in objects}
        self._by_token = {f"{REF}{kind.__name__}:{key}": obj for kind, table in self._refs.items()
                          for key, obj in table.items()}

    # ------------------------------------------------------------------ encoding

    def encode(self, value: Any) -> Any:
        """``value`` as JSON-ready data (dicts, lists, strings, numbers, booleans, None)."""
        kind = type(value)
        if kind is str:
            return value if not value.startswith(REF) else {TAG: "str", "v": value}
        if kind is int or kind is bool or value is None:
            return value
        if kind is float:
            return value if math.isfinite(value) else {TAG: "float", "v": repr(value)}
        if kind is tuple:
            return [self.encode(v) for v in value]
        info = self._by_class.get(kind)
        if info is not None:
            table = self._refs.get(kind)
            if table:
                key = self._ref_keys[kind](value)
                known = table.get(key)
                if known is value or known == value:
                    return f"{REF}{kind.__name__}:{key}"
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
            return self._value(json.loads(text, object_hook=self._hook))
        except CodecError:
            raise
        except (ValueError, TypeError, KeyError, RecursionError) as exc:
            raise CodecError(f"not a valid entry: {type(exc).__name__}: {exc}") from None

    def decode(self, data: Any) -> Any:
        """The value whose ``encode`` is ``data`` (parsed JSON, not text): a part of a larger
        entry read with a plain ``json.loads``, decoded alone. Problems are ``CodecError``s."""
        try:
            return self._value(self._walk(data))
        except CodecError:
            raise
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            raise CodecError(f"not a valid entry: {type(exc).__name__}: {exc}") from None

    def _walk(self, data: Any) -> Any:
        """What ``json.loads`` with the hook would give: objects hooked bottom up."""
        kind = type(data)
        if kind is dict:
            return self._hook({key: self._walk(value) for key, value in data.items()})
        if kind is list:
            return [self._walk(value) for value in data]
        return data

    def _hook(self, data: dict[str, Any]) -> Any:
        tag = data.pop(TAG, None)
        if tag is None:
            self._fields(data)
            return data
        if tag == "dict":
            return {self._value(k): self._value(v) for k, v in data["items"]}
        if tag == "list":
            return _List(self._value(v) for v in data["items"])
        if tag == "str":
            text = data["v"]
            if type(text) is not str or not text.startswith(REF):
                raise CodecError("a plain string in an escaped string entry")
            return _Plain(text)
        if tag == "float":
            number = float(data["v"])
            if math.isfinite(number):
                raise CodecError("finite float in a non-finite float entry")
            return number
        info = self._by_name.get(tag) if type(tag) is str else None
        if info is None:
            raise CodecError(f"unknown class {tag!r}")
        self._fields(data)
        if info.interned:
            # Equal encodings decode to equal objects: the encoded fields are the key, and a
            # hit skips checking and building (most outcomes of most documents are hits).
            try:
                shared_key = (info.cls, *data.items())
                found = self._interned.get(shared_key)
            except TypeError:  # an unhashable field (a dict): not shared
                shared_key = found = None
            if found is not None:
                return found
        keys = data.keys()
        if keys - info.field_set or not info.required <= keys:
            raise CodecError(f"{tag}: missing {sorted(info.required - keys)}, unknown {sorted(keys - info.field_set)}")
        obj = self._build(info, data)
        if info.interned and shared_key is not None:
            self._interned[shared_key] = obj
        return obj

    def _fields(self, data: dict[str, Any]) -> None:
        """Arrays become tuples and references their objects, in place."""
        for key, item in data.items():
            kind = type(item)
            if kind is list or (kind is str and item.startswith(REF)):
                data[key] = self._value(item)

    def _value(self, value: Any) -> Any:
        kind = type(value)
        if kind is list:
            return tuple(self._value(v) for v in value)
        if kind is str and value.startswith(REF):
            found = self._by_token.get(value)
            if found is None:
                raise CodecError(f"unknown reference {value[1:]!r}")
            return found
        return value

    def _build(self, info: _ClassInfo, data: dict[str, Any]) -> Any:
        for name, factory in info.factories:
            if name not in data:
                data[name] = factory()
        if info.fast:
            # Fields set in declaration order under the class's own name strings: the instance
            # dicts share one key table, as if built by __init__ (much smaller than copies).
            obj = object.__new__(info.cls)
            attrs = obj.__dict__
            defaults = info.default_map
            for name in info.fields:
                attrs[name] = data[name] if name in data else defaults[name]
        else:
            obj = info.cls(**data)
        return obj


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
                      tuple((name, factory()) for name, factory in factories), fast, dict(defaults),
                      frozenset(f.name for f in fields))
