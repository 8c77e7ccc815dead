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


class _Nianbao:
    """A third-party format: ``.nianbao`` files, or any file starting with NIANBAO."""

    name = "nianbao"
    extensions = (".nianbao",)
    description = "test format"

    def sniff(self, head: bytes) -> bool:
        return head.startswith(b"NIANBAO")

    def read(self, path, data):  # pragma: no cover - only claiming is tested
        raise NotImplementedError


@pytest.fixture
def plugin_registered():
    registered: list[str] = []

    def register(plugin, name: str) -> None:
        plugins.manager().register(plugin, name=name)
        registered.append(name)
        plugins.adapters.cache_clear()
        plugins.unclaimed_adapters.cache_clear()

    yield register
    for name in registered:
        plugins.manager().unregister(name=name)
    plugins.adapters.cache_clear()
    plugins.unclaimed_adapters.cache_clear()


def test_adapters_claim_files_through_the_hook_text_last(plugin_registered) -> None:
    from auditor.reading import pick_adapter

    class Claimer:
        @hookimpl
        def auditor_adapters(self):
            return [_Nianbao]

        @hookimpl
        def auditor_claim(self, path, head, by):
            return hookspecs.claim(_Nianbao(), path, head, by)

    plugin_registered(Claimer(), "nianbao-plugin")
    assert pick_adapter("r.nianbao", b"whatever").name == "nianbao"
    assert pick_adapter("r.jsp", b"NIANBAO 2020").name == "nianbao"  # sniffed before the text fallback
    assert pick_adapter("r.txt", b"NIANBAO 2020").name == "text"  # the extension claims first
    assert pick_adapter("r.jsp", "南宁市2020年报".encode()).name == "text"


def test_a_plugin_that_only_lists_adapters_is_still_claimed_for(plugin_registered) -> None:
    from auditor.reading import pick_adapter

    class Lister:
        @hookimpl
        def auditor_adapters(self):
            return [_Nianbao]

    plugin_registered(Lister(), "nianbao-lister")
    assert pick_adapter("r.nianbao", b"x").name == "nianbao"
