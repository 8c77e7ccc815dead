"""``--format console`` (the default): findings grouped by document as ``file:line``, Chinese
messages with the numbers, colour on a terminal. The closing summary (``summary_text``) goes to
standard error, so piping the findings somewhere keeps them clean. Every piece of outside text
(file names, agency names, messages quoting a report, waiver reasons) goes through
``escape.terminal``, so no control sequence in a report or its name reaches the terminal."""

from __future__ import annotations

from collections.abc import Sequence

from auditor.hookspecs import hookimpl
from auditor.i18n import t
from auditor.model import AuditRun, DocumentResult, Finding
from auditor.reporters import (
    SEVERITY_RANK,
    active_findings,
    correction_groups,
    document_key,
    document_title,
    error_text,
    is_waived,
    location,
    not_audited_reason,
    round_counts_text,
    round_word,
    rule_titles,
    severity_word,
    summarize,
    waiver_notes,
    was_audited,
)
from auditor.reporters.escape import terminal
from auditor.reporters.rounds import rounds

STYLE = {"error": "31;1", "warning": "33", "info": "36", "waived": "2", "head": "1", "ok": "32", "fix": "35;1",
         "new": "35", "open": "33", "fixed": "32"}
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"


def _paint(text: str, style: str, color: bool) -> str:
    """``text`` (already escaped) in a style: these are the only escape sequences written."""
    return f"\x1b[{STYLE[style]}m{text}\x1b[0m" if color else text


def _document_lines(doc: DocumentResult, run: AuditRun, color: bool) -> list[str]:
    head = f"{document_key(doc, run)}  {document_title(doc)}"
    if doc.report is not None and doc.report.format:
        head += t("console.format", format=doc.report.format)
    lines = [_paint(terminal(head), "head", color)]
    if doc.error is not None:
        lines.append(f"  {terminal(location(doc))}: {_paint(severity_word('error'), 'error', color)} "
                     f"{t('doc.unreadable')}: {terminal(error_text(doc))}")
        return lines
    if not was_audited(doc):
        lines.append("  " + terminal(not_audited_reason(doc)))
        return lines
    groups, rest = correction_groups(doc)
    if not doc.findings:
        lines.append("  " + _paint(t("doc.clean"), "ok", color))
    # Findings a correction explains go under it (still listed): the likely slip comes first.
    for group in groups:
        if len(group.options) == 1:
            lines.append(f"  {_paint(group.headline, 'fix', color)}: {terminal(group.options[0].message)}")
        else:
            lines.append(f"  {_paint(group.headline, 'fix', color)}:")
            lines += [f"    {CIRCLED[n] if n < len(CIRCLED) else n + 1} {terminal(option.message)}"
                      for n, option in enumerate(group.options)]
        lines += ["  " + _finding_line(doc, f, color, run) for f in _ordered(group.findings)]
    lines += [_finding_line(doc, f, color, run) for f in _ordered(rest)]
    for old in rounds(run).fixed(doc):
        lines.append(_paint(f"  {round_word('fixed')} {old['rule']} {old['message']}", "fixed", color))
    not_assessable = [o for o in doc.outcomes if o.status == "not_assessable"]
    if not_assessable and not run.meta.get("quiet"):
        lines.append(_paint(terminal(f"  {t('doc.not_assessable')}: " + "、".join(
            f"{o.rule.id}（{o.reason}）" if o.reason else o.rule.id for o in not_assessable)), "waived", color))
    return lines


def _ordered(findings: Sequence[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (is_waived(f), -SEVERITY_RANK.get(f.severity, 0),
                                          f.line if f.line is not None else 0, f.rule))


def _finding_line(doc: DocumentResult, finding: Finding, color: bool, run: AuditRun) -> str:
    status = rounds(run).of(doc, finding)
    mark = _paint(f"[{round_word(status)}] ", status, color) if status else ""
    if is_waived(finding):
        waiver = finding.waived or {}
        text = terminal(f"{t('doc.waived')} {finding.rule} {finding.message}"
                        + t("console.waiver", reason=waiver.get("reason", ""), approved_by=waiver.get("approved_by", ""),
                            expires=waiver.get("expires", "")))
        return f"  {terminal(location(doc, finding))}: {mark}" + _paint(text, "waived", color)
    severity = _paint(severity_word(finding.severity), finding.severity, color)
    return f"  {terminal(location(doc, finding))}: {mark}{severity} {terminal(finding.rule)} {terminal(finding.message)}"


def render_console(run: AuditRun, *, color: bool = False) -> str:
    docs = run.documents
    if run.meta.get("quiet"):  # only what needs attention
        docs = tuple(d for d in docs if d.error is not None or active_findings(d) or rounds(run).fixed(d))
    blocks = ["\n".join(_document_lines(doc, run, color)) for doc in docs]
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def summary_text(run: AuditRun, *, color: bool = False, brief: bool = False) -> str:
    """The round's counts first (with ``--baseline``), then documents, unreadable files, errors,
    warnings, waived, by rule — and stale waivers. ``brief``: the first lines only."""
    s = summarize(run)
    counts = s["findings"]
    lines = []
    if round_counts_text(run):
        lines.append(_paint(round_counts_text(run), "head", color))
    lines.append(
        _paint(t("summary.head"), "head", color) + ": "
        + t("summary.documents", documents=s["documents"], files=s["files"], audited=s["audited"],
            not_audited=s["not_audited"], unreadable=s["unreadable"])
        + _paint(t("summary.errors", count=counts["error"]), "error", color and counts["error"] > 0) + t("list.sep")
        + _paint(t("summary.warnings", count=counts["warning"]), "warning", color and counts["warning"] > 0)
        + t("list.sep") + t("summary.rest", infos=counts["info"], waived=s["waived"]))
    if s.get("skipped"):
        names = "、".join(run.meta.get("skipped", [])[:5]) + (t("list.more") if s["skipped"] > 5 else "")
        lines.append(t("summary.skipped", count=s["skipped"], names=names))
    if brief:
        return "\n".join(lines) + "\n"
    if s["by_rule"]:
        lines.append(terminal(t("summary.by_rule") + ": "
                              + t("list.sep").join(f"{rule} {n}" for rule, n in s["by_rule"].items())))
    if s["waived_by_rule"]:
        lines.append(terminal(t("summary.waived_by_rule") + ": "
                              + t("list.sep").join(f"{rule} {n}" for rule, n in s["waived_by_rule"].items())))
    lines += [_paint(terminal(note), "warning", color) for note in waiver_notes(run)]
    return "\n".join(lines) + "\n"


def statistics_text(run: AuditRun) -> str:
    """``--statistics``: findings per rule, most first (waived ones apart), like ``ruff --statistics``."""
    s = summarize(run)
    titles = rule_titles(run)
    severities = {r.id: r.severity for r in run.rules}
    rows = sorted(s["by_rule"].items(), key=lambda kv: (-kv[1], kv[0]))
    width = max((len(rule) for rule, _ in rows), default=8)
    lines = [f"{n:>6}  {rule:<{width}}  {severity_word(severities.get(rule, 'error'))}  {titles.get(rule, '')}"
             for rule, n in rows]
    if s["unreadable"]:
        lines.append(f"{s['unreadable']:>6}  {'INPUT-ERROR':<{width}}  {severity_word('error')}  {t('doc.unreadable')}")
    if s["waived"]:
        lines.append(t("statistics.waived", count=s["waived"]))
    if not lines:
        lines.append(t("statistics.none"))
    return "\n".join(lines) + "\n"


class ConsoleReporter:
    name = "console"
    suffix = ".txt"
    description = "findings grouped by document, file:line, colour on a terminal"
    binary = False

    def render(self, run: AuditRun, *, color: bool = False) -> str:
        return render_console(run, color=color)


@hookimpl
def auditor_reporters() -> list[type]:
    return [ConsoleReporter]
