"""``--format github``: workflow commands that GitHub Actions turns into annotations.

GitHub shows about ten annotations per level and step, so the summary comes first, then the ten
most important errors, warnings and notices (waived findings); the others follow as plain lines
in a collapsed log group, where they do not count against the limit. Every document, clean
ones too, is listed in a second group at the end. When ``$GITHUB_STEP_SUMMARY`` is set, a
Markdown summary (counts, rules, agencies with most errors, unreadable files) is appended to it.
Outside text (file names, agency names, messages) is escaped by ``escape``: it can neither end a
command nor start one; plain lines are fenced with ``::stop-commands::``."""

from __future__ import annotations

import os
from typing import Any

from auditor.hookspecs import hookimpl
from auditor.i18n import t
from auditor.model import AuditRun
from auditor.reporters import (
    correction_groups,
    document_title,
    error_text,
    is_waived,
    not_audited_reason,
    round_counts_text,
    round_word,
    rule_titles,
    summarize,
    waiver_notes,
    was_audited,
)
from auditor.reporters.escape import terminal, workflow_message, workflow_plain, workflow_property
from auditor.reporters.rounds import rounds

COMMAND = {"error": "error", "warning": "warning", "info": "notice"}
PER_LEVEL = 10  # annotations GitHub shows per level and step
MD_AGENCIES = 30


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
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        write_step_summary(run, summary_file)
    s = summarize(run)
    counts = s["findings"]
    headline = "auditor: " + t("github.headline", documents=s["documents"], errors=counts["error"],
                                 warnings=counts["warning"], unreadable=s["unreadable"], waived=s["waived"])
    if round_counts_text(run):
        headline = f"auditor: {round_counts_text(run)}；" + headline[len("auditor: "):]
    if s["by_rule"]:
        headline += t("github.by_rule", rules=t("list.sep").join(f"{r} {n}" for r, n in s["by_rule"].items()))
    failing = counts["error"] or s["unreadable"] or (s["fail_on"] == "warning" and counts["warning"])
    lines = [_command("error" if failing else "notice", headline, title=t("github.summary_title"))]
    lines += [_command("warning", note, title=t("github.waiver_title")) for note in waiver_notes(run)]
    shown, rest = _annotations(run)
    lines += shown
    if rest:
        lines.append(f"::group::{workflow_message(t('github.more', count=len(rest)))}")
        lines += workflow_plain(rest)
        lines.append("::endgroup::")
    lines += _document_list(run)
    return "\n".join(lines) + "\n"


Annotation = tuple[tuple[Any, ...], str, str]  # (importance key, command, plain text for the log)


def _annotations(run: AuditRun) -> tuple[list[str], list[str]]:
    """The ``PER_LEVEL`` most important annotations of each level (GitHub shows about ten per
    level and step, and drops the rest), errors first; the others as plain log lines.

    Most important first: unreadable inputs, then findings new since the baseline, then those
    a correction explains (the cell to fix is named), then findings with a line (shown in the
    diff), in document order."""
    view = rounds(run)
    by_level: dict[str, list[Annotation]] = {"error": [], "warning": [], "notice": []}
    for position, doc in enumerate(run.documents):
        if doc.error is not None:
            text = f"{t('doc.unreadable')}: {error_text(doc)}"
            by_level["error"].append(((0, position), _command("error", text, file=doc.path, title="INPUT-ERROR"),
                                      f"{doc.path}: {text}"))
            continue
        explained = {id(f) for group in correction_groups(doc)[0] for f in group.findings}
        for finding in doc.findings:
            status = view.of(doc, finding)
            title = f"{finding.rule} · {document_title(doc)}"
            message = (f"[{round_word(status)}] " if status else "") + finding.message
            where = f"{doc.path}:{finding.line}" if finding.line is not None else doc.path
            if is_waived(finding):
                reason = (finding.waived or {}).get("reason", "")
                text = f"{t('doc.waived')}: {finding.message}（{reason}）"
                by_level["notice"].append(((9, position), _command("notice", text, file=doc.path, line=finding.line,
                                                                    title=title), f"{where}: {title}: {text}"))
                continue
            level = COMMAND.get(finding.severity, "warning")
            key = (1 if status == "new" else 2, 0 if id(finding) in explained else 1,
                   0 if finding.line is not None else 1, position)
            by_level[level].append((key, _command(level, message, file=doc.path, line=finding.line, title=title),
                                    f"{where}: {title}: {message}"))
    shown: list[str] = []
    rest: list[str] = []
    for level in ("error", "warning", "notice"):
        ranked = sorted(by_level[level], key=lambda entry: entry[0])
        shown += [command for _, command, _ in ranked[:PER_LEVEL]]
        rest += [text for _, _, text in ranked[PER_LEVEL:]]
    return shown, rest


def markdown_summary(run: AuditRun) -> str:
    """The job summary page (``$GITHUB_STEP_SUMMARY``): counts, the round, rules, agencies."""
    s = summarize(run)
    counts = s["findings"]
    titles = rule_titles(run)
    out = [f"## {t('github.md.title')}", ""]
    if round_counts_text(run):
        out += [f"**{round_counts_text(run)}**", ""]
    out += [f"| {t('github.md.documents')} | {t('severity.error')} | {t('severity.warning')} | "
            f"{t('github.md.unreadable')} | {t('doc.waived')} |", "|---:|---:|---:|---:|---:|",
            f"| {s['documents']} | {counts['error']} | {counts['warning']} | {s['unreadable']} | {s['waived']} |", ""]
    if s["by_rule"]:
        out += [f"### {t('summary.by_rule')}", "", f"| {t('github.md.rule')} | {t('github.md.count')} | "
                f"{t('github.md.what')} |", "|---|---:|---|"]
        out += [f"| `{rule}` | {n} | {_cell(titles.get(rule, ''))} |"
                for rule, n in sorted(s["by_rule"].items(), key=lambda kv: (-kv[1], kv[0]))]
        out.append("")
    agencies = sorted(((a, c) for a, c in s["by_agency"].items() if c["error"] or c["warning"]),
                      key=lambda item: (-item[1]["error"], -item[1]["warning"], item[0]))
    if agencies:
        out += [f"### {t('github.md.agencies')}", "", f"| {t('github.md.agency')} | {t('severity.error')} | "
                f"{t('severity.warning')} |", "|---|---:|---:|"]
        out += [f"| {_cell(a)} | {c['error']} | {c['warning']} |" for a, c in agencies[:MD_AGENCIES]]
        if len(agencies) > MD_AGENCIES:
            out.append(f"| {t('github.md.more', count=len(agencies) - MD_AGENCIES)} | | |")
        out.append("")
    unreadable = [d for d in run.documents if d.error is not None]
    if unreadable:
        out += [f"### {t('github.md.unreadable')}", ""]
        out += [f"- `{_cell(d.path)}`: {_cell(error_text(d))}" for d in unreadable]
        out.append("")
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    return terminal(str(text).replace("|", "\\|").replace("\n", " "))


def write_step_summary(run: AuditRun, path: str) -> None:
    """Append the Markdown summary (GitHub appends every step's summary to one page)."""
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(markdown_summary(run))
    except OSError:
        pass  # the annotations still go to the log: a summary page is a convenience


def _document_list(run: AuditRun) -> list[str]:
    """Every input, clean ones included, as a collapsed log group (plain lines are not
    annotations, so they do not count against GitHub's per-step limit)."""
    plain = []
    for doc in run.documents:
        if doc.error is not None:
            status = f"{t('doc.unreadable')}: {error_text(doc)}"
        elif not was_audited(doc):
            status = not_audited_reason(doc)
        else:
            active = [f for f in doc.findings if not is_waived(f)]
            status = t("github.problems", count=len(active)) if active else t("github.ok")
        plain.append(f"{doc.path}#{doc.index + 1} {document_title(doc)}: {status}")
    return [f"::group::auditor: {workflow_message(t('github.documents', count=len(run.documents)))}",
            *workflow_plain(plain), "::endgroup::"]


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
