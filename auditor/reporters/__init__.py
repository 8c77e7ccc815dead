"""Built-in output formats, each a plugin module with an ``auditor_reporters`` hook.

Reporters read only an ``AuditRun``. The helpers here give every format the same view of it —
the same counts, the same titles, the same idea of which findings are waived — so the console
summary, the JSON summary and the JUnit totals never disagree.

What the runner leaves in ``AuditRun.meta`` (all optional, reporters must cope without):
``tool`` {name, version}, ``created`` (ISO time), ``hostname``, ``fail_on``, ``config``
{path, sha256, settings}, ``inputs`` [{path, sha256, error}], ``waivers`` {unused, expired},
``baseline`` (the previous round's findings, ``auditor.reporters.rounds``), ``skipped`` (paths
``--reports-only`` set aside), ``lang``.

Every text for people comes from ``auditor.i18n`` (Chinese unless English was asked for); read
failures are stored in English by the adapters and shown through ``error_text``.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Optional

from auditor.i18n import reason as _reason
from auditor.i18n import severity as severity_word  # noqa: F401  (for the reporters)
from auditor.i18n import t
from auditor.model import SEVERITIES, AuditRun, Correction, DocumentResult, Finding

SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}


def is_waived(finding: Finding) -> bool:
    """A waived finding is shown and counted apart; it never fails a run."""
    return finding.waived is not None


def was_audited(doc: DocumentResult) -> bool:
    """Read, and at least one rule applied: not an unreadable file, not a document the engine
    skipped entirely (a regulation or notice that is not an annual report)."""
    return doc.error is None and any(o.status != "skipped" for o in doc.outcomes)


def not_audited_reason(doc: DocumentResult) -> str:
    if doc.report is not None and doc.report.kind == "other":
        return t("doc.not_a_report")
    reasons = {o.reason for o in doc.outcomes if o.reason}
    return t("doc.not_audited") + (f"：{'；'.join(sorted(reasons))}" if reasons else t("doc.no_rule_applies"))


def error_text(doc: DocumentResult) -> str:
    """Why a document could not be read, in the language in force."""
    return _reason(doc.error)


def natural_key(text: str) -> tuple[Any, ...]:
    """``r2`` before ``r10``: digits compare as numbers (file lists, agency lists)."""
    return tuple(int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text))


def active_findings(doc: DocumentResult) -> list[Finding]:
    """The findings that count: not waived."""
    return [f for f in doc.findings if not is_waived(f)]


def waived_findings(doc: DocumentResult) -> list[Finding]:
    return [f for f in doc.findings if is_waived(f)]


@dataclass(frozen=True)
class CorrectionGroup:
    """Findings a correction explains, under it. ``options`` holds ties: equally small
    corrections the numbers cannot tell apart (most plausible first)."""

    options: tuple[Correction, ...]
    findings: tuple[Finding, ...]

    @property
    def headline(self) -> str:
        """``更正建议`` or ``更正建议（2种可能，无法区分）``."""
        n = len(self.options)
        return t("fix.headline") if n == 1 else t("fix.headline_ties", count=n)

    def suspect_cells(self) -> dict[str, tuple[Any, Any]]:
        """Cell id → (found, expected) over every option."""
        return {fix.id: (fix.found, fix.expected) for option in self.options for fix in option.cells}


def correction_groups(doc: DocumentResult) -> tuple[list[CorrectionGroup], list[Finding]]:
    """The document's findings under the corrections that explain them (nothing is dropped:
    every finding is in a group or in the rest), and the rest."""
    by_group: dict[int, list[Correction]] = {}
    for correction in doc.corrections:
        by_group.setdefault(correction.group, []).append(correction)
    groups: list[CorrectionGroup] = []
    claimed: set[int] = set()
    findings = doc.findings
    for options in by_group.values():
        indices = [i for i, f in enumerate(findings) if i not in claimed and options[0].explains_finding(f)]
        claimed.update(indices)
        if indices:
            groups.append(CorrectionGroup(tuple(options), tuple(findings[i] for i in indices)))
    return groups, [f for i, f in enumerate(findings) if i not in claimed]


def explained_indices(doc: DocumentResult, correction: Correction) -> list[int]:
    """Positions in ``doc.findings`` of the findings a correction explains."""
    return [i for i, f in enumerate(doc.findings) if correction.explains_finding(f)]


def fail_threshold(run: AuditRun) -> str:
    """The lowest severity that fails this run: ``warning`` or ``error`` (``never`` → error, so
    formats that must mark failures still mark the errors)."""
    return "warning" if run.meta.get("fail_on") == "warning" else "error"


def at_least(severity: str, threshold: str) -> bool:
    return SEVERITY_RANK.get(severity, 0) >= SEVERITY_RANK.get(threshold, 2)


def document_title(doc: DocumentResult) -> str:
    """How people name a document: agency and year, else the file name."""
    report = doc.report
    if report is not None and report.agency:
        return t("doc.title", agency=report.agency, year=report.year) if report.year else report.agency
    if report is not None and report.year:
        return t("doc.file_year", name=os.path.basename(doc.path), year=report.year)
    return os.path.basename(doc.path) or doc.path


_SHARED_PATHS: tuple[Any, frozenset[str]] = ((), frozenset())


def _shared_paths(run: AuditRun) -> frozenset[str]:
    """Paths holding several documents; computed once per run (reporters ask per document)."""
    global _SHARED_PATHS
    if _SHARED_PATHS[0] is not run.documents:
        facts = getattr(run.documents, "facts", None)  # documents on disk: their paths are in memory
        counts = Counter(f.path for f in facts()) if callable(facts) else Counter(d.path for d in run.documents)
        _SHARED_PATHS = (run.documents, frozenset(p for p, n in counts.items() if n > 1))
    return _SHARED_PATHS[1]


def document_key(doc: DocumentResult, run: AuditRun) -> str:
    """A stable identifier: the path, with ``#n`` when the file holds several documents."""
    return f"{doc.path}#{doc.index + 1}" if doc.path in _shared_paths(run) else doc.path


def location(doc: DocumentResult, finding: Optional[Finding] = None) -> str:
    """``file:line`` as editors and terminals link it; the file alone when no line is known."""
    line = finding.line if finding is not None else None
    if line is None and finding is None and doc.report is not None:
        line = doc.report.source.span.line
    return f"{doc.path}:{line}" if line is not None else doc.path


def rule_titles(run: AuditRun) -> dict[str, str]:
    return {rule.id: rule.title for rule in run.rules}


def count_by_severity(findings: Iterable[Finding]) -> dict[str, int]:
    counts = Counter(f.severity for f in findings)
    return {sev: counts.get(sev, 0) for sev in SEVERITIES}


def summarize(run: AuditRun) -> dict[str, Any]:
    """The numbers every format prints: documents, unreadable inputs, findings by severity, by
    rule and by agency (waived findings counted apart), and the waivers that need attention."""
    tally = summary_counts(run)
    waivers = run.meta.get("waivers") or {}
    threshold = run.meta.get("fail_on", "error")
    from auditor.reporters.rounds import rounds

    view = rounds(run)
    extra: dict[str, Any] = {"rounds": view.summary()} if view.active else {}
    if run.meta.get("skipped"):
        extra["skipped"] = len(run.meta["skipped"])
    return {
        **extra,
        "documents": tally["documents"],
        "files": tally["files"],
        "audited": tally["audited"],
        "not_audited": tally["not_audited"],
        "unreadable": tally["unreadable"],
        "failing_documents": tally["failing"][fail_threshold(run)],
        "findings": dict(tally["findings"]),
        "waived": tally["waived"],
        "by_rule": dict(tally["by_rule"]),
        "waived_by_rule": dict(tally["waived_by_rule"]),
        "by_agency": {agency: dict(counts) for agency, counts in tally["by_agency"].items()},
        "unused_waivers": len(waivers.get("unused", ())),
        "expired_waivers": len(waivers.get("expired", ())),
        "fail_on": threshold,
    }


def summary_counts(run: AuditRun) -> dict[str, Any]:
    """What ``summarize`` counts over the documents, in one pass; kept by a run whose documents
    are read from disk (``auditor.docstore.DocumentView.memo``), where each pass costs a read."""
    memo = getattr(run.documents, "memo", None)
    if callable(memo):
        return memo("summary", lambda: _count(run.documents))
    return _count(run.documents)


def _count(documents: Iterable[DocumentResult]) -> dict[str, Any]:
    tally = Tally()
    for doc in documents:
        tally.add(doc)
    return tally.result()


def count_while(run: AuditRun, documents: Iterable[DocumentResult]) -> Iterator[DocumentResult]:
    """``documents`` (``run.documents``) passed through, counted on the way for ``summarize``
    when the run keeps its counts (documents on disk): a format that reads every document
    once and then summarizes reads them once, not twice."""
    memo = getattr(run.documents, "memo", None)
    if not callable(memo):
        yield from documents
        return
    tally = Tally()
    for doc in documents:
        tally.add(doc)
        yield doc
    memo("summary", tally.result)


class Tally:
    """``summarize``'s counts, a document at a time."""

    def __init__(self) -> None:
        self.active: Counter[str] = Counter()
        self.by_rule: Counter[str] = Counter()
        self.waived_by_rule: Counter[str] = Counter()
        self.waived = 0
        self.by_agency: dict[str, dict[str, int]] = {}
        self.paths: set[str] = set()
        self.failing = {"warning": 0, "error": 0}
        self.total = self.audited = self.not_audited = self.unreadable = 0

    def add(self, doc: DocumentResult) -> None:
        self.total += 1
        self.paths.add(doc.path)
        findings = doc.findings
        active = [f for f in findings if not is_waived(f)]
        for f in findings:
            if is_waived(f):
                self.waived += 1
                self.waived_by_rule[f.rule] += 1
        self.active.update(f.severity for f in active)
        self.by_rule.update(f.rule for f in active)
        if was_audited(doc):
            self.audited += 1
        elif doc.error is None:
            self.not_audited += 1
        if doc.error is not None:
            self.unreadable += 1
        else:
            for level in self.failing:
                if any(at_least(f.severity, level) for f in active):
                    self.failing[level] += 1
        if doc.report is not None:
            agency = doc.report.agency or t("doc.no_agency")
            entry = self.by_agency.setdefault(agency, {"documents": 0, "error": 0, "warning": 0, "info": 0})
            entry["documents"] += 1
            for sev, n in count_by_severity(active).items():
                entry[sev] += n

    def result(self) -> dict[str, Any]:
        return {"documents": self.total, "files": len(self.paths), "audited": self.audited,
                "not_audited": self.not_audited, "unreadable": self.unreadable, "failing": dict(self.failing),
                "findings": {sev: self.active.get(sev, 0) for sev in SEVERITIES}, "waived": self.waived,
                "by_rule": dict(sorted(self.by_rule.items())),
                "waived_by_rule": dict(sorted(self.waived_by_rule.items())),
                "by_agency": dict(sorted(self.by_agency.items()))}


def waiver_notes(run: AuditRun) -> list[str]:
    """One line per waiver that needs attention: unused (stale) or expired."""
    waivers = run.meta.get("waivers") or {}
    notes = []
    for waiver in waivers.get("unused", ()):
        notes.append(t("waiver.unused", waiver=describe_waiver(waiver)))
    for waiver in waivers.get("expired", ()):
        notes.append(t("waiver.expired", waiver=describe_waiver(waiver)))
    return notes


def describe_waiver(waiver: dict[str, Any]) -> str:
    where = []
    if waiver.get("paths"):
        where.append("paths=" + ",".join(waiver["paths"]))
    if waiver.get("agency"):
        where.append(f"agency={waiver['agency']}")
    if waiver.get("scope"):
        where.append("scope=" + ",".join(f"{k}={v}" for k, v in waiver["scope"].items()))
    origin = f" ({waiver['origin']})" if waiver.get("origin") else ""
    return t("waiver.describe", rule=waiver.get("rule"), where="; ".join(where), expires=waiver.get("expires", "—"),
             approved_by=waiver.get("approved_by", "—"), origin=origin)


def round_counts_text(run: AuditRun) -> str:
    """``本轮：新发现 3，仍未整改 5，已整改 4`` (empty without ``--baseline``)."""
    from auditor.reporters.rounds import rounds

    view = rounds(run)
    if not view.active:
        return ""
    counts = view.counts
    text = t("round.counts", new=counts["new"], open=counts["open"], fixed=counts["fixed"])
    if view.absent_documents:
        text += t("round.absent", count=view.absent_documents)
    return text


def round_word(status: str) -> str:
    """新发现 / 仍未整改 / 已整改."""
    return t(f"round.{status}")
