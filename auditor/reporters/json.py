"""``--format json``: every document with its findings, the summary, and how to reproduce the
run. Described by ``schemas/results.schema.json``; the contract for scripts and dashboards.

Every finding carries its ``fingerprint`` (``auditor.reporters.rounds``), so this file is the
``--baseline`` of the next round; with a baseline, findings say ``round`` (new, open) and each
document lists the findings ``fixed`` since. Keys never change with the language; texts meant
for people (``error``) are in the language in force."""

from __future__ import annotations

import io
import json
from typing import Any, BinaryIO

from auditor.hookspecs import hookimpl
from auditor.model import AuditRun, DocumentResult, Finding, PackedSignature, RuleOutcome
from auditor.reporters import count_while, error_text, explained_indices, summarize, was_audited
from auditor.reporters.rounds import RoundView, rounds

RESULTS_VERSION = 1


def finding_json(finding: Finding, doc: DocumentResult | None = None, view: RoundView | None = None) -> dict[str, Any]:
    data = finding.to_json()
    data["waived"] = finding.waived
    if view is not None and doc is not None:
        data["fingerprint"] = view.fingerprint(doc, finding)
        status = view.of(doc, finding)
        if status:
            data["round"] = status
    return data


def document_json(doc: DocumentResult, view: RoundView | None = None, *, signature: bool = True,
                  outcomes: bool = True) -> dict[str, Any]:
    report = doc.report
    data: dict[str, Any] = {
        "source": doc.path,
        "index": doc.index,
        "agency": report.agency if report else None,
        "year": report.year if report else None,
        "format": report.format if report else None,
        "kind": report.kind if report else None,
        "title": report.title if report else None,
        "level": report.level if report else None,
        "sha256": doc.sha256,
        "error": error_text(doc) if doc.error is not None else None,
        "audited": was_audited(doc),
        "findings": [finding_json(f, doc, view) for f in doc.findings],
        "corrections": [dict(c.to_json(), findings=explained_indices(doc, c)) for c in doc.corrections],
    }
    if outcomes:
        data["outcomes"] = [_outcome_json(o) for o in doc.outcomes]
    if report is not None and report.source.span.line is not None:
        data["line"] = report.source.span.line
    if signature and doc.signature is not None:  # what cross-document rules read: these results can be --history
        data["signature"] = doc.signature.to_json()
    if view is not None and view.active:
        data["fixed"] = [{k: old[k] for k in ("rule", "severity", "message", "scope", "fingerprint")}
                         for old in view.fixed(doc)]
    return data


def _outcome_json(outcome: RuleOutcome) -> dict[str, Any]:
    return {"rule": outcome.rule.id, "status": outcome.status, "reason": outcome.reason}


def document_line(doc: DocumentResult, view: RoundView | None = None) -> str:
    """``document_json`` as one line of JSON text, the same bytes ``json.dumps`` writes of it,
    made faster where the parts repeat: a packed signature (``PackedSignature``, the bulk of a
    line) is copied in as the text it already is, and an outcome without findings that many
    documents share (a rule's plain pass) is encoded once."""
    data = document_json(doc, view, signature=False, outcomes=False)
    line, fixed = data.pop("line", None), data.pop("fixed", None)
    parts = [json.dumps(data, ensure_ascii=False)[:-1],
             f', "outcomes": [{", ".join(_outcome_text(o) for o in doc.outcomes)}]']
    if line is not None:
        parts.append(f', "line": {json.dumps(line)}')
    if doc.signature is not None:
        text = doc.signature.text if isinstance(doc.signature, PackedSignature) else \
            json.dumps(doc.signature.to_json(), ensure_ascii=False)
        parts.append(f', "signature": {text}')
    if fixed is not None:
        parts.append(f', "fixed": {json.dumps(fixed, ensure_ascii=False)}')
    parts.append("}")
    return "".join(parts)


_OUTCOME_TEXTS: dict[int, tuple[RuleOutcome, str]] = {}  # id → (the outcome, kept alive; its JSON)


def _outcome_text(outcome: RuleOutcome) -> str:
    if outcome.findings:
        return json.dumps(_outcome_json(outcome), ensure_ascii=False)
    known = _OUTCOME_TEXTS.get(id(outcome))
    if known is None or known[0] is not outcome:
        if len(_OUTCOME_TEXTS) > 4096:  # outcomes built per document (not shared) come and go
            _OUTCOME_TEXTS.clear()
        known = _OUTCOME_TEXTS[id(outcome)] = (outcome, json.dumps(_outcome_json(outcome), ensure_ascii=False))
    return known[1]


def results_json(run: AuditRun) -> dict[str, Any]:
    view = rounds(run)
    return {**_record(run), "documents": [document_json(d, view) for d in run.documents], "summary": summarize(run)}


def _record(run: AuditRun) -> dict[str, Any]:
    """Everything but the documents and the summary."""
    meta = run.meta
    return {
        "version": RESULTS_VERSION,
        "tool": meta.get("tool", {"name": "auditor", "version": None}),
        "created": meta.get("created"),
        "run_id": meta.get("run_id"),
        "command": meta.get("command", []),
        "fail_on": meta.get("fail_on", "error"),
        "config": meta.get("config"),
        "packs": [{"name": p.name, "version": p.version, "path": p.path, "sha256": p.sha256,
                   "rules": list(p.rules)} for p in run.packs],
        "rules": [{"id": r.id, "title": r.title, "severity": r.severity, "pack": r.pack,
                   "description": r.description, "version": r.version} for r in run.rules],
        "inputs": meta["inputs"] if "inputs" in meta else  # (not a .get default: it would read every document)
        [{"path": p, "sha256": None} for p in dict.fromkeys(d.path for d in run.documents)],
        "waivers": meta.get("waivers", {"applied": [], "unused": [], "expired": []}),
        **({"baseline": {k: (meta.get("baseline") or {}).get(k) for k in ("path", "created", "run_id")}}
           if meta.get("baseline") else {}),
    }


class JsonReporter:
    name = "json"
    suffix = ".json"
    description = "machine-readable results (schemas/results.schema.json) with reproducibility record"
    binary = False
    replays = True  # writes what an identical earlier run wrote (``write``)

    def render(self, run: AuditRun, *, color: bool = False) -> str:
        buffer = io.BytesIO()
        self.write(run, buffer)
        return buffer.getvalue().decode("utf-8")

    def write(self, run: AuditRun, stream: BinaryIO, *, color: bool = False) -> None:
        """``results_json`` written a document at a time, one line each: a batch of 10^5
        documents never exists as one string, and each line goes through json's C encoder
        (``indent`` would force the pure-Python one, several times slower). The documents'
        lines are what ``run.documents`` hands back of an identical earlier run when it can
        (``auditor.docstore.DocumentView.rendered``, from the result cache), and are handed to
        it to keep otherwise (``recorder``)."""
        head = json.dumps(_record(run), ensure_ascii=False, indent=2)
        stream.write(head[: head.rindex("}")].rstrip().encode("utf-8") + b',\n  "documents": [')
        rendered = getattr(run.documents, "rendered", None)  # an identical run's documents, as written then
        replay = rendered("json") if callable(rendered) else None
        if replay is not None:
            for block in replay:
                stream.write(block)
        else:
            recorder = getattr(run.documents, "recorder", None)
            record = recorder("json") if callable(recorder) else None
            view = rounds(run)
            for position, doc in enumerate(count_while(run, run.documents)):
                text = (",\n    " if position else "\n    ") + document_line(doc, view)
                stream.write(text.encode("utf-8"))
                if record is not None:
                    record.add(text)
            if record is not None:
                record.done()
        summary = json.dumps(summarize(run), ensure_ascii=False, indent=2).replace("\n", "\n  ")
        stream.write(f'\n  ],\n  "summary": {summary}\n}}\n'.encode())


@hookimpl
def auditor_reporters() -> list[type]:
    return [JsonReporter]
