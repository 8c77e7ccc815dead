"""Fuzz targets: each takes bytes and returns normally whatever they hold, or raises the one
error auditor promises for bad input (``AdapterError`` for reports, ``RuleFileError`` for rule
files). Anything else — a traceback, a hang the limits miss, a report that breaks its own
schema — is the bug a fuzzer is after. Shared by the hypothesis tests and the atheris entry."""

from __future__ import annotations

import functools
import io
import json
import math
import zipfile
from collections.abc import Callable
from pathlib import Path

from auditor.model import AdapterError, Report

ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted((ROOT / "examples" / "reports").glob("*.txt"))


def _adapter(name: str):
    from auditor import plugins

    return plugins.adapters()[name].obj


def _read(adapter: str, suffix: str, data: bytes) -> None:
    try:
        document = _adapter(adapter).read(f"fuzz{suffix}", data)
    except AdapterError as exc:
        assert str(exc) and "\n" not in str(exc), repr(exc)  # one line a user can act on
        return
    for block in document.blocks:
        assert block.kind in ("text", "table")


def text_adapter(data: bytes) -> None:
    _read("text", ".txt", data)


def html_adapter(data: bytes) -> None:
    _read("html", ".html", data)


def json_adapter(data: bytes) -> None:
    _read("json", ".json", data)


def docx_adapter(data: bytes) -> None:
    _read("docx", ".docx", data)


def docx_xml(data: bytes) -> None:
    """``data`` as the main part of an honest package: the XML walk, not the zip, is fuzzed."""
    _read("docx", ".docx", _package(data))


def pdf_adapter(data: bytes) -> None:
    _read("pdf", ".pdf", data)


def recognizer(data: bytes) -> None:
    """Text through the text adapter and the recognizer: every report it returns must be valid
    against the report schema and hold only finite numbers (strict JSON)."""
    from auditor.recognize import recognize

    try:
        document = _adapter("text").read("fuzz.txt", data)
    except AdapterError:
        return
    for report in recognize(document):
        _check_report(report)


def rule_parser(data: bytes) -> None:
    """Rule text compiled, then run over a seed report: compile errors are ``RuleFileError``
    with a rendering; a rule that compiles gives an outcome, never an exception."""
    from auditor.dsl.errors import RuleFileError
    from auditor.engine import RuleSet, load_pack

    text = data.decode("utf-8", "replace")
    try:
        pack = load_pack("fuzz.rules", text)
    except RuleFileError as exc:
        assert exc.render()
        return
    outcomes = RuleSet(pack.rules, [pack]).evaluate(_seed_report())
    assert len(outcomes) == len(pack.rules)
    for outcome in outcomes:
        assert outcome.status in ("pass", "fail", "not_assessable", "skipped"), outcome


@functools.lru_cache(maxsize=1)
def _seed_report() -> Report:
    from auditor.reading import load_reports

    return load_reports(str(SEEDS[0]))[0]


@functools.lru_cache(maxsize=1)
def _report_schema():
    import jsonschema

    from auditor.resources import load_schema

    schema = load_schema("report.schema.json")
    return jsonschema.validators.validator_for(schema)(schema)


def _check_report(report: Report) -> None:
    payload = report.to_json()
    text = json.dumps(payload, ensure_ascii=False, allow_nan=False)  # raises on NaN/Infinity
    _report_schema().validate(json.loads(text))
    for cell in report.cells.values():
        if isinstance(cell.value, float):
            assert math.isfinite(cell.value), cell


TARGETS: dict[str, Callable[[bytes], None]] = {
    "text": text_adapter, "html": html_adapter, "json": json_adapter, "docx": docx_adapter, "docx-xml": docx_xml,
    "pdf": pdf_adapter,
    "recognizer": recognizer, "rules": rule_parser,
}


# ---------------------------------------------------------------- seeds for mutation


@functools.cache
def seed_inputs(target: str) -> tuple[bytes, ...]:
    """Valid inputs of each target's kind, for mutation: the fuzzers start near real files."""
    texts = tuple(path.read_bytes() for path in SEEDS)
    if target in ("text", "recognizer"):
        return texts
    if target == "html":
        return tuple(b"<html><head><meta charset=utf-8></head><body><table>"
                     + b"".join(b"<tr><td>" + line.replace(b"|", b"</td><td>") + b"</td></tr>"
                                for line in text.splitlines()[:80]) + b"</table></body></html>" for text in texts[:2])
    if target == "json":
        return (json.dumps(_seed_report().to_json(), ensure_ascii=False).encode("utf-8"),)
    if target == "docx":
        return (_small_docx(),)
    if target == "docx-xml":
        return (zipfile.ZipFile(io.BytesIO(_small_docx())).read("word/document.xml"),)
    if target == "pdf":
        from tests.hostile.builders import text_pdf

        return (text_pdf(),)
    if target == "rules":
        return tuple(path.read_bytes() for path in sorted((ROOT / "rules" / "standard").glob("*.rules")))
    raise KeyError(target)


@functools.lru_cache(maxsize=1)
def _small_docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("南宁市良庆区2020年政府信息公开工作年度报告")
    table = document.add_table(rows=2, cols=3)
    for c, text in enumerate(("信息内容", "本年制发件数", "本年废止件数")):
        table.cell(0, c).text = text
    table.cell(1, 0).merge(table.cell(1, 1)).text = "规章"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _package(document_xml: bytes) -> bytes:
    """The small document's package with ``document_xml`` as its main part."""
    source = zipfile.ZipFile(io.BytesIO(_small_docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            target.writestr(name, document_xml if name == "word/document.xml" else source.read(name))
    return out.getvalue()
