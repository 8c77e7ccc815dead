"""JSON results: valid against schemas/results.schema.json, nothing lost, reproducible."""

from __future__ import annotations

import json

import jsonschema

from auditor.reporters.json import JsonReporter
from auditor.resources import load_schema


def render(run) -> dict:
    return json.loads(JsonReporter().render(run))


def test_validates_against_results_schema(run):
    jsonschema.Draft202012Validator(load_schema("results.schema.json")).validate(render(run))


def test_results_schema_is_a_valid_schema():
    jsonschema.Draft202012Validator.check_schema(load_schema("results.schema.json"))


def test_every_document_listed_with_its_findings(run):
    data = render(run)
    assert [(d["source"], d["index"]) for d in data["documents"]] == [(d.path, d.index) for d in run.documents]
    balance = data["documents"][2]
    assert balance["agency"] == "白银市平川区" and balance["year"] == 2020 and balance["format"] == "2019"
    first = balance["findings"][0]
    assert first["rule"] == "T3-BALANCE" and first["scope"] == {"column": "natural"} and first["line"] == 40
    assert first["cells"][0]["id"] == "t3.new.natural" and first["cells"][0]["value"] == 3
    assert first["waived"] is None
    unreadable = data["documents"][-1]
    assert unreadable["error"] == "文件为空" and unreadable["findings"] == [] and unreadable["audited"] is False


def test_waived_findings_kept_and_counted_apart(run):
    data = render(run)
    waived = [f for d in data["documents"] for f in d["findings"] if f["waived"]]
    assert [f["rule"] for f in waived] == ["META-CONTACT"]
    assert data["summary"]["waived"] == 1
    assert "META-CONTACT" not in data["summary"]["by_rule"]
    assert data["summary"]["findings"] == {"error": 3, "warning": 2, "info": 0}
    assert data["summary"]["unused_waivers"] == 1 and data["waivers"]["unused"][0]["rule"] == "T4-SUM"


def test_records_how_to_reproduce(run):
    data = render(run)
    assert data["tool"] == {"name": "auditor", "version": "0.1.0"}
    assert data["packs"][0] == {"name": "standard", "version": 3, "path": "rules/standard.rules",
                                "sha256": "a" * 64, "rules": list(run.packs[0].rules)}
    assert data["config"]["sha256"] == "b" * 64
    assert {i["path"]: i["sha256"] for i in data["inputs"]}["reports/003_balance.txt"] == run.documents[2].sha256
