"""Find the data auditor ships: rule packs, JSON Schemas, templates, the grammar.

An installed wheel carries ``rules/`` and ``schemas/`` as ``auditor/data/``; a source checkout
(editable install, tests) has them at the top of the repository. Both are tried, in that order.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

_PACKAGE = "auditor"


def data_path(kind: str) -> Path:
    """Directory holding ``kind`` (``rules`` or ``schemas``), installed or in the checkout."""
    packaged = Path(str(resources.files(_PACKAGE))) / "data" / kind
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / kind
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"auditor is missing its {kind}/ directory (looked in {packaged} and {checkout})")


@cache
def load_schema(name: str) -> dict[str, Any]:
    """A JSON Schema shipped with auditor, by file name (``report.schema.json``)."""
    with open(data_path("schemas") / name, encoding="utf-8") as handle:
        return json.load(handle)


def package_file(*parts: str) -> Path:
    """A file inside the ``auditor`` package itself (templates, grammar)."""
    return Path(str(resources.files(_PACKAGE).joinpath(*parts)))
