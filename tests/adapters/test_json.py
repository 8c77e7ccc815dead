"""JSON adapter: the serialized report model read back, validated against the schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import SEEDS, summary, text_reports

from auditor.adapters.json import JsonAdapter
from auditor.model import AdapterError, Report
from auditor.reading import load_reports

SEED_IDS = [seed.stem.split("_")[0] for seed in SEEDS]


def dump(reports: list[Report], *, full: bool = True) -> bytes:
    return json.dumps({"documents": [r.to_json(full=full) for r in reports]}, ensure_ascii=False).encode()


def read(payload: object) -> list[Report]:
    data = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    return list(JsonAdapter().read("reports.json", data).reports)


@pytest.mark.parametrize("seed", SEEDS, ids=SEED_IDS)
def test_round_trip_keeps_every_cell_section_and_fact(seed: Path, tmp_path: Path):
    expected = text_reports(seed)
    path = tmp_path / "reports.json"
    path.write_bytes(dump(expected))
    got = load_reports(path)
    assert [summary(r) for r in got] == [summary(r) for r in expected]
    assert [r.to_json() for r in got] == [r.to_json() for r in expected]


def test_single_document_object_is_accepted():
    (expected,) = text_reports(SEEDS[0])
    (got,) = read(expected.to_json())
    assert got.cells == expected.cells
    assert got.source.adapter == "text"


def test_flat_cells_without_details_become_numbers_and_blanks():
    (expected,) = text_reports(SEEDS[0])
    document = expected.to_json(full=False)
    document["cells"]["t3.new.natural"] = None
    document["cells"]["t2.procurement.amount"] = 160.5964
    (got,) = read(document)
    assert got.cells["t3.new.natural"].state == "blank"
    amount = got.cells["t2.procurement.amount"]
    assert (amount.value, amount.state, amount.decimals) == (160.5964, "number", 4)
    assert [s.number for s in got.sections] == [1, 2, 3, 4, 5, 6]


def test_error_entries_from_a_parse_run_are_skipped_with_a_note():
    (report,) = text_reports(SEEDS[0])
    document = JsonAdapter().read("r.json", json.dumps(
        {"documents": [{"source": "bad.pdf", "error": "encrypted PDF"}, report.to_json()]}).encode())
    assert len(document.reports) == 1
    assert document.notes == ("$.documents[0]: skipped, it records an error: encrypted PDF",)


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda d: d.update(year="2020"), r"^\$\.documents\[0\]\.year: '2020' is not of type"),
    (lambda d: d["cells"].update({"t3.new.natural": "5"}), r"^\$\.documents\[0\]\.cells\.t3\.new\.natural: "),
    (lambda d: d.pop("kind"), r"^\$\.documents\[0\]: 'kind' is a required property"),
    (lambda d: d["cell_details"]["t3.new.natural"].update(state="odd"), r"cell_details\.t3\.new\.natural\.state"),
])
def test_validation_errors_name_the_json_path(mutate, expected):
    (report,) = text_reports(SEEDS[0])
    document = report.to_json()
    mutate(document)
    with pytest.raises(AdapterError, match=expected):
        read({"documents": [document]})


@pytest.mark.parametrize(("data", "expected"), [
    (b"", "file is empty"),
    (b'{"documents": [', "invalid JSON at line 1 column 16"),
    ("{}".encode("utf-16"), "must be UTF-8"),
    (b"[1, 2]", "expected a report object"),
    (b'{"documents": {}}', "expected a list"),
    (b'{"documents": []}', "no report documents"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply|expected a report object"),
])
def test_bad_json_is_one_clean_error(data: bytes, expected: str):
    with pytest.raises(AdapterError, match=expected) as info:
        JsonAdapter().read("bad.json", data)
    assert "\n" not in str(info.value)


def test_sniff():
    adapter = JsonAdapter()
    assert adapter.sniff(b'\n{"documents": [')
    assert not adapter.sniff(b'{"name": "package.json"}')
    assert not adapter.sniff(b"<html>")
