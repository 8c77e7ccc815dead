"""The plugin system: every hook documented, built-ins loaded through the same hooks."""

import pluggy
import pytest
from click.testing import CliRunner

from auditor import hookspecs, plugins
from auditor.cli import cli
from auditor.hookspecs import hookimpl


def test_every_hook_is_documented() -> None:
    hooks = [name for name in dir(hookspecs) if name.startswith("auditor_")]
    assert {"auditor_adapters", "auditor_reporters", "auditor_rule_paths"} <= set(hooks)
    for name in hooks:
        assert getattr(hookspecs, name).__doc__, name


def test_builtin_text_adapter_is_a_plugin() -> None:
    loaded = plugins.adapters()["text"]
    assert loaded.plugin == "auditor.adapters.text"
    assert ".txt" in loaded.obj.extensions


def test_plugins_command_lists_adapters_with_extensions() -> None:
    result = CliRunner().invoke(cli, ["plugins"])
    assert result.exit_code == 0
    assert "text" in result.output and ".txt" in result.output and "built-in" in result.output


def test_two_adapters_with_one_name_is_an_error_naming_both() -> None:
    class Clash:
        @hookimpl
        def auditor_adapters(self):
            class Fake:
                name = "text"
                extensions = (".fake",)
            return [Fake]

    pm = plugins.manager()
    pm.register(Clash(), name="clashing-plugin")
    plugins.adapters.cache_clear()
    try:
        with pytest.raises(plugins.PluginError, match=r"auditor\.adapters\.text.*clashing-plugin"):
            plugins.adapters()
    finally:
        pm.unregister(name="clashing-plugin")
        plugins.adapters.cache_clear()


def test_misspelt_hook_fails_at_startup() -> None:
    pm = pluggy.PluginManager("auditor")
    pm.add_hookspecs(hookspecs)

    class Typo:
        @hookimpl
        def auditor_adaptors(self):
            return []

    pm.register(Typo())
    with pytest.raises(pluggy.PluginValidationError):
        pm.check_pending()
