"""Laying ruled-table fragments onto one grid (``auditor.adapters._pdf_grid.build_grid``)."""

from __future__ import annotations

from auditor.adapters._pdf_grid import TableBuild, build_grid
from auditor.adapters._pdf_lattice import Fragment


def _fragment(*cells: tuple[tuple[float, float, float, float], str]) -> Fragment:
    return Fragment(page=1, bbox=(0.0, 0.0, 200.0, 40.0), cells=[(box, text, None) for box, text in cells],
                    xs=[0.0, 100.0, 200.0])


def test_a_two_by_two_table_fills_its_four_slots():
    grid = build_grid(TableBuild(0, [_fragment(((0, 0, 100, 20), "行政许可"), ((100, 0, 200, 20), "5"),
                                               ((0, 20, 100, 40), "行政处罚"), ((100, 20, 200, 40), "7"))]))
    assert [[cell.text for cell in row] for row in grid] == [["行政许可", "5"], ["行政处罚", "7"]]


def test_a_box_flattened_onto_the_last_ruling_is_laid_in_the_last_slot_not_past_the_grid():
    # An OCR box on the bottom ruling (top and bottom both snap to the last line) and one on the
    # right-hand ruling (both sides snap to the last column line): before, an IndexError that
    # made the whole scanned report unreadable.
    grid = build_grid(TableBuild(0, [_fragment(((0, 0, 100, 20), "行政许可"), ((100, 0, 200, 20), "5"),
                                               ((0, 20, 100, 40), "行政处罚"),
                                               ((100, 39.5, 200, 40), "7"), ((199.5, 0, 200, 20), "|"))]))
    assert [[cell.text for cell in row] for row in grid] == [["行政许可", "5"], ["行政处罚", "7"]]


def test_a_fragment_whose_edges_all_coincide_gives_no_rows():
    assert build_grid(TableBuild(0, [_fragment(((0, 10, 100, 10.5), "x"))])) == ()
