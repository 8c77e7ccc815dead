"""``--format github``: workflow commands that GitHub Actions turns into annotations.

GitHub shows only the first few annotations of a step, so the summary comes first; then
unreadable inputs and errors, then warnings; waived findings are notices. Every document, clean
ones too, is listed in a collapsed log group at the end. Outside text (file names, agency names,
messages) is escaped by ``escape``: it can neither end a command nor start one."""

from __future__ import annotations

from auditor.hookspecs import hookimpl
from auditor.model import AuditRun
from auditor.reporters import (
    SEVERITY_RANK,
    document_title,
    is_waived,
    not_audited_reason,
    summarize,
    waiver_notes,
    was_audited,
)
from auditor.reporters.escape import workflow_message, workflow_plain, workflow_property

COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def _command(kind: str, message: str, *, file: str | None = None, line: int | None = None,
             title: str | None = None) -> str:
    props = []
    if file:
        props.append(f"file={workflow_property(file)}")
    if line is not None:
        props.append(f"line={line}")
    if title:
        props.append(f"title={workflow_property(title)}")
    return f"::{kind} {','.join(props)}::{workflow_message(message)}" if props else f"::{kind}::{workflow_message(message)}"


def render_github(run: AuditRun) -> str:
    s = summarize(run)
    counts = s["findings"]
    headline = (f"auditor: {s['documents']} 份文档，{counts['error']} 个错误，{counts['warning']} 个警告，"
                f"{s['unreadable']} 个文件无法读取，{s['waived']} 个已豁免")
    if s["by_rule"]:
        headline += "；按规则: " + "，".join(f"{r} {n}" for r, n in s["by_rule"].items())
    failing = counts["error"] or s["unreadable"] or (s["fail_on"] == "warning" and counts["warning"])
    lines = [_command("error" if failing else "notice", headline, title="auditor 汇总")]
    lines += [_command("warning", note, title="auditor 豁免") for note in waiver_notes(run)]
    entries: list[tuple[int, str]] = []
    for doc in run.documents:
        if doc.error is not None:
            entries.append((3, _command("error", f"无法读取或识别: {doc.error}", file=doc.path,
                                        title="INPUT-ERROR")))
            continue
        for finding in doc.findings:
            title = f"{finding.rule} · {document_title(doc)}"
            if is_waived(finding):
                reason = (finding.waived or {}).get("reason", "")
                entries.append((-1, _command("notice", f"已豁免: {finding.message}（{reason}）", file=doc.path,
                                             line=finding.line, title=title)))
            else:
                entries.append((SEVERITY_RANK.get(finding.severity, 0),
                                _command(COMMAND.get(finding.severity, "warning"), finding.message,
                                         file=doc.path, line=finding.line, title=title)))
    entries.sort(key=lambda entry: -entry[0])  # stable: document order within a severity
    lines += [text for _, text in entries]
    lines += _document_list(run)
    return "\n".join(lines) + "\n"


def _document_list(run: AuditRun) -> list[str]:
    """Every input, clean ones included, as a collapsed log group (plain lines are not
    annotations, so they do not count against GitHub's per-step limit)."""
    plain = []
    for doc in run.documents:
        if doc.error is not None:
            status = f"无法读取: {doc.error}"
        elif not was_audited(doc):
            status = not_audited_reason(doc)
        else:
            active = [f for f in doc.findings if not is_waived(f)]
            status = f"{len(active)} 个问题" if active else "通过"
        plain.append(f"{doc.path}#{doc.index + 1} {document_title(doc)}: {status}")
    return [f"::group::auditor: {len(run.documents)} 份文档", *workflow_plain(plain), "::endgroup::"]


class GithubReporter:
    name = "github"
    suffix = ".txt"
    description = "GitHub Actions annotations (::error file=…,line=…::), summary first"
    binary = False

    def render(self, run: AuditRun, *, color: bool = False) -> str:
        return render_github(run)


@hookimpl
def auditor_reporters() -> list[type]:
    return [GithubReporter]
