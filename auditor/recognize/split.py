"""Split one file into the documents it holds.

A scraped page may carry several reports in a row with site noise between them (seed 004: six
documents, property ads, a search box). A document starts at an annual-report title or at the
title of another kind of document (…工作制度-推荐下载); lines with no word of the domain at the
edges of a document are site noise and are trimmed off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import re2

from auditor.recognize.items import Item
from auditor.recognize.metadata import TITLE_HEAD_RE, TITLE_TAILS, is_title_line
from auditor.recognize.sections import HEADING_RE

DOMAIN_WORDS = re2.compile(
    r"政府|政务|公开|信息|申请|条例|行政|工作|办理|复议|诉讼|报告|年度|统计|主动|依法|单位|部门|机关|办公室|"
    r"总体情况|事项|问题|改进|\d{4}年|[|]")
OTHER_TITLE_RE = re.compile(
    r"^[^。，,;；:：]{4,48}(制度|办法|规定|细则|通知|意见|方案|规则|决定|通告|公告|规划|指南|目录)"
    r"(\((试行|暂行)\)|（(试行|暂行)）)?\s*([-—_|].{0,12})?$")
ENUMERATED = re.compile(r"^\s*(\(|（|[一二三四五六七八九十]+[、.．]|\d+[、.．])")


TITLE_ONLY_EXTRA = 40  # characters beside a title that still make a bare link, not a report
MIN_BODY = 200  # characters of a segment that make it a report's body

@dataclass(frozen=True)
class Segment:
    """Items [start, end) of the original list form one document."""

    start: int
    end: int
    titled: bool


@lru_cache(maxsize=8192)
def _is_other_title(text: str) -> bool:
    text = text.strip()
    return bool(OTHER_TITLE_RE.match(text)) and not ENUMERATED.match(text)


@lru_cache(maxsize=16384)
def _title_marks(text: str) -> tuple[bool, bool, bool]:
    """What a stripped line may be, looked up once per text: a report title, the first half of
    one that wrapped onto the next line, another kind of document's title."""
    return is_title_line(text), len(text) <= 70 and bool(TITLE_HEAD_RE.search(text)), _is_other_title(text)


def _is_noise(item: Item) -> bool:
    if item.grid is not None:
        return False
    text = item.stripped
    return bool(text) and not DOMAIN_WORDS.search(text) and not HEADING_RE.match(text)


def split_documents(items: list[Item]) -> list[Segment]:
    """Document boundaries, in order; noise before, between and after documents is dropped."""
    starts: list[tuple[int, bool]] = []
    last_title: tuple[int, str] = (-100, "")
    for index, item in enumerate(items):
        if item.grid is not None:
            continue
        text = item.text.strip()
        if not text:
            continue
        is_title, title_head, other_title = _title_marks(text)
        if is_title or (title_head and _next_is_title_tail(items, index)):
            # A title repeated right below the first (page title + heading) is the same document.
            year = _title_year(text)
            if index - last_title[0] <= 3 and year == last_title[1]:
                continue
            starts.append((_title_start(items, index), True))
            last_title = (index, year)
        elif other_title and not _report_sections_follow(items, index):
            starts.append((index, False))
    if not starts or starts[0][0] != 0:
        starts.insert(0, (0, False))
    segments = []
    for pos, (start, titled) in enumerate(starts):
        end = starts[pos + 1][0] if pos + 1 < len(starts) else len(items)
        start, end = _trim(items, start, end)
        if start < end:
            segments.append(Segment(start, end, titled))
    return _without_link_lists(items, segments)


def _without_link_lists(items: list[Item], segments: list[Segment]) -> list[Segment]:
    """A page's "related reports" list (相关链接：XX2019年…年度报告 / XX2018年…) is a run of
    titles with nothing under them: they are not documents when the page holds a report with a
    body. A page whose only report is its title (published as an attachment) keeps it."""
    bare = [s for s in segments if s.titled and _title_only(items, s)]
    if not bare or not any(s not in bare and _has_body(items, s) for s in segments):
        return segments
    return [s for s in segments if s not in bare]


def _has_body(items: list[Item], segment: Segment) -> bool:
    return sum(len(i.stripped) for i in items[segment.start:segment.end]) >= MIN_BODY


def _title_only(items: list[Item], segment: Segment) -> bool:
    """Nothing but the title (maybe wrapped) and a few words beside it (a date, 附件下载)."""
    rest = 0
    for item in items[segment.start:segment.end]:
        if item.grid is not None:
            return False
        text = item.stripped
        if text and not (is_title_line(text) or TITLE_HEAD_RE.search(text) or text.startswith(TITLE_TAILS)):
            rest += len(text)
    return rest <= TITLE_ONLY_EXTRA


def _title_start(items: list[Item], index: int) -> int:
    """A title whose agency name wrapped onto the line before (``南宁市良庆区人民`` /
    ``政府2020年…年度报告``) starts on that line."""
    from auditor.recognize.metadata import TITLE_RE

    match = TITLE_RE.match(items[index].stripped)
    if index and match and len(match.group("agency").strip()) <= 3:
        before = items[index - 1]
        if before.grid is None and re.fullmatch(r"[\u4e00-\u9fff（）()]{2,30}", before.stripped or "-"):
            return index - 1
    return index


def _title_year(text: str) -> str:
    match = re.search(r"(?:19|20)\d{2}", text)
    return match.group(0) if match else ""


def _report_sections_follow(items: list[Item], index: int) -> bool:
    """A short line ending in 制度/办法… inside a report is a sub-title, not a new document:
    the report's own section headings still follow it."""
    from auditor.recognize.sections import match_heading
    from auditor.templates import load

    template = load("2021")
    for item in items[index + 1:]:
        if item.grid is not None:
            continue
        if is_title_line(item.stripped):
            return False
        match = HEADING_RE.match(item.text)
        if match and match_heading(match.group(2), template.section("一二三四五六".index(match.group(1)) + 1)):
            return True
    return False


def _next_is_title_tail(items: list[Item], index: int) -> bool:
    for item in items[index + 1: index + 3]:
        if item.stripped:
            return item.stripped.startswith(TITLE_TAILS) and len(item.stripped) <= 8
    return False


def _trim(items: list[Item], start: int, end: int) -> tuple[int, int]:
    while start < end and ((not items[start].stripped and items[start].grid is None) or _is_noise(items[start])):
        if start + 1 < end and _title_start(items, start + 1) == start:
            break  # the first half of a wrapped title
        start += 1
    while end > start and ((not items[end - 1].stripped and items[end - 1].grid is None)
                           or (_is_noise(items[end - 1]) and len(items[end - 1].stripped) >= 12)):
        end -= 1
    return start, end
