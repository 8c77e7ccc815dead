"""Messages meant for people, in Chinese by default and in English on request.

Supervising offices read Chinese, so every help text, error, label and read-failure reason is
Chinese unless ``--lang en`` or ``AUDITOR_LANG=en`` asks for English. The mechanism is a plain
catalogue (``auditor.i18n.messages``: key → (中文, English)) looked up by ``t(key, **values)``,
rather than gettext: no compiled ``.mo`` files to build and ship, a test can check that every key
has both languages with the same placeholders, and a missing key fails loudly in the tests.

Read-failure reasons are written in English by the adapters (``AdapterError``) and kept that way
in the result cache, which must not depend on the reader's language; ``reason()`` translates
them when they are shown (``auditor.i18n.reasons``).

Like ``auditor.model``, this package imports nothing else of auditor's: every layer may use it.
Rule ids, option names and JSON keys are never translated.
"""

from __future__ import annotations

import os
from typing import Any, Optional

from auditor.i18n.messages import MESSAGES

LANGUAGES = ("zh", "en")
ENV = "AUDITOR_LANG"

_chosen: Optional[str] = None


def normalize(value: Optional[str]) -> Optional[str]:
    """``en``, ``en_US.UTF-8``, ``EN`` → ``en``; ``zh_CN`` → ``zh``; anything else → None."""
    if not value:
        return None
    head = value.strip().lower().replace("-", "_").split("_")[0].split(".")[0]
    return head if head in LANGUAGES else None


def language() -> str:
    """The language in force: set by ``--lang``, else ``AUDITOR_LANG``, else Chinese."""
    return _chosen or normalize(os.environ.get(ENV)) or "zh"


def set_language(value: Optional[str]) -> None:
    """Choose the language (None: back to ``AUDITOR_LANG`` or Chinese)."""
    global _chosen
    _chosen = normalize(value) if value else None


def chosen() -> Optional[str]:
    """What ``set_language`` set (None: the environment decides)."""
    return _chosen


def english() -> bool:
    return language() == "en"


def t(key: str, /, **values: Any) -> str:
    """The message ``key`` in the language in force, with ``values`` filled in."""
    zh, en = MESSAGES[key]
    template = en if language() == "en" else zh
    return template.format(**values) if values else template


def has(key: str) -> bool:
    return key in MESSAGES


def reason(text: Optional[str]) -> str:
    """A read-failure reason as written by an adapter (English), in the language in force."""
    if not text:
        return ""
    if language() == "en":
        return text
    from auditor.i18n.reasons import translate

    return translate(text)


def severity(level: str) -> str:
    """错误/警告/提示, or error/warning/info."""
    return t(f"severity.{level}") if has(f"severity.{level}") else level
