"""PDF adapter: text lines, ruled tables as grids, tables continued across pages, bad files."""

from __future__ import annotations

import functools
import os
import time
from pathlib import Path

import pytest
from builders import FIXTURES, REAL, SEEDS, summary, text_reports

from auditor.adapters.pdf import PdfAdapter
from auditor.model import AdapterError, Block
from auditor.reading import load_reports, read_document

# ``../shared/real`` beside the checkout (CI); AUDITOR_REAL_DIR points elsewhere (a worktree).
HUAIAN = Path(os.environ.get("AUDITOR_REAL_DIR") or REAL) / "淮安市人民政府2024年政府信息公开工作年度报告.pdf"
needs_huaian = pytest.mark.skipif(not HUAIAN.exists(), reason="real PDF not in ../shared/real")


HONGZE = Path("/work/corpus/real/docs/洪泽区人民政府2024年政府信息公开工作年度报告.pdf")


@pytest.mark.skipif(not HONGZE.exists(), reason="local real-report corpus not present")
def test_label_in_a_font_with_broken_metrics_stays_in_its_column():
    """洪泽区 2024 sets 三、本年度办理结果 one character per line in a font whose loose glyph
    boxes are 200 pt wide: the glyphs' tight boxes keep the label in the first column."""
    document = PdfAdapter().read(str(HONGZE), HONGZE.read_bytes())
    t3 = next(t for t in tables(document.blocks) if "申请人情况" in t.rows[0][3].text)
    results = [row for row in t3.rows if row[0].text == "三、本年度办理结果"]
    assert len(results) == 20  # 2021 rows, with （六）其他处理 printed undivided
    assert results[1][1].text == "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    # The total row keeps its empty label cell: values start in the first value column.
    assert [c.text for c in results[-1]][1:4] == ["（七）总计", "", "95"]


def tables(blocks: tuple[Block, ...]) -> list[Block]:
    return [b for b in blocks if b.kind == "table"]


@pytest.fixture(scope="module")
def huaian():
    return PdfAdapter().read(str(HUAIAN), HUAIAN.read_bytes())


@needs_huaian
def test_huaian_table_three_is_one_grid_across_pages_4_and_5(huaian):
    t3 = next(t for t in tables(huaian.blocks) if "申请人情况" in t.rows[0][3].text)
    assert {cell.span.page for row in t3.rows for cell in row if cell.span.page} == {4, 5}
    labels = [row[2].text for row in t3.rows]
    assert labels[3] == "一、本年新收政府信息公开申请数量"
    assert labels[-1] == "四、结转下年度继续办理"
    assert len(t3.rows) == 3 + 2 + 22 + 1  # header, new/carried, results, carried forward
    assert all(len(row) == 10 for row in t3.rows)


@needs_huaian
def test_huaian_label_cut_by_the_page_break_is_joined_for_every_row_it_covers(huaian):
    t3 = next(t for t in tables(huaian.blocks) if "申请人情况" in t.rows[0][3].text)
    unable = [row for row in t3.rows if row[1].text == "（四）无法提供"]
    assert [row[2].text for row in unable] == [
        "1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确"]
    assert [row[9].text for row in unable] == ["769", "11", "1"]
    assert {row[1].span.page for row in unable} == {4, 5}
    # The merged 三、本年度办理结果 cell continues, empty, on page 5: every result row carries it.
    results = [row for row in t3.rows if row[0].text == "三、本年度办理结果"]
    assert len(results) == 22
    assert "法提供" not in [row[1].text for row in t3.rows]


@needs_huaian
def test_huaian_merged_header_cells_repeat_into_every_slot(huaian):
    t3 = next(t for t in tables(huaian.blocks) if "申请人情况" in t.rows[0][3].text)
    assert [c.text for c in t3.rows[0][3:]] == ["申请人情况"] * 7
    assert [c.text for c in t3.rows[1][3:]] == ["自然人"] + ["法人或其他组织"] * 5 + ["总计"]
    assert [c.text for c in t3.rows[2][3:]] == ["自然人", "商业企业", "科研机构", "社会公益组织",
                                                  "法律服务机构", "其他", "总计"]
    t4 = next(t for t in tables(huaian.blocks) if t.rows[0][0].text == "行政复议")
    expected = (72, 64, 178, 37, 351, 13, 4, 8, 1, 26, 12, 1, 1, 6, 20)
    assert [c.text for c in t4.rows[-1]] == [str(n) for n in expected]
    assert t4.rows[2][5].text == "结果维持"  # "结 果\n维持": justified spaces and wrap removed


@needs_huaian
def test_huaian_table_two_continues_from_page_3_to_4_with_fewer_columns(huaian):
    t2 = tables(huaian.blocks)[0]
    assert [row[0].text for row in t2.rows][-3:] == ["第二十条第（八）项", "信息内容", "行政事业性收费"]
    assert [c.text for c in t2.rows[-1]] == ["行政事业性收费"] + ["96171.6"] * 3
    assert {row[0].span.page for row in t2.rows} == {3, 4}


@needs_huaian
def test_huaian_text_in_reading_order_without_page_numbers(huaian):
    texts = [b.text for b in huaian.blocks if b.kind == "text"]
    assert texts[0] == "淮安市人民政府2024 年政府信息公开工作年度报告"  # title set on two lines
    headings = [t for t in texts if t[:2] in ("一、", "二、", "三、", "四、", "五、", "六、")]
    assert [h[:2] for h in headings] == ["一、", "二、", "三、", "四、", "五、", "六、"]
    assert not any(t.strip("- ").isdigit() for t in texts)
    # A paragraph broken by the page end (p.1 → p.2) is one block.
    assert any("“建设‘四最’一流营商环境高质量推进产业发展”" in t for t in texts)


@needs_huaian
def test_huaian_recognized_as_one_2024_report_in_the_2021_format():
    (report,) = load_reports(HUAIAN)
    assert (report.agency, report.year, report.format) == ("淮安市人民政府", 2024, "2021")
    values = report.cell_values()
    assert values["t3.unable.needs_creation.total"] == 11
    assert values["t3.total.total"] == 3050
    for column in ("natural", "commercial", "total"):
        assert values[f"t3.new.{column}"] + values[f"t3.carried_over.{column}"] == \
            values[f"t3.total.{column}"] + values[f"t3.carried_forward.{column}"]
    assert values["t4.review.total"] == 351


SEED_IDS = [seed.stem.split("_")[0] for seed in SEEDS]


@pytest.mark.parametrize("variant", ["t3_split_over_pages", "repeated_header"])
@pytest.mark.parametrize("seed", SEEDS, ids=SEED_IDS)
def test_seed_as_pdf_parses_to_the_same_report_as_its_text(seed: Path, variant: str):
    pdf = FIXTURES / f"seed{seed.stem.split('_')[0]}_{variant}.pdf"
    expected = [summary(r) for r in text_reports(seed)]
    got = [summary(r) for r in load_reports(pdf)]
    assert got == expected


def test_generated_table_really_spans_pages_and_drops_the_repeated_header():
    document = read_document(FIXTURES / "seed001_repeated_header.pdf")
    t3 = next(t for t in tables(document.blocks) if "申请人情况" in t.rows[0][3].text)
    assert len({c.span.page for row in t3.rows for c in row if c.span.page}) == 2
    assert sum(1 for row in t3.rows if row[3].text == "申请人情况") == 1
    assert len(t3.rows) == 3 + 25  # header rows + the 2021 format's 25 body rows


def test_fixtures_are_what_the_builder_makes_now():
    pytest.importorskip("reportlab")
    from builders import plan_from_text, to_pdf

    seed = SEEDS[1]
    fresh = PdfAdapter().read("fresh.pdf", to_pdf(plan_from_text(seed)))
    committed = read_document(FIXTURES / f"seed{seed.stem.split('_')[0]}_t3_split_over_pages.pdf")
    assert [b.rows or b.text for b in fresh.blocks] == [b.rows or b.text for b in committed.blocks]


@functools.cache
def _valid_pdf() -> bytes:
    return (FIXTURES / "seed001_t3_split_over_pages.pdf").read_bytes()


BAD_FILES = {
    "truncated": (lambda: _valid_pdf()[: len(_valid_pdf()) // 2], "corrupt or truncated PDF"),
    "corrupt": (lambda: b"%PDF-1.7\n" + bytes(range(256)) * 40, "corrupt or truncated PDF"),
    "empty": (lambda: b"", "empty"),
    "wrong extension (HTML named .pdf)": (lambda: b"<html><body>hi</body></html>", "no %PDF header"),
    "encrypted": (lambda: (FIXTURES / "encrypted_user_password.pdf").read_bytes(), "encrypted PDF"),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_bad_pdf_is_one_clean_error(case: str):
    make, expected = BAD_FILES[case]
    started = time.perf_counter()
    with pytest.raises(AdapterError, match=expected) as info:
        PdfAdapter().read("bad.pdf", make())
    assert time.perf_counter() - started < 2
    assert "\n" not in str(info.value) and info.value.__cause__ is None


def test_bad_pdf_in_a_batch_is_an_error_entry_and_the_rest_is_read(tmp_path: Path):
    good = tmp_path / "good.pdf"
    good.write_bytes(_valid_pdf())
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(_valid_pdf()[:500])
    results = {}
    for path in (bad, good):
        try:
            results[path.name] = len(load_reports(path))
        except AdapterError as exc:
            results[path.name] = str(exc)
    assert results == {"bad.pdf": "corrupt or truncated PDF (PDFium cannot load it)", "good.pdf": 1}


def test_sniff_recognizes_pdf_header_only():
    adapter = PdfAdapter()
    assert adapter.sniff(b"%PDF-1.4\n%\xe2\xe3")
    assert not adapter.sniff(b"<html>")
