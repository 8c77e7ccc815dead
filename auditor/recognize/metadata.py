"""Facts a report states in prose: title, agency, year, publication date, statistic period,
contact details, and whether it is a people's government's own report.

Every pattern here was written against what the seeds actually contain (titles split over two
lines, periods without 统计, phone numbers with an em dash, pages with no title at all).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from datetime import date
from functools import lru_cache
from typing import Optional

import re2

from auditor.model import Contact, Period, Span
from auditor.recognize.items import Item
from auditor.recognize.normalize import chinese_year

_YEAR = r"((?:19|20)\d{2}|[〇零一二][〇零一二三四五六七八九]{3})"
# The agency before the year (白银市平川区2020年…) or after it (2025年上海市人民政府办公厅政府信息公开…).
TITLE_RE = re.compile(
    rf"^(?P<agency>.{{0,40}}?)\s*{_YEAR}\s*年\s*度?\s*(?:的)?\s*(?P<inner>[\u4e00-\u9fff（）()]{{0,30}}?)\s*(?:政府)?\s*"
    r"信息公开\s*(?:工作)?\s*(?:年度)?\s*(?:报告|年报)",
)
TITLE_NO_YEAR_RE = re.compile(r"^(?P<agency>.{2,40}?)(?:政府)?信息公开工作年度报告$")
TITLE_HEAD_RE = re.compile(rf"{_YEAR}\s*年\s*度?.*信息公开(?:.*工作)?$")  # first half of a split title
TITLE_TAILS = ("工作年度报告", "工作年报", "年度报告", "年报", "报告")  # its second half, on the next line
# What an agency named after the title's year ends with (not 关于, 度…).
_INNER_AGENCY = re.compile(r"(局|委员会|委|办公室|办公厅|厅|署|中心|院|所|部|处|人民政府|政府|管委会|管理委员会|"
                           r"省|自治区|市|州|盟|县|区|旗|镇|乡|街道)$")

_DATE = r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?"
PUBLISHED_LINE_RE = re.compile(
    rf"^(?:(?:发布|公开|成文|印发)?(?:日期|时间)\s*[:：]?\s*)?{_DATE}(?:\s+\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?$")
# Patterns that run over whole report text are RE2 (linear time whatever the text); the ones
# kept on Python's re only see short lines (titles, dates) or fixed-size windows.
PERIOD_KEY_RE = re2.compile(r"统计期限|统计时限|统计期间|统计周期|统计时段|统计时间|统计区间|数据统计|所列数据|"
                           r"统计截止|数据期限|统计数据时间段|数据时间段")
PERIOD_RANGE_RE = re.compile(
    r"(?:自|从)?\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*(?:起)?\s*(?:至|到|—|-|－|~|～)\s*"
    r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日")
PHONE_RE = re2.compile(
    r"(?:电话|热线|联系方式|咨询|Tel|TEL)[^0-9\n]{0,12}?((?:\(?0\d{2,3}\)?\s*[-—–－]?\s*)?[2-9]\d{6,7}|1[3-9]\d{9})")
EMAIL_RE = re2.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
ADDRESS_RE = re2.compile(
    r"(?:地址|地\s*址|通讯地址|联系地址)\s*[:：为是]?\s*([^,，;；。、)）\n]{2,60}?(?:号|路|街|道|楼|室|大厦|中心|院)[^,，;；。、)）\n]{0,20})")
POSTCODE_RE = re2.compile(r"(?:邮编|邮政编码)\s*[:：为是]?\s*(\d{6})")

# Administrative names: 南宁市良庆区, 净月高新区, 河源市金融工作局… (counted to find the agency of
# a report printed without its title).
_HAN = "\u4e00-\u9fff"
_PLACE_RE = re2.compile(
    f"(?:[{_HAN}]{{2,3}}(?:省|自治区))?(?:[{_HAN}]{{2,3}}市)?[{_HAN}]{{2,3}}"
    "(?:高新区|开发区|新区|自治县|市|县|区|旗)")
_PLACE_STOP = set("年月日我全各本该城辖市省县区和在的对等及与了是为向由把将从经按据到至其每此他中共党委")
_PLACE_PREFIX = re.compile(r"^[\u4e00-\u9fff]{2,8}(?:省|自治区|市|州|盟|地区)$")
_DEPARTMENT_END = re.compile(
    r"(局|委员会|委|办公室|办|厅|署|中心|院|所|队|站|部|处|科|管理处|公司|集团|银行|会)$")
_GOVERNMENT_MARK = re.compile(r"本级|人民政府$|政府$")


_FOUR_DIGITS = re.compile(r"\d{4}|[０-９]{4}")
_TITLE_KEY = re.compile(r"^\s*(?:标题|题目|名称)\s*[:：]\s*")
_AGENCY_TAIL = re.compile(r"^[\u4e00-\u9fff（）()]{2,30}$")


def title_of(items: list[Item]) -> tuple[Optional[str], Optional[int], Optional[Item]]:
    """The annual-report title among the first lines, joined when a PDF or a page wrapped it
    (``白银市平川区2020年政府信息公开工作`` + ``年度报告``; ``淮安市人民政府`` +
    ``2024年政府信息公开工作年度报告``; an agency name broken inside the title)."""
    lines = [i for i in items[:12] if i.grid is None and i.stripped]
    for pos, item in enumerate(lines):
        text = _title_text(item.stripped)
        if len(text) <= 70 and TITLE_HEAD_RE.search(text) and pos + 1 < len(lines):
            follower = lines[pos + 1].stripped
            if follower.startswith(TITLE_TAILS) and len(follower) <= 8:
                text = text + follower
        if is_title_line(text):
            match = TITLE_RE.match(text)
            if match and pos > 0 and len(match.group("agency").strip()) <= 3:
                before = _title_text(lines[pos - 1].stripped)
                if _AGENCY_TAIL.match(before) and not is_title_line(before) and len(before + text) <= 70:
                    text, match = before + text, TITLE_RE.match(before + text)
            year = chinese_year(match.group(2)) if match else None
            return text.rstrip("。."), year, item
    return None, None, None


@lru_cache(maxsize=8192)
def _title_text(text: str) -> str:
    return _TITLE_KEY.sub("", unicodedata.normalize("NFKC", text)).strip().rstrip("。.")


@lru_cache(maxsize=8192)
def is_title_line(text: str) -> bool:
    """An annual-report title: short, not a breadcrumb, names 信息公开 … 年度报告."""
    text = _title_text(text)
    if len(text) > 70 or ">" in text or "|" in text:
        return False
    return bool(TITLE_RE.match(text) and text.endswith(("报告", "年报")))


def agency_from_title(title: str, following: list[Item]) -> Optional[str]:
    """Text before the year; a fuller spelling in the next lines wins (宁波市质监局 →
    宁波市质量技术监督局)."""
    match = TITLE_RE.match(title)
    agency = match.group("agency").strip(" ：:") if match else None
    if not agency and match and _INNER_AGENCY.search(match.group("inner")):
        agency = match.group("inner")
    if not agency:
        return None
    for item in following[:4]:
        for candidate in re.findall(r"([\u4e00-\u9fff]{3,30}?)\s*(?:19|20)\d{2}\s*年", item.text[:120]):
            if len(candidate) > len(agency) and candidate[:2] == agency[:2] and _is_subsequence(agency, candidate):
                agency = candidate
    return agency


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def agency_from_body(text: str) -> Optional[str]:
    """For a report printed without its title: the administrative name it mentions most,
    in its longest spelling (良庆区 → 南宁市良庆区)."""
    counts: Counter[str] = Counter()
    for found in _PLACE_RE.findall(text.encode("utf-8")):  # bytes: see contact_details
        name = found.decode("utf-8")
        while name and name[0] in _PLACE_STOP:
            name = name[1:]
        if len(name) >= 3:
            counts[name] += 1
    if not counts:
        return None
    # Fold spellings that end with the same core (南宁市良庆区 / 良庆区).
    totals: Counter[str] = Counter()
    for name, count in counts.items():
        core = next((other for other in counts if other != name and name.endswith(other) and len(other) >= 3), name)
        totals[core] += count
    core, _ = totals.most_common(1)[0]
    # A longer spelling only when what it adds is itself a place (南宁市 + 良庆区), not a verb
    # glued on by the regex (印发桂林市).
    spellings = [n for n in counts if n == core or (n.endswith(core) and _PLACE_PREFIX.match(n[: -len(core)]))]
    return max(spellings, key=len)


def is_government_report(agency: Optional[str], head_text: str) -> bool:
    """A people's government's own report (deadline 31 March) rather than a department's."""
    if "本级" in head_text[:400]:
        return True
    if not agency:
        return False
    if agency.endswith(("人民政府", "政府")):
        return True
    return not _DEPARTMENT_END.search(agency)


def years_in(text: str) -> Counter[int]:
    """Years written as ``2020年`` in running text (document numbers like 〔2020〕 excluded)."""
    found: Counter[int] = Counter()
    for match in _YEAR_IN_TEXT.finditer(text):
        if match.start() == 0 or text[match.start() - 1] not in "0123456789〔[(（":
            found[int(match.group(1))] += 1
    return found


_YEAR_IN_TEXT = re2.compile(r"((?:19|20)\d{2})\s*年")


def published_date(items: list[Item]) -> tuple[Optional[str], Optional[Span]]:
    """A line that is only a date (``2021年1月29日``, ``2021-01-15 11:03``, ``发布日期：…``)."""
    for item in items:
        if item.grid is None:
            text = item.text
            iso = _short_date_line(text) if len(text) <= SHORT_LINE else _date_line(text)
            if iso:
                return iso, item.span
    return None, None


def _date_line(text: str) -> Optional[str]:
    """The ISO date a line states when it is only a date."""
    stripped = text.strip()
    # A date line is short and holds a year of four digits: skip table values (0 |) quickly.
    if not (8 <= len(stripped) <= 60 and ("年" in text or "-" in text or "/" in text or "." in text)
            and _FOUR_DIGITS.search(text)):
        return None
    match = PUBLISHED_LINE_RE.match(unicodedata.normalize("NFKC", stripped))
    return _iso(match.group(1), match.group(2), match.group(3)) if match else None


@lru_cache(maxsize=16384)
def _short_date_line(text: str) -> Optional[str]:
    return _date_line(text)


def _iso(year: str, month: str, day: str) -> Optional[str]:
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def statistic_period(items: list[Item]) -> Optional[Period]:
    """The statement of the statistic period and the dates it gives. A PDF may break the
    statement anywhere (``统\n计期限``, ``统计周期\n为2024年…``): lines are read joined."""
    lines = [i for i in items if i.grid is None]
    for pos, item in enumerate(lines):
        if "统" not in item.text and "数据" not in item.text and "所列" not in item.text:
            continue  # every key word holds one of these
        text = unicodedata.normalize("NFKC", item.text)
        joined = text.rstrip() + "".join(unicodedata.normalize("NFKC", n.text).strip() for n in lines[pos + 1:pos + 3])
        for key in PERIOD_KEY_RE.finditer(joined):
            if key.start() >= len(text.rstrip()):
                break  # starts on a later line: read there
            window = joined[key.start(): key.end() + 60]
            match = PERIOD_RANGE_RE.search(window)
            if not match:
                continue
            start_year = match.group(1)
            end_year = match.group(4) or start_year
            statement = _sentence_around(joined, key.start(), key.start() + match.end())
            return Period(statement=statement,
                          start=_iso(start_year, match.group(2), match.group(3)),
                          end=_iso(end_year, match.group(5), match.group(6)),
                          span=item.span)
    return None


def _sentence_around(text: str, start: int, end: int) -> str:
    left = max(text.rfind(ch, 0, start) for ch in "。;；\n")
    right_candidates = [p for p in (text.find(ch, end) for ch in "。;；\n") if p != -1]
    right = min(right_candidates) if right_candidates else len(text)
    return text[left + 1: right + 1].strip()


def nfkc_lines(text: str, lines: Optional[list[str]] = None) -> str:
    """NFKC of ``text``, a line at a time: a line break neither composes nor reorders with what
    surrounds it, so this equals normalising the whole text, and the short lines every report
    prints (labels, headings) are normalised once however many reports print them. ``lines``,
    when given, are the lines ``text`` joins (the recognizer's own strings, whose hashes the
    look-ups have already computed)."""
    if lines is None:
        lines = text.split("\n")
    if max(map(len, lines), default=0) <= SHORT_LINE:  # the usual case: every line remembered
        return "\n".join(map(_nfkc_short, lines))
    return "\n".join([_nfkc_short(line) if len(line) <= SHORT_LINE
                      else _nfkc_long(line) if len(line) <= LONG_LINE else unicodedata.normalize("NFKC", line)
                      for line in lines])


SHORT_LINE = 256  # characters: longer lines are not remembered among the many short ones
LONG_LINE = 1024  # characters: a paragraph this long is remembered among a few (boilerplate recurs)


@lru_cache(maxsize=16384)
def _nfkc_short(line: str) -> str:
    return unicodedata.normalize("NFKC", line)


@lru_cache(maxsize=1024)
def _nfkc_long(line: str) -> str:
    return unicodedata.normalize("NFKC", line)


_SPACED_CJK = re2.compile(f"([{_HAN}])[ \t\u3000]+([{_HAN}])")


def _unspace(data: bytes) -> bytes:
    """Justified text spaces its labels out (电 话：, 邮 编：): join CJK characters across spaces
    (twice, as each pass joins every other gap)."""
    for _ in range(2):
        data, joined = _SPACED_CJK.subn(rb"\1\2", data)
        if not joined:  # nothing spaced out: a second pass would find nothing either
            break
    return data


# RE2 matches UTF-8 bytes: given a str, its Python wrapper encodes it and maps every match's byte
# offsets back to characters. Where only the matched text is wanted (place names, contact
# details), the text is encoded once and the matches decoded — the same matches, without the
# mapping.


def contact_details(text: str, lines: Optional[list[str]] = None) -> Contact:
    """Phones, e-mails, address and postcode the text states (``lines``: see ``nfkc_lines``)."""
    data = _unspace(nfkc_lines(text, lines).encode("utf-8"))
    phones = []
    for match in PHONE_RE.finditer(data):
        phone = "".join(match.group(1).decode("utf-8").split()).replace("—", "-").replace("–", "-").replace("－", "-")
        if phone not in phones:
            phones.append(phone)
    emails = list(dict.fromkeys(found.decode("utf-8") for found in EMAIL_RE.findall(data)))
    address = ADDRESS_RE.search(data)
    postcode = POSTCODE_RE.search(data)
    return Contact(phones=tuple(phones), emails=tuple(emails),
                   address=address.group(1).decode("utf-8").strip() if address else None,
                   postcode=postcode.group(1).decode("utf-8") if postcode else None)


# The administrative level of an agency, read from its name: the lowest unit it names. A
# department (…市财政局) has the level of its government. Municipalities directly under the
# central government are 省-level; their districts and counties are 县-level.
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
_HANS = "[\u4e00-\u9fff]"
# The run of place names an agency name starts with (广东省广州市天河区石牌街道…), each unit
# kept apart from words that merely end in one (市场, 市民, 城乡, 乡村, 社区, 园区).
_PLACE_HEAD = re.compile(
    rf"^(?P<省>{_HANS}{{2,8}}?(?:省|自治区|特别行政区))?"
    rf"(?P<市>{_HANS}{{1,8}}?(?:自治州|地区|盟|州|市(?!场|民(?!政)|政(?!府)|辖)))?"
    rf"(?P<县>{_HANS}{{1,8}}?(?:自治县|自治旗|林区|特区|县|(?<![社园城景辖])区|旗|市(?!场|民(?!政)|政(?!府)|辖)))?"
    rf"(?P<乡>{_HANS}{{1,8}}?(?:(?<!城)乡(?!村)|(?<!城)镇|街道|苏木))?")


def administrative_level(agency: Optional[str]) -> Optional[str]:
    """省, 市, 县 or 乡 from an agency's name (南宁市良庆区 → 县, 河源市金融工作局 → 市,
    广东省人民政府 → 省, 上海市 → 省); None when the name names no unit."""
    if not agency:
        return None
    name = re.sub(r"[（(][^）)]*[）)]", "", unicodedata.normalize("NFKC", agency)).strip()
    if name.startswith(_MUNICIPALITIES):
        return "县" if re.match(rf"^{_HANS}{{1,8}}?(?:新区|区|县)", name[3:]) else "省"
    match = _PLACE_HEAD.match(name)
    if match is None:
        return None
    found = [level for level in ("乡", "县", "市", "省") if match.group(level)]
    return found[0] if found else None
