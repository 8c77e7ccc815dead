"""A human-readable summary of a recognized report (``auditor parse --format text``), in the
language in force (``auditor.i18n``)."""

from __future__ import annotations

from auditor.i18n import t
from auditor.model import Report
from auditor.templates import FORMATS, TABLE_NAMES, load


def text_summary(report: Report) -> str:
    """What a person checks against the report: metadata, sections, then every table row."""
    none = "-"
    contact = report.contact
    parts = [t("parse.phone", value=", ".join(contact.phones)) if contact.phones else "",
             t("parse.email", value=", ".join(contact.emails)) if contact.emails else "",
             t("parse.address", value=contact.address) if contact.address else "",
             t("parse.postcode", value=contact.postcode) if contact.postcode else ""]
    body = (t("parse.government") if report.government_report else t("parse.department")) if report.agency else ""
    evidence = "; ".join(f"{t('parse.year_source.' + e.source)} {e.read} {'✓' if e.supports else '✗'}"
                         for e in report.year_evidence)
    out = [t("parse.head", path=report.source.path, index=report.source.index + 1,
             lines=report.source.span.describe() or "?", adapter=report.source.adapter or "?",
             encoding=", " + report.source.encoding if report.source.encoding else ""),
           t("parse.kind", kind=f"{t('kind.' + report.kind)}（{report.kind}）", format=report.format or none,
             year=report.year or none),
           *([t("parse.year_from", evidence=evidence)] if evidence else []),
           t("parse.agency", value=report.agency or none) + (f"  ({body})" if body else ""),
           t("parse.level", value=report.level or none),
           t("parse.title", value=report.title or none),
           t("parse.published", value=report.published or none),
           t("parse.period", start=report.period.start, end=report.period.end, statement=report.period.statement)
           if report.period else t("parse.no_period"),
           t("parse.contact", value="; ".join(filter(None, parts)) or none)]
    if report.kind != "other":
        out.append(t("parse.sections"))
        for section in report.sections:
            mark = "" if section.standard else t("parse.standard_heading", heading=section.expected_heading)
            out.append(f"  {section.number}. {section.heading}  " + t("parse.at_line", line=section.span.describe())
                       + mark)
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
        out.append(t("parse.note", note=note))
    return "\n".join(out) + "\n"
