"""Reference docs say what the code does: generated pages are current, hand-written ones cover
every field and key."""

from __future__ import annotations

import json
import re
from pathlib import Path

from auditor.commands.refdocs import render_cells, render_scopes
from auditor.resources import load_schema

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_cell_ids_page_is_current_and_lists_every_cell():
    from auditor import templates

    text = (DOCS / "cells.md").read_text(encoding="utf-8")
    assert text == render_cells(), "run python -m auditor.commands.refdocs"
    for fmt in templates.FORMATS:
        for cid in templates.load(fmt).cell_ids():
            assert f"`{cid}`" in text
    assert "`t2.licensing.decisions`" in text


def test_scopes_page_is_current():
    assert (DOCS / "scopes.md").read_text(encoding="utf-8") == render_scopes()


def test_rules_page_is_current():
    from auditor.commands.ruledocs import render_docs
    from auditor.engine import load_rules

    text = (DOCS / "rules.md").read_text(encoding="utf-8")
    assert text == render_docs(load_rules()), "run auditor rules doc --output docs/rules.md"
    for rule_id in ("XYEAR-CARRY", "XYEAR-STOCK", "TEXT-TABLE", "XDOC-COPY", "STRUCT-ROWS", "READ-AMBIGUOUS"):
        assert f"### {rule_id}" in text


def test_report_page_names_every_field():
    from auditor.reading import load_reports

    text = (DOCS / "report.md").read_text(encoding="utf-8")
    (report,) = load_reports(Path(__file__).resolve().parent.parent / "examples" / "reports" / "003_199c53d3d7ac26c8.txt")
    data = report.to_json()
    missing = [k for k in data if f"`{k}`" not in text]
    missing += [k for k in data["readings"][0] if f"`{k}`" not in text]
    missing += [k for k in data["year_evidence"][0] if f"`{k}`" not in text]
    missing += [k for k in ("raw", "value", "state", "span", "unit", "decimals", "origin", "confidence")
                if f"`{k}`" not in text]
    assert not missing


def test_case_page_names_every_key_of_the_schema():
    schema = load_schema("cases.schema.json")
    text = (DOCS / "cases.md").read_text(encoding="utf-8")
    keys = set(schema["$defs"]["case"]["properties"]) | set(schema["$defs"]["report"]["properties"])
    keys |= set(schema["$defs"]["report"]["properties"]["readings"]["items"]["properties"])
    keys |= set(schema["$defs"]["report"]["properties"]["contact"]["properties"])
    assert not sorted(k for k in keys if not re.search(rf"\b{re.escape(k)}\b", text))
    assert json.dumps(schema)  # loads


def test_every_reference_page_is_linked():
    text = (DOCS / "workflow.md").read_text(encoding="utf-8")
    for name in ("cells.md", "report.md", "cases.md", "scopes.md", "rules.md", "notice.png", "html-report.png"):
        assert name in text and (DOCS / name).exists()
