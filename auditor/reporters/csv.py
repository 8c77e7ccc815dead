"""``--format csv``: one row per document for a spreadsheet. UTF-8 with a byte-order mark,
because Excel (what supervising offices open it with) reads BOM-less UTF-8 as the local code
page and turns the agency names into mojibake. Text that a spreadsheet would take for a formula
(an agency or file name starting with ``=``, ``+``, ``-``, ``@``) is written as text."""

from __future__ import annotations

import csv
import io

from auditor.hookspecs import hookimpl
from auditor.model import AuditRun
from auditor.reporters import active_findings, count_by_severity, waived_findings, was_audited
from auditor.reporters.escape import spreadsheet_cell

COLUMNS = ("source", "index", "agency", "year", "format", "kind", "status", "errors", "warnings", "infos",
           "waived", "failing_rules", "waived_rules", "error", "sha256")


def _status(doc) -> str:
    if doc.error is not None:
        return "unreadable"
    if not was_audited(doc):
        return "not_audited"
    return "findings" if active_findings(doc) else "ok"


def render_csv(run: AuditRun) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for doc in run.documents:
        report = doc.report
        active = active_findings(doc)
        counts = count_by_severity(active)
        writer.writerow([spreadsheet_cell(value) for value in (
            doc.path, doc.index,
            (report.agency or "") if report else "", (report.year or "") if report else "",
            (report.format or "") if report else "", report.kind if report else "",
            _status(doc), counts["error"], counts["warning"], counts["info"], len(waived_findings(doc)),
            " ".join(sorted({f.rule for f in active})), " ".join(sorted({f.rule for f in waived_findings(doc)})),
            doc.error or "", doc.sha256 or "",
        )])
    return buffer.getvalue().encode("utf-8-sig")


class CsvReporter:
    name = "csv"
    suffix = ".csv"
    description = "one row per document (counts by severity, failing rules), UTF-8 with BOM for Excel"
    binary = True

    def render(self, run: AuditRun, *, color: bool = False) -> bytes:
        return render_csv(run)


@hookimpl
def auditor_reporters() -> list[type]:
    return [CsvReporter]
