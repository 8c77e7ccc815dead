"""``--format junit``: one test suite per document, one test case per rule that ran.

Built with ``junit-xml`` and then brought in line with Apache Ant's schema (the one CI servers
follow): ``timestamp``, ``hostname``, ``package``, ``id``, ``properties``, ``system-out`` and
``system-err`` present, in schema order, and no attributes the schema does not know.

How findings map (documented in the README):

- findings at or above the run's fail level (``--fail-on``; ``never`` counts as ``error``) →
  one ``<failure>`` whose ``message`` (Jenkins) and text (GitLab) carry every Chinese message;
- findings below it — warnings under ``--fail-on error``, infos — leave the case passing and are
  listed in the suite's ``system-out``, so CI's red/green agrees with auditor's exit code;
- a rule not assessable, not applicable, or whose findings are all waived → ``<skipped>`` with
  the reason; an unreadable input → a suite with one ``<error>`` case;
- findings a correction explains (the cell that most likely holds the slip) are listed under it
  in the failure text, its message leads the failure message, and the suite's ``system-out``
  lists every correction.

Names are stable across runs: classname is ``auditor.`` and the file path with its dots replaced
(``auditor.reports/003_txt``, ``#n`` when a file holds several documents) — Jenkins splits a
classname at its last dot into package and class, and ``.txt`` must not become a class — and the
case name is the rule id followed by the agency and year, unique per document (GitLab needs it)
and readable in a CI's list of failed tests. With ``--baseline`` each failure says whether the
finding is new or still open, and the suite's ``system-out`` lists what was fixed.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from auditor.hookspecs import hookimpl
from auditor.i18n import t
from auditor.model import AuditRun, DocumentResult, Finding, RuleOutcome
from auditor.reporters import (
    CorrectionGroup,
    at_least,
    correction_groups,
    describe_waiver,
    document_key,
    document_title,
    error_text,
    fail_threshold,
    is_waived,
    not_audited_reason,
    round_counts_text,
    round_word,
    severity_word,
    summarize,
    waiver_notes,
    was_audited,
)
from auditor.reporters.rounds import rounds

if TYPE_CHECKING:  # junit-xml and ElementTree are imported when a run is rendered as JUnit
    from junit_xml import TestCase, TestSuite

SUITE_CHILD_ORDER = {"properties": 0, "testcase": 1, "system-out": 2, "system-err": 3}
SUITE_ATTRIBUTES = ("name", "timestamp", "hostname", "tests", "failures", "errors", "skipped", "time",
                    "package", "id")
CASE_ATTRIBUTES = ("name", "classname", "time")


def _timestamp(run: AuditRun) -> str:
    """``YYYY-MM-DDTHH:MM:SS`` — the schema's pattern allows no zone and no fraction."""
    created = run.meta.get("created")
    try:
        moment = dt.datetime.fromisoformat(created) if created else dt.datetime.now(dt.timezone.utc)
    except ValueError:
        moment = dt.datetime.now(dt.timezone.utc)
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def classname(key: str) -> str:
    """``auditor.`` + the document key with its dots replaced: Jenkins reads a classname's last
    dot as the package/class split, so ``report.txt`` would show as class ``txt``."""
    return "auditor." + key.replace(".", "_")


def _entry(doc: DocumentResult, finding: Finding, run: AuditRun) -> str:
    line = f":{finding.line}" if finding.line is not None else ""
    status = rounds(run).of(doc, finding)
    mark = f"[{round_word(status)}] " if status else ""
    return f"{doc.path}{line}: {mark}[{severity_word(finding.severity)}] {finding.message}"


def _advice(group: CorrectionGroup) -> str:
    return f"{group.headline}：" + " 或 ".join(option.message for option in group.options)


def _case(outcome: RuleOutcome, doc: DocumentResult, run: AuditRun, threshold: str,
          stdout: list[str], groups: list[CorrectionGroup]) -> TestCase:
    from junit_xml import TestCase

    rule = outcome.rule
    case = TestCase(name=f"{rule.id} {document_title(doc)}", classname=classname(document_key(doc, run)))
    failing = [f for f in outcome.findings if not is_waived(f) and at_least(f.severity, threshold)]
    below = [f for f in outcome.findings if not is_waived(f) and not at_least(f.severity, threshold)]
    waived = [f for f in outcome.findings if is_waived(f)]
    for finding in below:
        line = f":{finding.line}" if finding.line is not None else ""
        stdout.append(f"{severity_word(finding.severity)} {rule.id} {doc.path}{line}: {finding.message}")
    if failing:
        text = [f"{rule.id} {rule.title}"]
        advice: list[str] = []
        grouped: set[int] = set()
        for group in groups:  # findings a correction explains, under it
            mine = [f for f in failing if any(f is g for g in group.findings)]
            if mine:
                advice.append(_advice(group))
                text.append(advice[-1])
                text += ["  " + _entry(doc, f, run) for f in mine]
                grouped.update(id(f) for f in mine)
        text += [_entry(doc, f, run) for f in failing if id(f) not in grouped]
        message = "；".join([*advice, *(_marked(doc, f, run) for f in failing)])
        text += [f"{t('doc.waived')}: {f.message} — {f.waived.get('reason', '')}" for f in waived if f.waived]
        case.add_failure_info(message=message, output="\n".join(text),
                              failure_type="error" if any(f.severity == "error" for f in failing) else "warning")
    elif waived:
        reasons = "；".join(t("junit.waived", message=f.message, waiver=describe_waiver(f.waived or {}),
                                reason=(f.waived or {}).get("reason", "")) for f in waived)
        case.add_skipped_info(message=f"{t('doc.waived')}: {reasons}", output=reasons)
    elif outcome.status == "not_assessable":
        case.add_skipped_info(message=f"{t('doc.not_assessable')}: {outcome.reason or t('junit.lacks')}")
    elif outcome.status == "skipped":
        case.add_skipped_info(message=f"{t('junit.not_applicable')}: {outcome.reason or t('junit.guard_false')}")
    return case


def _marked(doc: DocumentResult, finding: Finding, run: AuditRun) -> str:
    status = rounds(run).of(doc, finding)
    return f"[{round_word(status)}] {finding.message}" if status else finding.message


def _suite(doc: DocumentResult, run: AuditRun, name: str, timestamp: str, hostname: str,
           threshold: str) -> TestSuite:
    from junit_xml import TestCase, TestSuite

    key = document_key(doc, run)
    report = doc.report
    properties = {"file": doc.path, "index": str(doc.index), "sha256": doc.sha256 or ""}
    if report is not None:
        properties.update({"agency": report.agency or "", "year": str(report.year or ""),
                           "format": report.format or "", "kind": report.kind})
    if report is not None and report.level:
        properties["level"] = report.level
    stdout: list[str] = [f"{name}: {key}"]
    cases: list[TestCase] = []
    if doc.error is not None:
        case = TestCase(name=f"read {name}", classname=classname(key))
        case.add_error_info(message=f"{t('doc.unreadable')}: {error_text(doc)}", output=error_text(doc),
                            error_type="input")
        cases.append(case)
    elif not was_audited(doc):
        stdout.append(not_audited_reason(doc))
    groups, _ = correction_groups(doc)
    stdout += [_advice(group) for group in groups]
    stdout += [f"{round_word('fixed')}: {old['rule']} {old['message']}" for old in rounds(run).fixed(doc)]
    for outcome in doc.outcomes:
        cases.append(_case(outcome, doc, run, threshold, stdout, groups))
    return TestSuite(name=name, test_cases=cases, hostname=hostname, timestamp=timestamp,
                     properties=properties, stdout="\n".join(stdout) + "\n", package="auditor")


def _unique_names(run: AuditRun) -> list[str]:
    names: list[str] = []
    seen: dict[str, int] = {}
    for doc in run.documents:
        if doc.error is not None:
            base = t("junit.unreadable_suite", key=document_key(doc, run))
        elif doc.report is not None and doc.report.kind == "other":
            base = t("junit.other_suite", key=document_key(doc, run))
        else:
            base = document_title(doc)
        seen[base] = seen.get(base, 0) + 1
        names.append(base if seen[base] == 1 else f"{base} ({seen[base]})")
    return names


def _conform(xml_text: str, run: AuditRun) -> str:
    """Fix what junit-xml leaves out or adds, so the XML validates against Ant's schema."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(xml_text)
    root.attrib.clear()  # the schema allows no attributes on <testsuites>
    for number, suite in enumerate(root.findall("testsuite")):
        for attribute in list(suite.attrib):
            if attribute not in SUITE_ATTRIBUTES:
                del suite.attrib[attribute]
        suite.set("id", str(number))
        suite.set("time", suite.get("time") or "0")
        if suite.find("properties") is None:
            suite.append(ET.Element("properties"))
        for tag in ("system-out", "system-err"):
            if suite.find(tag) is None:
                element = ET.Element(tag)
                element.text = ""
                suite.append(element)
        for case in suite.findall("testcase"):
            for attribute in list(case.attrib):
                if attribute not in CASE_ATTRIBUTES:
                    del case.attrib[attribute]
            case.set("time", case.get("time") or "0")
            skipped = case.find("skipped")
            if skipped is not None:
                skipped.attrib.pop("type", None)  # junit-xml adds it; the schema does not allow it
        children = sorted(suite, key=lambda child: SUITE_CHILD_ORDER.get(child.tag, 9))
        suite[:] = children
    notes = waiver_notes(run)
    summary = summarize(run)
    rounds_text = round_counts_text(run)
    root.insert(0, ET.Comment(
        f" auditor {run.meta.get('tool', {}).get('version', '')}: {summary['documents']} documents, "
        f"{summary['findings']['error']} errors, {summary['findings']['warning']} warnings, "
        f"{summary['waived']} waived, {summary['unreadable']} unreadable "
        + (f"; {rounds_text} " if rounds_text else "")))
    for note in notes:
        root.insert(1, ET.Comment(" " + note.replace("--", "—") + " "))
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def render_junit(run: AuditRun) -> str:
    from junit_xml import to_xml_report_string

    threshold = fail_threshold(run)
    timestamp = _timestamp(run)
    hostname = run.meta.get("hostname") or "localhost"
    suites = [_suite(doc, run, name, timestamp, hostname, threshold)
              for doc, name in zip(run.documents, _unique_names(run))]
    _add_run_properties(suites, run)
    return _conform(to_xml_report_string(suites, prettyprint=True, encoding="utf-8"), run)


def _add_run_properties(suites: list[TestSuite], run: AuditRun) -> None:
    """Every suite carries the reproducibility record (CI servers show suite properties)."""
    meta = run.meta
    extra = {"auditor.version": str(meta.get("tool", {}).get("version", "")),
             "auditor.fail_on": str(meta.get("fail_on", "error")),
             "auditor.run_id": str(meta.get("run_id") or ""),
             "auditor.config": str((meta.get("config") or {}).get("path") or ""),
             "auditor.config.sha256": str((meta.get("config") or {}).get("sha256") or "")}
    for pack in run.packs:
        extra[f"pack.{pack.name}"] = f"{pack.version} sha256:{pack.sha256}"
    for suite in suites:
        suite.properties.update(extra)


class JUnitReporter:
    name = "junit"
    suffix = ".xml"
    description = "JUnit XML for CI (one suite per document, a case per rule); Ant schema valid"
    binary = False

    def render(self, run: AuditRun, *, color: bool = False) -> str:
        return render_junit(run)


@hookimpl
def auditor_reporters() -> list[type]:
    return [JUnitReporter]
