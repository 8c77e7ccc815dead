"""Agency names written differently are the same agency; different bodies are never merged."""

from __future__ import annotations

import pytest

from auditor.agency import parse_agency, same_agency


@pytest.mark.parametrize(("a", "b"), [
    ("平潭综合实验区财政金融局", "福建省平潭综合实验区财政金融局"),  # place prefix longer
    ("平潭综合实验区财政金融局", "财政金融局"),  # no place at all
    ("平潭综合实验区 财政金融局", "平潭综合实验区财政金融局（区本级）"),  # space, bracketed qualifier
    ("南宁市良庆区", "良庆区人民政府"),  # a government: its place alone, or with 人民政府
    ("南宁市良庆区【城区本级】", "南宁市良庆区"),
    ("洪泽区人民政府", "淮安市洪泽区人民政府"),
    ("平潭综合实验区管委会", "平潭综合实验区"),
    ("Ｘ市财政局", "X市财政局"),  # full-width
])
def test_same_agency_written_differently(a: str, b: str) -> None:
    assert same_agency(a, b) and same_agency(b, a)


@pytest.mark.parametrize(("a", "b"), [
    ("南江县人民政府办公室", "南江县人民政府办公厅"),  # 办公室 is not 办公厅
    ("南江县人民政府", "南江县人民政府办公室"),  # the government is not its office
    ("淮安市人民政府", "淮安市洪泽区人民政府"),  # a city is not its district
    ("平潭综合实验区财政金融局", "福州市财政金融局"),
    ("平潭综合实验区城市管理局", "平潭综合实验区管理局"),  # 城市 is no place
])
def test_different_agencies(a: str, b: str) -> None:
    assert not same_agency(a, b)


def test_place_and_body() -> None:
    assert parse_agency("福建省平潭综合实验区市场监督管理局").place == ("福建省", "平潭综合实验区")
    assert parse_agency("福建省平潭综合实验区市场监督管理局").body == "市场监督管理局"
    assert parse_agency("住房和城乡建设局").place == ()
    assert parse_agency("福州市财政局") == parse_agency("福州市 财政局")
    assert parse_agency("福州市财政局").place == ("福州市",)
    assert parse_agency(None) is None and parse_agency("（）") is None
