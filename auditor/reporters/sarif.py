"""``--format sarif``: SARIF 2.1.0 for code-scanning views of report repositories.

Every input is an artifact with its SHA-256; every finding a result at ``file:line`` with its
rule's metadata; a waived finding carries an accepted external suppression (so it is shown as
suppressed, not lost); an unreadable input is an ``INPUT-ERROR`` result and a tool notification.
A finding that a correction explains says so in its message (what most likely happened), points
at the suspect cells as related locations and carries the correction in its properties; the
results one correction explains share a ``correlationGuid``.

Each rule carries a ``helpUri`` to its section of the generated rule docs (``docs/rules.md``).
A result's region is the one line the finding is on — never the whole table or section it
belongs to — and the other cells it cites are related locations, each on its own line. With
``--baseline``, ``baselineState`` says new or unchanged, and findings fixed since the last
round are results with ``baselineState: absent``; ``partialFingerprints`` are the rounds'
fingerprints (agency, year, rule, scope), stable across re-submissions.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from auditor.hookspecs import hookimpl
from auditor.i18n import t
from auditor.model import AuditRun, DocumentResult, Finding, RuleInfo
from auditor.reporters import CorrectionGroup, correction_groups, document_title, error_text, summarize, waiver_notes
from auditor.reporters.rounds import rounds

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/auditor-project/auditor"
RULE_DOCS = f"{INFORMATION_URI}/blob/main/docs/rules.md"
BASELINE_STATE = {"new": "new", "open": "unchanged"}
INPUT_ERROR = RuleInfo("INPUT-ERROR", "文件无法读取或识别", "error", "auditor",
                       "The input file could not be read or no report was recognized in it.")
LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def artifact_uri(path: str) -> str:
    """Relative paths stay relative (resolved against %SRCROOT%); absolute ones become file URIs."""
    if os.path.isabs(path):
        return Path(path).as_uri()
    return quote(Path(path).as_posix(), safe="/")  # 中文 file names are common: percent-encode


def _rule_descriptor(rule: RuleInfo) -> dict[str, Any]:
    descriptor: dict[str, Any] = {
        "id": rule.id,
        "name": rule.id.title().replace("-", ""),
        "shortDescription": {"text": rule.title},
        "defaultConfiguration": {"level": LEVEL.get(rule.severity, "warning")},
        "properties": {"pack": rule.pack, "version": rule.version, "severity": rule.severity},
    }
    if rule.description:
        descriptor["fullDescription"] = {"text": rule.description}
    if rule.id != INPUT_ERROR.id:
        descriptor["helpUri"] = f"{RULE_DOCS}#{rule.id.lower()}"
        descriptor["help"] = {"text": rule.description or rule.title,
                              "markdown": f"[{rule.id}]({RULE_DOCS}#{rule.id.lower()}): {rule.title}"}
    return descriptor


def _location(doc: DocumentResult, finding: Finding | None, artifact_index: int) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(doc.path), "index": artifact_index}}
    if not os.path.isabs(doc.path):
        physical["artifactLocation"]["uriBaseId"] = "%SRCROOT%"
    line = finding.line if finding is not None else None
    if line is not None and line >= 1:  # one line: no wider than the finding
        physical["region"] = {"startLine": line}
    location: dict[str, Any] = {"physicalLocation": physical}
    location["message"] = {"text": document_title(doc)}
    return location


def _cell_locations(doc: DocumentResult, finding: Finding, artifact: int) -> list[dict[str, Any]]:
    """The cells a finding cites, each on its line, apart from the line the result is on."""
    out: list[dict[str, Any]] = []
    seen = {finding.line}
    for cell in finding.cells:
        if cell.span.line is None or cell.span.line in seen:
            continue
        seen.add(cell.span.line)
        location = _location(doc, None, artifact)
        location["physicalLocation"]["region"] = {"startLine": cell.span.line}
        location["message"] = {"text": f"{cell.id} = {cell.raw or cell.value}"}
        out.append(location)
    return out


def _advice(group: CorrectionGroup) -> str:
    return f"（{group.headline}：" + " 或 ".join(option.message for option in group.options) + "）"


def _add_correction(result: dict[str, Any], doc: DocumentResult, group: CorrectionGroup, artifact: int) -> None:
    """The suspect cells as related locations, the correction as a property, one guid per group."""
    related = []
    for option in group.options:
        for fix in option.cells:
            if fix.span.line is None:
                continue
            location = _location(doc, None, artifact)
            location["physicalLocation"]["region"] = {"startLine": fix.span.line}
            location["id"] = len(related)
            location["message"] = {"text": f"{fix.id}：应为{fix.expected}（现为{'空' if fix.found is None else fix.found}）"}
            related.append(location)
    if related:
        result["relatedLocations"] = related
    key = f"{doc.path}\0{doc.index}\0{group.options[0].group}"
    digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()
    result["correlationGuid"] = f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-8{digest[17:20]}-{digest[20:32]}"
    result.setdefault("properties", {})["corrections"] = [option.to_json() for option in group.options]


def sarif_log(run: AuditRun) -> dict[str, Any]:
    rules = list(run.rules)
    if any(d.error for d in run.documents):
        rules.append(INPUT_ERROR)
    known = {r.id for r in rules}
    for doc in run.documents:  # a finding from a rule the run did not list still needs metadata
        for finding in doc.findings:
            if finding.rule not in known:
                known.add(finding.rule)
                rules.append(RuleInfo(finding.rule, finding.rule, finding.severity, "unknown"))
    rule_index = {r.id: i for i, r in enumerate(rules)}
    paths = list(dict.fromkeys(d.path for d in run.documents))
    artifact_index = {p: i for i, p in enumerate(paths)}
    sha = {d.path: d.sha256 for d in run.documents}
    artifacts = []
    for path in paths:
        artifact: dict[str, Any] = {"location": {"uri": artifact_uri(path)}}
        if not os.path.isabs(path):
            artifact["location"]["uriBaseId"] = "%SRCROOT%"
        if sha.get(path):
            artifact["hashes"] = {"sha-256": sha[path]}
        artifacts.append(artifact)

    results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    for doc in run.documents:
        where = _location(doc, None, artifact_index[doc.path])
        if doc.error is not None:
            results.append({"ruleId": INPUT_ERROR.id, "ruleIndex": rule_index[INPUT_ERROR.id], "level": "error",
                            "message": {"text": f"{t('doc.unreadable')}: {error_text(doc)}"}, "locations": [where]})
            notifications.append({"level": "error", "message": {"text": f"{doc.path}: {error_text(doc)}"},
                                  "locations": [where]})
            continue
        groups, _ = correction_groups(doc)
        view = rounds(run)
        for finding in doc.findings:
            group = next((g for g in groups if any(finding is f for f in g.findings)), None)
            result: dict[str, Any] = {
                "ruleId": finding.rule,
                "ruleIndex": rule_index[finding.rule],
                "level": LEVEL.get(finding.severity, "warning"),
                "message": {"text": finding.message + (_advice(group) if group else "")},
                "locations": [_location(doc, finding, artifact_index[doc.path])],
                "partialFingerprints": {"auditorFinding/v2": view.fingerprint(doc, finding) or ""},
                "properties": {"agency": doc.report.agency if doc.report else None,
                               "year": doc.report.year if doc.report else None,
                               "documentIndex": doc.index, "scope": dict(finding.scope),
                               "cells": [c.to_json() for c in finding.cells]},
            }
            status = view.of(doc, finding)
            if status:
                result["baselineState"] = BASELINE_STATE[status]
            cited = _cell_locations(doc, finding, artifact_index[doc.path])
            if group is not None:
                _add_correction(result, doc, group, artifact_index[doc.path])
            if cited:
                related = result.setdefault("relatedLocations", [])
                for location in cited:
                    location["id"] = len(related)
                    related.append(location)
            if finding.waived is not None:
                waiver = finding.waived
                result["suppressions"] = [{"kind": "external", "status": "accepted",
                                           "justification": f"{waiver.get('reason', '')}（批准人 "
                                                            f"{waiver.get('approved_by', '')}，至 "
                                                            f"{waiver.get('expires', '')}）",
                                           "properties": {"waiver": waiver}}]
            results.append(result)
        for old in view.fixed(doc):
            if old["rule"] not in rule_index:
                continue
            results.append({"ruleId": old["rule"], "ruleIndex": rule_index[old["rule"]], "kind": "pass",
                            "level": "none", "baselineState": "absent",
                            "message": {"text": f"{t('round.fixed')}: {old['message']}"},
                            "locations": [where], "partialFingerprints": {"auditorFinding/v2": old["fingerprint"]}})

    meta = run.meta
    tool = meta.get("tool", {})
    driver: dict[str, Any] = {"name": "auditor", "informationUri": INFORMATION_URI,
                              "rules": [_rule_descriptor(r) for r in rules]}
    if tool.get("version"):
        driver["version"] = str(tool["version"])
        driver["semanticVersion"] = str(tool["version"])
    extensions = [{"name": p.name, "version": str(p.version),
                   "properties": {"sha256": p.sha256, "path": p.path}} for p in run.packs]
    invocation: dict[str, Any] = {"executionSuccessful": True,
                                  "toolExecutionNotifications": notifications,
                                  "toolConfigurationNotifications": [
                                      {"level": "warning", "message": {"text": note}} for note in waiver_notes(run)]}
    if meta.get("command"):
        invocation["arguments"] = [str(a) for a in meta["command"]]
    sarif_run: dict[str, Any] = {
        "tool": {"driver": driver, **({"extensions": extensions} if extensions else {})},
        "invocations": [invocation],
        "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().as_uri() + "/"}},
        "artifacts": artifacts,
        "results": results,
        "columnKind": "unicodeCodePoints",
        **({"automationDetails": {"guid": meta["run_id"]}} if meta.get("run_id") else {}),
        "properties": {"config": meta.get("config"), "waivers": meta.get("waivers"),
                       "fail_on": meta.get("fail_on"), "created": meta.get("created"),
                       "summary": summarize(run)},
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [sarif_run]}


class SarifReporter:
    name = "sarif"
    suffix = ".sarif"
    description = "SARIF 2.1.0 for code-scanning views (rule metadata, file:line locations)"
    binary = False

    def render(self, run: AuditRun, *, color: bool = False) -> str:
        return json.dumps(sarif_log(run), ensure_ascii=False, indent=2) + "\n"


@hookimpl
def auditor_reporters() -> list[type]:
    return [SarifReporter]
