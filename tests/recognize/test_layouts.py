"""The same reports, re-laid out into each text layout and encoding, parse to the same cells."""

from pathlib import Path

import pytest

from auditor.model import Block, Document, Span
from auditor.reading import load_reports
from auditor.recognize import recognize
from tests.recognize.layouts import LAYOUTS, render

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ["000_60dfc1bb3c346b4a.txt", "001_1fa793b153ce3d21.txt", "003_199c53d3d7ac26c8.txt"]


def _first(path: Path):
    return next(r for r in load_reports(path) if r.kind == "annual-report")


def _recognize_text(text: str):
    blocks = tuple(Block("text", text=line, span=Span(line=n)) for n, line in enumerate(text.split("\n"), 1))
    reports = [r for r in recognize(Document(path="relaid.txt", adapter="text", blocks=blocks))
               if r.kind == "annual-report"]
    assert len(reports) == 1
    return reports[0]


def _comparable_cells(report, *, lossy_blanks: bool) -> dict:
    values = report.cell_values()
    if lossy_blanks:  # layouts that drop blank cells cannot place a partly filled row exactly
        return {k: v for k, v in values.items() if v is not None}
    return values


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: s[:3])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_relaid_report_parses_to_same_cells(seed: str, layout: str) -> None:
    original = _first(ROOT / "examples" / "reports" / seed)
    relaid = _recognize_text(render(original, layout))
    assert relaid.format == original.format
    assert [s.number for s in relaid.sections] == [s.number for s in original.sections]
    assert relaid.cell_values() == original.cell_values()


def test_partly_filled_rows_survive_every_layout() -> None:
    shantou = load_reports(ROOT / "examples" / "reports" / "004_69f1cdd360e96bf0.txt")[4]
    for layout in LAYOUTS:
        relaid = _recognize_text(render(shantou, layout))
        assert relaid.cell_values() == shantou.cell_values(), layout


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8-sig", "utf-16"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_encodings_and_line_endings(tmp_path: Path, encoding: str, newline: str) -> None:
    source = ROOT / "examples" / "reports" / "002_0739bad8c8b1aa45.txt"
    text = source.read_text("utf-8").replace("\xa0", " ")  # GBK has no no-break space
    target = tmp_path / "report.txt"
    target.write_bytes(text.replace("\n", newline).encode(encoding))
    reports = load_reports(target)
    original = load_reports(source)
    assert reports[0].cell_values() == original[0].cell_values()
    assert reports[0].agency == "南江县人民政府办公室"
    expected = {"gbk": "gb18030", "utf-16": "utf-16"}.get(encoding, encoding)
    assert reports[0].source.encoding == expected


def test_full_width_digits_and_thousands_separators(tmp_path: Path) -> None:
    text = (ROOT / "examples" / "reports" / "000_60dfc1bb3c346b4a.txt").read_text("utf-8")
    text = text.replace("行政许可 | 406 | -61 | 46267 |", "行政许可 | ４０６ | -61 | 46,267 |")
    target = tmp_path / "wide.txt"
    target.write_text(text, "utf-8")
    cells = load_reports(target)[0].cells
    assert cells["t2.licensing.prev_items"].value == 406
    assert cells["t2.licensing.decisions"].value == 46267
    assert cells["t2.licensing.decisions"].raw == "46,267"
