"""Give back the line structure that scrapers and converters lost or garbled.

Real reports reach us in shapes the recognizer's later steps should not have to know about:

- a scraper's archive: a header block (``标题: …``, ``发布时间: …``, ``栏目: …``, ``原文链接: …``)
  closed by a ``==== 正文 ====`` rule, then the page's text — sometimes on one single line, with
  headings run into paragraphs (``…邮箱：x@y.cn。一、总体情况2020年…``) and table cells separated by
  spaces or by nothing at all;
- PDF- and OCR-to-markdown conversions: ``#`` headings, ``**bold**``, ``|---|`` rules under pipe
  table headers, page footers (``— 3 —``) between table rows.

This step rewrites the items before anything else looks at them: the header becomes a title line
and a publication-date line, markdown decoration goes, footers go, and a long line that holds
several section headings or table labels is cut at them. Every piece keeps its source line and
the column where it started, so findings still point into the original file.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Optional

import re2

from auditor.model import Span
from auditor.recognize.items import Item
from auditor.recognize.normalize import PUNCT_MAP
from auditor.templates import FORMATS, load

NUMERALS = "一二三四五六"

# ``标题: …`` and its neighbours: the keys scrapers write above the page body.
_HEADER_KEY = re.compile(r"^\s*(标题|题目|名称|发布时间|发布日期|时间|日期|栏目|来源|原文链接|链接|网址|url|URL|索引号|"
                         r"发文机关|发布机构|发布机关|信息来源|作者|分类)\s*[:：]\s*(.*)$")
_BODY_RULE = re.compile(r"^\s*[=\-—#*~]{2,}\s*(正文|内容|原文|body)?\s*[=\-—#*~]*\s*$", re.IGNORECASE)
_TITLE_KEYS = {"标题", "题目", "名称"}
_DATE_KEYS = {"发布时间", "发布日期", "时间", "日期"}

_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*")
_MD_EMPHASIS = re.compile(r"\*\*|__")
_MD_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
# Page footers and headers a PDF conversion leaves between rows: ``— 3 —``, ``- 12 -``, ``第3页``,
# ``第 3 页 共 10 页``, ``3/10``. A bare number is a table value and is never dropped.
_FOOTER = re.compile(r"^\s*(?:[-—–－]{1,2}\s*\d{1,3}\s*[-—–－]{1,2}|第\s*\d{1,3}\s*页(?:\s*[,，/]?\s*共\s*\d{1,3}\s*页)?|"
                     r"\d{1,3}\s*/\s*\d{1,3}|page\s*\d{1,3})\s*$", re.IGNORECASE)

# Either of the two, in one test per line (a markdown rule always holds a "-").
_DROPPED = re.compile(f"(?:{_MD_RULE.pattern})|(?i:{_FOOTER.pattern})").match

VALUE_CHARS = frozenset("0123456789.,+-%万亿元件条项宗个次人起份笔")
# What follows a table label used as a word in a sentence (after ``compact``: 、 → ".", ； → ";").
PROSE_AFTER_LABEL = frozenset("、，,；;。.")
LONG_LINE = 160  # a line longer than this may be a whole page run together
MIN_TABLE_MARKERS = 3  # strong table labels a line must hold before it is cut at table labels


@dataclass(frozen=True)
class ScrapeHeader:
    """What a scraper wrote above the page body."""

    title: Optional[str] = None
    published: Optional[str] = None  # as written
    fields: tuple[tuple[str, str], ...] = ()


def restore_lines(items: list[Item]) -> list[Item]:
    """The items with scraper headers, markdown decoration and footers handled and long lines
    cut at section headings and table labels."""
    items = _scrape_header(items)
    out: list[Item] = []
    fates = _FATES
    for item in items:
        if item.grid is not None:
            out.append(item)
            continue
        text = item.text
        fate = fates.get(text)
        if fate is None:
            fate = _fate(text)
            if len(text) <= LONG_LINE:
                if len(fates) >= 1 << 15:  # bounded, whatever a hostile file holds
                    fates.clear()
                fates[text] = fate
        if fate is False:
            continue
        if fate is not True:
            text = fate
            item = item._replace(text=text)
        if len(text) > LONG_LINE:
            out.extend(_cut(item))
        else:
            out.append(item)
    return out


_FATES: dict[str, bool | str] = {}  # short lines by text (table lines repeat in every report)


def _fate(text: str) -> bool | str:
    """False for a line dropped (a markdown rule, a page footer), True for one kept as it is,
    or its text without markdown decoration."""
    if _DROPPED(text):
        return False
    if "#" in text[:8] or "**" in text or "__" in text:
        return _MD_EMPHASIS.sub("", _MD_HEADING.sub("", text, count=1))
    return True


# --------------------------------------------------------------------------------------------
# The scraper header
# --------------------------------------------------------------------------------------------


def _scrape_header(items: list[Item]) -> list[Item]:
    """Replace a leading ``key: value`` block with a title line and a ``发布时间：…`` line the
    metadata step reads like any other. The block ends at a rule line (``==== 正文 ====``) — then
    everything above it is header, lines the scraper added in its own words included — or at
    the first line that is not ``key: value``."""
    head = [(index, item) for index, item in enumerate(items[:30]) if item.grid is None]
    rule = next((index for index, item in head if _BODY_RULE.match(item.text) and item.stripped), None)
    keys: list[tuple[int, str, str]] = []
    end = 0
    for index, item in head:
        if rule is not None and index >= rule:
            end = rule + 1
            break
        if not item.stripped:
            continue
        match = _HEADER_KEY.match(item.text)
        if match:
            keys.append((index, match.group(1), match.group(2).strip()))
            end = index + 1
        elif rule is None:
            break
    if len(keys) < 2 or not any(k in _TITLE_KEYS | _DATE_KEYS for _, k, _ in keys):
        return items
    header: list[Item] = []
    for index, key, value in keys:
        if key in _TITLE_KEYS and value:
            header.append(Item(value, _at(items[index].span, items[index].text.find(value))))
        elif key in _DATE_KEYS and value:
            header.append(Item(f"发布时间：{value}", items[index].span))
    return header + items[end:]


def _at(span: Span, offset: int) -> Span:
    """``span`` moved to ``offset`` characters into its line (columns are 1-based)."""
    if span.line is None or offset <= 0:
        return span
    return Span(line=span.line, column=(span.column or 1) + offset, page=span.page, locator=span.locator)


# --------------------------------------------------------------------------------------------
# Cutting long lines
# --------------------------------------------------------------------------------------------


def _squeeze_table() -> dict[int, str | None]:
    """One ``str.translate`` table doing what ``compact`` does for the characters reports use
    (full-width forms, CJK punctuation, spaces, quotes), for a fast first look at a line."""
    table: dict[int, str | None] = {code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}
    for code, mapped in PUNCT_MAP.items():
        table[code] = mapped
    for ch in " \t\r\n\f\v\u00a0\u3000\u200b\ufeff\u2002\u2003\u2009“”'\"":
        table[ord(ch)] = None
    return {code: (None if value is None else value.translate(PUNCT_MAP).replace("“", "").replace("”", "") or None)
            for code, value in table.items()}


_SQUEEZE = _squeeze_table()


def compact(text: str) -> tuple[str, list[int]]:
    """``text`` normalised like labels (NFKC, unified punctuation, no spaces or quotes), with the
    offset in ``text`` of every character kept, so a match maps back to the source. Each
    character is normalised on its own, so its form is looked up once (``_CharForms``).

    A scraped page can be one line of 20,000 characters: the form is made by ``str.translate``
    and the offsets by ranges between the few characters whose form is not one character
    (spaces, quotes, ㈠…), not character by character in Python."""
    forms = _COMPACT
    chars = text.translate(forms)
    irregular = [ch for ch in set(text) if len(forms[ord(ch)]) != 1]
    if not irregular:  # one character for one: offsets are positions
        return chars, list(range(len(text)))
    offsets: list[int] = []
    done = 0
    for match in re.finditer("[" + re.escape("".join(irregular)) + "]", text):
        index = match.start()
        offsets.extend(range(done, index))
        offsets.extend([index] * len(forms[ord(text[index])]))
        done = index + 1
    offsets.extend(range(done, len(text)))
    return chars, offsets


def _compact_piece(squeezed: str, offsets: list[int], start: int, end: int) -> tuple[str, list[int]]:
    """``compact(text[start:end])`` from ``compact(text)``: characters are normalised one by one."""
    first, last = bisect_left(offsets, start), bisect_left(offsets, end)
    return squeezed[first:last], [o - start for o in offsets[first:last]]


class _CharForms(dict):
    """Code point → its character's compact form ("" when dropped), filled as characters are
    met; a ``str.translate`` table."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        if ch.isspace() or ch in "\u200b\ufeff":
            out = ""
        else:
            mapped = unicodedata.normalize("NFKC", ch).translate(PUNCT_MAP) if code > 127 else ch
            out = "".join(o for o in mapped if o not in "“”'\"")
        if len(self) >= 1 << 16:  # bounded, whatever a hostile file holds
            self.clear()
        self[code] = out
        return out


_COMPACT = _CharForms()


@dataclass(frozen=True)
class _Markers:
    headings: re2._Regexp  # a numbered section heading in its standard or variant wording
    loose: re2._Regexp  # a numbered heading in other words, checked against the section's key words
    strong: re2._Regexp  # table labels that never occur in prose
    every: re2._Regexp  # every table label, header word and group label


def _alternation(words: Iterable[str]) -> str:
    unique = sorted({w for w in words if w}, key=len, reverse=True)
    return "|".join(re2.escape(w) for w in unique)


@cache
def markers() -> _Markers:
    """Patterns over ``compact`` text, built from every format's template."""
    from auditor.recognize.normalize import norm_label

    headings: set[str] = set()
    strong: set[str] = set()
    every: set[str] = set()
    for fmt in FORMATS:
        template = load(fmt)
        for section in template.sections:
            for wording in (section.heading, *section.variants):
                headings.add(norm_label(wording))
        for table in template.tables:
            labels = [w for row in table.rows for w in row.wordings] + \
                     [w for sub in table.subgroups for w in sub.wordings] + [g.label for g in table.groups]
            for group in table.groups:
                labels += [w for col in group.columns for w in col.wordings]
            labels += list(table.headers)
            for label in labels:
                norm = norm_label(label)
                every.add(norm)
                # Numbered labels (一、本年新收…, (三)不予公开, 1.属于国家秘密) and long ones are
                # table structure; 规章, 其他, 总计 also occur in sentences.
                if re.match(r"^(\(?[一二三四五六七八九十]+[).]|\d+\.|第二十条)", norm) or len(norm) >= 8:
                    strong.add(norm)
    options = re2.Options()
    options.longest_match = True
    return _Markers(
        headings=re2.compile(f"[{NUMERALS}]\\.(?:{_alternation(headings)})", options),
        loose=re2.compile(f"([{NUMERALS}])\\.([^。;,:!?()]{{2,24}}?(?:情况|事项|措施|打算|计划))"),
        strong=re2.compile(_alternation(strong), options),
        every=re2.compile(_alternation(every), options),
    )


def _loose_heading(match) -> bool:
    """A numbered phrase that names its section's key words (四、政府信息公开行政法复议、…情况)."""
    section = load(FORMATS[-1]).section(NUMERALS.index(match.group(1)) + 1)
    return any(word in match.group(2) for word in section.keywords)


def _cut(item: Item) -> list[Item]:
    """A long line cut before and after each section heading; then each piece that holds a table
    cut at every table label from the first one on, so each label and each run of values
    becomes a line of its own. Prose before a table stays whole."""
    text = item.text
    pieces = _remembered_cuts(text) if len(text) <= REMEMBERED_LINE else _cuts(text)
    if pieces is None:
        return [item]
    return [Item(chunk, _at(item.span, offset)) for offset, chunk in pieces]


REMEMBERED_LINE = 512  # characters: a long line this short has its cuts remembered


@lru_cache(maxsize=4096)
def _remembered_cuts(text: str) -> Optional[tuple[tuple[int, str], ...]]:
    """Paragraphs of boilerplate recur from report to report (and the probe for markers costs a
    translation of the whole line)."""
    return _cuts(text)


def _cuts(text: str) -> Optional[tuple[tuple[int, str], ...]]:
    """Where ``_cut`` cuts: each piece's offset in the line and its text; None for no cut."""
    found = markers()
    probe = text.translate(_SQUEEZE)
    if not found.headings.search(probe) and not found.loose.search(probe) and not found.strong.search(probe):
        return None  # a long paragraph: nothing to cut (most long lines)
    squeezed, offsets = compact(text)

    def at(position: int) -> int:
        return offsets[position] if position < len(offsets) else len(text)

    cuts: set[int] = set()
    headings = list(found.headings.finditer(squeezed))
    exact = {m.start() for m in headings}
    headings += [m for m in found.loose.finditer(squeezed) if m.start() not in exact and _loose_heading(m)]
    if len(headings) >= 2 or (headings and headings[0].start() > 0):
        for match in headings:
            cuts.update((at(match.start()), at(match.end())))
    bounds = sorted(cuts | {0, len(text)})
    for start, end in zip(bounds, bounds[1:]):
        piece, piece_offsets = _compact_piece(squeezed, offsets, start, end)
        strong = list(found.strong.finditer(piece))
        labels = list(found.every.finditer(piece, strong[0].start())) if strong else []
        if len({m.group(0) for m in strong}) >= MIN_TABLE_MARKERS or (strong and len({m.group(0) for m in labels}) >= 5):
            starts = [m.start() for m in labels] + [len(piece)]
            for number, match in enumerate(labels):
                if match.end() < len(piece) and piece[match.end()] in PROSE_AFTER_LABEL:
                    continue  # 公开市场监管相关规章、规范性文件；… — a word in the prose after the table
                cuts.add(start + piece_offsets[match.start()])
                # Digits right after a label stay with it: that they touch is what tells the
                # table reader they ran together (规章000, 一、本年新收…351020038).
                if match.end() < len(piece_offsets) and not piece[match.end()].isdigit() \
                        and piece[match.end()] not in "+-":
                    cuts.add(start + piece_offsets[match.end()])
                # The values end where prose begins (行政事业性收费7816 (二)主动公开…).
                end = match.end()
                while end < starts[number + 1] and (piece[end] in VALUE_CHARS):
                    end += 1
                while end > match.end() and piece[end - 1] in ".,":
                    end -= 1
                if end < len(piece) and piece[end] == "年" and piece[end - 4:end].isdigit() \
                        and piece[end - 4:end - 2] in ("19", "20") and end - 4 > match.end():
                    end -= 4  # 行政事业性收费02025年，… — the year starts the next sentence
                if match.end() < end < starts[number + 1]:
                    cuts.add(start + piece_offsets[end])
    if not cuts:
        return None
    pieces: list[tuple[int, str]] = []
    bounds = sorted(cuts | {0, len(text)})
    for start, end in zip(bounds, bounds[1:]):
        chunk = text[start:end]
        if chunk.strip():
            lead = len(chunk) - len(chunk.lstrip())
            pieces.append((start + lead, chunk.strip()))
    return tuple(pieces)
