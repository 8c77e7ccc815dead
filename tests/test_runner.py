"""The batch runner: input discovery, error entries, worker crashes and timeouts, waivers."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest

from auditor import runner
from auditor.config import Waiver
from auditor.model import AdapterError, DocumentResult, Finding
from auditor.worker import timeout_message
from tests.factories import balance_finding, blank_finding, fake_load_rules, make_report, outcomes_for

TODAY = dt.date(2025, 1, 15)


def touch(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ which files


def test_folders_recursed_hidden_skipped_include_exclude(tmp_path):
    touch(tmp_path / "a.txt")
    touch(tmp_path / "sub" / "b.html")
    touch(tmp_path / "sub" / "notes.md")
    touch(tmp_path / ".git" / "c.txt")
    touch(tmp_path / ".hidden.txt")
    touch(tmp_path / "drafts" / "d.txt")
    found = runner.collect_inputs([str(tmp_path)], include=["*.txt", "*.html"], exclude=["drafts/"])
    assert [Path(p).relative_to(tmp_path).as_posix() for p in found] == ["a.txt", "sub/b.html"]


def test_explicit_files_kept_and_missing_paths_kept_for_an_error_entry(tmp_path):
    named = touch(tmp_path / "odd.md")
    missing = str(tmp_path / "nope.txt")
    found = runner.collect_inputs([str(named), missing, str(named)], include=["*.txt"])
    assert found == [str(named), missing]  # de-duplicated, order kept


def test_globs_expand(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    touch(tmp_path / "r" / "2023.txt")
    touch(tmp_path / "r" / "2024.txt")
    touch(tmp_path / "r" / "2024.bak")
    assert runner.collect_inputs(["r/*"], include=["*.txt"]) == ["r/2023.txt", "r/2024.txt"]


# ------------------------------------------------------------------ one file


def read_ok(path: str):
    if path.endswith("empty.txt"):
        raise AdapterError("file is empty")
    if path.endswith("bug.txt"):
        raise ZeroDivisionError("division by zero")
    if path.endswith("two.txt"):
        return [make_report(path, "甲", 2020, index=0), make_report(path, None, None, index=1, kind="other")]
    return [make_report(path, "南江县人民政府办公室", 2020)]


def read_hangs_or_crashes(path: str):
    if path.endswith("hang.txt"):
        time.sleep(60)
    if path.endswith("crash.txt"):
        os._exit(3)
    return read_ok(path)


def test_error_entries_never_raise(tmp_path):
    ruleset = fake_load_rules()
    empty = touch(tmp_path / "empty.txt", "")
    (entry,) = runner.audit_file(str(empty), ruleset, read_ok)
    assert entry.error == "file is empty" and entry.sha256 == runner.file_sha256(str(empty))
    (entry,) = runner.audit_file(str(touch(tmp_path / "bug.txt")), ruleset, read_ok)
    assert entry.error.startswith("internal error: ZeroDivisionError: division by zero at test_runner.py:")


def test_non_reports_are_listed_not_audited(tmp_path):
    first, second = runner.audit_file(str(touch(tmp_path / "two.txt")), fake_load_rules(), read_ok)
    assert (first.index, second.index) == (0, 1)
    assert first.outcomes and second.report.kind == "other"
    assert {o.status for o in second.outcomes} == {"skipped"}, "the engine decides; the document is still listed"


# ------------------------------------------------------------------ many files


def test_in_process_batch_keeps_order_and_reports_progress(tmp_path):
    files = [str(touch(tmp_path / f"{n}.txt")) for n in ("b", "a", "empty")]
    seen = []
    results = runner.run_batch(files, fake_load_rules, jobs=1, timeout=None, read=read_ok,
                               progress=lambda done, total, path: seen.append((done, total)))
    assert [r.path for r in results] == files
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_hanging_and_crashing_files_become_error_entries_and_the_batch_goes_on(tmp_path):
    names = ["a.txt", "hang.txt", "crash.txt", "b.txt", "two.txt"]
    files = [str(touch(tmp_path / n)) for n in names]
    started = time.monotonic()
    results = runner.run_batch(files, fake_load_rules, jobs=2, timeout=1.5, read=read_hangs_or_crashes)
    assert time.monotonic() - started < 20
    by_path = {}
    for r in results:
        by_path.setdefault(Path(r.path).name, []).append(r)
    assert [Path(r.path).name for r in results] == ["a.txt", "hang.txt", "crash.txt", "b.txt", "two.txt", "two.txt"]
    assert by_path["hang.txt"][0].error == timeout_message(1.5)
    assert by_path["crash.txt"][0].error == "worker crashed while reading this file (exit code 3)"
    assert by_path["a.txt"][0].error is None and by_path["a.txt"][0].outcomes
    assert by_path["b.txt"][0].outcomes


# ------------------------------------------------------------------ waivers


def waiver(**kw) -> Waiver:
    base = {"rule": "T3-BALANCE", "reason": "已报备", "approved_by": "张三", "expires": dt.date(2025, 12, 31),
            "agency": "白银市平川区", "origin": "auditor.toml:waivers[0]"}
    base.update(kw)
    return Waiver(**base)


def balance_doc(path: str = "reports/003.txt", agency: str = "白银市平川区") -> DocumentResult:
    findings = [balance_finding("natural"), balance_finding("total", 44), blank_finding()]
    return DocumentResult(path, report=make_report(path, agency, 2020), outcomes=outcomes_for(findings))


def waived_rules(doc: DocumentResult) -> list[tuple[str, str]]:
    return [(f.rule, f.scope.get("column", "")) for f in doc.findings if f.waived]


def test_waiver_marks_findings_without_dropping_them():
    (doc,), record = runner.apply_waivers([balance_doc()], [waiver()], today=TODAY)
    assert len(doc.findings) == 3
    assert waived_rules(doc) == [("T3-BALANCE", "natural"), ("T3-BALANCE", "total")]
    assert doc.findings[0].waived["reason"] == "已报备"
    assert record["applied"][0]["matched"] == 2 and record["unused"] == [] and record["expired"] == []


def test_waiver_scope_limits_it_to_a_column():
    (doc,), _ = runner.apply_waivers([balance_doc()], [waiver(scope={"column": "natural"})], today=TODAY)
    assert waived_rules(doc) == [("T3-BALANCE", "natural")]


@pytest.mark.parametrize(("kw", "matches"), [
    ({"agency": "*平川区"}, True),
    ({"agency": "白银市"}, False),
    ({"agency": None, "paths": ["reports/003.txt"]}, True),
    ({"agency": None, "paths": ["003.txt"]}, True),
    ({"agency": None, "paths": ["reports/2024/*"]}, False),
    ({"rule": "T3-*"}, True),
    ({"rule": "T4-SUM"}, False),
])
def test_waiver_selects_documents_by_path_glob_or_agency(kw, matches):
    (doc,), record = runner.apply_waivers([balance_doc()], [waiver(**kw)], today=TODAY)
    assert bool(waived_rules(doc)) is matches
    assert bool(record["unused"]) is not matches, "a waiver that matched nothing is reported"


def test_expired_waiver_turns_back_into_the_failure_and_says_so():
    old = waiver(expires=dt.date(2024, 12, 31))
    (doc,), record = runner.apply_waivers([balance_doc()], [old], today=TODAY)
    assert waived_rules(doc) == []
    assert "豁免已于2024-12-31到期，不再适用：已报备" in doc.findings[0].message
    assert record["expired"][0]["matched"] == 2 and record["unused"] == []
    run = runner.build_run([doc], fake_load_rules(), waivers=record)
    assert runner.exit_code(run, "error") == 1


def test_waiver_on_the_expiry_day_still_applies():
    (doc,), _ = runner.apply_waivers([balance_doc()], [waiver(expires=TODAY)], today=TODAY)
    assert waived_rules(doc)


# ------------------------------------------------------------------ run record and exit code


def test_exit_code_follows_fail_level_and_waivers():
    blank_only = DocumentResult("a.txt", report=make_report("a.txt"), outcomes=outcomes_for([blank_finding()]))
    run = runner.build_run([blank_only], fake_load_rules())
    assert (runner.exit_code(run, "error"), runner.exit_code(run, "warning"), runner.exit_code(run, "never")) == (0, 1, 0)
    unreadable = runner.build_run([DocumentResult("b.txt", error="file is empty")], None)
    assert runner.exit_code(unreadable, "error") == 1
    waived = Finding("T3-BALANCE", "error", "x", waived={"rule": "T3-BALANCE"})
    all_waived = DocumentResult("c.txt", report=make_report("c.txt"), outcomes=outcomes_for([waived]))
    assert runner.exit_code(runner.build_run([all_waived], None), "error") == 0


def test_run_record_has_inputs_packs_and_version():
    docs = [balance_doc(), DocumentResult("x.txt", error="file is empty", sha256=None)]
    run = runner.build_run(docs, fake_load_rules(), fail_on="warning", inputs=["reports/003.txt", "x.txt"])
    assert run.meta["tool"]["version"] and run.meta["fail_on"] == "warning"
    assert run.meta["inputs"][1] == {"path": "x.txt", "sha256": None, "error": "file is empty"}
    assert run.meta["packs"][0]["name"] == "fake" and len(run.meta["packs"][0]["sha256"]) == 64
    assert {r.id for r in run.rules} == {"FAKE-CONTACT", "FAKE-PERIOD", "BLANK-CELL", "NEEDS-T4"}


def test_spawned_workers_build_their_own_rules_and_give_the_same_results(tmp_path, monkeypatch):
    """Where ``fork`` does not exist (Windows, macOS by default) workers are spawned: each loads
    the rule set itself and decodes rules by reference exactly as forked ones do."""
    import multiprocessing

    from auditor import pool

    files = [str(touch(tmp_path / n)) for n in ("a.txt", "two.txt", "empty.txt")]
    forked = runner.run_batch(files, fake_load_rules, jobs=2, timeout=30, read=read_ok)
    monkeypatch.setattr(pool, "_context", lambda: multiprocessing.get_context("spawn"))
    spawned = runner.run_batch(files, fake_load_rules, jobs=2, timeout=30, read=read_ok)
    assert spawned == forked and [d.error for d in spawned] == [None, None, None, "file is empty"]


def test_a_folder_holds_markdown_conversions_as_reports(tmp_path):
    """PDF- and OCR-to-markdown conversions are a common form of report: the text adapter claims
    ``.md``, so a folder audit reads them (a README among them is an error entry, never dropped)."""
    touch(tmp_path / "2024.md")
    touch(tmp_path / "2024.bak")
    assert [Path(p).name for p in runner.collect_inputs([str(tmp_path)])] == ["2024.md"]


def test_a_repositorys_own_documents_are_not_reports_when_a_folder_is_recursed(tmp_path):
    touch(tmp_path / "README.md")
    touch(tmp_path / "reports" / "CHANGELOG.txt")
    touch(tmp_path / "reports" / "2024.md")
    found = runner.collect_inputs([str(tmp_path)])
    assert [Path(p).relative_to(tmp_path).as_posix() for p in found] == ["reports/2024.md"]
    named = runner.collect_inputs([str(tmp_path / "README.md")])
    assert named == [str(tmp_path / "README.md")]  # named on the command line: read (and reported)
