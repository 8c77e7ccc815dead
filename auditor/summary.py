"""A human-readable summary of a recognized report (``auditor parse --format text``)."""

from __future__ import annotations

from auditor.model import Report
from auditor.templates import FORMATS, TABLE_NAMES, load


def text_summary(report: Report) -> str:
    """What a person checks against the report: metadata, sections, then every table row."""
    out = [f"== {report.source.path} #{report.source.index} "
           f"(lines {report.source.span.describe() or '?'}, {report.source.adapter or '?'}"
           f"{', ' + report.source.encoding if report.source.encoding else ''})",
           f"kind: {report.kind}    format: {report.format or '-'}    year: {report.year or '-'}",
           *(["year from: " + "; ".join(f"{e.source} {e.read} {'✓' if e.supports else '✗'}"
                                        for e in report.year_evidence)] if report.year_evidence else []),
           f"agency: {report.agency or '-'}" + ("  (government's own report)" if report.government_report else ""),
           f"title: {report.title or '-'}",
           f"published: {report.published or '-'}",
           f"period: {report.period.start} – {report.period.end}  「{report.period.statement}」"
           if report.period else "period: -",
           "contact: " + ("; ".join(filter(None, [
               "phone " + ", ".join(report.contact.phones) if report.contact.phones else "",
               "e-mail " + ", ".join(report.contact.emails) if report.contact.emails else "",
               f"address {report.contact.address}" if report.contact.address else "",
               f"postcode {report.contact.postcode}" if report.contact.postcode else ""])) or "-")]
    if report.kind != "other":
        out.append("sections:")
        for section in report.sections:
            mark = "" if section.standard else f"   (standard: {section.expected_heading})"
            out.append(f"  {section.number}. {section.heading}  [line {section.span.describe()}]{mark}")
    template = load(report.format) if report.format in FORMATS else None
    for table in report.tables:
        out.append(f"{TABLE_NAMES[table]}:")
        if template is None:
            continue
        for row in template.rows(table):
            ids = [cid for cid in template.cell_ids(table) if cid.startswith(f"{table}.{row.id}.")]
            shown = []
            for cid in ids:
                cell = report.cells.get(cid)
                if cell is None:
                    continue
                column = template.column_label(table, cid.rsplit(".", 1)[1])
                value = {"blank": "□", "placeholder": f"〈{cell.raw}〉", "text": f"«{cell.raw}»"}.get(
                    cell.state, str(cell.value))
                shown.append(f"{column}={value}")
            if shown:
                out.append(f"  {row.label[:24]:<24} " + "  ".join(shown))
    for note in report.notes:
        out.append(f"note: {note}")
    return "\n".join(out) + "\n"
