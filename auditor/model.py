"""The data passed between auditor's stages.

adapter -> ``Document`` (text blocks and raw table grids with source positions)
recognizer -> ``Report`` (sections, metadata, cells keyed by canonical id)
rule engine -> ``Finding`` / ``RuleOutcome`` collected in a ``DocumentResult``
reporters -> read ``AuditRun`` only.

This module imports nothing of auditor's own: every other layer may import it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Optional, Union

Number = Union[int, float]
Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
ReportKind = Literal["annual-report", "legacy-report", "other"]
FormatId = Literal["2019", "2021", "legacy"]
AdminLevel = Literal["省", "市", "县", "乡"]
LEVELS: tuple[str, ...] = ("省", "市", "县", "乡")


# --------------------------------------------------------------------------------------------
# Source positions
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """Where something sits in its source file.

    ``line``/``end_line`` are 1-based text lines (text adapter); ``page`` is a 1-based PDF page;
    ``locator`` is a structural path for HTML/DOCX (``table[2]/tr[5]/td[3]``).
    """

    line: Optional[int] = None
    end_line: Optional[int] = None
    column: Optional[int] = None
    page: Optional[int] = None
    locator: Optional[str] = None

    def describe(self) -> str:
        """Short human form: ``12``, ``12-40``, ``p.4``, ``table[1]/tr[3]/td[2]``."""
        parts = []
        if self.line is not None:
            parts.append(str(self.line) if not self.end_line or self.end_line == self.line
                         else f"{self.line}-{self.end_line}")
        if self.page is not None:
            parts.append(f"p.{self.page}")
        if self.locator:
            parts.append(self.locator)
        return " ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in (("line", self.line), ("end_line", self.end_line),
                                  ("column", self.column), ("page", self.page),
                                  ("locator", self.locator)) if v is not None}

    @staticmethod
    def cover(first: Span, last: Span) -> Span:
        """A span from the start of ``first`` to the end of ``last``."""
        end = last.end_line or last.line
        return Span(line=first.line, end_line=end, page=first.page, locator=first.locator)


# --------------------------------------------------------------------------------------------
# Adapter output
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawCell:
    """One cell of a raw table grid, as written (merged cells repeated into every slot)."""

    text: str
    span: Span = field(default_factory=Span)
    # Set by an OCR route: how sure the recogniser was of this text (0–1).
    confidence: Optional[float] = None


@dataclass(frozen=True)
class Block:
    """A paragraph/line of text (``rows`` empty) or a table grid (``text`` empty).

    The text adapter emits the whole file as one block (the recognizer numbers its lines);
    structured adapters (HTML, DOCX, PDF) emit paragraphs and tables in reading order.
    """

    kind: Literal["text", "table"]
    text: str = ""
    rows: tuple[tuple[RawCell, ...], ...] = ()
    span: Span = field(default_factory=Span)


@dataclass(frozen=True)
class Document:
    """What an adapter read from one file, before any recognition."""

    path: str
    adapter: str
    blocks: tuple[Block, ...]
    encoding: Optional[str] = None
    sha256: Optional[str] = None
    notes: tuple[str, ...] = ()
    # Adapters for already-structured input (the JSON adapter) hand over finished reports;
    # the recognizer passes them through instead of reading ``blocks``.
    reports: tuple[Report, ...] = ()


class AdapterError(Exception):
    """A file that cannot be read: the message is one line a user can act on."""


# --------------------------------------------------------------------------------------------
# Recognized report
# --------------------------------------------------------------------------------------------

CellState = Literal["number", "blank", "placeholder", "text"]
# How a cell's value was obtained when not simply read as printed: ``inferred`` — cells run
# together with no separator, split where the table's identities make the split unique;
# ``ocr`` — read from an image (``confidence`` says how sure the OCR engine was).
CellOrigin = Literal["inferred", "ocr"]


@dataclass(frozen=True)
class Cell:
    """One table cell under its canonical id (``t3.new.natural``).

    ``state`` keeps blank, placeholder (``-``, ``/``, ``——``, ``无``) and text apart from numbers;
    ``value`` is only set for numbers. ``decimals`` is how many decimals were written (for rounding
    tolerance); ``unit`` what was written after the number (``万元``, ``宗``). Amounts given in 元
    are normalised to 万元 and ``raw`` keeps what was written.
    """

    id: str
    raw: str
    value: Optional[Number]
    state: CellState
    span: Span = field(default_factory=Span)
    unit: Optional[str] = None
    decimals: int = 0
    origin: Optional[CellOrigin] = None
    confidence: Optional[float] = None

    @property
    def is_blank(self) -> bool:
        return self.state == "blank"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"raw": self.raw, "value": self.value, "state": self.state,
                                "span": self.span.to_json()}
        if self.unit:
            data["unit"] = self.unit
        if self.decimals:
            data["decimals"] = self.decimals
        if self.origin:
            data["origin"] = self.origin
        if self.confidence is not None:
            data["confidence"] = self.confidence
        return data


@dataclass(frozen=True)
class Unplaced:
    """A value the recognizer found in a table but could not put under a cell id."""

    text: str
    reason: str  # in Chinese, for users: 未知的行「…」, 多余的数值…
    span: Span = field(default_factory=Span)

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "reason": self.reason, "span": self.span.to_json()}


@dataclass(frozen=True)
class Reading:
    """How one table was read: rows not found, rows printed undivided where the format divides
    them, digits run together that no identity splits uniquely, cells inferred from a split,
    and values that could not be placed. Rules report these instead of guessing."""

    table: str
    missing_rows: tuple[str, ...] = ()  # row ids of the format that were not found
    undivided_rows: tuple[str, ...] = ()  # row ids covered by one printed row (（六）其他处理)
    ambiguous_rows: tuple[str, ...] = ()  # digits run together, no unique split
    inferred_rows: tuple[str, ...] = ()  # cells split from digits run together
    identities: tuple[str, ...] = ()  # sums a split relied on: row_total, column_sum, column_balance
    summed_rows: tuple[str, ...] = ()  # inferred rows only those sums made unique (checking them says nothing)
    unbalanced_rows: tuple[str, ...] = ()  # digits run together that no split makes add up: the row is wrong
    unplaced: tuple[Unplaced, ...] = ()

    def __str__(self) -> str:  # how a finding's scope names it
        return self.table

    def to_json(self) -> dict[str, Any]:
        return {"table": self.table, "missing_rows": list(self.missing_rows),
                "undivided_rows": list(self.undivided_rows), "ambiguous_rows": list(self.ambiguous_rows),
                "inferred_rows": list(self.inferred_rows), "identities": list(self.identities),
                "summed_rows": list(self.summed_rows), "unbalanced_rows": list(self.unbalanced_rows),
                "unplaced": [u.to_json() for u in self.unplaced]}


@dataclass(frozen=True)
class Section:
    """One of the six numbered sections as found in the report."""

    number: int
    heading: str
    standard: bool
    text: str
    span: Span = field(default_factory=Span)
    expected_heading: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "heading": self.heading, "standard": self.standard,
                "expected_heading": self.expected_heading, "span": self.span.to_json(),
                "text": self.text}


@dataclass(frozen=True)
class Contact:
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    address: Optional[str] = None
    postcode: Optional[str] = None

    def to_json(self) -> dict[str, Any]:
        return {"phones": list(self.phones), "emails": list(self.emails),
                "address": self.address, "postcode": self.postcode}


@dataclass(frozen=True)
class Period:
    """The statistic-period statement (本报告中所列数据的统计期限是…)."""

    statement: str
    start: Optional[str] = None  # ISO date
    end: Optional[str] = None  # ISO date
    span: Span = field(default_factory=Span)

    def to_json(self) -> dict[str, Any]:
        return {"statement": self.statement, "start": self.start, "end": self.end,
                "span": self.span.to_json()}


YearSource = Literal["title", "period", "format", "published", "body"]


@dataclass(frozen=True)
class YearEvidence:
    """One fact that points to a report year: what was read and the years it allows.

    ``low``–``high`` is the range the fact allows (``high`` None: open-ended, as for the 2021
    format, which fits 2021 and every later year); ``supports`` says whether it agrees with the
    year decided from all of them.
    """

    source: YearSource
    read: str  # what was read: "2022", "2021-01-01 – 2021-12-31", "2019年版表格", "2021-01-29"
    low: int
    high: Optional[int]
    supports: bool = False

    def allows(self, year: int) -> bool:
        return self.low <= year and (self.high is None or year <= self.high)

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "read": self.read, "low": self.low, "high": self.high,
                "supports": self.supports}


@dataclass(frozen=True)
class Source:
    """Which file, which document inside it, which lines."""

    path: str
    index: int = 0
    span: Span = field(default_factory=Span)
    encoding: Optional[str] = None
    adapter: Optional[str] = None
    sha256: Optional[str] = None

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "index": self.index, "span": self.span.to_json(),
                "encoding": self.encoding, "adapter": self.adapter, "sha256": self.sha256}


@dataclass(frozen=True)
class Report:
    """A recognized document: what rules are evaluated against."""

    source: Source
    kind: ReportKind
    agency: Optional[str] = None
    year: Optional[int] = None
    format: Optional[FormatId] = None
    title: Optional[str] = None
    published: Optional[str] = None  # ISO date
    period: Optional[Period] = None
    contact: Contact = field(default_factory=Contact)
    sections: tuple[Section, ...] = ()
    cells: dict[str, Cell] = field(default_factory=dict)
    tables: tuple[str, ...] = ()  # tables found: "t2", "t3", "t4"
    text: str = ""
    government_report: bool = False  # a people's government's own report (deadline 31 March)
    # Administrative level of the agency: 省 (provinces, autonomous regions, municipalities), 市
    # (prefecture-level), 县 (county-level: 县, 区, 旗, county-level 市) or 乡 (乡, 镇, 街道); None
    # when the name does not say. A department has the level of the government it belongs to.
    level: Optional[AdminLevel] = None
    notes: tuple[str, ...] = ()  # recognizer remarks: unknown rows, ambiguous placement…
    readings: tuple[Reading, ...] = ()  # per table found: what could not be read as printed
    # What the report year was decided from (title, period, table format, publication date).
    year_evidence: tuple[YearEvidence, ...] = ()

    def section(self, number: int) -> Optional[Section]:
        return next((s for s in self.sections if s.number == number), None)

    def reading(self, table: str) -> Optional[Reading]:
        return next((r for r in self.readings if r.table == table), None)

    def cell_values(self) -> dict[str, Optional[Number]]:
        return {cid: cell.value for cid, cell in self.cells.items()}

    def to_json(self, *, full: bool = True) -> dict[str, Any]:
        """The serialized form described by ``schemas/report.schema.json``."""
        data: dict[str, Any] = {
            "source": self.source.path,
            "index": self.source.index,
            "kind": self.kind,
            "agency": self.agency,
            "year": self.year,
            "format": self.format,
            "title": self.title,
            "published": self.published,
            "sections": [s.number for s in self.sections],
            "tables": list(self.tables),
            "cells": self.cell_values(),
        }
        if full:
            data.update({
                "location": self.source.to_json(),
                "period": self.period.to_json() if self.period else None,
                "contact": self.contact.to_json(),
                "government_report": self.government_report,
                "level": self.level,
                "section_details": [s.to_json() for s in self.sections],
                "cell_details": {cid: cell.to_json() for cid, cell in self.cells.items()},
                "notes": list(self.notes),
                "readings": [r.to_json() for r in self.readings],
                "year_evidence": [e.to_json() for e in self.year_evidence],
            })
        return data


# --------------------------------------------------------------------------------------------
# Audit results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellRef:
    """A cell a finding is about, with what it held."""

    id: str
    value: Optional[Number]
    raw: str = ""
    span: Span = field(default_factory=Span)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "value": self.value, "raw": self.raw, "span": self.span.to_json()}


@dataclass(frozen=True)
class Finding:
    """One violation of one rule, in one scope (a column, a row, or the whole report)."""

    rule: str
    severity: Severity
    message: str
    scope: dict[str, str] = field(default_factory=dict)
    cells: tuple[CellRef, ...] = ()
    span: Span = field(default_factory=Span)
    waived: Optional[dict[str, Any]] = None  # the waiver that covers it, if any

    @property
    def line(self) -> Optional[int]:
        if self.span.line is not None:
            return self.span.line
        return next((c.span.line for c in self.cells if c.span.line is not None), None)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"rule": self.rule, "severity": self.severity, "message": self.message,
                                "scope": dict(self.scope), "cells": [c.to_json() for c in self.cells],
                                "line": self.line, "location": self.span.to_json()}
        if self.waived is not None:
            data["waived"] = self.waived
        return data


@dataclass(frozen=True)
class CellFix:
    """One cell of a correction: what it holds (None when blank) and what it would need."""

    id: str
    found: Optional[Number]
    expected: Number
    raw: str = ""
    span: Span = field(default_factory=Span)

    def to_json(self) -> dict[str, Any]:
        return {"found": self.found, "expected": self.expected}


@dataclass(frozen=True)
class Correction:
    """A smallest set of cell changes that makes every failing table identity hold.

    ``explains`` names the findings it would clear as (rule id, scope) pairs; corrections of one
    ``group`` are ties — equally small alternatives for the same failures. ``slip`` names the
    likely mistake (数字录入错误, 相邻数字颠倒…) or is None when the numbers show none.
    """

    cells: tuple[CellFix, ...]
    slip: Optional[str]
    explains: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    message: str
    group: int = 0

    def explains_finding(self, finding: Finding) -> bool:
        return (finding.rule, tuple(sorted(finding.scope.items()))) in self.explains

    def to_json(self) -> dict[str, Any]:
        return {"cells": {c.id: c.to_json() for c in self.cells}, "slip": self.slip,
                "explains": list(dict.fromkeys(rule for rule, _ in self.explains)),
                "message": self.message, "group": self.group}


Status = Literal["pass", "fail", "not_assessable", "skipped"]


@dataclass(frozen=True)
class SectionPrint:
    """A section's narrative as cross-document checks compare it, without its text: the 32-bit
    hashes of its clauses (table text and boilerplate left out; figures, years and the agency's
    own name masked), base64 of little-endian words in text order, and for each paragraph the
    position of its first clause and its first words, to quote."""

    number: int
    clauses: str = ""
    passages: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class Signature:
    """The small part of a document that rules over several documents read (``previous``,
    similar reports, local deadlines): computed where the document is read, kept with its
    results (and in the result cache and the JSON output) after the text is gone."""

    agency_key: Optional[str] = None
    published: Optional[str] = None
    tables: tuple[str, ...] = ()
    cells: tuple[Cell, ...] = ()  # the cells cross-document rules read
    sections: tuple[SectionPrint, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The form the JSON results carry (``schemas/results.schema.json``, ``signature``)."""
        return {"agency_key": self.agency_key, "published": self.published, "tables": list(self.tables),
                "cells": {c.id: c.to_json() for c in self.cells},
                "sections": [{"number": p.number, "clauses": p.clauses, "passages": [list(x) for x in p.passages]}
                             for p in self.sections]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Signature:
        """Back from ``to_json`` (a previous run's results used as history); raises on bad data."""
        cells = []
        for cid, cell in (data.get("cells") or {}).items():
            span = cell.get("span") or {}
            cells.append(Cell(id=str(cid), raw=str(cell.get("raw", "")), value=cell.get("value"),
                              state=cell.get("state", "blank"), unit=cell.get("unit"),
                              decimals=int(cell.get("decimals", 0)), origin=cell.get("origin"),
                              confidence=cell.get("confidence"),
                              span=Span(**{k: span[k] for k in ("line", "end_line", "column", "page", "locator")
                                           if k in span})))
        sections = tuple(SectionPrint(int(p["number"]), str(p.get("clauses", "")),
                                      tuple((int(first), str(words)) for first, words in p.get("passages", ())))
                         for p in data.get("sections") or ())
        return cls(agency_key=data.get("agency_key"), published=data.get("published"),
                   tables=tuple(data.get("tables") or ()), cells=tuple(cells), sections=sections)


@dataclass(frozen=True)
class PackedSignature:
    """A ``Signature`` kept as the JSON text of its ``to_json`` form, as documents' results hold
    it after the worker: ~5 KB of text instead of ~18 KB of objects per document, decoded with
    the rest of a result at no cost (one string), written into the JSON output as it is, and
    unpacked only by the cross-document phase, one document at a time."""

    text: str

    @classmethod
    def pack(cls, signature: Signature) -> PackedSignature:
        return cls(json.dumps(signature.to_json(), ensure_ascii=False))

    def unpack(self) -> Signature:
        return Signature.from_json(json.loads(self.text))

    def to_json(self) -> dict[str, Any]:
        return json.loads(self.text)


@dataclass(frozen=True)
class RuleInfo:
    """What reporters need to know about a rule, without the compiled code."""

    id: str
    title: str
    severity: Severity
    pack: str
    description: str = ""
    version: int = 1


@dataclass(frozen=True)
class PackInfo:
    """A loaded rule pack, for reproducibility records (name, version, content hash)."""

    name: str
    version: int
    path: str
    sha256: str
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleOutcome:
    """How one rule went on one document: ``pass``, ``fail`` (with findings), ``not_assessable``
    (the report lacks what the rule needs; ``reason`` says what) or ``skipped`` (guard false)."""

    rule: RuleInfo
    status: Status
    findings: tuple[Finding, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class DocumentResult:
    """One document's audit: its report (or the error that stopped reading it) and outcomes."""

    path: str
    index: int = 0
    report: Optional[Report] = None
    outcomes: tuple[RuleOutcome, ...] = ()
    error: Optional[str] = None
    sha256: Optional[str] = None
    corrections: tuple[Correction, ...] = ()  # which cells most likely hold the slip (localisation)
    # What cross-document rules read of this document once its text is gone (auditor.crossdoc).
    # A ``PackedSignature`` once the document has been through ``auditor.worker.slim``.
    signature: Optional[Union[Signature, PackedSignature]] = None

    @property
    def findings(self) -> list[Finding]:
        return [f for o in self.outcomes for f in o.findings]


@dataclass(frozen=True)
class AuditRun:
    """Everything one ``auditor audit`` produced; the only thing reporters read."""

    # A tuple, or a sequence reading them from disk as it goes (``auditor.docstore.DocumentView``).
    documents: Sequence[DocumentResult]
    rules: tuple[RuleInfo, ...] = ()
    packs: tuple[PackInfo, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)  # version, packs + hashes, config, inputs
