"""Outside text made harmless for the tool that reads each output.

File names, agency names, findings (which quote report text), reasons and configuration strings
come from files auditor does not control. Each place they are written has its own
meta-characters, and each is escaped here, in one place, by the rules of the tool that reads it:

- a terminal: control characters (ESC opening ANSI/OSC sequences, CR, BEL, the C1 set) and the
  bidirectional overrides that reorder what is shown;
- GitHub Actions: workflow-command escaping of messages and properties, and plain log lines that
  GitHub would otherwise run as commands (``::error …::`` at a line's start, ``##[error]``
  anywhere in it);
- spreadsheets: cells that Excel or LibreOffice would take for a formula;
- HTML ``<script>`` data: text that would end the element or bend the parser's state.

Escaping shows the character rather than dropping it (``\\x1b``, as non-UTF-8 bytes of a file
name are shown), so a hostile name still names its file and two names stay two.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

# C0 controls but tab, DEL and the C1 controls (0x9b is a one-byte CSI, 0x9d a one-byte OSC);
# then the bidirectional marks, embeddings, overrides and isolates, and the Unicode line and
# paragraph separators that some viewers break lines at.
_CONTROLS = (*range(0x00, 0x09), *range(0x0A, 0x20), 0x7F, *range(0x80, 0xA0))
_BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029)


def _visible(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_TERMINAL = {code: _visible(code) for code in (*_CONTROLS, *_BIDI)}
_TERMINAL_LINES = {code: text for code, text in _TERMINAL.items() if code != 0x0A}


def terminal(text: Any, *, lines: bool = False) -> str:
    """``text`` as a terminal may show it: no control character or bidi override reaches it
    (each is shown as ``\\x1b``, ``\\u202e``…). ``lines=True`` keeps line feeds, for messages
    of several lines that auditor composed itself (a rule-file diagnostic with its caret)."""
    return str(text).translate(_TERMINAL_LINES if lines else _TERMINAL)


# ---------------------------------------------------------------- GitHub Actions

def workflow_message(text: Any) -> str:
    """A workflow command's message: GitHub turns ``%25``, ``%0D``, ``%0A`` back (nothing else),
    so a name cannot end the line and start a command of its own."""
    escaped = str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return terminal(escaped)


def workflow_property(text: Any) -> str:
    """A workflow command's property value (``file=``, ``title=``): also ``:`` and ``,``, which
    would end the property list or the property."""
    return workflow_message(text).replace(":", "%3A").replace(",", "%2C")


def workflow_plain(lines: Sequence[str]) -> list[str]:
    """Plain log lines holding outside text, fenced so GitHub runs no command in them.

    GitHub treats a line starting with ``::`` as a command, and ``##[command]`` anywhere in a
    line as one in the older syntax. ``::stop-commands::TOKEN`` turns both off until
    ``::TOKEN::``; the token is a hash of the lines it fences, so they cannot hold it."""
    shown = [terminal(line) for line in lines]
    if not shown:
        return []
    token = "auditor-" + hashlib.sha256("\n".join(shown).encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return [f"::stop-commands::{token}", *shown, f"::{token}::"]


# ---------------------------------------------------------------- spreadsheets

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> Any:
    """A CSV cell Excel will not run: text starting like a formula gets a leading ``'``, which
    spreadsheets show as text and hide (OWASP's advice for CSV injection). Numbers pass as they
    are, so a count stays a number."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# ---------------------------------------------------------------- HTML

_SCRIPT_DATA = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                              "\u2028": "\\u2028", "\u2029": "\\u2029"})


def script_json(value: Any) -> str:
    """JSON to place inside ``<script>``: no ``<`` at all, so neither ``</script`` nor
    ``<!--`` (which with a later ``<script`` makes the parser skip the real end tag) can occur,
    and U+2028/9 escaped for JavaScript parsers that end a line there. Still valid JSON: those
    characters only occur inside strings, where ``\\u`` escapes mean the same."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_DATA)
