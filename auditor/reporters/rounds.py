"""Rounds of rectification: which findings are new, still open or fixed since the last run.

A supervising office audits, sends notices, and audits the re-submitted reports again. With
``--baseline previous-results.json`` every finding gets a status against the previous round's
JSON results, and findings of the previous round that are gone are listed as fixed.

A finding's fingerprint must survive a re-submission: the file is often renamed and the
numbers change while the slip is still there. So it is made of the document's identity (agency
and year when both were recognized, else the file and position), the rule and the finding's
scope (column, row, cell…) — not the line, not the message. Two findings that would share one
(same rule, same scope, same document) are told apart by their order.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

from auditor.model import AuditRun, DocumentResult, Finding

STATUSES = ("new", "open", "fixed")


def document_identity(agency: Optional[str], year: Optional[int], source: str, index: int) -> str:
    """Agency and year (re-submissions come under new file names), else the file and position."""
    if agency and year:
        return f"{agency}|{year}"
    return f"{source}#{index}"


def _identity(doc: DocumentResult) -> str:
    report = doc.report
    return document_identity(report.agency if report else None, report.year if report else None, doc.path, doc.index)


def _base(identity: str, rule: str, scope: Mapping[str, Any]) -> str:
    key = json.dumps([identity, rule, sorted((str(k), str(v)) for k, v in scope.items())], ensure_ascii=False)
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:20]


def fingerprints(identity: str, findings: Iterable[tuple[str, Mapping[str, Any]]]) -> list[str]:
    """One fingerprint per (rule, scope), in order; repeats get ``-2``, ``-3``…"""
    seen: Counter[str] = Counter()
    out = []
    for rule, scope in findings:
        base = _base(identity, rule, scope)
        seen[base] += 1
        out.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return out


def baseline_findings(data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Fingerprint → what the previous round's JSON results said of each finding."""
    if not isinstance(data, Mapping) or not isinstance(data.get("documents"), list):
        raise ValueError("not auditor JSON results (no 'documents' list)")
    found: dict[str, dict[str, Any]] = {}
    for doc in data["documents"]:
        if doc.get("error"):
            continue
        identity = document_identity(doc.get("agency"), doc.get("year"), doc.get("source", ""), doc.get("index", 0))
        findings = doc.get("findings") or []
        prints = fingerprints(identity, [(f["rule"], f.get("scope") or {}) for f in findings])
        for fingerprint, finding in zip(prints, findings):
            found[fingerprint] = {"document": identity, "source": doc.get("source"), "agency": doc.get("agency"),
                                  "year": doc.get("year"), "rule": finding["rule"],
                                  "severity": finding.get("severity"), "message": finding.get("message", ""),
                                  "scope": finding.get("scope") or {}, "waived": bool(finding.get("waived"))}
    return found


@dataclass
class RoundView:
    """This run against the baseline (``active`` False: no ``--baseline`` was given).

    A finding's fingerprint follows from its document alone, so it is worked out when asked
    for (the last document's are kept): documents may be read again on each pass (a run's
    documents can stay on disk, ``auditor.docstore``), so nothing here is keyed by object."""

    active: bool
    path: str = ""
    previous: dict[str, dict[str, Any]] = field(default_factory=dict)  # the baseline's findings
    fixed_by_document: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    absent_documents: int = 0  # documents of the baseline this run did not see
    _last: tuple[Any, dict[int, str]] = (None, {})

    def _prints(self, doc: DocumentResult) -> dict[int, str]:
        """id(finding) → fingerprint, for the document last asked about (kept alive here)."""
        if self._last[0] is not doc:
            prints: dict[int, str] = {}
            if doc.error is None:
                findings = doc.findings
                for finding, fingerprint in zip(findings, fingerprints(_identity(doc),
                                                                       [(f.rule, f.scope) for f in findings])):
                    prints[id(finding)] = fingerprint
            self._last = (doc, prints)
        return self._last[1]

    def of(self, doc: DocumentResult, finding: Finding) -> Optional[str]:
        if not self.active:
            return None
        fingerprint = self._prints(doc).get(id(finding))
        if fingerprint is None:
            return None
        return "open" if fingerprint in self.previous else "new"

    def fingerprint(self, doc: DocumentResult, finding: Finding) -> Optional[str]:
        return self._prints(doc).get(id(finding))

    def fixed(self, doc: DocumentResult) -> list[dict[str, Any]]:
        return self.fixed_by_document.get(_identity(doc), []) if doc.error is None else []

    def summary(self) -> dict[str, Any]:
        return {**self.counts, "baseline": self.path, "absent_documents": self.absent_documents}


_CACHE: tuple[Any, Optional[RoundView]] = ((), None)


def rounds(run: AuditRun) -> RoundView:
    """The run's view against its baseline, computed once per run."""
    global _CACHE
    if _CACHE[0] is run.documents and _CACHE[1] is not None:
        return _CACHE[1]
    view = _compute(run)
    _CACHE = (run.documents, view)
    return view


def _compute(run: AuditRun) -> RoundView:
    baseline = run.meta.get("baseline") or None
    previous: dict[str, dict[str, Any]] = dict((baseline or {}).get("findings") or {})
    view = RoundView(active=baseline is not None, path=str((baseline or {}).get("path", "")), previous=previous)
    if not view.active:
        return view  # fingerprints only, worked out per document: no pass over the run
    present: set[str] = set()
    seen_identities: set[str] = set()
    for doc in run.documents:
        if doc.error is not None:
            continue
        identity = _identity(doc)
        seen_identities.add(identity)
        findings = doc.findings
        for finding, fingerprint in zip(findings, fingerprints(identity, [(f.rule, f.scope) for f in findings])):
            present.add(fingerprint)
            if finding.waived is None:
                view.counts["open" if fingerprint in previous else "new"] += 1
    for fingerprint, old in previous.items():
        if fingerprint in present or old.get("waived"):
            continue
        if old["document"] in seen_identities:
            view.fixed_by_document.setdefault(old["document"], []).append(dict(old, fingerprint=fingerprint))
            view.counts["fixed"] += 1
    documents = set((baseline or {}).get("documents") or ())
    view.absent_documents = len(documents - seen_identities)
    return view
