"""Where auditor keeps its caches, and the checks that make the directory safe to trust.

A cache is only as trustworthy as the people who can write it. So the directory is created
0700, one that exists is used only when it belongs to the current user (and is made 0700 if it
was looser), and a directory owned by anyone else is refused with a warning — the run goes on
without a cache. Entries are JSON (``auditor.codec``), never pickle.

Location, first that is set: ``AUDITOR_CACHE_DIR`` (``off``, ``0`` or empty disables), the
``cache_dir`` configuration key (``configure``), ``$XDG_CACHE_HOME/auditor``,
``~/.cache/auditor``.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Optional

ENV_VAR = "AUDITOR_CACHE_DIR"
OFF_VALUES = ("", "off", "0", "false", "no")

_configured: Optional[str] = None  # the configuration's cache_dir, resolved
_disabled = False  # --no-cache
_checked: dict[Path, bool] = {}
_warnings: list[str] = []


def configure(directory: Optional[str] = None, *, enabled: bool = True) -> None:
    """Apply the configuration's ``cache_dir`` and ``--no-cache`` for this process."""
    global _configured, _disabled
    _configured = directory
    _disabled = not enabled


def root() -> Optional[Path]:
    """The cache directory to use (not yet created or checked), or None when caching is off."""
    if _disabled:
        return None
    env = os.environ.get(ENV_VAR)
    if env is not None:
        return None if env.strip().lower() in OFF_VALUES else Path(env).expanduser()
    if _configured is not None:
        return None if _configured.strip().lower() in OFF_VALUES else Path(_configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "auditor"


def directory(name: str) -> Optional[Path]:
    """``root()/name``, created 0700 and checked; None when off or unsafe (with a warning)."""
    base = root()
    if base is None:
        return None
    folder = base / name
    if folder not in _checked:
        _checked[folder] = _make_private(base) and _make_private(folder)
    return folder if _checked[folder] else None


def warnings() -> list[str]:
    """Problems met with the cache directory so far (each once), for the console."""
    return list(_warnings)


def _warn(message: str) -> None:
    if message not in _warnings:
        _warnings.append(message)


def _make_private(folder: Path) -> bool:
    """Create ``folder`` 0700 or accept an existing one that is ours; refuse anything else."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.stat(folder)
    except OSError as exc:
        _warn(f"缓存目录 {folder} 无法创建或读取（{exc.strerror or exc}），本次运行不使用缓存")
        return False
    if not stat.S_ISDIR(info.st_mode):
        _warn(f"缓存目录 {folder} 不是目录，本次运行不使用缓存")
        return False
    if not hasattr(os, "geteuid"):  # Windows: no owner or mode bits to check
        return True
    if info.st_uid != os.geteuid():
        _warn(f"缓存目录 {folder} 属于其他用户（uid {info.st_uid}），本次运行不使用缓存；"
              f"请用 {ENV_VAR} 指定自己的目录")
        return False
    if stat.S_IMODE(info.st_mode) & 0o077:
        try:
            os.chmod(folder, 0o700)
        except OSError as exc:
            _warn(f"缓存目录 {folder} 权限过宽且无法改为 0700（{exc.strerror or exc}），本次运行不使用缓存")
            return False
    return True


def reset() -> None:
    """Forget configuration, checks and warnings (tests; a long-lived process between runs)."""
    global _configured, _disabled
    _configured, _disabled = None, False
    _checked.clear()
    _warnings.clear()
