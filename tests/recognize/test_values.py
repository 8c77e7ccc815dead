"""Cell values as written in the wild: signs, units, full-width digits, placeholders."""

import pytest

from auditor.recognize.normalize import is_value_token, norm_label, parse_value, split_value_run


@pytest.mark.parametrize(("raw", "state", "value"), [
    ("0", "number", 0),
    ("46267", "number", 46267),
    ("-61", "number", -61),
    ("新增11", "number", 11),
    ("增169", "number", 169),
    ("减79", "number", -79),
    ("42宗", "number", 42),
    ("258.13万元", "number", 258.13),
    ("１２３", "number", 123),
    ("1,234", "number", 1234),
    (" 0", "number", 0),
    ("", "blank", None),
    ("   ", "blank", None),
    ("\u3000", "blank", None),
    ("-", "placeholder", None),
    ("/", "placeholder", None),
    ("——", "placeholder", None),
    ("无", "placeholder", None),
    ("不详", "text", None),
    ("见附件", "text", None),
])
def test_parse_value(raw: str, state: str, value: object) -> None:
    parsed = parse_value(raw)
    assert (parsed.state, parsed.value) == (state, value)


def test_amount_in_yuan_is_converted_to_wan_yuan_keeping_precision() -> None:
    parsed = parse_value("251000元", amount=True)
    assert parsed.value == pytest.approx(25.1)
    assert parsed.unit == "元" and parsed.decimals == 4


def test_decimals_written_are_kept_for_rounding_tolerance() -> None:
    assert parse_value("6414.79959万元").decimals == 5
    assert parse_value("7.5810").decimals == 4


def test_value_runs_split_only_when_every_part_is_a_value() -> None:
    assert split_value_run("7 7 7") == ["7", "7", "7"]
    assert split_value_run("本年新 制作数量") is None
    assert not is_value_token("规章")


def test_labels_compare_across_widths_and_punctuation() -> None:
    assert norm_label("（一）予以公开：") == norm_label("(一) 予以公开")
    assert norm_label("第二十条 第（一）项") == norm_label("第二十条第(一)项")
    assert norm_label("1、属于国家秘密") == norm_label("1.属于国家秘密")
