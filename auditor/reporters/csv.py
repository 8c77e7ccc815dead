"""``--format csv``: one row per finding for a spreadsheet, the document's columns repeated on
each, so a filter on 机关 or 规则 gives whole lines; a document without findings is one row
(通过, 未审核 or 无法读取), so every input is there. Documents are numbered from 1 within their
file, as everywhere else. Headers and values are Chinese unless English was asked for.

UTF-8 with a byte-order mark, because Excel (what supervising offices open it with) reads
BOM-less UTF-8 as the local code page and turns the agency names into mojibake. Text that a
spreadsheet would take for a formula (an agency or file name starting with ``=``, ``+``, ``-``,
``@``) is written as text."""

from __future__ import annotations

import csv
import io
from typing import Any, Optional

from auditor.hookspecs import hookimpl
from auditor.i18n import t
from auditor.model import AuditRun, DocumentResult, Finding
from auditor.reporters import active_findings, error_text, round_word, severity_word, was_audited
from auditor.reporters.escape import spreadsheet_cell
from auditor.reporters.rounds import rounds

COLUMNS = ("source", "document", "agency", "year", "level", "format", "kind", "status", "rule", "severity",
           "message", "line", "cells", "round", "waived", "error", "sha256")
KINDS = ("annual-report", "legacy-report", "other")


def headers() -> list[str]:
    return [t(f"csv.h.{column}") for column in COLUMNS]


def _status(doc: DocumentResult) -> str:
    if doc.error is not None:
        return t("csv.status.unreadable")
    if not was_audited(doc):
        return t("csv.status.not_audited")
    return t("csv.status.findings") if active_findings(doc) else t("csv.status.ok")


def _document_columns(doc: DocumentResult) -> list[Any]:
    report = doc.report
    kind = report.kind if report else None
    return [doc.path, doc.index + 1, (report.agency or "") if report else "", (report.year or "") if report else "",
            (report.level or "") if report else "", (report.format or "") if report else "",
            t(f"kind.{kind}") if kind in KINDS else "", _status(doc)]


def _finding_columns(doc: DocumentResult, finding: Finding, status: Optional[str]) -> list[Any]:
    waiver = finding.waived or {}
    waived = t("csv.waived", reason=waiver.get("reason", ""), approved_by=waiver.get("approved_by", ""),
               expires=waiver.get("expires", "")) if finding.waived else ""
    return [finding.rule, severity_word(finding.severity), finding.message,
            finding.line if finding.line is not None else "", " ".join(c.id for c in finding.cells),
            round_word(status) if status else "", waived]


class _SafeWriter:
    """Every cell through ``spreadsheet_cell``: no row can carry a formula."""

    def __init__(self, writer: Any) -> None:
        self.writer = writer

    def writerow(self, row: list[Any]) -> None:
        self.writer.writerow([spreadsheet_cell(value) for value in row])


def render_csv(run: AuditRun) -> bytes:
    buffer = io.StringIO(newline="")
    writer = _SafeWriter(csv.writer(buffer, lineterminator="\r\n"))
    writer.writerow(headers())
    view = rounds(run)
    for doc in run.documents:
        head = _document_columns(doc)
        tail = [error_text(doc), doc.sha256 or ""]
        fixed = view.fixed(doc)
        if not doc.findings and not fixed:
            writer.writerow(head + [""] * 7 + tail)
            continue
        for finding in doc.findings:
            writer.writerow(head + _finding_columns(doc, finding, view.of(doc, finding)) + tail)
        for old in fixed:
            severity = severity_word(old.get("severity") or "error")
            writer.writerow([*head, old["rule"], severity, old["message"], "", "", round_word("fixed"), "", *tail])
    return buffer.getvalue().encode("utf-8-sig")


class CsvReporter:
    name = "csv"
    suffix = ".csv"
    description = "one row per finding (document columns repeated), UTF-8 with BOM for Excel"
    binary = True

    def render(self, run: AuditRun, *, color: bool = False) -> bytes:
        return render_csv(run)


@hookimpl
def auditor_reporters() -> list[type]:
    return [CsvReporter]
