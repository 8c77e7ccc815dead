"""A run's documents on disk (``auditor.docstore``): read back equal, any number of times, and
every output the same as from documents held in memory."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
from types import SimpleNamespace

import pytest

from auditor import plugins, runner
from auditor.codec import CodecError
from auditor.config import Waiver
from auditor.docstore import DocumentStore, DocumentView, facts_of
from auditor.model import Cell, DocumentResult, PackedSignature, SectionPrint, Signature, Span
from auditor.reporters import summarize
from auditor.reporters.json import document_json, document_line
from auditor.reporters.rounds import rounds
from auditor.worker import encode_entry, encode_results, result_codec, share_rules, slim
from tests.factories import RULES, make_run, sample_documents


def signature() -> Signature:
    return Signature(agency_key="南宁市良庆区", published="2021-01-20", tables=("t1", "t3"),
                     cells=(Cell("t2.a", "1.5", 1.5, "number", Span(line=3, end_line=4), unit="万元", decimals=1,
                                 origin="inferred", confidence=0.75),
                            Cell("t2.b", "-", None, "placeholder", Span(locator="table[1]/tr[2]"))),
                     sections=(SectionPrint(1, "AAAAAQAAAAI=", ((0, "2020年，我区"),)),))


def documents() -> list[DocumentResult]:
    docs = sample_documents()
    docs[0] = dataclasses.replace(docs[0], signature=signature())
    return docs


@pytest.fixture
def store():
    share_rules(SimpleNamespace(rules=tuple(RULES.values())))
    made = DocumentStore()
    docs = [slim(d) for d in documents()]
    by_file: dict[str, list[DocumentResult]] = {}
    for doc in docs:
        by_file.setdefault(doc.path, []).append(doc)
    for group in by_file.values():  # one entry per file, as the batch sends them
        made.add(encode_entry(group))
    yield made
    made.close()


def test_a_view_reads_the_documents_back_equal_and_again(store):
    expected = [slim(d) for d in documents()]
    view = store.view()
    assert len(view) == len(expected) == len(store)
    assert list(view) == expected
    assert list(view) == expected  # a second pass reads them again, equal
    assert view[3] == expected[3] and view[-1] == expected[-1] and view[1:3] == expected[1:3]
    assert [f.path for f in view.facts()] == [d.path for d in expected]
    assert store.facts == [facts_of(d) for d in expected]
    assert isinstance(view[0].signature, PackedSignature)
    assert view[0].signature.unpack() == signature()


def test_patches_and_selections_apply_as_documents_are_read(store):
    view = store.view().patched(lambda position, doc: dataclasses.replace(doc, index=doc.index + 10 * position))
    assert [d.index for d in view] == [10 * p + d.index for p, d in enumerate(sample_documents())]
    readable = view.select(lambda f: f.error is None)
    assert [d.path for d in readable] == [d.path for d in sample_documents() if d.error is None]
    assert readable[0].index == 0 and readable[1].index == 10  # positions in the store, not in the selection
    assert len(store.view()) == len(sample_documents())  # the store's own view is unchanged


def test_raw_parts_decode_like_the_whole(store):
    codec = result_codec()
    for position in range(len(store)):
        raw, signature = store.parts(position)
        doc = store.document(position)
        assert codec.decode(raw["path"]) == doc.path
        assert signature == (doc.signature.text if doc.signature is not None else "")
        if doc.report is not None:
            assert codec.decode(raw["report"]) == doc.report
    assert codec.decode(json.loads(encode_results([store.document(0)]))) == (store.document(0),)
    with pytest.raises(CodecError):
        codec.decode({"@": "NoSuchClass"})


def test_a_signature_packs_and_unpacks_whole():
    packed = PackedSignature.pack(signature())
    assert packed.unpack() == signature()  # origin and confidence too
    assert packed.to_json() == signature().to_json()
    assert json.loads(packed.text) == signature().to_json()


@pytest.mark.parametrize("baseline", [False, True])
def test_a_document_line_copies_the_packed_signature_as_json_would_write_it(baseline):
    doc = documents()[0]
    run = make_run([doc])
    if baseline:
        run.meta["baseline"] = {"path": "old.json", "findings": {}, "documents": ["南宁市良庆区|2020"]}
    view = rounds(run)
    expected = json.dumps(document_json(doc, view), ensure_ascii=False)
    assert document_line(doc, view) == expected
    assert document_line(slim(doc), view) == expected
    assert ('"fixed"' in expected) is baseline


def run_on(docs) -> object:
    run = make_run(documents())
    return dataclasses.replace(run, documents=docs, meta=dict(run.meta))


@pytest.mark.parametrize("fmt", ["json", "console", "junit", "sarif", "csv", "github", "html"])
def test_every_format_writes_the_same_from_a_view_as_from_a_tuple(store, fmt):
    in_memory = run_on(tuple(slim(d) for d in documents()))
    on_disk = run_on(store.view())
    reporter = plugins.reporters()[fmt].obj

    def output(run) -> bytes:
        writer = getattr(reporter, "write", None)
        if callable(writer):
            buffer = io.BytesIO()
            writer(run, buffer)
            return buffer.getvalue()
        rendered = reporter.render(run)
        return rendered if isinstance(rendered, bytes) else rendered.encode("utf-8")

    assert output(on_disk) == output(in_memory)
    assert output(on_disk) == output(on_disk)  # again: nothing used up, nothing keyed by object


def test_counts_exit_code_and_rounds_agree_with_a_tuple(store):
    baseline = {"path": "old.json", "documents": ["白银市平川区|2020", "gone|2019"],
                "findings": {"x" * 20: {"document": "白银市平川区|2020", "rule": "T3-BALANCE", "waived": False}}}
    in_memory = run_on(tuple(slim(d) for d in documents()))
    on_disk = run_on(store.view())
    for run in (in_memory, on_disk):
        run.meta["baseline"] = baseline
    assert summarize(on_disk) == summarize(in_memory)
    assert summarize(on_disk) == summarize(on_disk)
    assert rounds(on_disk).summary() == rounds(in_memory).summary()
    for level in ("error", "warning", "never"):
        assert runner.exit_code(on_disk, level) == runner.exit_code(in_memory, level)
    clean = store.view().select(lambda f: f.error is None and f.path.endswith("000_good.txt"))
    assert runner.exit_code(run_on(clean), "error") == 0


def test_waivers_on_a_view_match_waivers_on_a_list(store):
    waivers = [Waiver(rule="CELL-BLANK", reason="空白即为零", approved_by="张三", expires=dt.date(2099, 1, 1),
                      origin="auditor.toml:waivers[0]"),
               Waiver(rule="T3-BALANCE", reason="已报备", approved_by="张三", expires=dt.date(2025, 12, 31),
                      agency="白银市平川区", origin="auditor.toml:waivers[1]"),
               Waiver(rule="T4-SUM", reason="旧格式", approved_by="李四", expires=dt.date(2099, 1, 1),
                      origin="auditor.toml:waivers[2]")]
    today = dt.date(2026, 1, 1)
    listed, record = runner.apply_waivers([slim(d) for d in documents()], waivers, today=today)
    viewed, view_record = runner.apply_waivers(store.view(), waivers, today=today)
    assert isinstance(viewed, DocumentView)
    assert list(viewed) == listed and list(viewed) == listed
    assert view_record == record
    assert record["applied"] and record["expired"] and record["unused"]
    assert any(f.waived for d in viewed for f in d.findings)


def test_the_stand_in_the_codec_shares_is_the_engines():
    from auditor import engine, worker

    assert worker.DEFERRED == engine.DEFERRED


def test_a_damaged_entry_is_refused_and_a_damaged_body_is_an_error_entry(store):
    from auditor.codec import CodecError
    from auditor.docstore import UNREADABLE
    from auditor.worker import entry_facts

    entry = encode_entry([slim(documents()[0])])
    facts, body = entry_facts(entry)
    assert facts == [facts_of(slim(documents()[0]))]
    for damaged in (entry[:-1], entry.replace("\n", "", 1), "[1, [[]]]\n", '[{"@": "os.system"}]'):
        with pytest.raises(CodecError):
            entry_facts(damaged)
    head, _, body = entry.partition("\n")
    broken = DocumentStore()
    broken.add(head + "\n" + body.replace('"DocumentResult"', '"DocumentResulX"', 1))
    (doc,) = list(broken.view())
    assert doc.path == facts[0].path and doc.error == UNREADABLE  # said, not dropped
    broken.close()


def test_the_audit_command_reading_from_disk_finds_the_copy_run_batch_finds(tmp_path, monkeypatch):
    """The cross-document phase over a store (signatures read back one at a time) gives what
    it gives over documents in memory."""
    import random
    from pathlib import Path

    from click.testing import CliRunner

    from auditor import cachedir
    from auditor.cli import cli
    from auditor.engine import load_rules
    from auditor.reading import load_reports
    from tests.crossdoc.narratives import write_reports

    pytest.importorskip("datasketch")
    monkeypatch.setenv("AUDITOR_CACHE_DIR", "off")
    cachedir.reset()
    rng = random.Random(7)
    files = write_reports(tmp_path, rng, 5)
    source = load_reports(files[3])[0]
    copied = Path(files[3]).read_text("utf-8").replace(source.agency, "永泰县统计局").replace("2023", "2024")
    (tmp_path / "copy.txt").write_text(copied, encoding="utf-8")
    files.append(str(tmp_path / "copy.txt"))
    expected = {d.path: [f.message for f in d.findings]
                for d in runner.run_batch(files, ruleset=load_rules(select=["XDOC-COPY"]))}
    result = CliRunner().invoke(cli, ["audit", *files, "--select", "XDOC-COPY", "--format", "json", "--jobs", "1"],
                                catch_exceptions=False)
    got = {d["source"]: [f["message"] for f in d["findings"]] for d in json.loads(result.stdout)["documents"]}
    assert got == expected
    assert got[str(tmp_path / "copy.txt")] and got[files[3]]
    cachedir.reset()


def test_a_packed_signatures_sections_are_read_alone_as_the_whole_would_give_them():
    from auditor.crossdoc import _packed_sections

    tricky = dataclasses.replace(signature(), sections=(
        SectionPrint(1, "AAAAAQAAAAI=", ((0, '他说"sections": 不是键'),)), SectionPrint(2, "", ())))
    for sig in (signature(), tricky, Signature()):
        packed = PackedSignature.pack(sig)
        assert _packed_sections(packed.text) == sig.sections == packed.unpack().sections
    assert _packed_sections('{"cells": {}, "sections": [{"number": 3}]}') == (SectionPrint(3),)


def test_an_entry_checked_in_the_batch_is_parsed_once_when_kept(monkeypatch):
    from auditor import worker

    entry = encode_entry([DocumentResult(path="a.txt", error="file is empty")])
    worker.check_entry(entry)
    parses: list[str] = []
    real_loads = worker.json.loads
    monkeypatch.setattr(worker.json, "loads", lambda text: parses.append(text) or real_loads(text))
    store = DocumentStore()
    try:
        store.add(entry)
        assert parses == [], "a checked entry was parsed again"
        store.add("".join(list(entry)))  # the same text, another object: parsed
        assert len(parses) == 1
        assert [f.path for f in store.facts] == ["a.txt", "a.txt"]
    finally:
        store.close()
    with pytest.raises(CodecError):
        worker.check_entry('[99, []]\n')


def test_documents_known_by_their_facts_are_fetched_only_when_read():
    from auditor.docstore import UNREADABLE
    from auditor.worker import entry_facts

    share_rules(SimpleNamespace(rules=tuple(RULES.values())))
    by_file: dict[str, list[DocumentResult]] = {}
    for doc in (slim(d) for d in documents()):
        by_file.setdefault(doc.path, []).append(doc)
    groups = list(by_file.values())
    entries = {f"key-{n}": encode_entry(group) for n, group in enumerate(groups)}
    entries["key-1"] = encode_entry(groups[0])  # gone since: another file's entry in its place
    fetched: list[str] = []
    made = DocumentStore()
    made.fetch = lambda key: fetched.append(key) or entries.get(key)
    for n, group in enumerate(groups):
        if n == 0:
            made.add(entries["key-0"])
        else:
            made.add_known(entry_facts(encode_entry(group))[0], "key-9" if n == 2 else f"key-{n}")
    expected = [doc for group in groups for doc in group]
    assert made.facts == [facts_of(d) for d in expected] and not fetched
    found = list(made.view())
    assert len(groups) >= 3 and sorted(fetched) == sorted(["key-9", *(f"key-{n}" for n in range(1, len(groups)) if n != 2)])
    for doc, want, n in zip(found, expected, [n for n, g in enumerate(groups) for _ in g]):
        if n in (1, 2):  # not the file's own entry; no entry at all
            assert (doc.path, doc.error) == (want.path, UNREADABLE)
        else:
            assert doc == want
    assert list(made.view()) == found and len(fetched) == len(groups) - 1, "fetched twice"
    made.close()
