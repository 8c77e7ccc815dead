"""Find the six numbered sections by their headings, standard or variant.

A heading is a line starting with its number (一、 … 六、) whose text is the standard wording,
a known variant, or at least shares the section's key words; table rows that also start with
一、/二、/三、/四、 (本年新收…, 上年结转…, 本年度办理结果, 结转下年度…) never qualify.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Optional

from auditor.recognize.items import Item
from auditor.recognize.normalize import norm_label
from auditor.templates import SectionSpec, Template

NUMERALS = "一二三四五六"
HEADING_RE = re.compile(r"^\s*([一二三四五六])\s*[、.．，,]\s*(.{2,60}?)\s*$")
KEYWORDS = {
    1: ("总体情况", "总体", "概述", "基本情况"),
    2: ("主动公开",),
    3: ("申请",),
    4: ("复议", "诉讼"),
    5: ("问题", "不足", "改进"),
    6: ("其他需要报告", "其他事项", "需要报告"),
}


@dataclass(frozen=True)
class SectionHit:
    number: int
    heading: str  # as written, without the numeral
    standard: bool
    index: int  # position in the item list
    rest: str  # content run together with the heading (六、无其他需要报告的事项。)


def match_heading(text: str, spec: SectionSpec) -> Optional[tuple[str, bool, str]]:
    """(heading as written, standard?, content on the same line) if ``text`` heads ``spec``."""
    if "|" in text or "\t" in text.strip():
        return None
    body = text.strip()
    wanted = norm_label(spec.heading)
    normalized = norm_label(body)
    if normalized == wanted:
        return body, True, ""
    if normalized == "无" + wanted:  # 六、无其他需要报告的事项。 — heading and answer in one line
        return body, True, "无"
    for wording in (spec.heading, *spec.variants):
        key = norm_label(wording)
        if normalized.startswith(key) and len(normalized) - len(key) <= 30:
            rest = body[len(wording):].lstrip("：:，, 。") if body.startswith(wording) else ""
            if not rest or len(normalized) == len(key):
                return body, key == wanted, ""
            return wording, key == wanted, rest
    if len(normalized) > 30:
        return None
    if any(word in normalized for word in KEYWORDS[spec.number]):
        return body, False, ""
    ratio = difflib.SequenceMatcher(None, normalized, wanted).ratio()
    if ratio >= 0.6:
        return body, False, ""
    return None


def find_sections(items: list[Item], template: Template) -> list[SectionHit]:
    """Section headings in order; a number seen twice keeps the first occurrence."""
    hits: list[SectionHit] = []
    seen: set[int] = set()
    for index, item in enumerate(items):
        if item.grid is not None:
            continue
        match = HEADING_RE.match(item.text.replace("\u3000", " "))
        if not match:
            continue
        number = NUMERALS.index(match.group(1)) + 1
        if number in seen or (hits and number < hits[-1].number):
            continue
        found = match_heading(match.group(2), template.section(number))
        if found is None:
            continue
        heading, standard, rest = found
        hits.append(SectionHit(number, heading, standard, index, rest))
        seen.add(number)
    return hits
