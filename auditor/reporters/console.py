"""``--format console`` (the default): findings grouped by document as ``file:line``, Chinese
messages with the numbers, colour on a terminal. The closing summary (``summary_text``) goes to
standard error, so piping the findings somewhere keeps them clean. Every piece of outside text
(file names, agency names, messages quoting a report, waiver reasons) goes through
``escape.terminal``, so no control sequence in a report or its name reaches the terminal."""

from __future__ import annotations

from collections.abc import Sequence

from auditor.hookspecs import hookimpl
from auditor.model import AuditRun, DocumentResult, Finding
from auditor.reporters import (
    SEVERITY_RANK,
    SEVERITY_ZH,
    correction_groups,
    document_key,
    document_title,
    is_waived,
    location,
    not_audited_reason,
    summarize,
    waiver_notes,
    was_audited,
)
from auditor.reporters.escape import terminal

STYLE = {"error": "31;1", "warning": "33", "info": "36", "waived": "2", "head": "1", "ok": "32", "fix": "35;1"}
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"


def _paint(text: str, style: str, color: bool) -> str:
    """``text`` (already escaped) in a style: these are the only escape sequences written."""
    return f"\x1b[{STYLE[style]}m{text}\x1b[0m" if color else text


def _document_lines(doc: DocumentResult, run: AuditRun, color: bool) -> list[str]:
    head = f"{document_key(doc, run)}  {document_title(doc)}"
    if doc.report is not None and doc.report.format:
        head += f"（{doc.report.format}格式）"
    lines = [_paint(terminal(head), "head", color)]
    if doc.error is not None:
        lines.append(f"  {terminal(location(doc))}: {_paint('错误', 'error', color)} 无法读取或识别: "
                     f"{terminal(doc.error)}")
        return lines
    if not was_audited(doc):
        lines.append("  " + terminal(not_audited_reason(doc)))
        return lines
    groups, rest = correction_groups(doc)
    if not doc.findings:
        lines.append("  " + _paint("✓ 未发现问题", "ok", color))
    # Findings a correction explains go under it (still listed): the likely slip comes first.
    for group in groups:
        if len(group.options) == 1:
            lines.append(f"  {_paint(group.headline, 'fix', color)}: {terminal(group.options[0].message)}")
        else:
            lines.append(f"  {_paint(group.headline, 'fix', color)}:")
            lines += [f"    {CIRCLED[n] if n < len(CIRCLED) else n + 1} {terminal(option.message)}"
                      for n, option in enumerate(group.options)]
        lines += ["  " + _finding_line(doc, f, color) for f in _ordered(group.findings)]
    lines += [_finding_line(doc, f, color) for f in _ordered(rest)]
    not_assessable = [o for o in doc.outcomes if o.status == "not_assessable"]
    if not_assessable:
        lines.append(_paint(terminal("  无法评估: " + "、".join(f"{o.rule.id}（{o.reason}）" if o.reason else o.rule.id
                                                            for o in not_assessable)), "waived", color))
    return lines


def _ordered(findings: Sequence[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (is_waived(f), -SEVERITY_RANK.get(f.severity, 0),
                                          f.line if f.line is not None else 0, f.rule))


def _finding_line(doc: DocumentResult, finding: Finding, color: bool) -> str:
    severity = SEVERITY_ZH.get(finding.severity, finding.severity)
    if is_waived(finding):
        waiver = finding.waived or {}
        text = (f"  {location(doc, finding)}: 已豁免 {finding.rule} {finding.message}"
                f"（{waiver.get('reason', '')}；{waiver.get('approved_by', '')}，至{waiver.get('expires', '')}）")
        return _paint(terminal(text), "waived", color)
    return (f"  {terminal(location(doc, finding))}: {_paint(severity, finding.severity, color)} "
            f"{terminal(finding.rule)} {terminal(finding.message)}")


def render_console(run: AuditRun, *, color: bool = False) -> str:
    blocks = ["\n".join(_document_lines(doc, run, color)) for doc in run.documents]
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def summary_text(run: AuditRun, *, color: bool = False) -> str:
    """Documents, unreadable files, errors, warnings, waived, by rule — and stale waivers."""
    s = summarize(run)
    counts = s["findings"]
    lines = [
        _paint("汇总", "head", color) + f": {s['documents']} 份文档（{s['files']} 个文件），"
        f"审核 {s['audited']}，未审核 {s['not_audited']}，无法读取 {s['unreadable']}；"
        f"{_paint(str(counts['error']) + ' 个错误', 'error', color and counts['error'] > 0)}，"
        f"{_paint(str(counts['warning']) + ' 个警告', 'warning', color and counts['warning'] > 0)}，"
        f"{counts['info']} 个提示，{s['waived']} 个已豁免",
    ]
    if s["by_rule"]:
        lines.append(terminal("按规则: " + "，".join(f"{rule} {n}" for rule, n in s["by_rule"].items())))
    if s["waived_by_rule"]:
        lines.append(terminal("已豁免: " + "，".join(f"{rule} {n}" for rule, n in s["waived_by_rule"].items())))
    lines += [_paint(terminal(note), "warning", color) for note in waiver_notes(run)]
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
