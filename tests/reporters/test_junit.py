"""JUnit: Ant-schema valid, loads in junitparser, one suite per document, stable unique names."""

from __future__ import annotations

import dataclasses

import junitparser
import pytest

from auditor.reporters.junit import render_junit
from tests.factories import EXTERNAL, make_run

lxml_etree = pytest.importorskip("lxml.etree")


@pytest.fixture(scope="module")
def xsd():
    return lxml_etree.XMLSchema(lxml_etree.parse(str(EXTERNAL / "junit.xsd")))


def parse(xml: str) -> junitparser.JUnitXml:
    return junitparser.JUnitXml.fromstring(xml.encode("utf-8"))


def cases(xml: str) -> dict[tuple[str, str], junitparser.TestCase]:
    """By (classname, rule id): the case name is the rule id, then the agency and year."""
    return {(case.classname, case.name.split(" ")[0]): case for suite in parse(xml) for case in suite}


@pytest.mark.parametrize("fail_on", ["error", "warning", "never"])
def test_validates_against_ant_schema(run, xsd, fail_on):
    xml = render_junit(dataclasses.replace(run, meta={**run.meta, "fail_on": fail_on}))
    document = lxml_etree.fromstring(xml.encode("utf-8"))
    assert xsd.validate(document), xsd.error_log


def test_one_suite_per_document_named_by_agency_and_year(run):
    suites = list(parse(render_junit(run)))
    assert len(suites) == len(run.documents)
    names = [s.name for s in suites]
    assert names[:4] == ["南宁市良庆区 2020年", "净月高新区 2021年", "白银市平川区 2020年", "桂林市 2019年"]
    assert len(set(names)) == len(names)
    props = {p.name: p.value for p in suites[2].properties()}
    assert props["file"] == "reports/003_balance.txt"
    assert props["format"] == "2019" and props["kind"] == "annual-report"
    assert props["sha256"] == run.documents[2].sha256
    assert props["pack.standard"].startswith("3 sha256:aaaa")


def test_every_rule_that_ran_is_a_case_with_unique_stable_names(run):
    xml = render_junit(run)
    all_cases = [(c.classname, c.name) for suite in parse(xml) for c in suite]
    assert len(all_cases) == len(set(all_cases)), "GitLab keeps only the first duplicate"
    assert ("auditor.reports/000_good_txt", "T3-BALANCE 南宁市良庆区 2020年") in all_cases  # passes are cases too
    assert ("auditor.reports/004_page_txt#1", "META-PERIOD 桂林市 2019年") in all_cases  # several documents in a file
    assert all(c.rsplit(".", 1)[-1] != "txt" for c, _ in all_cases), "Jenkins would show the class 'txt'"
    assert render_junit(run).split("<testsuite", 1)[1] == xml.split("<testsuite", 1)[1]


def test_violation_is_one_failure_with_chinese_message_in_attribute_and_text(run):
    case = cases(render_junit(run))[("auditor.reports/003_balance_txt", "T3-BALANCE")]
    failures = [r for r in case.result if isinstance(r, junitparser.Failure)]
    assert len(failures) == 1
    assert "表三natural列：新收3+上年结转0=3" in failures[0].message
    assert "表三total列" in failures[0].message
    assert "reports/003_balance.txt:40" in failures[0].text and "相差3" in failures[0].text
    assert failures[0].type == "error"


def test_warnings_follow_the_fail_level(run):
    xml = render_junit(run)
    blank = cases(xml)[("auditor.reports/003_balance_txt", "CELL-BLANK")]
    assert blank.is_passed, "under --fail-on error a warning does not turn CI red"
    assert "单元格t3.new.legal留空" in xml.split('name="白银市平川区 2020年"')[1].split("</system-out>")[0]
    strict = render_junit(dataclasses.replace(run, meta={**run.meta, "fail_on": "warning"}))
    blank = cases(strict)[("auditor.reports/003_balance_txt", "CELL-BLANK")]
    assert [r.type for r in blank.result] == ["warning"]


def test_waived_and_not_assessable_are_skipped_with_reason(run):
    by_name = cases(render_junit(run))
    waived = by_name[("auditor.reports/001_waived_txt", "META-CONTACT")]
    assert isinstance(waived.result[0], junitparser.Skipped)
    assert "联系方式在门户网站统一公布" in waived.result[0].message and "张三" in waived.result[0].message
    na = by_name[("auditor.reports/000_good_txt", "T4-SUM")]
    assert isinstance(na.result[0], junitparser.Skipped) and "报告缺少表四" in na.result[0].message


def test_unreadable_input_is_an_error(run):
    case = cases(render_junit(run))[("auditor.reports/corrupt_docx", "read")]
    assert isinstance(case.result[0], junitparser.Error)
    assert "bad zip header" in case.result[0].message


def test_empty_run_is_still_valid(xsd):
    xml = render_junit(make_run([]))
    assert xsd.validate(lxml_etree.fromstring(xml.encode("utf-8"))), xsd.error_log
