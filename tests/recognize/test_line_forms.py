"""Per-line shortcuts give exactly what the whole-text forms give: NFKC a line at a time, the
compact form of a piece cut from a line's form, and the prose test on short and long lines."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor import narrative
from auditor.recognize.lines import _compact_piece, compact
from auditor.recognize.metadata import LONG_LINE, SHORT_LINE, nfkc_lines

TEXTS = [
    "联系电话：０７７１－１２３４５６７\n邮箱：ｘｉｎｘｉ＠ｎｎ．ｇｏｖ．ｃｎ",
    "a\n\u0301b",  # a combining mark starts a line: it cannot join the line before
    "e\u0301\n\u0301\n\u1100\n\u1161",  # composed forms and Hangul jamo across line breaks
    "㈱本局\n㍿\n（一）予以公开：\r\n第\u3000二\u3000十条",
    "\n\n",
    "长" * (SHORT_LINE + 1) + "\n" + "短",  # long lines are remembered among fewer
    "ｅ\u0301" * (LONG_LINE + 1) + "\n" + "短",  # longer ones are only normalised
]


@pytest.mark.parametrize("text", TEXTS)
def test_nfkc_a_line_at_a_time_equals_the_whole_text(text: str) -> None:
    assert nfkc_lines(text) == unicodedata.normalize("NFKC", text)


@pytest.mark.parametrize("text", ["一、总体情况２０２０年，本局（一）予以公开 “三” 12 件", "  　 ", "㈱ ‘x’ \u200b\ufeff y"])
def test_a_piece_of_a_compact_line_is_the_compact_piece(text: str) -> None:
    whole, offsets = compact(text)
    for start in range(len(text) + 1):
        for end in range(start, len(text) + 1):
            assert _compact_piece(whole, offsets, start, end) == compact(text[start:end])


def test_the_prose_test_is_the_same_for_long_and_remembered_lines() -> None:
    sentence = "本机关全年共收到政府信息公开申请，均在法定期限内答复，未发生行政复议和行政诉讼案件。"
    label = "（一）予以公开"
    for line in (sentence, label, sentence * 20, label + " 1 2 3"):
        assert narrative.is_prose(line) == narrative._is_prose(line)
    assert narrative.is_prose(sentence) and not narrative.is_prose(label)
    assert len(sentence * 20) > narrative.SHORT_LINE and narrative.is_prose(sentence * 20)


def _compact_char_by_char(text: str) -> tuple[str, list[int]]:
    """The definition ``compact`` keeps: each character's own form, its offset once per
    character of that form."""
    from auditor.recognize.lines import _COMPACT

    pieces = [(index, _COMPACT[ord(ch)]) for index, ch in enumerate(text)]
    return "".join(p for _, p in pieces), [index for index, p in pieces for _ in p]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("一二（）()〔〕[]^-\\ \u3000\t\n\u200b\ufeff“”'\"㈠㈱㍿ＡＢ１２ａ.,，。：:"
                                             "e\u0301\ud800")) | st.characters(), max_size=60))
def test_compact_is_the_form_of_each_character_in_turn(text: str) -> None:
    assert compact(text) == _compact_char_by_char(text)


def test_compact_keeps_offsets_through_drops_and_expansions() -> None:
    chars, offsets = compact("㈠ 予以“公开”]")
    assert chars == "(一)予以公开]"
    assert offsets == [0, 0, 0, 2, 3, 5, 6, 8]
