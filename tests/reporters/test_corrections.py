"""Every output groups the findings a correction explains under it (still listing them), and the
HTML report marks suspect cells apart from cells merely involved in a failing sum."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import jsonschema
import pytest

from auditor.dsl.cases import build_report
from auditor.engine import load_rules
from auditor.model import AuditRun, DocumentResult, Span
from auditor.reporters import correction_groups
from auditor.reporters.console import render_console
from auditor.reporters.html import render_html
from auditor.reporters.json import results_json
from auditor.reporters.junit import render_junit
from auditor.reporters.sarif import sarif_log
from auditor.resources import load_schema
from tests.factories import EXTERNAL, make_run

ADVICE = "表三「(一)予以公开」行「总计」列应为3（现为13），可同时消除2项勾稽错误"


def _with_lines(report):
    """Give every cell a line, as the text adapter would."""
    import dataclasses

    cells = {cid: dataclasses.replace(cell, span=Span(line=100 + n)) for n, (cid, cell) in enumerate(report.cells.items())}
    return dataclasses.replace(report, cells=cells)


@pytest.fixture(scope="module")
def run() -> AuditRun:
    ruleset = load_rules()
    documents = []
    for name, spec in (("slip.txt", {"cells": {"t3.new.natural": 3, "t3.new.total": 3, "t3.granted.natural": 3,
                                               "t3.granted.total": 13, "t3.total.natural": 3, "t3.total.total": 3}}),
                       ("tie.txt", {"cells": {"t4.review.upheld": 5, "t4.review.total": 3}})):
        report = _with_lines(build_report({**spec, "path": name}))
        outcomes = ruleset.evaluate(report)
        documents.append(DocumentResult(name, 0, report, outcomes, corrections=ruleset.localize(report, outcomes)))
    return make_run(documents)


def test_groups_hold_every_finding_once(run: AuditRun) -> None:
    doc = run.documents[0]
    groups, rest = correction_groups(doc)
    assert len(groups) == 1 and groups[0].options[0].message.startswith(ADVICE)
    assert {f.rule for f in groups[0].findings} == {"T3-ROW-TOTAL", "T3-RESULTS-SUM"}
    assert len(groups[0].findings) + len(rest) == len(doc.findings)


def test_console_lists_explained_findings_under_the_advice(run: AuditRun) -> None:
    lines = render_console(run).splitlines()
    head = next(i for i, line in enumerate(lines) if "更正建议" in line and ADVICE in line)
    assert "T3-RESULTS-SUM" in lines[head + 1] or "T3-ROW-TOTAL" in lines[head + 1]
    assert lines[head + 1].startswith("    ") and lines[head + 2].startswith("    ")
    tie = next(i for i, line in enumerate(lines) if "更正建议（2种可能，无法区分）" in line)
    assert lines[tie + 1].lstrip().startswith("①") and lines[tie + 2].lstrip().startswith("②")
    assert "T4-SUM" in lines[tie + 3]


def test_json_has_corrections_as_the_issue_shows_and_validates(run: AuditRun) -> None:
    data = results_json(run)
    jsonschema.validate(data, load_schema("results.schema.json"))
    (correction,) = data["documents"][0]["corrections"]
    assert correction["cells"] == {"t3.granted.total": {"found": 13, "expected": 3}}
    assert correction["slip"] == "多录一位数字"
    assert correction["explains"] == ["T3-RESULTS-SUM", "T3-ROW-TOTAL"]
    findings = data["documents"][0]["findings"]
    assert sorted(findings[i]["rule"] for i in correction["findings"]) == ["T3-RESULTS-SUM", "T3-ROW-TOTAL"]
    ties = data["documents"][1]["corrections"]
    assert len(ties) == 2 and {c["group"] for c in ties} == {0}
    assert all(d["corrections"] == [] for d in data["documents"][2:])


def test_junit_failure_leads_with_the_advice_and_lists_findings_under_it(run: AuditRun) -> None:
    root = ET.fromstring(render_junit(run))
    case = next(c for c in root.iter("testcase")
                if c.get("name").startswith("T3-ROW-TOTAL ") and c.get("classname") == "auditor.slip_txt")
    failure = case.find("failure")
    assert failure.get("message").startswith("更正建议：" + ADVICE)
    text = failure.text.splitlines()
    assert text[1].startswith("更正建议：") and text[2].startswith("  slip.txt:")
    suite = next(s for s in root.iter("testsuite")
                 if any(c.get("classname") == "auditor.slip_txt" for c in s.iter("testcase")))
    assert "更正建议：" + ADVICE in suite.find("system-out").text


def test_sarif_results_say_the_likely_cause_and_point_at_the_suspect_cell(run: AuditRun) -> None:
    log = sarif_log(run)
    jsonschema.validate(log, json.loads((EXTERNAL / "sarif-schema-2.1.0.json").read_text("utf-8")))
    explained = [r for r in log["runs"][0]["results"] if r["ruleId"] in ("T3-ROW-TOTAL", "T3-RESULTS-SUM")]
    assert len(explained) == 2 and len({r["correlationGuid"] for r in explained}) == 1
    result = explained[0]
    assert ADVICE in result["message"]["text"]
    related = result["relatedLocations"][0]  # the suspect cell first, then the other cells cited
    suspect = run.documents[0].report.cells["t3.granted.total"]
    assert related["physicalLocation"]["region"] == {"startLine": suspect.span.line}
    assert "应为3（现为13）" in related["message"]["text"]
    assert result["properties"]["corrections"][0]["cells"] == {"t3.granted.total": {"found": 13, "expected": 3}}


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[str, dict[str, str]] = {}
        self.rows: list[dict[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attributes = {k: v or "" for k, v in attrs}
        if tag == "td" and "data-cell" in attributes:
            self.cells.setdefault(attributes["data-cell"], attributes)
        if tag == "tr":
            self.rows.append(attributes)


def _drawn_cells(page: str) -> dict[str, list]:
    """The cells the page draws for the first document, as it will (``_cell_data``)."""
    block = page.split('<script type="application/json" class="cells">', 1)[1].split("</script>", 1)[0]
    return json.loads(block)["c"]


def test_html_marks_the_suspect_cell_apart_from_involved_ones(run: AuditRun) -> None:
    page = render_html(run)
    parser = _Cells()
    parser.feed(page)
    cells = _drawn_cells(page)
    _, classes, title, expected = cells["t3.granted.total"][:4]
    assert "suspect" in classes.split() and expected == "3"
    assert "更正建议：应为3（现为13）" in title
    involved = cells["t3.granted.natural"][1].split()  # in the failing row total, not suspected
    assert "hit" in involved and "involved" in involved and "suspect" not in involved
    rows = [r.get("class", "") for r in parser.rows]
    first = rows.index("correction")
    assert rows[first + 1].startswith("finding") and "explained" in rows[first + 1]
    assert ADVICE in page
