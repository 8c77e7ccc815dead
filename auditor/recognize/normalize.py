"""Text normalisation and cell-value parsing shared by every recognizer step.

Reports mix full-width and half-width forms (`（一）`/`(一)`, `１２３`/`123`), write numbers with
units and signs (`42宗`, `258.13万元`, `新增11`, `减79`), and use placeholders (`-`, `/`, `——`,
`无`) that mean something different from a blank or a 0.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional, Union

Number = Union[int, float]

PUNCT_MAP = str.maketrans({
    "〔": "(", "〕": ")", "【": "(", "】": ")", "［": "(", "］": ")", "﹙": "(", "﹚": ")",
    "、": ".", "．": ".", "，": ",", "：": ":", "；": ";", "。": "", "·": "",
    "—": "-", "–": "-", "－": "-", "─": "-", "‐": "-",
    "“": "“", "”": "”", '"': "“", "＂": "“",
})
_SPACE = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")


@lru_cache(maxsize=16384)
def norm_label(text: str) -> str:
    """Canonical form of a label for matching: NFKC, unified brackets/punctuation, no spaces,
    no trailing colon or full stop. `（一）予以公开：` and `(一) 予以公开` compare equal."""
    text = unicodedata.normalize("NFKC", text).translate(PUNCT_MAP)
    text = _SPACE.sub("", text)
    text = text.replace("“", "").replace("”", "").replace("'", "")
    return text.rstrip(":;.,|")


def clean(text: str) -> str:
    """Collapse whitespace (incl. full-width and no-break spaces) and trim."""
    return _SPACE.sub(" ", text).strip()


# --------------------------------------------------------------------------------------------
# Cell values
# --------------------------------------------------------------------------------------------

PLACEHOLDERS = frozenset({"-", "--", "---", "/", "//", "\\", "无", "——", "—", "－", "_", "/ ", "空", "暂无", "×", "x", "X"})
_SIGN_WORDS = (("新增加", 1), ("新增", 1), ("增加", 1), ("增长", 1), ("增", 1), ("+", 1),
               ("减少", -1), ("减", -1), ("-", -1))
_UNITS = ("万元", "亿元", "元", "件", "条", "项", "宗", "个", "次", "人次", "人", "家", "起", "份", "笔", "%")
_NUMBER_BODY = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$")
_VALUE_SHAPE = re.compile(
    r"^(?:新增加|新增|增加|增长|增|减少|减|[+\-])?\s*[\d,]+(?:\.\d+)?\s*"
    r"(?:万元|亿元|元|人次|件|条|项|宗|个|次|人|家|起|份|笔|%)?$")


MAX_INTEGER_DIGITS = 15  # beyond this a float loses units and arithmetic checks lose meaning
MAX_DECIMALS = 10


@dataclass(frozen=True)
class ParsedValue:
    state: str  # number | blank | placeholder | text
    value: Optional[Number] = None
    unit: Optional[str] = None
    decimals: int = 0


def _half_width(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(PUNCT_MAP)


@lru_cache(maxsize=16384)
def parse_value(raw: str, *, amount: bool = False) -> ParsedValue:
    """Parse what a cell holds. ``amount`` columns are in 万元: a figure written in 元 is
    converted (and keeps more decimals)."""
    text = _SPACE.sub("", _half_width(raw))
    if not text:
        return ParsedValue("blank")
    if text in PLACEHOLDERS or set(text) <= {"-", "/", "\\", "_"}:
        return ParsedValue("placeholder")
    sign = 1
    for word, word_sign in _SIGN_WORDS:
        if text.startswith(word) and len(text) > len(word):
            sign, text = word_sign, text[len(word):]
            break
    unit = None
    for candidate in _UNITS:
        if text.endswith(candidate) and len(text) > len(candidate):
            unit, text = candidate, text[: -len(candidate)]
            break
    match = _NUMBER_BODY.match(text) if len(text) <= 64 else None
    if not match:
        return ParsedValue("text")
    whole, fraction = match.group(1).replace(",", ""), match.group(2)
    if len(whole.lstrip("0")) > MAX_INTEGER_DIGITS or len(fraction or "") > MAX_DECIMALS:
        return ParsedValue("text")  # no count or amount in a report is that long: not a number
    decimals = len(fraction) if fraction else 0
    value: Number = float(f"{whole}.{fraction}") if fraction else int(whole)
    if amount and unit == "元":
        value = round(float(value) / 10000, decimals + 4)
        decimals += 4
    elif amount and unit == "亿元":
        value = round(float(value) * 10000, max(decimals - 4, 0))
        decimals = max(decimals - 4, 0)
    value = sign * value
    if isinstance(value, float) and value.is_integer() and decimals == 0:
        value = int(value)
    return ParsedValue("number", value, unit, decimals)


@lru_cache(maxsize=16384)
def is_value_token(text: str) -> bool:
    """True if a cell/token reads as a table value (number with sign/unit, or placeholder)."""
    compact = _SPACE.sub("", _half_width(text))
    if not compact:
        return False
    return compact in PLACEHOLDERS or bool(_VALUE_SHAPE.match(compact))


_SPLIT_NUMBERS = re.compile(r"\s+")


def split_value_run(text: str) -> Optional[list[str]]:
    """``7 7 7`` → ``['7', '7', '7']`` when a line holds several values separated by spaces;
    None if any part is not a value."""
    parts = [p for p in _SPLIT_NUMBERS.split(text.strip()) if p]
    if len(parts) < 2 or not all(is_value_token(p) for p in parts):
        return None
    return parts


_YEAR_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")


def chinese_year(text: str) -> Optional[int]:
    """``二〇二〇`` → 2020; a plain ``2020`` too."""
    digits = unicodedata.normalize("NFKC", text).translate(_YEAR_DIGITS)
    return int(digits) if digits.isdigit() and len(digits) == 4 else None
