"""Find the six numbered sections by their headings, standard or variant.

A heading is a line starting with a numeral (一、 … 六、) whose text is a section's standard
wording, a known variant, or at least shares its key words. Reports number freely: sub-items of
总体情况 numbered 一、二、…, a missing section so the later ones shift (四、存在的主要问题…). So
every numbered line is matched against every section, and the headings are chosen together: the
run of candidates, in document order and in section order, whose matches are strongest. A heading
whose numeral is not its section's counts as non-standard. Table rows that also start with
一、/二、/三、/四、 (本年新收…, 上年结转…, 本年度办理结果, 结转下年度…) never qualify.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Optional

from auditor.recognize.items import Item
from auditor.recognize.normalize import norm_label
from auditor.templates import FORMATS, SectionSpec, Template, load

NUMERALS = "一二三四五六"
HEADING_RE = re.compile(r"^\s*([一二三四五六])\s*[、.．，,]\s*(.{2,60}?)\s*$")
# How much a match of each kind is worth when headings are chosen together.
STRENGTH = {"standard": 10, "variant": 8, "prefix": 7, "keyword": 3, "fuzzy": 2}
SAME_NUMERAL = 3


@dataclass(frozen=True)
class SectionHit:
    number: int
    heading: str  # as written, without the numeral
    standard: bool
    index: int  # position in the item list
    rest: str  # content run together with the heading (六、无其他需要报告的事项。)
    numeral: int = 0  # the numeral printed (differs from ``number`` when sections shift)


def match_heading(text: str, spec: SectionSpec) -> Optional[tuple[str, bool, str]]:
    """(heading as written, standard?, content on the same line) if ``text`` heads ``spec``."""
    found = _match(text, spec)
    return None if found is None else found[:3]


@lru_cache(maxsize=8192)
def _match(text: str, spec: SectionSpec) -> Optional[tuple[str, bool, str, str]]:
    if "|" in text or "\t" in text.strip():
        return None
    body = text.strip()
    wanted = norm_label(spec.heading)
    normalized = norm_label(body)
    if normalized == wanted:
        return body, True, "", "standard"
    if normalized == "无" + wanted:  # 六、无其他需要报告的事项。 — heading and answer in one line
        return body, True, "无", "standard"
    for wording in (spec.heading, *spec.variants):
        key = norm_label(wording)
        if normalized == key:
            return body, False, "", "variant"
        if normalized.startswith(key) and len(normalized) - len(key) <= 30:
            rest = body[len(wording):].lstrip("：:，, 。") if body.startswith(wording) else ""
            if not rest or len(normalized) == len(key):
                return body, key == wanted, "", "prefix"
            return wording, key == wanted, rest, "prefix"
    if len(normalized) > 30:
        return None
    if any(word in normalized for word in spec.keywords):
        return body, False, "", "keyword"
    if difflib.SequenceMatcher(None, normalized, wanted).ratio() >= 0.6:
        return body, False, "", "fuzzy"
    return None


@cache
def _table_labels() -> frozenset[str]:
    """Row and subgroup labels of every table: numbered like headings, never headings."""
    labels = set()
    for fmt in FORMATS:
        for table in load(fmt).tables:
            for label in (*table.rows, *table.subgroups):
                labels.update(norm_label(w) for w in label.wordings)
    return frozenset(labels)


@lru_cache(maxsize=8192)
def _is_table_label(text: str) -> bool:
    normalized = norm_label(text)
    labels = _table_labels()
    if normalized in labels:
        return True
    return any(len(normalized) >= 6 and difflib.SequenceMatcher(None, normalized, label).ratio() >= 0.8
               for label in labels if label[:2] == normalized[:2])


@dataclass(frozen=True)
class _Candidate:
    hit: SectionHit
    weight: int


def _numbered(text: str) -> Optional[tuple[str, str]]:
    """The numeral and the words of a line shaped like a heading (一、总体情况), else None."""
    match = HEADING_RE.match(text.replace("\u3000", " "))
    return (match.group(1), match.group(2)) if match else None


@lru_cache(maxsize=16384)
def _short_numbered(text: str) -> Optional[tuple[str, str]]:
    return _numbered(text)  # remembered: every report prints the same short lines


def find_sections(items: list[Item], template: Template) -> list[SectionHit]:
    """Section headings in document order, at most one per section."""
    candidates: list[_Candidate] = []
    for index, item in enumerate(items):
        if item.grid is not None:
            continue
        text = item.text
        numbered = _short_numbered(text) if len(text) <= 256 else _numbered(text)
        if numbered is None or _is_table_label(text):
            continue
        printed, words = numbered
        numeral = NUMERALS.index(printed) + 1
        for spec in template.sections:
            found = _match(words, spec)
            if found is None:
                continue
            heading, standard, rest, strength = found
            same = numeral == spec.number
            weight = STRENGTH[strength] + (SAME_NUMERAL if same else 0)
            if not same and strength in ("keyword", "fuzzy"):
                continue  # a sub-item's numbering and a loose match: not a section heading
            hit = SectionHit(spec.number, heading if same else f"{printed}、{heading}", standard and same,
                             index, rest, numeral)
            candidates.append(_Candidate(hit, weight))
    return _strongest_run(candidates)


def _strongest_run(candidates: list[_Candidate]) -> list[SectionHit]:
    """The chain increasing in position and in section number with the greatest total weight
    (earliest on a tie)."""
    best: list[tuple[int, int]] = []  # (total weight, previous candidate or -1)
    for i, candidate in enumerate(candidates):
        total, previous = candidate.weight, -1
        for j in range(i):
            other = candidates[j]
            if other.hit.index < candidate.hit.index and other.hit.number < candidate.hit.number \
                    and best[j][0] + candidate.weight > total:
                total, previous = best[j][0] + candidate.weight, j
        best.append((total, previous))
    if not best:
        return []
    end = max(range(len(best)), key=lambda i: (best[i][0], -i))
    chain = []
    while end != -1:
        chain.append(candidates[end].hit)
        end = best[end][1]
    return chain[::-1]
