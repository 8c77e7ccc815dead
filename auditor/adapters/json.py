"""JSON: the report model itself, so other systems can hand auditor structured data directly.

Input is what ``auditor parse --format json`` prints — ``{"documents": [...]}`` — or one document
object (``Report.to_json()``). Each document is validated against ``schemas/report.schema.json``
with jsonschema (the schema is the contract; errors name the JSON path, ``$.documents[1].year``)
and rebuilt into ``Report`` objects handed over in ``Document.reports``. ``cell_details`` gives
each cell's raw text, state and span; without it the flat ``cells`` map is used (``null`` = blank).
"""

from __future__ import annotations

import codecs
import json
from typing import Any, Optional

from auditor.hookspecs import claim, hookimpl
from auditor.model import (
    AdapterError,
    Cell,
    Contact,
    Document,
    Period,
    Reading,
    Report,
    Section,
    Source,
    Span,
    Unplaced,
    YearEvidence,
)

_SPAN_KEYS = ("line", "end_line", "column", "page", "locator")


def _span(data: Optional[dict[str, Any]]) -> Span:
    if not data:
        return Span()
    return Span(**{key: data[key] for key in _SPAN_KEYS if key in data})


def _cells(document: dict[str, Any]) -> dict[str, Cell]:
    details = document.get("cell_details")
    cells: dict[str, Cell] = {}
    if details:
        for cell_id, cell in details.items():
            cells[cell_id] = Cell(id=cell_id, raw=cell["raw"], value=cell["value"], state=cell["state"],
                                  span=_span(cell.get("span")), unit=cell.get("unit"),
                                  decimals=cell.get("decimals", 0), origin=cell.get("origin"),
                                  confidence=cell.get("confidence"))
    for cell_id, value in document["cells"].items():
        if cell_id in cells:
            continue
        if value is None:
            cells[cell_id] = Cell(id=cell_id, raw="", value=None, state="blank")
        else:
            text = str(value)
            decimals = len(text.split(".", 1)[1]) if isinstance(value, float) and "." in text else 0
            cells[cell_id] = Cell(id=cell_id, raw=text, value=value, state="number", decimals=decimals)
    return cells


def report_from_json(document: dict[str, Any], path: str) -> Report:
    """Rebuild a ``Report`` from its validated serialized form."""
    location = document.get("location") or {}
    source = Source(path=document["source"] or path, index=document["index"], span=_span(location.get("span")),
                    encoding=location.get("encoding"), adapter=location.get("adapter"),
                    sha256=location.get("sha256"))
    period_data = document.get("period")
    period = None
    if period_data:
        period = Period(statement=period_data["statement"], start=period_data.get("start"),
                        end=period_data.get("end"), span=_span(period_data.get("span")))
    contact_data = document.get("contact") or {}
    contact = Contact(phones=tuple(contact_data.get("phones", ())), emails=tuple(contact_data.get("emails", ())),
                      address=contact_data.get("address"), postcode=contact_data.get("postcode"))
    if document.get("section_details"):
        sections = tuple(Section(number=s["number"], heading=s["heading"], standard=s["standard"],
                                 text=s.get("text", ""), span=_span(s.get("span")),
                                 expected_heading=s.get("expected_heading", ""))
                         for s in document["section_details"])
    else:
        sections = tuple(Section(number=n, heading="", standard=True, text="") for n in document["sections"])
    return Report(
        source=source, kind=document["kind"], agency=document["agency"], year=document["year"],
        format=document["format"], title=document.get("title"), published=document.get("published"),
        period=period, contact=contact, sections=sections, cells=_cells(document),
        tables=tuple(document.get("tables", ())),
        text="\n".join(section.text for section in sections if section.text),
        government_report=bool(document.get("government_report", False)),
        level=document.get("level"),
        notes=tuple(document.get("notes", ())),
        readings=tuple(_reading(r) for r in document.get("readings", ())),
        year_evidence=tuple(YearEvidence(e["source"], e["read"], e["low"], e["high"], e["supports"])
                            for e in document.get("year_evidence", ())),
    )


def _reading(data: dict[str, Any]) -> Reading:
    return Reading(table=data["table"], missing_rows=tuple(data.get("missing_rows", ())),
                   undivided_rows=tuple(data.get("undivided_rows", ())),
                   ambiguous_rows=tuple(data.get("ambiguous_rows", ())),
                   inferred_rows=tuple(data.get("inferred_rows", ())), identities=tuple(data.get("identities", ())),
                   summed_rows=tuple(data.get("summed_rows", ())),
                   unbalanced_rows=tuple(data.get("unbalanced_rows", ())),
                   unplaced=tuple(Unplaced(u["text"], u["reason"], _span(u.get("span")))
                                  for u in data.get("unplaced", ())))


def _json_path(prefix: str, error: Any) -> str:
    parts = prefix
    for part in error.absolute_path:
        parts += f"[{part}]" if isinstance(part, int) else f".{part}"
    return parts


class JsonAdapter:
    """Reads the serialized report model (``auditor parse --format json`` output)."""

    name = "json"
    extensions = (".json",)
    description = "the report model as JSON (auditor parse --format json; schemas/report.schema.json)"

    def sniff(self, head: bytes) -> bool:
        text = head.lstrip(codecs.BOM_UTF8).lstrip()
        return text.startswith(b"{") and (b'"documents"' in text or b'"cells"' in text)

    def read(self, path: str, data: bytes) -> Document:
        if not data.strip():
            raise AdapterError("file is empty")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise AdapterError("JSON must be UTF-8 (the file is not; wrong extension?)") from None
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as exc:
            raise AdapterError(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
        except RecursionError:
            raise AdapterError("invalid JSON: nested too deeply") from None
        except ValueError as exc:  # an integer past Python's digit limit (4,300 by default)
            raise AdapterError(f"invalid JSON: {str(exc).split(':')[0]}") from None
        if isinstance(payload, dict) and "documents" in payload:
            items, prefix = payload["documents"], "$.documents"
            if not isinstance(items, list):
                raise AdapterError("$.documents: expected a list of report objects")
        elif isinstance(payload, dict):
            items, prefix = [payload], "$"
        else:
            raise AdapterError("$: expected a report object or {\"documents\": [...]}")
        try:
            from jsonschema import FormatChecker
            from jsonschema.validators import validator_for
        except ImportError:
            raise AdapterError("reading JSON reports needs jsonschema: pip install jsonschema") from None
        from auditor.resources import load_schema

        schema = load_schema("report.schema.json")
        validator = validator_for(schema)(schema, format_checker=FormatChecker())
        reports: list[Report] = []
        notes: list[str] = []
        for number, item in enumerate(items):
            where = f"{prefix}[{number}]" if prefix != "$" else "$"
            if isinstance(item, dict) and "error" in item and "cells" not in item:
                notes.append(f"{where}: skipped, it records an error: {item['error']}")
                continue
            errors = sorted(validator.iter_errors(item), key=lambda e: (len(e.absolute_path), e.message))
            if errors:
                first = errors[0]
                more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
                message = first.message if len(first.message) <= 200 else first.message[:197] + "..."
                raise AdapterError(f"{_json_path(where, first)}: {message}{more}")
            reports.append(report_from_json(item, path))
        if not reports:
            raise AdapterError(f"{prefix}: no report documents in the file")
        return Document(path=path, adapter=self.name, blocks=(), encoding="utf-8", notes=tuple(notes),
                        reports=tuple(reports))


@hookimpl
def auditor_adapters() -> list[type]:
    return [JsonAdapter]


@hookimpl
def auditor_claim(path: str, head: bytes, by: str):
    return claim(JsonAdapter(), path, head, by)
