"""Agency names, normalised so the same agency's reports of different years can be paired.

The same agency is written differently from one year to the next: with or without spaces, with
its place prefix or without it (``财政金融局``, ``平潭综合实验区财政金融局``,
``福建省平潭综合实验区财政金融局``), with a bracketed qualifier (``（区本级）``), full- or
half-width. The rule, in order:

1. NFKC (full-width letters and digits, compatibility forms), whitespace and punctuation removed;
   bracketed parts — ``（…）``, ``【…】``, ``〔…〕``, ``[…]`` — dropped (qualifiers such as 本级 or
   a second name 知识产权局 are not part of who reports).
2. The name is split into a *place* — a run of administrative units, each some characters ending
   in 省, 自治区, 市, 自治州, 州, 地区, 盟, 县, 区, 旗, 镇, 乡 or 街道 (a unit may not start with
   such a character, may not contain 和/与/及, and common words such as 城市 or 社区 are not
   units) — and a *body*, the rest (``财政金融局``, ``人民政府办公室``).
3. A government's own report names only the place, or the place and 人民政府, 政府, 管理委员会
   or 管委会: all of these are the body ``人民政府``.
4. Two names are the same agency when their bodies are equal, character for character, and
   their places agree: equal, one a tail of the other by whole units (``洪泽区`` and
   ``淮安市洪泽区``), or one of them has none. Nothing else is merged: ``办公室`` and
   ``办公厅`` are different bodies (a county's 办公室 is not a province's 办公厅), and so are
   ``人民政府`` and ``人民政府办公室``.

A name without a place matches a name with one only by its body, so the pairing
(``auditor.crossdoc``) refuses to choose when more than one agency of the previous year fits.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

PLACE_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "街道", "地区", "省", "市", "州", "盟", "县",
                  "区", "旗", "镇", "乡")
SUFFIX_CHARS = frozenset("省市州盟县区旗镇乡")
# Words ending like a place unit that are not one.
NOT_PLACES = frozenset({"城市", "都市", "超市", "社区", "园区", "景区", "辖区", "街区", "山区", "林区", "牧区", "郊区",
                        "老区", "库区", "矿区", "港区", "城区", "城乡", "市区", "特区", "片区", "校区", "营区",
                        "试验区", "保护区", "示范区", "功能区", "管理区", "风景区"})
GOVERNMENT_BODIES = frozenset({"", "人民政府", "政府", "管理委员会", "管委会"})
GOVERNMENT = "人民政府"
_BRACKETED = re.compile(r"[（(【〔\[［][^）)】〕\]］]*[）)】〕\]］]")
_DROPPED = re.compile(r"[\s\u3000·•・,，、.。:：;；\"“”'‘’「」《》<>〈〉_\-—–]+")
_UNIT = re.compile("(?:[^省市州盟县区旗镇乡和与及]{1,9}?(?:" + "|".join(PLACE_SUFFIXES) + "))")


@dataclass(frozen=True)
class AgencyName:
    """A normalised agency name: the place as whole units, outermost first, and the body."""

    place: tuple[str, ...]
    body: str

    @property
    def key(self) -> str:
        """One string for the name as normalised (``平潭综合实验区/财政金融局``)."""
        return "".join(self.place) + "/" + self.body

    def same_agency(self, other: AgencyName) -> bool:
        if self.body != other.body:
            return False
        if not self.place or not other.place:
            return True
        shorter, longer = sorted((self.place, other.place), key=len)
        return longer[len(longer) - len(shorter):] == shorter


def clean(name: str) -> str:
    """Step 1: NFKC, brackets and their content, whitespace and punctuation removed."""
    text = unicodedata.normalize("NFKC", name)
    previous = None
    while previous != text:  # nested brackets
        previous, text = text, _BRACKETED.sub("", text)
    return _DROPPED.sub("", text)


@lru_cache(maxsize=65536)
def parse_agency(name: Optional[str]) -> Optional[AgencyName]:
    """The normalised form of an agency name; None for no name."""
    if not name:
        return None
    text = clean(name)
    if not text:
        return None
    units: list[str] = []
    position = 0
    while position < len(text):
        match = _UNIT.match(text, position)
        if match is None or match.group(0) in NOT_PLACES or any(match.group(0).endswith(w) for w in NOT_PLACES):
            break
        unit, position = match.group(0), match.end()
        if unit.endswith("州") and text.startswith("市", position):  # 福州市, not 福州 + 市…
            unit, position = unit + "市", position + 1
        units.append(unit)
    body = text[position:]
    if body in GOVERNMENT_BODIES:
        body = GOVERNMENT
    return AgencyName(tuple(units), body)


def agency_key(name: Optional[str]) -> Optional[str]:
    parsed = parse_agency(name)
    return parsed.key if parsed else None


def same_agency(a: Optional[str], b: Optional[str]) -> bool:
    """True when two written names are the same agency by the rule above."""
    pa, pb = parse_agency(a), parse_agency(b)
    return pa is not None and pb is not None and pa.same_agency(pb)
