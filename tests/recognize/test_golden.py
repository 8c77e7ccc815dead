"""Every document in every seed recognizes as a person reads it (golden files checked by hand)."""

import json
from pathlib import Path

import pytest

from tests.golden.make_golden import golden_of

ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted((ROOT / "examples" / "reports").glob("*.txt"))


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem[:3])
def test_seed_matches_golden(seed: Path) -> None:
    expected = json.loads((ROOT / "tests" / "golden" / f"{seed.stem}.json").read_text("utf-8"))
    actual = json.loads(json.dumps(golden_of(seed), ensure_ascii=False))
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected):
        for key in want:
            assert got[key] == want[key], f"{seed.name} document {want['index']}: {key}"


def test_seed_004_holds_six_documents_in_order() -> None:
    docs = golden_of(ROOT / "examples" / "reports" / "004_69f1cdd360e96bf0.txt")
    assert [(d["kind"], d["agency"], d["year"]) for d in docs] == [
        ("annual-report", "桂林市", 2019),
        ("other", "桂林市", None),
        ("legacy-report", "宁波市质量技术监督局", 2008),
        ("annual-report", "河源市金融工作局", 2019),
        ("annual-report", "汕头市人民政府办公室", 2019),
        ("annual-report", "广东省人民政府", 2019),
    ]


def test_shantou_rows_filled_only_in_natural_and_total() -> None:
    shantou = golden_of(ROOT / "examples" / "reports" / "004_69f1cdd360e96bf0.txt")[4]
    cells = shantou["cells"]
    assert cells["t3.granted.natural"] == 3 and cells["t3.granted.total"] == 3
    assert all(cells[f"t3.granted.{c}"] is None for c in ("commercial", "research", "social", "legal", "other_org"))
    assert "t3.granted.commercial" in shantou["blank"]


def test_headings_and_metadata_of_pingchuan() -> None:
    doc = golden_of(ROOT / "examples" / "reports" / "003_199c53d3d7ac26c8.txt")[0]
    assert doc["title"] == "白银市平川区2020年政府信息公开工作年度报告"  # split over two lines in the seed
    assert doc["standard_headings"] == {1: True, 2: True, 3: False, 4: True, 5: False, 6: True}
    assert doc["cells"]["t3.total.natural"] == 0 and doc["cells"]["t3.unable.not_held.natural"] == 3


def test_a_related_reports_list_after_a_report_is_not_documents(tmp_path: Path) -> None:
    """相关链接：three report titles under the page's report: links, not three reports with no
    body (each a false STRUCT-BODY); a page whose report is only its title keeps it."""
    from auditor.reading import load_reports

    page = (ROOT / "examples" / "reports" / "000_60dfc1bb3c346b4a.txt").read_text("utf-8")
    links = "\n相关链接：\n南宁市良庆区2019年政府信息公开工作年度报告\n南宁市良庆区2018年政府信息公开工作年度报告\n" \
            "南宁市青秀区2020年政府信息公开工作年度报告  2021-03-01\n"
    (tmp_path / "linked.txt").write_text(page + links, encoding="utf-8")
    reports = load_reports(tmp_path / "linked.txt")
    assert [(r.agency, r.year) for r in reports] == [("南宁市良庆区", 2020)]
    (tmp_path / "bare.txt").write_text("南宁市良庆区2019年政府信息公开工作年度报告\n附件下载\n", encoding="utf-8")
    (bare,) = load_reports(tmp_path / "bare.txt")
    assert bare.kind == "annual-report" and not bare.sections and not bare.tables
