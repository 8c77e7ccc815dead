"""The narrative of a report — its prose, without the tables — and what it states.

Three uses, one reading of the text:

- ``narrative_text``: a section's prose lines (lines that are table labels and numbers left out).
- ``claims``: the figures the prose states for quantities of tables 三 and 四 (申请 received,
  carried over, handled, granted…, carried forward, 行政复议, 行政诉讼), for ``TEXT-TABLE``.
  Precision first: a figure is taken only when its clause names one quantity unambiguously, and
  a sentence about another year, a comparison, a percentage, a sub-unit or a channel is left
  alone. A claim agrees with the table when it matches any reading the wording allows
  (受理 may or may not include the applications carried over).
- ``section_print``: the clause hashes cross-document similarity compares (``auditor.similarity``).

Regular expressions here are the project's own and run on Python's ``re``; patterns from rule
files never do (``mentions`` in the rule language takes RE2 patterns).
"""

from __future__ import annotations

import base64
import hashlib
import re
import struct
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from auditor import templates
from auditor.agency import parse_agency
from auditor.model import Report, Section, SectionPrint

MAX_CLAUSES = 512  # per document: a longer narrative keeps its first clauses
MAX_PASSAGES = 96
INCIPIT = 14  # characters of a paragraph quoted to name a shared passage
MIN_CLAUSE = 6  # a clause shorter than this (after masking) says nothing about copying

# ---------------------------------------------------------------- prose lines

_PUNCT = re.compile(r"[\s\u3000()（）【】\[\]〔〕、，,：:；;。.“”\"'‘’《》<>|/·\-—_]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=1)
def _table_words() -> tuple[str, ...]:
    """Every label the formats print in their tables, normalised, longest first."""
    words: set[str] = {"信息内容", "申请人情况", "法人或其他组织", "行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉",
                       "本列数据的勾稽关系为第一项加第二项之和等于第三项加第四项之和", "第二十条第", "项"}
    for fmt in templates.FORMATS:
        template = templates.load(fmt)
        for spec in template.tables:
            words.update(_squash(h) for h in spec.headers)
            words.update(_squash(s.label) for s in spec.subgroups)
            for group in spec.groups:
                words.add(_squash(group.label))
                for label in (*group.rows, *group.columns):
                    words.update(_squash(w) for w in label.wordings)
        for label in template.t3_groups:
            words.update(_squash(w) for w in label.wordings)
    return tuple(sorted((w for w in words if w), key=len, reverse=True))


def _squash(text: str) -> str:
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text))


SHORT_LINE = 256  # characters: lines this short (labels, headings) are remembered; longer ones never
SHORT_TEXT = 65536  # a section's text this long or shorter is remembered (see _narrative_lines)


def is_prose(line: str) -> bool:
    """A line of narrative, not a table row, header or cell: what is left when the tables'
    labels and the figures are taken out still reads as a sentence. Remembered for the short
    lines last met: every report prints the same table labels and headings."""
    return _short_is_prose(line) if len(line) <= SHORT_LINE else _is_prose(line)


@lru_cache(maxsize=16384)
def _short_is_prose(line: str) -> bool:
    return _is_prose(line)


def _is_prose(line: str) -> bool:
    text = line.strip()
    if not text or "|" in text or "\t" in text:
        return False
    rest = _squash(text)
    if len(_CJK.findall(rest)) < 8:
        return False
    # The labels are taken out longest first, as _table_words orders them; only a label whose
    # characters all occur in the line can ever be found (taking labels out adds none), so the
    # rest are not tried: same result, a few label tests per line instead of hundreds.
    present = set(rest)
    by_char = _words_by_char()
    ranks = sorted({rank for char in present for rank, chars in by_char.get(char, ()) if chars <= present})
    words = _table_words()
    for rank in ranks:
        word = words[rank]
        if word in rest:
            rest = rest.replace(word, "")
    return len(_CJK.findall(rest)) >= 8


@lru_cache(maxsize=1)
def _words_by_char() -> dict[str, tuple[tuple[int, frozenset[str]], ...]]:
    """Each label's rank in ``_table_words`` and its characters, under its first character."""
    index: dict[str, list[tuple[int, frozenset[str]]]] = {}
    for rank, word in enumerate(_table_words()):
        index.setdefault(word[0], []).append((rank, frozenset(word)))
    return {char: tuple(entries) for char, entries in index.items()}


def narrative_lines(text: str) -> list[str]:
    return list(_narrative_lines(text) if len(text) <= SHORT_TEXT else _prose_lines(text))


@lru_cache(maxsize=16)
def _narrative_lines(text: str) -> tuple[str, ...]:
    """Kept for the few section texts last read: the claims and the fingerprints of one
    document read the same sections (a huge text is not kept: memory stays bounded)."""
    return _prose_lines(text)


def _prose_lines(text: str) -> tuple[str, ...]:
    short, long = _short_is_prose, _is_prose  # is_prose, without a call per line
    return tuple(line.strip() for line in text.split("\n")
                 if (short(line) if len(line) <= SHORT_LINE else long(line)))


def narrative_text(section: Section) -> str:
    """The section's prose, one paragraph a line."""
    return "\n".join(narrative_lines(section.text))


# ---------------------------------------------------------------- sentences

_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|\n")


def sentences(text: str) -> list[str]:
    """Sentences of prose: cut after 。！？； and at line ends."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


# ---------------------------------------------------------------- claims


@dataclass(frozen=True)
class Quantity:
    """A quantity the narrative may state, and the table cells it reads as (alternatives: the
    wording allows each reading; the claim agrees when any matches)."""

    id: str
    label: str
    readings: tuple[tuple[str, ...], ...]  # each a tuple of cell-id patterns summed
    table_label: str

    def cells(self, reading: int = 0) -> tuple[str, ...]:
        return self.readings[reading]


def _q(id: str, label: str, table_label: str, *readings: tuple[str, ...]) -> Quantity:
    return Quantity(id, label, readings, table_label)


QUANTITIES: dict[str, Quantity] = {q.id: q for q in (
    _q("new", "收到（受理）的申请", "表三「本年新收政府信息公开申请数量」行「总计」列",
       ("t3.new.total",), ("t3.new.total", "t3.carried_over.total")),
    _q("carried_over", "上年结转的申请", "表三「上年结转政府信息公开申请数量」行「总计」列", ("t3.carried_over.total",)),
    _q("handled", "办结（答复）的申请", "表三「（七）总计」行「总计」列", ("t3.total.total",)),
    _q("granted", "予以公开", "表三「（一）予以公开」行「总计」列", ("t3.granted.total",)),
    _q("partial", "部分公开", "表三「（二）部分公开」行「总计」列", ("t3.partial.total",)),
    _q("denied", "不予公开", "表三「（三）不予公开」各行「总计」列之和", ("t3.denied.*.total",),
       ("t3.denied.*.total", "t3.unable.*.total")),
    _q("unable", "无法提供", "表三「（四）无法提供」各行「总计」列之和", ("t3.unable.*.total",)),
    _q("not_processed", "不予处理", "表三「（五）不予处理」各行「总计」列之和", ("t3.not_processed.*.total",)),
    _q("other", "其他处理", "表三「（六）其他处理」「总计」列", ("t3.other.total", "t3.other.*.total")),
    _q("carried_forward", "结转下年度继续办理的申请", "表三「结转下年度继续办理」行「总计」列",
       ("t3.carried_forward.total",)),
    _q("review", "行政复议", "表四「行政复议」「总计」列", ("t4.review.total",)),
    _q("litigation", "行政诉讼", "表四「行政诉讼」两行「总计」列之和",
       ("t4.litigation_direct.total", "t4.litigation_after_review.total")),
    _q("new.natural", "自然人提出的申请", "表三「本年新收政府信息公开申请数量」行「自然人」列", ("t3.new.natural",)),
    _q("new.organisations", "法人或其他组织提出的申请", "表三「本年新收政府信息公开申请数量」行法人或其他组织各列之和",
       ("t3.new.commercial", "t3.new.research", "t3.new.social", "t3.new.legal", "t3.new.other_org")),
)}

# What names a quantity in the words before a figure: the specific ones (one result of table
# 三, 结转, 行政复议/诉讼) win over the generic 收到/答复 next to them — 因无法提供相关信息答复2件
# is about 无法提供; two specific ones, or two generic ones, in one clause name no single cell.
_SPECIFIC: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("partial", re.compile(r"部分公开|区分处理")),
    ("denied", re.compile(r"不予公开")),
    ("granted", re.compile(r"(?<!不)(?:予以公开|同意公开|全部公开)")),
    ("unable", re.compile(r"无法提供")),
    ("not_processed", re.compile(r"不予处理")),
    ("other", re.compile(r"其他处理")),
    ("carried_over", re.compile(r"上一?年度?结转|上年度?转入")),
    ("carried_forward", re.compile(r"结转(?:至|到|入)?下一?年|转入?下一?年|转下年")),
    ("review", re.compile(r"行政复议")),
    ("litigation", re.compile(r"行政诉讼|被起诉|提起诉讼")),
)
_GENERIC: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("new", re.compile(r"(?:收到|受理|接收|新收|收悉|接到)[^，,；;。]{0,14}?申请|"
                       r"^[^办答回处]{0,8}(?:政府信息公开|依申请公开)申请(?:数量?|总数)?为?共?计?$")),
    ("handled", re.compile(r"办结|答复|回复|回应|办理完毕|处理完毕|已处理")),
)
# Figures after which a carried-forward wording follows: 剩余6件转办下一年度办理.
_AFTER_FORWARD = re.compile(r"^[^，,；;。\d]{0,6}?(?:结转|转办|转入|转)[^，,；;。\d]{0,3}?(?:下一?年|下年|次年|明年)")
_FIGURE = re.compile(r"(?<![\d.])(\d{1,6})\s*(件|宗|份|起|条|个)(?![\d%％])")
_APPLICANTS = (("new.natural", re.compile(r"自然人")),
               ("new.organisations", re.compile(r"法人(?:或其他组织|和其他组织|及其他组织)?")))
# A sentence about another time, a comparison, a share or a part of the whole: left alone.
_OTHER_TIME = re.compile(r"去年|上一年(?!度?结转)|上年(?!度?结转)|前年|同期|往年|历年|累计|"
                         r"以来(?!.{0,4}申请)|近[一二三四五两\d]+年")
_COMPARISON = re.compile(r"同比|环比|较上|比上|比去|增长|下降|减少|增加|上升|提高|降低|增幅|%|％|百分之")
_SUB_UNIT = re.compile(r"全区|全县|全市|全省|全州|全旗|各级|各部门|各单位|各乡镇|各街道|乡镇|街道|区直|县直|市直|省直|"
                       r"系统内|所属|下属|本级|(?<!本)部门|(?<!本)单位|窗口|网络|网上|信函|当面|邮寄|传真|现场|电话|来访|平台|"
                       r"代表|政府办|办公室")
_CLAUSE_CUT = re.compile(r"[，,、：:]")
# Requests that are not 政府信息公开申请: petitions, messages, hotlines, proposals.
_OTHER_MATTER = re.compile(r"信访|留言|诉求|咨询|热线|来信|来电|来访|提案|(?<!复)议案|建议|政民互动|12345|投诉|举报|意见|"
                           r"人大|政协|督办|办件|政务服务|审批|"
                           # documents the agency made and how it published them (主动公开 counts), not requests
                           r"主动公开|制作|制发|印发|公文|信息总数|信息数")
_ABOUT_REQUESTS = re.compile(r"申请|行政复议|行政诉讼")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*年")


@dataclass(frozen=True)
class Claim:
    """A figure the narrative states for a table quantity."""

    quantity: Quantity
    value: int
    text: str  # the words that state it: 受理依申请公开477件
    sentence: str
    section: int


def claims(report: Report) -> list[Claim]:
    """Every unambiguous figure the narrative states for a quantity of tables 三/四."""
    found: list[Claim] = []
    for section in report.sections:
        for paragraph in narrative_lines(section.text):
            if not _ABOUT_REQUESTS.search(paragraph):
                continue  # a paragraph about anything else (主动公开, 信访…) states no table-三/四 figure
            for sentence in sentences(paragraph):
                found.extend(sentence_claims(sentence, report.year, section.number))
    return found


def sentence_claims(sentence: str, year: Optional[int], section: int = 0) -> list[Claim]:
    """The claims one sentence makes (see the module docstring for what is left alone)."""
    if _sentence_elsewhere(sentence, year) or _OTHER_MATTER.search(sentence):
        return []
    out: list[Claim] = []
    main: Optional[str] = None  # the quantity the sentence is about, for 其中自然人…件
    for clause in _clauses(sentence):
        start = 0
        for match in _FIGURE.finditer(clause):
            before = clause[start:match.start()]
            after = clause[match.end():]
            start = match.end()
            if _COMPARISON.search(before) or _SUB_UNIT.search(before) or _COMPARISON.match(after):
                continue
            applicant = next((q for q, pattern in _APPLICANTS if pattern.search(before)), None)
            if applicant is not None:  # 其中自然人申请2件: a column of the sentence's 新收 row
                quantity = applicant if main == "new" and _quantity(before, after) in (None, "new") else None
            else:
                quantity = _quantity(before, after)
            if quantity is None:
                continue
            if quantity in ("new", "handled") and main is not None and clause.lstrip().startswith("其中"):
                continue  # 办结2件，其中公开答复1件: a part of the figure just stated, not a total
            if quantity in ("new", "handled", "granted"):
                main = main or quantity
            words = clause[max(0, match.start() - 24):match.end()].lstrip("，,、：: ")
            out.append(Claim(QUANTITIES[quantity], int(match.group(1)), words, sentence, section))
    return out


def _clauses(sentence: str) -> list[str]:
    """Clauses of a sentence: the words before a figure are looked at within its clause."""
    parts = _CLAUSE_CUT.split(sentence)
    return [p for p in parts if p.strip()]


def _sentence_elsewhere(sentence: str, year: Optional[int]) -> bool:
    if _OTHER_TIME.search(sentence):
        return True
    return any(year is not None and int(match.group(1)) != year for match in _YEAR.finditer(sentence))


def _quantity(before: str, after: str) -> Optional[str]:
    """The one quantity the words before a figure name; None when none or several do."""
    if _AFTER_FORWARD.match(after):
        return "carried_forward"
    specific = [q for q, pattern in _SPECIFIC if pattern.search(before)]
    if specific:
        if len(specific) > 1:
            return None
        if specific[0] in ("review", "litigation") and _RESULT_OF_CASES.search(before):
            return None  # a result of the reviews (维持3件), not their number
        return specific[0]
    generic = [q for q, pattern in _GENERIC if pattern.search(before)]
    return generic[0] if len(generic) == 1 else None


_RESULT_OF_CASES = re.compile(r"维持|纠正|撤销|确认违法|败诉|胜诉|审结|决定|判决|其他结果")


# ---------------------------------------------------------------- mentions (rule language)


@dataclass(frozen=True)
class Mention:
    """A figure a rule's own pattern found in prose, with the sentence around it."""

    value: float
    text: str
    sentence: str
    ambiguous: bool  # the sentence is about another year, a comparison or a part of the whole


def mentions(text: str, pattern: object, year: Optional[int] = None) -> list[Mention]:
    """Matches of an RE2 ``pattern`` (group 1, else the whole match, is the figure) in the prose
    lines of ``text``, sentence by sentence."""
    out = []
    for sentence in sentences("\n".join(narrative_lines(text)) or text):
        for match in pattern.finditer(sentence):  # type: ignore[attr-defined]
            raw = match.group(1) if pattern.groups else match.group(0)  # type: ignore[attr-defined]
            figure = (raw or "").replace(",", "").replace("，", "").strip()
            try:
                value = float(figure) if "." in figure else int(figure)
            except ValueError:
                continue
            before = sentence[: match.start()]
            ambiguous = (_sentence_elsewhere(sentence, year) or bool(_COMPARISON.search(match.group(0)))
                         or bool(_SUB_UNIT.search(before[-12:])))
            out.append(Mention(value, match.group(0), sentence, ambiguous))
    return out


# ---------------------------------------------------------------- fingerprints

# Sentences every report may print word for word: the form's fixed statements, how to reach
# the office, where the report is published. They say nothing about copying.
BOILERPLATE = re.compile(
    r"统计期限|统计时限|数据统计|本报告(?:由|根据|依据|按照|是|所列|中)|年度报告(?:由|根据|依据|按照)|"
    r"(?:如对|若对|如有|对本报告).{0,12}(?:疑问|意见|建议)|(?:电子版|全文).{0,10}(?:下载|查阅|浏览)|"
    r"(?:网址|网站|门户网站).{0,8}(?:查阅|下载|浏览)|联系(?:电话|方式|地址|人)|邮政编码|邮编|电子邮箱|传真|"
    r"政府信息公开条例.{0,8}(?:第五十条|要求|规定)|以下简称|特此报告|无其他需要报告|其他需要报告的事项|"
    r"^[一二三四五六七八九十]+是$|^其中$|^详见|^见下表|^如下表|^单位|^附件")
_BOILERPLATE_LINES = re.compile(BOILERPLATE.pattern, re.MULTILINE)
_SELF = re.compile(r"(?:我|本|该)(?:局|委|办|区|县|市|省|州|旗|厅|院|所|站|中心|单位|部门|机关|镇|乡|街道|公司|处|室|队)")
_DIGITS = re.compile(r"[0-9０-９]+(?:[.,．][0-9]+)*|[〇零一二三四五六七八九十百千万两]+(?=[年月日件条份个项次人%])")


def normalize_clause(clause: str, names: Sequence[str] = ()) -> str:
    """A clause as copying is judged: NFKC, no spaces or punctuation, the agency's own names and
    self-references (我局, 本委) masked as ``@``, figures (and years) as ``#``."""
    text = unicodedata.normalize("NFKC", clause)
    for name in names:
        if name:
            text = text.replace(name, "@")
    text = _SELF.sub("@", text)
    text = _DIGITS.sub("#", text)
    return _PUNCT.sub("", text)


def clause_hash(normalized: str) -> int:
    return int.from_bytes(hashlib.blake2b(normalized.encode("utf-8"), digest_size=4).digest(), "little")


_CLAUSE_SPLIT = re.compile(r"[，,。；;！!？?：:、\n]")


def agency_names(agency: Optional[str]) -> list[str]:
    """The ways a report names itself: its full name, each place unit and its body, longest first."""
    parsed = parse_agency(agency)
    if parsed is None:
        return []
    names = {agency or "", parsed.body, *parsed.place, "".join(parsed.place)}
    names.discard("人民政府")  # too common to be the report's own name
    return sorted((n for n in names if len(n) >= 2), key=len, reverse=True)


def section_clauses(section: Section, agency: Optional[str]) -> list[int]:
    """The clause hashes of one section (as ``section_prints`` computes them)."""
    names = agency_names(agency)
    return [h for paragraph in narrative_lines(section.text) for h in _paragraph_hashes(paragraph, names)]


def _paragraph_hashes(paragraph: str, names: Sequence[str]) -> list[int]:
    clauses = _CLAUSE_SPLIT.split(paragraph)
    if _JOIN in paragraph:
        normalized = [normalize_clause(clause, names) for clause in clauses]
    else:
        # All clauses normalised in one go, joined by NUL: NFKC neither composes nor reorders
        # across it, and no name, self-reference, figure or punctuation pattern matches it, so
        # the pieces are each clause normalised on its own — with a handful of calls per
        # paragraph instead of per clause.
        normalized = normalize_clause(_JOIN.join(clauses), names).split(_JOIN)
    kept = [text for text in normalized if len(text) >= MIN_CLAUSE]
    if not kept:
        return []
    # One search over the clauses a line each (no part of BOILERPLATE crosses a line break, and
    # with MULTILINE its anchors hold per line) instead of one search per clause.
    joined = "\n".join(kept)
    boiler, line, at = set(), 0, 0
    for match in _BOILERPLATE_LINES.finditer(joined):
        line += joined.count("\n", at, match.start())
        at = match.start()
        boiler.add(line)
    return [clause_hash(text) for number, text in enumerate(kept) if number not in boiler]


_JOIN = "\x00"


def section_prints(report: Report, budget: int = MAX_CLAUSES) -> tuple[SectionPrint, ...]:
    """Each section's clause hashes and paragraph openings, within one budget per document."""
    names = agency_names(report.agency)
    out = []
    passages_left = MAX_PASSAGES
    for section in report.sections:
        hashes: list[int] = []
        passages: list[tuple[int, str]] = []
        for paragraph in narrative_lines(section.text):
            first = len(hashes)
            kept = _paragraph_hashes(paragraph, names)[:max(budget, 0)]
            hashes.extend(kept)
            budget -= len(kept)
            if len(hashes) > first and passages_left > 0:
                passages.append((first, _incipit(paragraph)))
                passages_left -= 1
        out.append(SectionPrint(section.number, pack_hashes(hashes), tuple(passages)))
    return tuple(out)


_SPACES = re.compile(r"\s+")


def _incipit(paragraph: str) -> str:
    text = _SPACES.sub("", paragraph)
    return text[:INCIPIT] + ("…" if len(text) > INCIPIT else "")


def pack_hashes(hashes: Iterable[int]) -> str:
    values = list(hashes)
    return base64.b64encode(struct.pack(f"<{len(values)}I", *values)).decode("ascii") if values else ""


def unpack_hashes(packed: str) -> tuple[int, ...]:
    if not packed:
        return ()
    data = base64.b64decode(packed)
    return struct.unpack(f"<{len(data) // 4}I", data[: len(data) // 4 * 4])
