"""The recognizer never raises on arbitrary text (hypothesis)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.model import Block, Document, Span
from auditor.recognize import recognize

FRAGMENTS = st.sampled_from([
    "一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况", "六、其他需要报告的事项", "规章 |", "0 |", "|||", "7 7 7", "新增11",
    "(七)总计 | 4 | 1 | 0 | 0 | 0 | 0 | 5 | ||", "行政复议 |", "结果维持", "2020年1月1日", "|", "",
    "某某县人民政府2020年政府信息公开工作年度报告", "本报告统计期限为2020年1月1日至12月31日", "电话:0771-1234567",
])
LINES = st.lists(st.one_of(FRAGMENTS, st.text(max_size=40)), max_size=60)


@settings(max_examples=150, deadline=None)
@given(LINES)
def test_recognize_never_raises(lines: list[str]) -> None:
    blocks = tuple(Block("text", text=line, span=Span(line=n)) for n, line in enumerate(lines, 1))
    reports = recognize(Document(path="x.txt", adapter="text", blocks=blocks))
    for report in reports:
        assert report.kind in ("annual-report", "legacy-report", "other")
        assert all(cell_id.startswith(("t2.", "t3.", "t4.")) for cell_id in report.cells)
