"""OCR route: scanned PDF pages and ``<img>`` tables read into the same cells as the text routes.

The scans are made here from the committed text-layer fixtures (tilted, blurred, grainy, JPEG),
so what a page should read as is known exactly. Whole scanned reports (every page, every seed)
are measured by ``benchmarks/bench_ocr.py``; these tests keep to a page or a picture each.
"""

from __future__ import annotations

import dataclasses
import functools
import io
from pathlib import Path

import pytest
from builders import FIXTURES, plan_from_text, summary, to_html
from ocr_scans import bind, cjk_font, degrade, table_picture

from auditor.adapters import ocr
from auditor.adapters.ocr.digits import fix_number
from auditor.adapters.pdf import PdfAdapter
from auditor.model import AdapterError, Span
from auditor.recognize import recognize

needs_ocr = pytest.mark.skipif(not ocr.available(), reason=f"OCR extra not installed ({ocr.INSTALL_HINT})")
needs_font = pytest.mark.skipif(cjk_font() is None, reason="no CJK font (apt-get install fonts-noto-cjk)")
SEED = "001"
TEXT_PDF = FIXTURES / f"seed{SEED}_t3_split_over_pages.pdf"
LOW = "该单元格为图像识别结果，请核对原件"


@pytest.mark.parametrize(("read", "fixed"), [
    ("406", "406"), ("4O6", "406"), ("l2", "12"), ("S8", "58"), ("B", "8"), ("O", "0"), ("1 2", "12"),
    ("12.", "12"), ("258,13", "258.13"), ("1,234", "1,234"), ("-61", "-61"), ("新增1l", "新增11"),
    ("258.13万元", "258.13万元"), ("4D宗", "40宗"), ("其他", "其他"), ("/", "/"), ("——", "——"), ("无", "无"),
])
def test_digit_confusions_are_put_right_only_in_numbers(read: str, fixed: str):
    assert fix_number(read) == (fixed, fixed != read)


# ---------------------------------------------------------------------------------- PDF pages

def _with_page_scanned(pdf: bytes, index: int, keep_top: float) -> bytes:
    """``pdf`` with page ``index`` replaced by a scan of its top ``keep_top`` points (the rest
    left white, to keep the test short): a last page printed, signed and scanned back in."""
    import pypdfium2 as pdfium
    from PIL import ImageDraw

    dpi = 150
    clean = pdfium.PdfDocument(pdf)[index].render(scale=dpi / 72, grayscale=True).to_pil()
    ImageDraw.Draw(clean).rectangle((0, int(keep_top * dpi / 72), clean.width, clean.height), fill=255)
    scanned = pdfium.PdfDocument(bind([degrade(clean, tilt=-0.7, seed=7)], dpi))
    document = pdfium.PdfDocument(pdf)
    document.del_page(index)
    document.import_pages(scanned, index=index)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@functools.cache
def _mixed_reports():
    text = TEXT_PDF.read_bytes()
    pages = len(__import__("pypdfium2").PdfDocument(text))
    # The last page holds the end of table 三 (continued from the text page before), table 四
    # and sections 五/六; the scan keeps the tables.
    document = PdfAdapter().read("mixed.pdf", _with_page_scanned(text, pages - 1, keep_top=436))
    return recognize(PdfAdapter().read("text.pdf", text)), recognize(document), document


@needs_ocr
@needs_font  # PDFium prints the fixture's unembedded STSong-Light with a system CJK font
def test_scanned_last_page_reads_as_its_text_version_table_continued_across_the_scan_border():
    expected, got, _ = _mixed_reports()
    strip = [dataclasses.replace(r, cells={k: dataclasses.replace(c, origin=None, confidence=None)
                                           for k, c in r.cells.items()}) for r in got]
    assert [summary(r)["cells"] for r in strip] == [summary(r)["cells"] for r in expected]
    assert [r.tables for r in got] == [r.tables for r in expected] == [("t2", "t3", "t4")]


@needs_ocr
@needs_font
def test_every_cell_read_by_ocr_carries_origin_and_confidence_in_cell_details():
    _, got, document = _mixed_reports()
    details = got[0].to_json()["cell_details"]
    t4 = {cid: d for cid, d in details.items() if cid.startswith("t4.")}
    assert len(t4) == 15
    assert all(d["origin"] == "ocr" and 0.0 <= d["confidence"] <= 1.0 for d in t4.values())
    assert all(details[cid].get("origin") is None for cid in details if cid.startswith("t2."))  # text page
    # Table 三 is one table across the text page and the scanned one.
    assert "origin" not in details["t3.new.natural"] and details["t3.total.natural"]["origin"] == "ocr"
    t4_spans = {d["span"]["page"] for d in t4.values()}
    assert t4_spans == {max(b.span.page or 0 for b in document.blocks)}


@needs_ocr
def test_image_only_pdf_without_text_is_one_clean_error():
    with pytest.raises(AdapterError, match="no text layer; scanned PDFs need OCR, and OCR found no text"):
        PdfAdapter().read("scan.pdf", (FIXTURES / "scanned_image_only.pdf").read_bytes())


def test_without_the_extra_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(ocr, "available", lambda: False)
    with pytest.raises(AdapterError, match=r'scanned PDFs need OCR: pip install "auditor\[ocr\]"'):
        PdfAdapter().read("scan.pdf", (FIXTURES / "scanned_image_only.pdf").read_bytes())


# ------------------------------------------------------------------------------------ findings

def test_finding_on_an_unsure_ocr_cell_says_to_check_the_original():
    from auditor.engine import load_rules

    report = recognize(PdfAdapter().read("text.pdf", TEXT_PDF.read_bytes()))[0]
    cells = dict(report.cells)
    sure, unsure = cells["t4.review.upheld"], cells["t4.review.corrected"]
    cells["t4.review.upheld"] = dataclasses.replace(sure, value=sure.value + 1, raw=str(sure.value + 1),
                                                    origin="ocr", confidence=0.99)
    broken = dataclasses.replace(report, cells=cells)
    unsure_cells = dict(cells, **{"t4.review.corrected": dataclasses.replace(unsure, origin="ocr", confidence=0.42)})
    rules = load_rules()

    def t4_messages(r) -> list[str]:
        return [f.message for o in rules.evaluate(r) for f in o.findings if f.rule == "T4-SUM"]

    assert t4_messages(broken) and not any(LOW in m for m in t4_messages(broken))
    flagged = t4_messages(dataclasses.replace(report, cells=unsure_cells))
    assert flagged and all("t4.review.corrected：" + LOW in m for m in flagged)


# ---------------------------------------------------------------------------------- web pages

T4_ROWS = [
    ["行政复议", "", "", "", "", "行政诉讼", "", "", "", "", "", "", "", "", ""],
    ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计",
     "未经复议直接起诉", "", "", "", "", "复议后起诉", "", "", "", ""],
    ["", "", "", "", "", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计",
     "结果维持", "结果纠正", "其他结果", "尚未审结", "总计"],
]
T4_SPANS = {(0, 0): (1, 5), (0, 5): (1, 10), (1, 5): (1, 5), (1, 10): (1, 5),
            **{(1, c): (2, 1) for c in range(5)}}


def _t4_values(report) -> list[str]:
    return [report.cells[f"t4.{r}.{c}"].raw for r in ("review", "litigation_direct", "litigation_after_review")
            for c in ("upheld", "corrected", "other", "pending", "total")]


@functools.cache
def _page_with_t4_picture(folder: Path) -> tuple[Path, list[str]]:
    """Seed 001 as a web page whose table 四 is a picture beside it (``t4.png``)."""
    seed = next(p for p in (FIXTURES.parents[2] / "examples" / "reports").glob(f"{SEED}_*.txt"))
    plan = plan_from_text(seed)
    text_page = folder / "text.html"
    text_page.write_bytes(to_html(plan))
    from auditor.reading import load_reports

    values = _t4_values(load_reports(text_page)[0])
    t4 = next(i for i, part in enumerate(plan.parts) if isinstance(part, list) and part[0][0].text == "行政复议")
    plan.parts[t4] = "@@T4@@"
    html = to_html(plan).replace(b"<p>@@T4@@</p>", b'<p><img src="images/t4.png" alt="\xe8\xa1\xa8\xe5\x9b\x9b"></p>')
    (folder / "images").mkdir(exist_ok=True)
    table_picture([*T4_ROWS, values], spans=T4_SPANS, font_size=16, tilt=0.4).save(folder / "images" / "t4.png")
    page = folder / "page.html"
    page.write_bytes(html)
    return page, values


@pytest.fixture(scope="module")
def t4_page(tmp_path_factory) -> tuple[Path, list[str]]:
    return _page_with_t4_picture(tmp_path_factory.mktemp("web"))


@needs_ocr
@needs_font
def test_img_table_beside_the_page_is_read_into_table_four(t4_page):
    from auditor.reading import load_reports

    page, values = t4_page
    report = load_reports(page)[0]
    assert "t4" in report.tables
    assert _t4_values(report) == values
    assert all(report.cells[f"t4.review.{c}"].origin == "ocr" for c in ("upheld", "total"))
    text = load_reports(page.with_name("text.html"))[0]
    assert [k for k, c in report.cells.items() if c.raw != text.cells[k].raw] == []


def test_img_without_the_extra_leaves_a_note(t4_page, monkeypatch):
    from auditor.reading import read_document

    monkeypatch.setattr("auditor.adapters.ocr.pictures.available", lambda: False)
    document = read_document(t4_page[0])
    assert any('1 picture(s) beside the page may hold tables; to read them: pip install "auditor[ocr]"' in n
               for n in document.notes)


def test_img_outside_the_page_folder_is_never_read(tmp_path):
    from auditor.adapters.ocr.pictures import PagePictures

    (tmp_path / "secret.png").write_bytes(b"\x89PNG")
    inner = tmp_path / "site"
    inner.mkdir()
    pictures = PagePictures(str(inner / "page.html"))
    assert pictures._load("../secret.png") is None
    assert pictures._load("/etc/passwd") is None
    assert pictures._load("http://example.org/../../secret.png") is None


@needs_ocr
@needs_font
def test_table_without_ruling_lines_is_laid_out_by_alignment():
    rows = [["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
            ["规章", "3", "0", "12"],
            ["行政规范性文件", "15", "2", "108"]]
    page = ocr.read_image(table_picture(rows, ruled=False, font_size=18), dpi=None)
    assert len(page.tables) == 1 and not page.tables[0].ruled
    grid = page.tables[0].grid(Span(locator="img[1]"))
    assert [[c.text for c in row] for row in grid] == rows


@needs_font
@needs_ocr  # the ruling finder uses OpenCV, which comes with the OCR extra
def test_ruling_lines_give_merged_cells_as_drawn():
    import numpy as np

    from auditor.adapters.ocr.image import ink_mask
    from auditor.adapters.ocr.rulings import find_tables

    picture = table_picture([*T4_ROWS, ["1"] * 15], spans=T4_SPANS, font_size=16)
    tables, _ = find_tables(ink_mask(np.asarray(picture.convert("L"))), 16 / 10)
    assert len(tables) == 1
    spans = {(r0, c0): (r1 - r0, c1 - c0) for r0, c0, r1, c1 in tables[0].cells}
    assert {k: v for k, v in spans.items() if v != (1, 1)} == T4_SPANS
    assert len(spans) == 2 + 5 + 2 + 10 + 15
