"""The plugin manager: built-ins and third-party plugins go through the same hooks.

Importing this module is cheap (the error boundary imports it for ``PluginError``): pluggy,
the built-in plugins and the entry-point scan are loaded when the manager is first needed.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pluggy

ENTRY_POINT_GROUP = "auditor"

BUILTIN_PLUGINS: tuple[str, ...] = (
    "auditor.adapters.text",
    "auditor.adapters.html",
    "auditor.adapters.docx",
    "auditor.adapters.pdf",
    "auditor.adapters.json",
    "auditor.reporters.console",
    "auditor.reporters.json",
    "auditor.reporters.junit",
    "auditor.reporters.sarif",
    "auditor.reporters.html",
    "auditor.reporters.csv",
    "auditor.reporters.github",
    "auditor.reporters.notice",
)


class PluginError(Exception):
    """A plugin that cannot be loaded or clashes with another."""


@dataclass(frozen=True)
class Loaded:
    """A descriptor returned by a hook, with the plugin that provided it."""

    obj: Any
    plugin: str


@lru_cache(maxsize=1)
def manager() -> pluggy.PluginManager:
    """The process-wide plugin manager, with built-ins and entry points loaded."""
    import pluggy

    from auditor import hookspecs

    pm = pluggy.PluginManager("auditor")
    pm.add_hookspecs(hookspecs)
    for module_name in BUILTIN_PLUGINS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:  # a built-in not written yet must not break the rest
            if exc.name != module_name:
                raise
            continue
        pm.register(module, name=module_name)
    pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    pm.check_pending()
    return pm


def _collect(hook_name: str) -> list[Loaded]:
    pm = manager()
    caller = getattr(pm.hook, hook_name)
    found: list[Loaded] = []
    for impl in caller.get_hookimpls():
        result = impl.function()
        for item in result or ():
            obj = item() if isinstance(item, type) else item
            found.append(Loaded(obj, impl.plugin_name))
    return found


def _unique(items: list[Loaded], what: str) -> dict[str, Loaded]:
    by_name: dict[str, Loaded] = {}
    for item in items:
        name = item.obj.name
        if name in by_name:
            raise PluginError(f"{what} '{name}' is provided twice: by {by_name[name].plugin} and by {item.plugin}")
        by_name[name] = item
    return by_name


@lru_cache(maxsize=1)
def adapters() -> dict[str, Loaded]:
    """Adapters by name, each with the plugin it came from."""
    return _unique(_collect("auditor_adapters"), "adapter")


@lru_cache(maxsize=1)
def reporters() -> dict[str, Loaded]:
    """Reporters by name, each with the plugin it came from."""
    return _unique(_collect("auditor_reporters"), "reporter")


@lru_cache(maxsize=1)
def unclaimed_adapters() -> tuple[Any, ...]:
    """Adapters of plugins that list them (``auditor_adapters``) but implement no
    ``auditor_claim``: the core claims files for them by extension and ``sniff``."""
    pm = manager()
    claimants = {impl.plugin for impl in pm.hook.auditor_claim.get_hookimpls()}
    return tuple(loaded.obj for loaded in adapters().values() if pm.get_plugin(loaded.plugin) not in claimants)


def rule_paths() -> list[Loaded]:
    """Extra rule files/folders shipped by plugins."""
    return _collect("auditor_rule_paths")


def plugin_origin(plugin_name: str) -> str:
    """Where a plugin came from: ``built-in`` or the distribution that registered it."""
    if plugin_name in BUILTIN_PLUGINS:
        return "built-in"
    pm = manager()
    for plugin, dist in pm.list_plugin_distinfo():
        if pm.get_name(plugin) == plugin_name:
            return f"{dist.project_name} {dist.version}"
    return "registered at run time"
