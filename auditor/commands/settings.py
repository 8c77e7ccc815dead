"""``auditor audit --show-settings``: which configuration file was found and the values in force.

Each value is shown with where it comes from — the command line, the file (with its line), or
the default — in TOML, so a line can be copied into ``auditor.toml`` as it is.
"""

from __future__ import annotations

import json
from typing import Any

from auditor.i18n import t

# setting → (command-line parameter, default)
SETTINGS: tuple[tuple[str, str, Any], ...] = (
    ("standard", "no_standard", True),
    ("rules", "rule_paths", []),
    ("select", "select", []),
    ("ignore", "ignore", []),
    ("severity", "severities", {}),
    ("fail_on", "fail_on", "error"),
    ("jobs", "jobs", 0),
    ("timeout", "timeout", 120),
    ("memory_limit", "memory_limit", 2048),
    ("max_file_size", "", 64),
    ("cache", "no_cache", True),
    ("cache_dir", "", None),
    ("scheduler", "scheduler", None),
    ("paths", "paths", []),
    ("include", "", None),
    ("exclude", "", []),
    ("outputs", "formats", [{"format": "console"}]),
    ("notice", "", {}),
)


def _toml(value: Any) -> str:
    if value is None:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }" if value else "{}"
    return json.dumps(str(value), ensure_ascii=False)


def _from_cli(name: str, params: dict[str, Any]) -> Any:
    value = params.get(name)
    if name == "no_standard":
        return False if value else None
    if name == "no_cache":
        return False if value else None
    if name == "fail_on" and params.get("exit_zero"):
        return "never"
    if name in ("select", "ignore") and value:
        return [part.strip() for item in value for part in item.split(",") if part.strip()]
    if name == "severities" and value:
        return dict(item.split("=", 1) for raw in value for item in raw.split(",") if "=" in item)
    if name == "formats" and value:
        paths = params.get("output_paths") or ()
        return [{"format": f, **({"path": paths[i]} if i < len(paths) and paths[i] != "-" else {})}
                for i, f in enumerate(value)]
    if name in ("rule_paths", "paths"):
        return list(value) if value else None
    return value if value not in ((), None) else None


def render(config: Any, params: dict[str, Any], *, console_only: bool = False) -> str:
    """The settings in force, one per line, each with its origin."""
    from auditor.i18n import language

    lines = []
    if config.path is None:
        lines.append("# " + t("settings.no_file"))
    else:
        how = t("config.discovered") if config.discovered else t("config.named")
        lines.append("# " + t("settings.file", path=config.path, how=how))
    lines += [f"# {note}" for note in config.notes]
    for key, option, default in SETTINGS:
        cli_value = _from_cli(option, params) if option else None
        if key == "outputs" and console_only and cli_value is None:
            value, origin = [{"format": "console"}], t("settings.from_check")
        elif cli_value is not None:
            value, origin = cli_value, t("settings.from_cli")
        elif key in config.settings:
            value, origin = config.settings[key], t("settings.from_file", where=config.where(key))
        else:
            value, origin = default, t("settings.from_default")
        if key == "include" and value is None:
            from auditor.runner import default_include

            value = list(default_include())
        if value is None:
            lines.append(f"# {key}: {t('settings.unset')}  ({origin})")
        else:
            lines.append(f"{key} = {_toml(value)}  # {origin}")
    waivers = config.waivers
    lines.append("# " + t("settings.waivers", count=len(waivers)))
    lines += [f"#   {w.origin}: {w.rule} → {w.expires.isoformat()}" for w in waivers]
    lines.append("# " + t("settings.language", lang=language()))
    return "\n".join(lines) + "\n"
