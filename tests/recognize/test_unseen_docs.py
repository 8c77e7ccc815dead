"""Patterns met in reports the recognizer had never seen (the unseen-document precision check in
tests/fixtures/real/SOURCES.md), written here as small texts: each once gave a false finding."""

from __future__ import annotations

from auditor.engine import load_rules
from tests.recognize.quirks import one_line
from tests.recognize.test_quirks import _read, _seed


def _findings(report, rule_id: str) -> list:
    outcome = next(o for o in load_rules().evaluate(report) if o.rule.id == rule_id)
    return list(outcome.findings)


def test_section_one_headed_with_the_old_name_is_found_and_only_named_non_standard() -> None:
    # 一、概述2020年，我局… — the 2008-era name of section 一 run into its first sentence.
    text = one_line(_seed("2019"))
    assert text.count("一、总体情况") == 1
    read = _read(text.replace("一、总体情况", "一、概述"))
    assert [s.number for s in read.sections] == [1, 2, 3, 4, 5, 6]
    section = read.section(1)
    assert section is not None and section.heading == "概述" and not section.standard
    assert _findings(read, "STRUCT-SECTIONS") == []
    assert any("概述" in f.message for f in _findings(read, "STRUCT-HEADING"))


def test_a_run_of_zeros_is_several_cells_not_one_value_beside_a_lone_zero() -> None:
    # 一、本年新收政府信息公开申请数量0 00000 — six zeros for seven cells: one cell is blank,
    # which one is not known. Read as 自然人 0 and 总计 0 it made five "blank" cells (CELL-BLANK).
    import dataclasses

    from auditor.model import Cell

    original = _seed("2019")
    cells = dict(original.cells)
    for column in ("natural", "commercial", "research", "social", "legal", "other_org", "total"):
        cells[f"t3.new.{column}"] = Cell(f"t3.new.{column}", "0", 0, "number")
    text = one_line(dataclasses.replace(original, cells=cells))
    row = "一、本年新收政府信息公开申请数量 0 0 0 0 0 0 0"
    assert text.count(row) == 1
    read = _read(text.replace(row, "一、本年新收政府信息公开申请数量0 00000"))
    t3 = read.reading("t3")
    assert t3 is not None and "new" in t3.ambiguous_rows
    assert not any(cid.startswith("t3.new.") for cid in read.cells)
    assert _findings(read, "CELL-BLANK") == []
