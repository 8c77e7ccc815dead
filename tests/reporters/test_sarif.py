"""SARIF 2.1.0: valid against the official schema, rules with metadata, file:line locations."""

from __future__ import annotations

import json

import jsonschema
import pytest

from auditor.reporters.sarif import SarifReporter
from tests.factories import EXTERNAL


@pytest.fixture(scope="module")
def validator():
    schema = json.loads((EXTERNAL / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


def render(run) -> dict:
    return json.loads(SarifReporter().render(run))


def test_validates_against_official_schema(run, validator):
    errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(render(run))]
    assert errors == []


def test_rules_carry_metadata(run):
    driver = render(run)["runs"][0]["tool"]["driver"]
    rules = {r["id"]: r for r in driver["rules"]}
    assert rules["T3-BALANCE"]["shortDescription"]["text"] == "表三收支平衡"
    assert rules["CELL-BLANK"]["defaultConfiguration"]["level"] == "warning"
    assert "INPUT-ERROR" in rules
    assert driver["version"] == "0.1.0"


def test_results_point_at_file_and_line(run):
    sarif_run = render(run)["runs"][0]
    balance = [r for r in sarif_run["results"] if r["ruleId"] == "T3-BALANCE"]
    assert len(balance) == 2
    location = balance[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "reports/003_balance.txt"
    assert location["region"]["startLine"] == 40
    assert "相差3" in balance[0]["message"]["text"]
    rules = sarif_run["tool"]["driver"]["rules"]
    assert rules[balance[0]["ruleIndex"]]["id"] == "T3-BALANCE"


def test_waived_is_suppressed_not_dropped_and_unreadable_is_reported(run):
    results = render(run)["runs"][0]["results"]
    waived = [r for r in results if r.get("suppressions")]
    assert [r["ruleId"] for r in waived] == ["META-CONTACT"]
    assert waived[0]["suppressions"][0]["status"] == "accepted"
    errors = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results
              if r["ruleId"] == "INPUT-ERROR"}
    assert errors == {"reports/corrupt.docx", "reports/empty.txt"}


def test_stale_waivers_are_configuration_warnings(run, validator):
    invocation = render(run)["runs"][0]["invocations"][0]
    (note,) = invocation["toolConfigurationNotifications"]
    assert note["level"] == "warning" and "T4-SUM" in note["message"]["text"]


def test_artifacts_carry_input_hashes(run):
    artifacts = render(run)["runs"][0]["artifacts"]
    assert {a["location"]["uri"]: a["hashes"]["sha-256"] for a in artifacts}["reports/000_good.txt"] == \
        run.documents[0].sha256
    assert render(run)["runs"][0]["tool"]["extensions"][0]["properties"]["sha256"] == "a" * 64


def test_non_ascii_paths_are_percent_encoded_uris():
    from auditor.reporters.sarif import artifact_uri

    assert artifact_uri("报告/良庆区 2020.txt") == "%E6%8A%A5%E5%91%8A/%E8%89%AF%E5%BA%86%E5%8C%BA%202020.txt"
    assert artifact_uri("/srv/报告.txt") == "file:///srv/%E6%8A%A5%E5%91%8A.txt"


def test_every_rule_has_a_help_uri_and_regions_are_one_line(run):
    from auditor.reporters.sarif import sarif_log

    log = sarif_log(run)
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert all(r["helpUri"].endswith("docs/rules.md#" + r["id"].lower()) for r in rules if r["id"] != "INPUT-ERROR")
    for result in log["runs"][0]["results"]:
        for location in result["locations"] + result.get("relatedLocations", []):
            region = location["physicalLocation"].get("region", {})
            assert set(region) <= {"startLine"}, "no region wider than the finding"
    balance = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "T3-BALANCE")
    assert [loc["physicalLocation"]["region"]["startLine"] for loc in balance["relatedLocations"]] == [60]
