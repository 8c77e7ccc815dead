"""DOCX adapter: gridSpan/vMerge grids, the official template, nested tables, zip bombs."""

from __future__ import annotations

import functools
import io
import time
import zipfile
from pathlib import Path

import docx
import pytest
from builders import REAL, SEEDS, plan_from_text, summary, text_reports, to_docx

from auditor.adapters import docx as docx_adapter
from auditor.adapters.docx import DocxAdapter
from auditor.model import AdapterError, Block
from auditor.reading import load_reports

TEMPLATE = REAL / "年度报告格式模板-2021.docx"
needs_template = pytest.mark.skipif(not TEMPLATE.exists(), reason="official template not in ../shared/real")


def save(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def read(data: bytes) -> tuple[Block, ...]:
    return DocxAdapter().read("report.docx", data).blocks


def grid(block: Block) -> list[list[str]]:
    return [[cell.text for cell in row] for row in block.rows]


def test_grid_span_and_vertical_merge_repeat_into_every_slot():
    document = docx.Document()
    document.add_paragraph("二、主动公开政府信息情况")
    table = document.add_table(rows=4, cols=4)
    table.cell(0, 0).merge(table.cell(0, 3)).text = "第二十条第（一）项"
    for c, label in enumerate(("信息内容", "本年制发件数", "本年废止件数", "现行有效件数")):
        table.cell(1, c).text = label
    table.cell(2, 0).merge(table.cell(3, 0)).text = "规章"
    table.cell(2, 1).text, table.cell(3, 1).text = "1", "2"
    blocks = read(save(document))
    assert blocks[0].text == "二、主动公开政府信息情况"
    assert grid(blocks[1]) == [
        ["第二十条第（一）项"] * 4,
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", "1", "", ""],
        ["规章", "2", "", ""],
    ]
    assert blocks[1].rows[3][0].span.locator == "table[1]/row[3]/cell[1]"  # the restarting cell


def test_cell_paragraphs_are_joined_and_full_width_spaces_dropped():
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "本年新"
    table.cell(0, 0).add_paragraph("制作数量")
    table.cell(0, 1).text = "\u3000\u3000"
    table.cell(1, 0).text, table.cell(1, 1).text = "规章", " 3 "
    assert grid(read(save(document))[0]) == [["本年新制作数量", ""], ["规章", "3"]]


def test_layout_table_is_unwrapped_and_nested_data_table_kept():
    document = docx.Document()
    outer = document.add_table(rows=1, cols=1)
    cell = outer.cell(0, 0)
    cell.paragraphs[0].text = "三、收到和处理政府信息公开申请情况"
    inner = cell.add_table(rows=2, cols=2)
    inner.cell(0, 0).text, inner.cell(0, 1).text = "信息内容", "自然人"
    inner.cell(1, 0).text, inner.cell(1, 1).text = "一、本年新收政府信息公开申请数量", "5"
    document.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    blocks = read(save(document))
    assert [b.kind for b in blocks] == ["text", "table", "text"]
    assert grid(blocks[1]) == [["信息内容", "自然人"], ["一、本年新收政府信息公开申请数量", "5"]]


def fill_template() -> bytes:
    """The official 2021 template with table 三 and 四 filled, as an agency would."""
    document = docx.Document(str(TEMPLATE))
    t3 = document.tables[1]
    for row in t3.rows[3:]:
        cells = row.cells
        for c in range(3, 10):
            cells[c].text = "1" if c < 9 else "6"
    t4 = document.tables[2]
    for c, cell in enumerate(t4.rows[-1].cells):
        cell.text = str(c)
    document.paragraphs[1].text = "某某局2021年政府信息公开工作年度报告"
    return save(document)


@needs_template
def test_official_template_blank_has_real_merges():
    blocks = read(TEMPLATE.read_bytes())
    t3 = [b for b in blocks if b.kind == "table"][1]
    assert [c.text for c in t3.rows[1][3:]] == ["自然人"] + ["法人或其他组织"] * 5 + ["总计"]
    unable = [r for r in t3.rows if r[1].text == "（四）无法提供"]
    assert [r[2].text for r in unable] == ["1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作",
                                          "3.补正后申请内容仍不明确"]
    assert all(r[0].text == "三、本年度办理结果" for r in t3.rows[5:-1])
    t4 = [b for b in blocks if b.kind == "table"][2]
    assert t4.rows[1][5:10] == (t4.rows[1][5],) * 5 and t4.rows[1][5].text == "未经复议直接起诉"


@needs_template
def test_official_template_filled_programmatically_is_recognized():
    (report,) = [r for r in load_reports(_write(fill_template())) if r.kind == "annual-report"]
    assert report.format == "2021"
    values = report.cell_values()
    assert values["t3.unable.needs_creation.natural"] == 1
    assert values["t3.other.no_fee.total"] == 6
    assert values["t4.litigation_after_review.total"] == 14


def _write(data: bytes, name: str = "filled.docx") -> Path:
    import tempfile

    path = Path(tempfile.mkdtemp()) / name
    path.write_bytes(data)
    return path


SEED_IDS = [seed.stem.split("_")[0] for seed in SEEDS]


@pytest.mark.parametrize("seed", SEEDS, ids=SEED_IDS)
def test_seed_as_docx_parses_to_the_same_report_as_its_text(seed: Path, tmp_path: Path):
    path = tmp_path / f"{seed.stem}.docx"
    path.write_bytes(to_docx(plan_from_text(seed)))
    assert [summary(r) for r in load_reports(path)] == [summary(r) for r in text_reports(seed)]


def _zip(members: dict[str, bytes], *, level: int = 9) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@functools.cache
def _valid() -> bytes:
    return to_docx(plan_from_text(SEEDS[1]))


BAD_FILES = {
    "truncated": (lambda: _valid()[:3000], "corrupt or truncated .docx"),
    "corrupt": (lambda: b"PK\x03\x04" + bytes(range(256)) * 20, "corrupt or truncated .docx"),
    "empty": (lambda: b"", "file is empty"),
    "wrong extension (PDF named .docx)": (lambda: b"%PDF-1.7\n...", "it is a PDF"),
    "legacy .doc": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "legacy Word 97-2003"),
    "xlsx named .docx": (lambda: _zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>"}),
                         "an Excel workbook"),
    "zip bomb (ratio)": (lambda: _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": bytes(40 * 2**20)}),
                         "possible zip bomb"),
    "zip bomb (members)": (lambda: _zip({f"word/m{i}.xml": b"" for i in range(2500)}, level=0),
                           "2500 zip members"),
    "broken XML": (lambda: _broken_xml(), "corrupt .docx"),
}


def _broken_xml() -> bytes:
    source = zipfile.ZipFile(io.BytesIO(_valid()))
    members = {name: source.read(name) for name in source.namelist()}
    members["word/document.xml"] = members["word/document.xml"][:500]
    return _zip(members)


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_bad_docx_is_one_clean_error(case: str):
    make, expected = BAD_FILES[case]
    data = make()
    started = time.perf_counter()
    with pytest.raises(AdapterError, match=expected) as info:
        DocxAdapter().read("bad.docx", data)
    assert time.perf_counter() - started < 2
    assert "\n" not in str(info.value)


def test_total_uncompressed_size_is_checked_before_parsing(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(docx_adapter, "MAX_UNCOMPRESSED", 10_000)
    with pytest.raises(AdapterError, match=r"unpacks to .* possible zip bomb"):
        DocxAdapter().read("big.docx", _valid())


def test_sniff():
    adapter = DocxAdapter()
    assert adapter.sniff(_valid()[:4096])
    assert not adapter.sniff(_zip({"xl/workbook.xml": b"<x/>"})[:4096])
    assert not adapter.sniff(b"%PDF-1.4")
