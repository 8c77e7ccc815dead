"""The standard packs on the five seed pages find exactly what the spec's last table says
(STRUCT-HEADING warnings may come in addition)."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.engine import load_rules

SEEDS = Path(__file__).resolve().parents[2] / "examples" / "reports"

# (file, document index) -> rules that must fail (and no others, STRUCT-HEADING aside)
EXPECTED = {
    ("000_60dfc1bb3c346b4a.txt", 0): set(),
    # 2021 format, and its section 六 is empty: no word on 信息处理费 (CONTENT-FEE, a warning, issue 10).
    ("001_1fa793b153ce3d21.txt", 0): {"META-PERIOD", "META-CONTACT", "CONTENT-FEE"},
    ("002_0739bad8c8b1aa45.txt", 0): set(),
    ("003_199c53d3d7ac26c8.txt", 0): {"T3-BALANCE", "T3-RESULTS-SUM"},
    ("004_69f1cdd360e96bf0.txt", 0): {"STRUCT-SECTIONS", "META-PERIOD", "META-CONTACT"},
    ("004_69f1cdd360e96bf0.txt", 2): {"META-FORMAT"},
    ("004_69f1cdd360e96bf0.txt", 3): {"CELL-BLANK", "META-PERIOD", "META-CONTACT"},
    ("004_69f1cdd360e96bf0.txt", 4): {"CELL-BLANK", "META-CONTACT"},
    ("004_69f1cdd360e96bf0.txt", 5): {"STRUCT-TABLES", "META-PERIOD", "META-CONTACT"},
}


@pytest.fixture(scope="module")
def outcomes() -> dict:
    reading = pytest.importorskip("auditor.reading")
    pytest.importorskip("auditor.recognize")
    ruleset = load_rules()
    found = {}
    for name in sorted({name for name, _ in EXPECTED}):
        for report in reading.load_reports(SEEDS / name):
            found[(name, report.source.index)] = (report, ruleset.evaluate(report))
    return found


@pytest.mark.parametrize("key", sorted(EXPECTED), ids=[f"{n[:3]}#{i}" for n, i in sorted(EXPECTED)])
def test_seed_findings(outcomes: dict, key: tuple[str, int]) -> None:
    _, results = outcomes[key]
    failing = {o.rule.id for o in results if o.status == "fail"} - {"STRUCT-HEADING"}
    assert failing == EXPECTED[key]


def test_platchuan_fails_in_the_natural_and_total_columns(outcomes: dict) -> None:
    _, results = outcomes[("003_199c53d3d7ac26c8.txt", 0)]
    for rule_id in ("T3-BALANCE", "T3-RESULTS-SUM"):
        outcome = next(o for o in results if o.rule.id == rule_id)
        assert [f.scope["column"] for f in outcome.findings] == ["natural", "total"]


def test_regulation_page_is_not_audited(outcomes: dict) -> None:
    report, results = outcomes[("004_69f1cdd360e96bf0.txt", 1)]
    assert report.kind == "other" and {o.status for o in results} == {"skipped"}


def test_legacy_report_only_warns(outcomes: dict) -> None:
    _, results = outcomes[("004_69f1cdd360e96bf0.txt", 2)]
    assert [(o.rule.id, f.severity) for o in results for f in o.findings] == [("META-FORMAT", "warning")]
