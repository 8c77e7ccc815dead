"""The recognizer's cheaper structures give exactly what the plain ones would."""

from __future__ import annotations

import dataclasses
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.model import Block, Cell, Span
from auditor.recognize.items import MAX_SHARED_LINE, Item, items_from_blocks, line_spans
from auditor.recognize.tables import new_cell
from auditor.recognize.tokens import RawRow, line_rows


def test_new_cell_is_the_cell_the_dataclass_makes() -> None:
    span = Span(line=12, column=3)
    args = ("t3.new.natural", "42宗", 42, "number", span, "宗", 0, "ocr", 0.75)
    fast, plain = new_cell(*args), Cell(*args)
    assert type(fast) is Cell
    assert fast == plain and hash(fast) == hash(plain) and repr(fast) == repr(plain)
    # Every field of Cell is filled, and nothing else: a field added to Cell must be added here.
    assert set(vars(fast)) == {f.name for f in dataclasses.fields(Cell)}
    assert pickle.loads(pickle.dumps(fast)) == plain
    assert dataclasses.replace(fast, raw="43") == dataclasses.replace(plain, raw="43")


def test_line_spans_are_shared_and_numbered() -> None:
    spans = line_spans(5, 3)
    assert spans == [Span(line=5), Span(line=6), Span(line=7)]
    assert line_spans(6, 1)[0] is spans[1]
    beyond = line_spans(MAX_SHARED_LINE - 1, 4)  # past what is shared: made fresh, same values
    assert [s.line for s in beyond] == list(range(MAX_SHARED_LINE - 1, MAX_SHARED_LINE + 3))


def test_items_number_lines_from_the_block() -> None:
    items = items_from_blocks((Block(kind="text", text="a\nb\nc", span=Span(line=10)),
                               Block(kind="text", text="x\ny", span=Span(line=1, page=2))))
    assert items == [Item("a", Span(line=10)), Item("b", Span(line=11)), Item("c", Span(line=12)),
                     Item("x", Span(line=1, page=2)), Item("y", Span(line=2, page=2))]


def test_gap_rows_are_shared_and_rows_carry_their_line() -> None:
    first, second = line_rows("|", Span(line=1)), line_rows("|", Span(line=2))
    assert first == [RawRow((), False, "|")] and first[0] is second[0] and first[0].is_gap
    (row,) = line_rows("行政许可 | 1 | 2", Span(line=7))
    assert row.positional and [t.text for t in row.cells] == ["行政许可", "1", "2"]
    assert all(t.span == Span(line=7) for t in row.cells)
    label, value = line_rows("一、本年新收政府信息公开申请数量351020038", Span(line=3))
    assert value.cells[0].glued and not label.cells[0].glued and value.cells[0].text == "351020038"


def test_paragraph_clauses_normalised_together_as_one_by_one() -> None:
    from auditor.narrative import _CLAUSE_SPLIT, BOILERPLATE, MIN_CLAUSE, _paragraph_hashes, clause_hash, normalize_clause

    names = ["南宁市良庆区", "良庆区"]
    paragraphs = [
        "2023年，良庆区共收到申请1,234件，同比增长12.5%；我局依法办理三件。本报告由良庆区编制",
        "ｅ\u0301 全角１２３，\u0301以组合字符开头的一句：e\u0301与 ﬁ 连字、二〇二三年五月；",  # NFKC-sensitive pieces
        "含有\x00空字符的段落，也照样逐句处理：第一百二十件申请已办结",  # the separator itself: clause by clause
        # boilerplate among clauses, anchored (^其中$, ^详见) and not: only those clauses drop out
        "其中，详见附表所列各项数据，本报告所列数据的统计期限自2023年1月1日起，本机关认真落实条例要求；"
        "一是，如对本报告有任何疑问请联系我们，联系电话为12345678，全年主动公开信息三百条；特此报告",
    ]
    for paragraph in paragraphs:
        expected = [clause_hash(n) for n in (normalize_clause(c, names) for c in _CLAUSE_SPLIT.split(paragraph))
                    if len(n) >= MIN_CLAUSE and not BOILERPLATE.search(n)]
        assert _paragraph_hashes(paragraph, names) == expected
    assert _paragraph_hashes(paragraphs[0], names)  # not vacuous


def test_restore_lines_drops_and_undecorates_the_same_way_twice() -> None:
    from auditor.recognize.lines import restore_lines

    items = [Item(text, Span(line=n)) for n, text in enumerate(
        ["# 一、总体情况", "|---|---|", "— 3 —", "**本年新收**", "0", "第 3 页 共 10 页"], 1)]
    first = restore_lines(items)
    again = restore_lines(items)  # now from the remembered fates
    assert first == again == [Item("一、总体情况", Span(line=1)), Item("本年新收", Span(line=4)),
                              Item("0", Span(line=5))]


def test_vocabulary_and_classify_are_remembered_without_changing_answers() -> None:
    from auditor.recognize.vocab import _classify, _vocabulary, classify, vocabulary
    from auditor.templates import load

    template = load("2021")
    vocab = vocabulary(template, "t3")
    assert vocab is vocabulary(template, "t3") is _vocabulary(template, "t3")
    for text in ("一、本年新收政府信息公开申请数量", "12", "", "  ", "自然人", "本年度办反办理结果", "某个不认识的标签"):
        assert classify(text, vocab) == _classify(text, vocab) == classify(text, vocab)
    assert classify("12", vocab) == ("value", None)


def _text_document():
    from auditor.model import Document

    text = "某某县2023年政府信息公开工作年度报告\n一、总体情况\n本年度依法公开政府信息。\n"
    return Document(path="x.txt", adapter="text", blocks=(Block(kind="text", text=text, span=Span(line=1)),))


def test_collector_is_paused_while_recognizing_and_resumed_after(monkeypatch) -> None:
    import gc

    import auditor.recognize as recognize_module

    seen = []
    real = recognize_module.split_documents
    monkeypatch.setattr(recognize_module, "split_documents", lambda items: seen.append(gc.isenabled()) or real(items))
    assert gc.isenabled()
    reports = recognize_module.recognize(_text_document())
    assert seen == [False] and gc.isenabled()
    assert reports[0].kind == "annual-report"

    def boom(items):
        raise RuntimeError("boom")

    monkeypatch.setattr(recognize_module, "split_documents", boom)
    with pytest.raises(RuntimeError):
        recognize_module.recognize(_text_document())
    assert gc.isenabled(), "resumed after an error too"


def test_collector_left_alone_when_off_or_in_another_thread(monkeypatch) -> None:
    import gc
    import threading

    import auditor.recognize as recognize_module

    seen = []
    real = recognize_module.split_documents
    monkeypatch.setattr(recognize_module, "split_documents", lambda items: seen.append(gc.isenabled()) or real(items))
    gc.disable()
    try:
        recognize_module.recognize(_text_document())
        assert not gc.isenabled(), "not turned on when the caller had it off"
    finally:
        gc.enable()
    worker = threading.Thread(target=recognize_module.recognize, args=(_text_document(),))
    worker.start()
    worker.join()
    assert seen == [False, True] and gc.isenabled()  # a thread beside others: never paused


def test_contact_details_from_the_recognizers_lines_as_from_the_text() -> None:
    from auditor.recognize.metadata import contact_details, nfkc_lines

    lines = ["联系电话：０５９１－２３４５６７８", "电子邮箱：ｘｘｂ＠ｐｉｎｇｔａｎ．ｇｏｖ．ｃｎ",
             "地 址：福州市平潭县某某路１号", "邮编：", "350400", "长" * 300]
    text = "\n".join(lines)
    assert nfkc_lines(text, lines) == nfkc_lines(text)
    contact = contact_details(text, lines)
    assert contact == contact_details(text)
    assert contact.phones == ("0591-2345678",) and contact.emails == ("xxb@pingtan.gov.cn",)
    assert contact.address == "福州市平潭县某某路1号" and contact.postcode == "350400"
    assert nfkc_lines("", []) == nfkc_lines("") == ""


CLAUSES = ["其中", "详见附表", "本机关认真落实条例要求", "统计期限为全年", "一是", "如对本报告有疑问", "全年办理申请12件",
           "见下表数据", "我局严格依法答复每一件申请", "特此报告", "e\u0301与ﬁ连字", "单位", "附件一所列的事项"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(CLAUSES), max_size=12), st.lists(st.sampled_from("，。；：、\n"), min_size=12, max_size=12))
def test_boilerplate_clauses_drop_out_as_one_by_one(clauses, marks) -> None:
    from auditor.narrative import _CLAUSE_SPLIT, BOILERPLATE, MIN_CLAUSE, _paragraph_hashes, clause_hash, normalize_clause

    paragraph = "".join(c + m for c, m in zip(clauses, marks))
    expected = [clause_hash(n) for n in (normalize_clause(c, ["良庆区"]) for c in _CLAUSE_SPLIT.split(paragraph))
                if len(n) >= MIN_CLAUSE and not BOILERPLATE.search(n)]
    assert _paragraph_hashes(paragraph, ["良庆区"]) == expected
