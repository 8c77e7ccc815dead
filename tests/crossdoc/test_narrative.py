"""TEXT-TABLE on seed 001, and XDOC-COPY: a copy with only the agency and year changed is found
among other reports, and none of the seeds is reported as a copy of another."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest

from auditor.engine import load_rules
from auditor.reading import load_reports
from auditor.runner import run_batch
from tests.crossdoc.narratives import write_reports

SEEDS = Path(__file__).resolve().parents[2] / "examples" / "reports"
SEED_001 = SEEDS / "001_1fa793b153ce3d21.txt"


def text_table(report):
    (outcome,) = load_rules(select=["TEXT-TABLE"]).evaluate(report)
    return outcome


def test_seed_001_narrative_agrees_with_its_table() -> None:
    (report,) = load_reports(SEED_001)
    outcome = text_table(report)
    assert outcome.status == "pass"
    from auditor.narrative import claims

    assert sorted((c.quantity.id, c.value) for c in claims(report)) == [
        ("carried_forward", 6), ("handled", 471), ("new", 477)]


@pytest.mark.parametrize(("cell", "value", "says"), [
    ("t3.new.total", 478, "受理依申请公开477件"),
    ("t3.total.total", 470, "目前已经答复471件"),
    ("t3.carried_forward.total", 7, "剩余6件"),
])
def test_changing_one_table_number_gives_exactly_one_text_table(cell, value, says) -> None:
    (report,) = load_reports(SEED_001)
    cells = dict(report.cells)
    cells[cell] = dataclasses.replace(cells[cell], value=value, raw=str(value))
    outcome = text_table(dataclasses.replace(report, cells=cells))
    assert outcome.status == "fail" and len(outcome.findings) == 1
    (finding,) = outcome.findings
    assert says in finding.message and str(value) in finding.message
    assert [c.id for c in finding.cells] == [cell]  # the finding cites the cell


def test_no_seed_is_reported_as_a_copy_of_another() -> None:
    pytest.importorskip("datasketch")
    files = sorted(str(p) for p in SEEDS.glob("*.txt"))
    docs = run_batch(files, ruleset=load_rules(select=["XDOC-COPY"]))
    assert not [f for d in docs for f in d.findings]
    assert {o.status for d in docs for o in d.outcomes} <= {"pass", "skipped"}


def test_a_copy_with_agency_and_year_changed_is_found_among_others(tmp_path) -> None:
    pytest.importorskip("datasketch")
    rng = random.Random(5)
    files = write_reports(tmp_path, rng, 60)
    source = load_reports(files[17])[0]
    original = Path(files[17]).read_text("utf-8")
    copied = original.replace(source.agency, "永泰县统计局").replace("2023", "2024").replace("2024年1月", "2025年1月")
    copy_path = tmp_path / "copy.txt"
    copy_path.write_text(copied, encoding="utf-8")
    docs = run_batch([*files, str(copy_path)], ruleset=load_rules(select=["XDOC-COPY"]))
    flagged = {d.path: d.findings for d in docs if d.findings}
    assert set(flagged) == {files[17], str(copy_path)}  # each is named as the other's copy, nothing else
    (finding,) = flagged[str(copy_path)]
    assert source.agency in finding.message and "100%相同" in finding.message and "第一部分「" in finding.message


def test_without_datasketch_the_rule_says_so(tmp_path, monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "datasketch", None)  # import fails
    files = sorted(str(p) for p in SEEDS.glob("00[0-2]*.txt"))
    docs = run_batch(files, ruleset=load_rules(select=["XDOC-COPY"]))
    (outcome,) = docs[0].outcomes
    assert outcome.status == "not_assessable" and "datasketch" in outcome.reason


def test_without_datasketch_a_lone_document_says_so_too(monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "datasketch", None)  # import fails
    docs = run_batch([str(sorted(SEEDS.glob("000*.txt"))[0])], ruleset=load_rules(select=["XDOC-COPY"]))
    (outcome,) = docs[0].outcomes
    assert outcome.status == "not_assessable" and "datasketch" in outcome.reason


def test_a_lone_document_does_not_import_datasketch(monkeypatch) -> None:
    import sys

    pytest.importorskip("datasketch")
    monkeypatch.delitem(sys.modules, "datasketch", raising=False)
    docs = run_batch([str(sorted(SEEDS.glob("000*.txt"))[0])], ruleset=load_rules(select=["XDOC-COPY"]))
    (outcome,) = docs[0].outcomes
    assert outcome.status == "skipped" and "没有其他可比较的报告" in outcome.reason
    assert "datasketch" not in sys.modules, "nothing to compare, yet datasketch (and scipy) was imported"
