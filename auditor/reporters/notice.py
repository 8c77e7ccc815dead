"""``--format notice --output DIR/``: one rectification notice (整改通知) per agency, as Word files.

A supervising office sends each agency whose report has problems a notice: which report, each
problem in plain Chinese, the part of the table it is about with the suspect cell marked (the
cell the localisation found most likely wrong, with the value it would need) apart from cells
merely involved, the date by which to reply, and an empty column for the agency's answer. Word,
because that is what the agency edits and returns; python-docx writes it (already a dependency
for reading ``.docx``). The reply deadline, the issuer, the contact line and the document number
come from the configuration's ``[notice]`` table.

The folder also gets ``通知清单.csv`` (or ``notices.csv``): every input document and which
notice covers it — or why none was written (no problems, unreadable, not a report) — so no
input goes missing from this output either.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from typing import Any, Optional

from auditor import templates
from auditor.hookspecs import hookimpl
from auditor.i18n import t
from auditor.model import AuditRun, DocumentResult, Finding
from auditor.reporters import (
    active_findings,
    correction_groups,
    document_key,
    error_text,
    natural_key,
    round_word,
    was_audited,
)
from auditor.reporters.rounds import rounds

DEFAULT_REPLY_DAYS = 15
SUSPECT_FILL = "C62828"  # the cell most likely wrong: white on red, as in the HTML report
INVOLVED_FILL = "FDE2E1"  # a cell in a sum that does not hold
HEADER_FILL = "E8ECF2"
FONT = "SimSun"  # 宋体; LibreOffice and Word substitute a CJK serif where it is missing
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def notice_settings(run: AuditRun) -> dict[str, Any]:
    return dict(((run.meta.get("config") or {}).get("settings") or {}).get("notice") or {})


def reply_deadline(run: AuditRun) -> dt.date:
    """``reply_by`` when configured, else the run's date plus ``reply_days`` (default 15)."""
    settings = notice_settings(run)
    if settings.get("reply_by"):
        return dt.date.fromisoformat(str(settings["reply_by"]))
    created = run.meta.get("created")
    try:
        start = dt.datetime.fromisoformat(created).date() if created else dt.date.today()
    except ValueError:
        start = dt.date.today()
    return start + dt.timedelta(days=int(settings.get("reply_days", DEFAULT_REPLY_DAYS)))


def _chinese_date(day: dt.date) -> str:
    return t("notice.date", year=day.year, month=day.month, day=day.day)


def agencies(run: AuditRun) -> list[tuple[str, list[DocumentResult]]]:
    """Documents with problems, by agency (a document whose agency was not recognized is its own
    group, named by its file), agencies in natural order."""
    groups: dict[str, list[DocumentResult]] = {}
    for doc in run.documents:
        if doc.error is not None or not was_audited(doc) or not active_findings(doc):
            continue
        name = doc.report.agency if doc.report is not None and doc.report.agency else document_key(doc, run)
        groups.setdefault(name, []).append(doc)
    return sorted(groups.items(), key=lambda item: natural_key(item[0]))


def file_name(agency: str, taken: set[str]) -> str:
    base = t("notice.file", agency=_UNSAFE.sub("_", agency).strip(" ._")[:80] or "report")
    name, number = f"{base}.docx", 2
    while name in taken:
        name, number = f"{base}-{number}.docx", number + 1
    taken.add(name)
    return name


# ---------------------------------------------------------------- the Word document


def _styles(document: Any) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(11)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), FONT)


def _shade(cell: Any, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _write(cell: Any, text: str, *, bold: bool = False, color: Optional[str] = None, size: Optional[float] = None) -> None:
    from docx.shared import Pt, RGBColor

    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(text)
    run.bold = bold
    if color:
        run.font.color.rgb = RGBColor.from_string(color)
    if size:
        run.font.size = Pt(size)


def _table(document: Any, header: list[str]) -> Any:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header):
        _write(cell, text, bold=True, size=10)
        _shade(cell, HEADER_FILL)
    return table


def _widths(table: Any, widths: list[float]) -> None:
    """Column widths in cm, set on every cell (Word reads the columns, LibreOffice the cells)."""
    from docx.shared import Cm

    table.autofit = False
    for column, width in zip(table.columns, widths):
        column.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = Cm(width)


def _excerpt(document: Any, doc: DocumentResult, findings: list[Finding]) -> None:
    """The rows of each table the findings cite, all their columns, suspect cells marked."""
    report = doc.report
    if report is None or report.format not in templates.FORMATS:
        return
    template = templates.load(report.format)
    groups, _ = correction_groups(doc)
    suspects = {cid: expected for group in groups for cid, (_, expected) in group.suspect_cells().items()}
    cited = {c.id for f in findings for c in f.cells} | set(suspects)
    for table_id in templates.TABLES:
        mine = [cid for cid in cited if cid.startswith(table_id + ".")]
        if not mine or table_id not in report.tables:
            continue
        spec = template.table(table_id)
        rows = [row for row in spec.rows if any(cid.startswith(f"{table_id}.{row.id}.") for cid in mine)]
        document.add_paragraph().add_run(t("notice.excerpt", table=templates.TABLE_NAMES[table_id])).bold = True
        for group in spec.groups:
            group_rows = [row for row in rows if row in group.rows]
            if not group_rows:
                continue
            table = _table(document, [t("notice.row")] + [c.label for c in group.columns])
            for row in group_rows:
                cells = table.add_row().cells
                _write(cells[0], row.label, size=9)
                for cell, column in zip(cells[1:], group.columns):
                    cid = f"{table_id}.{row.id}.{column.id}"
                    value = report.cells.get(cid)
                    shown = (value.raw.strip() or t("notice.blank")) if value is not None else "—"
                    if cid in suspects:
                        _shade(cell, SUSPECT_FILL)
                        _write(cell, t("notice.suspect", found=shown, expected=suspects[cid]), bold=True,
                               color="FFFFFF", size=9)
                    elif cid in cited:
                        _shade(cell, INVOLVED_FILL)
                        _write(cell, shown, bold=True, size=9)
                    else:
                        _write(cell, shown, size=9)
            first = 4.5 if len(group.columns) > 4 else 6.0
            _widths(table, [first] + [(17.0 - first) / len(group.columns)] * len(group.columns))
        if suspects:
            document.add_paragraph(t("notice.legend"))


def _document_section(document: Any, doc: DocumentResult, run: AuditRun, start: int) -> int:
    """One report: what it is, its findings with a column for the answer, the table excerpt."""
    report = doc.report
    title = (report.title if report is not None and report.title else None) or doc.path
    document.add_heading(t("notice.report_heading", title=title), level=2)
    document.add_paragraph(t("notice.report_facts", path=document_key(doc, run),
                             year=(report.year if report and report.year else "—"),
                             format=(report.format if report and report.format else "—")))
    order = ("error", "warning", "info")
    findings = sorted(active_findings(doc), key=lambda f: (order.index(f.severity) if f.severity in order else 3,
                                                            f.line if f.line is not None else 0))
    groups, _ = correction_groups(doc)
    advice = {id(f): number for number, group in enumerate(groups, start=1) for f in group.findings}
    for number, group in enumerate(groups, start=1):  # the likely slip first: one fix may clear several
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{group.headline}{CIRCLED[number - 1] if number <= len(CIRCLED) else number}：").bold = True
        paragraph.add_run(t("notice.or").join(o.message for o in group.options))
    view = rounds(run)
    table = _table(document, [t("notice.col.number"), t("notice.col.problem"), t("notice.col.where"),
                              t("notice.col.answer")])
    number = start
    for finding in findings:
        number += 1
        cells = table.add_row().cells
        _write(cells[0], str(number), size=10)
        status = view.of(doc, finding)
        text = finding.message
        if id(finding) in advice:
            mark = advice[id(finding)]
            text += t("notice.see_fix", mark=CIRCLED[mark - 1] if mark <= len(CIRCLED) else mark)
        _write(cells[1], f"[{t('severity.' + finding.severity)}] " + text, size=10)
        if status:
            _write(cells[1], f"\n（{round_word(status)}）", size=9, color="7F1D1D" if status == "open" else None)
        where = t("notice.line", line=finding.line) if finding.line is not None else "—"
        _write(cells[2], f"{where}\n{finding.rule}", size=9)
        # cells[3] is left empty on purpose: the agency writes its answer there
    _widths(table, [1.1, 8.6, 2.8, 4.5])
    _excerpt(document, doc, findings)
    return number


def render_notice(agency: str, docs: list[DocumentResult], run: AuditRun, number: int) -> bytes:
    """One agency's notice as ``.docx`` bytes."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    settings = notice_settings(run)
    issuer = settings.get("issuer") or t("notice.default_issuer")
    deadline = reply_deadline(run)
    document = Document()
    _styles(document)
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title_run = heading.add_run(t("notice.title", agency=agency))
    title_run.bold = True
    title_run.font.size = Pt(16)
    if settings.get("reference"):
        reference = document.add_paragraph(t("notice.reference", prefix=settings["reference"], number=number))
        reference.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(t("notice.to", agency=agency))
    count = sum(len(active_findings(d)) for d in docs)
    document.add_paragraph(t("notice.intro", reports=len(docs), count=count, deadline=_chinese_date(deadline),
                             issuer=issuer))
    fixed = sum(len(rounds(run).fixed(d)) for d in docs)
    if rounds(run).active:
        document.add_paragraph(t("notice.round", fixed=fixed))
    position = 0
    for doc in sorted(docs, key=lambda d: natural_key(document_key(d, run))):
        position = _document_section(document, doc, run, position)
    document.add_paragraph()
    deadline_paragraph = document.add_paragraph()
    deadline_paragraph.add_run(t("notice.deadline", deadline=_chinese_date(deadline), issuer=issuer)).bold = True
    if settings.get("contact"):
        document.add_paragraph(t("notice.contact", contact=settings["contact"]))
    for text in (issuer, _chinese_date(_run_date(run))):
        signature = document.add_paragraph(text)
        signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _run_date(run: AuditRun) -> dt.date:
    try:
        return dt.datetime.fromisoformat(run.meta["created"]).date()
    except (KeyError, TypeError, ValueError):
        return dt.date.today()


def _index(run: AuditRun, written: dict[int, str]) -> bytes:
    """Every document, and the notice covering it or why there is none."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([t("csv.h.source"), t("csv.h.document"), t("csv.h.agency"), t("csv.h.year"),
                     t("notice.index.notice"), t("notice.index.findings")])
    for doc in run.documents:
        report = doc.report
        if doc.error is not None:
            status = t("notice.index.unreadable", reason=error_text(doc))
        elif id(doc) in written:
            status = written[id(doc)]
        elif not was_audited(doc):
            status = t("notice.index.not_audited")
        else:
            status = t("notice.index.clean")
        writer.writerow([doc.path, doc.index + 1, (report.agency or "") if report else "",
                         (report.year or "") if report else "", status, len(active_findings(doc))])
    return buffer.getvalue().encode("utf-8-sig")


def notice_files(run: AuditRun) -> Iterator[tuple[str, bytes]]:
    """(file name, bytes) of every notice, then the index."""
    taken: set[str] = set()
    written: dict[int, str] = {}
    for number, (agency, docs) in enumerate(agencies(run), start=1):
        name = file_name(agency, taken)
        for doc in docs:
            written[id(doc)] = name
        yield name, render_notice(agency, docs, run, number)
    yield t("notice.index.file"), _index(run, written)


class NoticeReporter:
    name = "notice"
    suffix = ".docx"
    description = "rectification notices (整改通知), one Word file per agency, into --output DIR/"
    binary = True
    folder = True  # --output names a folder; the core writes each of files() into it

    def files(self, run: AuditRun) -> Iterator[tuple[str, bytes]]:
        return notice_files(run)

    def render(self, run: AuditRun, *, color: bool = False) -> bytes:
        """Every notice in one zip archive (for callers that want a single file)."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in self.files(run):
                archive.writestr(name, data)
        return buffer.getvalue()


@hookimpl
def auditor_reporters() -> list[type]:
    return [NoticeReporter]
