"""Pairing documents across years — in one run, from a history folder, from a previous run's JSON
— and XYEAR-CARRY on the pairs, through the real batch (files, workers, cache, outputs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli as main
from auditor.engine import load_rules
from auditor.runner import run_batch
from tests.crossdoc.reports import carry, report, write

PREV_NAME = "平潭综合实验区财政金融局"
CUR_NAME = "福建省平潭综合实验区 财政金融局（区本级）"  # the same agency, written differently


def outcome(doc, rule_id):
    return next(o for o in doc.outcomes if o.rule.id == rule_id)


@pytest.fixture(scope="module")
def ruleset():
    return load_rules(select=["XYEAR-", "META-DEADLINE", "TEXT-TABLE"])


def pair(tmp_path: Path, received: int | None = None) -> tuple[str, str]:
    previous, current = carry(report(2020, PREV_NAME), report(2021, CUR_NAME), "natural", 3, received)
    return write(tmp_path / "2020", "a.txt", previous), write(tmp_path / "2021", "b.txt", current)


def test_a_consistent_pair_in_one_run_passes(tmp_path, ruleset) -> None:
    docs = run_batch(list(pair(tmp_path)), ruleset=ruleset)
    previous, current = docs
    assert outcome(current, "XYEAR-CARRY").status == "pass"
    # the 2020 report has no predecessor: skipped, with the reason — not failed
    skipped = outcome(previous, "XYEAR-CARRY")
    assert skipped.status == "skipped" and "没有找到平潭综合实验区财政金融局2019年度的报告" in skipped.reason


def test_an_inconsistent_pair_fails_per_column_naming_both_numbers_and_files(tmp_path, ruleset) -> None:
    first, second = pair(tmp_path, received=5)
    docs = run_batch([first, second], ruleset=ruleset, jobs=2)  # in worker processes, same results
    found = outcome(docs[1], "XYEAR-CARRY")
    assert found.status == "fail"
    assert sorted(f.scope["column"] for f in found.findings) == ["natural", "total"]
    message = next(f.message for f in found.findings if f.scope["column"] == "natural")
    assert "上年结转5件" in message and "结转下年度继续办理3件" in message
    assert second in message and first in message
    assert found.findings[0].cells and found.findings[0].cells[0].id.startswith("t3.carried_over.")


def test_from_a_history_folder(tmp_path, ruleset) -> None:
    first, second = pair(tmp_path, received=5)
    docs = run_batch([second], ruleset=ruleset)
    assert outcome(docs[0], "XYEAR-CARRY").status == "skipped"
    from auditor.crossdoc import history_entries

    history = history_entries(run_batch([first], ruleset=ruleset))
    docs = run_batch([second], ruleset=ruleset, history=history)
    assert outcome(docs[0], "XYEAR-CARRY").status == "fail"


def test_audit_command_with_history_folder_and_previous_json(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("AUDITOR_CACHE_DIR", "off")
    _first, second = pair(tmp_path, received=5)
    runner = CliRunner()
    last_year = tmp_path / "2020.json"
    result = runner.invoke(main, ["audit", str(tmp_path / "2020"), "--format", "json", "--output", str(last_year)])
    assert result.exit_code in (0, 1), result.output
    assert "signature" in json.loads(last_year.read_text("utf-8"))["documents"][0]
    for history in (str(tmp_path / "2020"), str(last_year)):
        out = tmp_path / "out.json"
        result = runner.invoke(main, ["audit", second, "--history", history, "--format", "json", "--output", str(out)])
        data = json.loads(out.read_text("utf-8"))
        assert [d["source"] for d in data["documents"]] == [second]  # history is compared with, not reported
        carries = [f for f in data["documents"][0]["findings"] if f["rule"] == "XYEAR-CARRY"]
        assert len(carries) == 2 and "上年结转5件" in carries[0]["message"], history


def test_several_candidates_are_not_guessed(tmp_path, ruleset) -> None:
    first, second = pair(tmp_path)
    other = write(tmp_path / "2020", "c.txt", report(2020, "福州市财政金融局", seed=3))
    bare = write(tmp_path / "2021", "d.txt", report(2021, "财政金融局", seed=4))  # no place: two could be it
    docs = run_batch([first, other, second, bare], ruleset=ruleset)
    assert outcome(docs[2], "XYEAR-CARRY").status == "pass"  # the place tells 平潭 from 福州
    ambiguous = outcome(docs[3], "XYEAR-CARRY")
    assert ambiguous.status == "skipped" and "2020年度有2份报告都可能属于财政金融局" in ambiguous.reason


def test_office_and_general_office_are_not_merged(tmp_path, ruleset) -> None:
    previous = write(tmp_path, "a.txt", report(2020, "南江县人民政府办公厅"))
    current = write(tmp_path, "b.txt", report(2021, "南江县人民政府办公室"))
    docs = run_batch([previous, current], ruleset=ruleset)
    assert outcome(docs[1], "XYEAR-CARRY").status == "skipped"


def test_local_deadline_from_the_configuration_says_which_rule_applied(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("AUDITOR_CACHE_DIR", "off")
    clean = report(2021, "平潭综合实验区财政金融局")
    from dataclasses import replace

    path = write(tmp_path, "late.txt", replace(clean, published="2022-01-29"))  # statute: by 31 January
    config = tmp_path / "auditor.toml"
    config.write_text('[[deadlines]]\nname = "平潭部门年度报告1月28日前公布"\nregion = "平潭综合实验区"\n'
                      'government = false\ndate = "01-28"\n', encoding="utf-8")
    out = tmp_path / "out.json"
    CliRunner().invoke(main, ["audit", path, "--config", str(config), "--select", "META-DEADLINE",
                              "--format", "json", "--output", str(out)])
    (finding,) = json.loads(out.read_text("utf-8"))["documents"][0]["findings"]
    assert "公布期限2022-01-28" in finding["message"] and "本地规定「平潭部门年度报告1月28日前公布」" in finding["message"]
    assert "auditor.toml:deadlines[0]" in finding["message"]
    out2 = tmp_path / "out2.json"
    CliRunner().invoke(main, ["audit", path, "--select", "META-DEADLINE", "--format", "json", "--output", str(out2)])
    assert json.loads(out2.read_text("utf-8"))["documents"][0]["findings"] == []  # the statute alone: on time


def test_a_place_guessed_from_an_untitled_body_is_not_paired(tmp_path, ruleset) -> None:
    """Printed without its title, a department's report is known only by the place its text names
    most (上海市 for 市科委): pairing it with that place's reports would compare two agencies."""
    from tests.precision.generator import lay_out

    previous, current = carry(report(2020, "上海市"), report(2021, "上海市"), "natural", 3, received=5)
    paths = []
    for clean in (previous, current):
        untitled = lay_out(clean, "pipe_rows").split("\n", 1)[1]  # the title line dropped
        path = tmp_path / f"{clean.year}.txt"
        path.write_text(untitled, encoding="utf-8")
        paths.append(str(path))
    docs = run_batch(paths, ruleset=ruleset)
    assert docs[1].report.title is None and docs[1].report.agency == "上海市"
    refused = outcome(docs[1], "XYEAR-CARRY")
    assert refused.status == "skipped" and "只是从正文推断的地名" in refused.reason
    titled = run_batch([write(tmp_path / "t", "a.txt", previous), write(tmp_path / "t", "b.txt", current)],
                       ruleset=ruleset)
    assert outcome(titled[1], "XYEAR-CARRY").status == "fail"  # with their titles, the same files pair
