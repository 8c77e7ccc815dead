"""Rule test cases: small reports written in TOML and the outcomes rules must give on them.

A pack ``foo.rules`` keeps its cases in ``foo.cases.toml`` next to it::

    [[case]]
    name = "表三自然人列不平衡"
    report.cells = { "t3.new.natural" = 3 }    # everything else: a clean 2020 report
    fail = ["T3-BALANCE"]
    pass = ["T4-SUM"]
    messages = ["表三「自然人」列"]            # each must appear in some finding

A case starts from a *clean* report — kind annual-report, year 2020 (format from the year),
six standard sections, a correct statistic period, a phone number, tables 二/三/四 with every
cell 0 — and changes only what it states, so each case shows exactly one thing. Set
``report.clean = false`` to start from an empty report instead; ``report.blank`` blanks whole
extents (``["t3"]``, ``["t3.granted"]``, ``["t3.*.total"]``) before ``report.cells``. Cell values: numbers; decimals
as strings to keep what was written (``"258.13"``); ``""`` blank; ``"-"``, ``"/"``, ``"无"``,
``"——"`` placeholders; any other string is text.
"""

from __future__ import annotations

import dataclasses
import difflib
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from auditor import templates
from auditor.dsl.crossfacts import RunFacts, Similar
from auditor.i18n import t
from auditor.model import Cell, Contact, Period, Reading, Report, RuleOutcome, Section, Source, Unplaced
from auditor.tomllines import line_of

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CASES_SUFFIX = ".cases.toml"
STATUSES = ("pass", "fail", "not_assessable", "skipped")
PLACEHOLDERS = ("-", "/", "—", "——", "－", "无", "／")
REPORT_KEYS = {"clean", "kind", "year", "format", "title", "agency", "level", "published", "government_report",
               "sections", "headings", "texts", "period", "contact", "tables", "cells", "blank", "text", "path", "readings"}


class CaseFileError(Exception):
    """A case file that cannot be read: names the file, the case and the key."""


@dataclass(frozen=True)
class Case:
    name: str
    report: Report
    expect: dict[str, str]  # rule id -> expected status
    messages: tuple[str, ...] = ()
    findings: dict[str, int] = field(default_factory=dict)  # rule id -> number of findings
    facts: Optional[RunFacts] = None  # the run around the report: previous year, similar reports


@dataclass(frozen=True)
class CaseResult:
    case: Case
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def cases_path(rule_file: Path) -> Path:
    return rule_file.with_name(rule_file.name[: -len(".rules")] + CASES_SUFFIX)


def load_cases(path: Path) -> list[Case]:
    """Read and check a case file: every problem (unknown key or cell id, wrong type) is a
    ``CaseFileError`` naming ``file:line``, the key and — where one is close — a did-you-mean."""
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseFileError(t("cases.unreadable", path=path, reason=exc)) from None
    except tomllib.TOMLDecodeError as exc:  # the message says "(at line N, column M)"
        raise CaseFileError(t("cases.invalid_toml", where=path, reason=exc)) from None
    problems = check_cases(data, text, str(path))
    if problems:
        raise CaseFileError("\n".join(problems))
    cases = []
    for index, raw in enumerate(data.get("case", []), start=1):
        name = str(raw.get("name") or t("cases.unnamed", number=index))
        where = f"{_at(text, path, ('case', index - 1))}: case '{name}'"
        expect: dict[str, str] = {}
        for status in STATUSES:
            for rule_id in raw.get(status, []):
                if rule_id in expect:
                    raise CaseFileError(f"{where}: " + t("cases.twice", rule=rule_id, first=expect[rule_id],
                                                         second=status))
                expect[rule_id] = status
        findings = {str(k): int(v) for k, v in raw.get("findings", {}).items()}
        for rule_id in findings:
            expect.setdefault(rule_id, "fail")
        cases.append(Case(name, build_report(raw.get("report", {}), where), expect,
                          tuple(raw.get("messages", ())), findings, _facts(raw, where)))
    return cases


def _facts(raw: Mapping[str, Any], where: str) -> Optional[RunFacts]:
    """``previous`` (a report table, like ``report``, defaulting to the year before) and
    ``similar`` (reports whose narrative is close): what the run would know."""
    if "previous" not in raw and "similar" not in raw:
        return None
    previous = None
    if "previous" in raw:
        spec = dict(raw["previous"])
        year = raw.get("report", {}).get("year", 2020)
        spec.setdefault("year", year - 1 if isinstance(year, int) else None)
        spec.setdefault("path", "previous.txt")
        previous = build_report(spec, f"{where}: previous")
    similar = []
    for item in raw.get("similar", []):
        similar.append(Similar(agency=str(item.get("agency", "某局")), year=item.get("year"),
                               path=str(item.get("path", "other.txt")), similarity=float(item.get("similarity", 1.0)),
                               shared=int(item.get("shared", 20)), passages=str(item.get("passages", "")),
                               same_agency=bool(item.get("same_agency", False)), source=str(item.get("source", "本批次"))))
    compared = len(similar) or (1 if "similar" in raw else 0)
    return RunFacts(previous=previous, similar=tuple(similar), compared=compared)


def _at(text: str, path: Any, key: tuple[Any, ...]) -> str:
    line = line_of(text, key)
    return f"{path}:{line}" if line else str(path)


def _dotted(path: Sequence[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or t("config.top_level")


def check_cases(data: Mapping[str, Any], text: str, where: str) -> list[str]:
    """Every problem of a case file against ``schemas/cases.schema.json`` and the templates'
    cell ids, as ``file:line: key: what is wrong``."""
    import jsonschema

    from auditor.resources import load_schema

    schema = load_schema("cases.schema.json")
    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    for error in sorted(validator.iter_errors(dict(data)), key=lambda e: [str(p) for p in e.absolute_path]):
        path = list(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = list(error.schema.get("properties", {}))
            for name in [k for k in error.instance if k not in known]:
                hint = difflib.get_close_matches(name, known, n=1)
                problems.append(f"{_at(text, where, (*path, name))}: {_dotted(path)}: " + t("config.unknown_key", key=name)
                                + (t("hint.did_you_mean", name=hint[0]) if hint else "")
                                + t("config.known_keys", keys=", ".join(known)))
            continue
        problems.append(f"{_at(text, where, tuple(path))}: {_dotted(path)}: {_schema_message(error)}")
    if problems:
        return problems
    for number, raw in enumerate(data.get("case", [])):
        report = raw.get("report", {})
        year = report.get("year", 2020 if report.get("clean", True) else None)
        fmt = report.get("format", templates.format_for_year(year) if year else None)
        known = templates.load(fmt).cell_ids() if fmt in templates.FORMATS else \
            [c for f in templates.FORMATS for c in templates.load(f).cell_ids()]
        for cell_id in report.get("cells", {}):
            if cell_id not in known:
                hint = difflib.get_close_matches(cell_id, known, n=1, cutoff=0.7)
                key = ("case", number, "report", "cells", cell_id)
                problems.append(f"{_at(text, where, key)}: {_dotted(key[:-1])}: "
                                + t("cases.unknown_cell", cell=cell_id, format=fmt or "?")
                                + (t("hint.did_you_mean", name=hint[0]) if hint else ""))
        for reading_number, reading in enumerate(report.get("readings", [])):
            rows = {row.id for f in ([fmt] if fmt in templates.FORMATS else templates.FORMATS)
                    for row in templates.load(f).rows(reading["table"])}
            for key_name in ("missing", "undivided", "ambiguous", "inferred", "summed", "unbalanced"):
                for row in reading.get(key_name, []):
                    if row not in rows:
                        hint = difflib.get_close_matches(row, sorted(rows), n=1)
                        key = ("case", number, "report", "readings", reading_number, key_name)
                        problems.append(f"{_at(text, where, key)}: {_dotted(key)}: "
                                        + t("cases.unknown_row", row=row, table=reading["table"])
                                        + (t("hint.did_you_mean", name=hint[0]) if hint else ""))
    return problems


def _schema_message(error: Any) -> str:
    validator, value, instance = error.validator, error.validator_value, error.instance
    if validator == "type":
        kinds = value if isinstance(value, list) else [value]
        return t("config.wrong_type", value=repr(instance), type=" / ".join(t(f"type.{k}") for k in kinds))
    if validator == "enum":
        return t("config.not_one_of", value=repr(instance), choices=", ".join(map(str, value)))
    if validator in ("minimum", "maximum", "minLength"):
        return t(f"config.{validator}", value=repr(instance), limit=value)
    if validator == "required":
        return t("config.required", key=value[0])
    if validator in ("pattern", "propertyNames"):
        return t("config.pattern", value=repr(instance))
    if validator == "anyOf":
        return t("cases.bad_value", value=repr(instance))
    return error.message


def run_case(case: Case, outcomes: Sequence[RuleOutcome]) -> CaseResult:
    """Compare outcomes with what the case expects; every mismatch is one line."""
    by_id = {o.rule.id: o for o in outcomes}
    problems: list[str] = []
    for rule_id, status in case.expect.items():
        outcome = by_id.get(rule_id)
        if outcome is None:
            problems.append(t("case.no_rule", rule=rule_id))
            continue
        if outcome.status != status:
            detail = outcome.reason or "; ".join(f.message for f in outcome.findings[:3])
            problems.append(t("case.expected", rule=rule_id, expected=t(f"case.status.{status}"),
                              got=t(f"case.status.{outcome.status}")) + (f"（{detail}）" if detail else ""))
        if rule_id in case.findings and len(outcome.findings) != case.findings[rule_id]:
            problems.append(t("case.count", rule=rule_id, expected=case.findings[rule_id], got=len(outcome.findings)))
    messages = [f.message for o in outcomes for f in o.findings]
    for wanted in case.messages:
        if not any(wanted in m for m in messages):
            shown = "; ".join(messages[:3]) or t("case.no_findings")
            problems.append(t("case.no_message", wanted=wanted, got=shown))
    return CaseResult(case, tuple(problems))


# ---------------------------------------------------------------- report builder


def build_report(spec: Mapping[str, Any], where: str = "case") -> Report:
    """A ``Report`` from a case's ``report`` table (see the module docstring)."""
    unknown = set(spec) - REPORT_KEYS
    if unknown:
        raise CaseFileError(f"{where}: " + t("config.unknown_key", key=sorted(unknown)[0])
                            + t("config.known_keys", keys=", ".join(sorted(REPORT_KEYS))))
    clean = bool(spec.get("clean", True))
    year = spec.get("year", 2020 if clean else None)
    fmt = spec.get("format", templates.format_for_year(year) if year else None)
    kind = spec.get("kind", "annual-report" if clean else "other")
    template = templates.load(fmt) if fmt in templates.FORMATS else None

    numbers = spec.get("sections", [1, 2, 3, 4, 5, 6] if clean else [])
    headings = {int(k): v for k, v in spec.get("headings", {}).items()}
    texts = {int(k): v for k, v in spec.get("texts", {}).items()}
    sections = []
    for number in numbers:
        standard = template.section(number).heading if template else templates.load("2019").section(number).heading
        heading = headings.get(number, standard)
        sections.append(Section(number=number, heading=heading, standard=heading == standard,
                                text=texts.get(number, ""), expected_heading=standard))

    period = spec.get("period", {} if clean else False)
    period_obj: Optional[Period] = None
    if period is not False:
        start = period.get("start", f"{year}-01-01" if year else None)
        end = period.get("end", f"{year}-12-31" if year else None)
        statement = period.get("statement", f"本报告中所列数据的统计期限是自{year}年1月1日起至12月31日止")
        period_obj = Period(statement=statement, start=start or None, end=end or None)

    contact_spec = spec.get("contact", {"phones": ["0771-1234567"]} if clean else {})
    contact = Contact(phones=tuple(contact_spec.get("phones", ())), emails=tuple(contact_spec.get("emails", ())),
                      address=contact_spec.get("address"), postcode=contact_spec.get("postcode"))

    tables = tuple(spec.get("tables", templates.TABLES if clean and template else ()))
    cells: dict[str, Cell] = {}
    if clean and template:
        for cid in template.cell_ids():
            if cid.partition(".")[0] in tables:
                cells[cid] = Cell(id=cid, raw="0", value=0, state="number")
    for extent in spec.get("blank", []):
        matching = [cid for cid in cells if _in_extent(cid, str(extent))]
        if not matching:
            raise CaseFileError(f"{where}: " + t("cases.blank_nothing", extent=extent))
        for cid in matching:
            cells[cid] = make_cell(cid, "")
    for cid, value in spec.get("cells", {}).items():
        cells[cid] = make_cell(cid, value)
    readings = tuple(_reading(r, cells, where) for r in spec.get("readings", []))
    default_title = f"某县人民政府办公室{year}年政府信息公开工作年度报告" if clean and year else None
    return Report(
        source=Source(path=spec.get("path", "case.txt")), kind=kind, agency=spec.get("agency"),
        year=year, format=fmt, title=spec.get("title", default_title), published=spec.get("published"),
        period=period_obj, contact=contact, sections=tuple(sections), cells=cells, tables=tables,
        text=spec.get("text", "\n".join(s.text for s in sections)),
        government_report=bool(spec.get("government_report", False)), readings=readings, level=spec.get("level"))


def _reading(spec: Mapping[str, Any], cells: dict[str, Cell], where: str) -> Reading:
    """How a table was read (``report.readings``): rows the recognizer did not read lose their
    cells, as they would from a real page; inferred rows keep them, marked."""
    table = spec.get("table")
    if table not in templates.TABLES:
        raise CaseFileError(f"{where}: readings: " + t("cases.unknown_table", table=table))
    for key in ("missing", "undivided", "ambiguous"):
        for row in spec.get(key, []):
            for cid in [c for c in cells if c.startswith(f"{table}.{row}.")]:
                del cells[cid]
    for row in spec.get("inferred", []):
        for cid in [c for c in cells if c.startswith(f"{table}.{row}.")]:
            cells[cid] = dataclasses.replace(cells[cid], origin="inferred")
    unplaced = tuple(Unplaced(str(u.get("text", "")), str(u.get("reason", ""))) for u in spec.get("unplaced", []))
    return Reading(table=table, missing_rows=tuple(spec.get("missing", ())),
                   undivided_rows=tuple(spec.get("undivided", ())), ambiguous_rows=tuple(spec.get("ambiguous", ())),
                   inferred_rows=tuple(spec.get("inferred", ())), identities=tuple(spec.get("identities", ())),
                   unbalanced_rows=tuple(spec.get("unbalanced", ())),
                   summed_rows=tuple(spec.get("summed", spec.get("inferred", ()) if spec.get("identities") else ())),
                   unplaced=unplaced)


def _in_extent(cid: str, extent: str) -> bool:
    """``t3`` (a table), ``t3.granted`` (a row) or ``t3.*.total`` (a column)."""
    table, _, rest = cid.partition(".")
    row, _, column = rest.rpartition(".")
    if "." not in extent:
        return table == extent
    head, _, tail = extent.partition(".")
    if tail.startswith("*."):
        return table == head and column == tail[2:]
    return table == head and row == tail


def make_cell(cid: str, value: Any) -> Cell:
    """A cell as a recognizer would produce it from what was written."""
    if isinstance(value, bool):
        raise CaseFileError(t("cases.bool_cell", cell=cid))
    if isinstance(value, (int, float)):
        return Cell(id=cid, raw=str(value), value=value, state="number")
    raw = str(value)
    text = raw.strip()
    if not text:
        return Cell(id=cid, raw=raw, value=None, state="blank")
    if text in PLACEHOLDERS:
        return Cell(id=cid, raw=raw, value=None, state="placeholder")
    try:
        if "." in text:
            return Cell(id=cid, raw=raw, value=float(text), state="number", decimals=len(text.split(".", 1)[1]))
        return Cell(id=cid, raw=raw, value=int(text), state="number")
    except ValueError:
        return Cell(id=cid, raw=raw, value=None, state="text")
