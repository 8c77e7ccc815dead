"""Numbers read from pictures: the letter/digit confusions of OCR put right in numeric cells.

Only a cell that reads as a number once the confusions are resolved is touched (``4O6`` →
``406``, ``l2`` → ``12``, ``S8`` → ``58``, ``1,234`` → ``1234``, ``12.`` → ``12``); a label such as
``其他`` or a placeholder ``/`` or ``——`` is left alone. A cell changed this way is reported with a
lower confidence, since the fix is a guess a reviewer may want to see.
"""

from __future__ import annotations

import re

# Characters OCR returns for a digit in a numeric cell.
_CONFUSED = str.maketrans({
    "O": "0", "o": "0", "D": "0", "Q": "0", "〇": "0", "○": "0",
    "l": "1", "I": "1", "|": "1", "i": "1", "!": "1", "丨": "1",
    "S": "5", "s": "5", "B": "8", "Z": "2", "z": "2", "G": "6", "b": "6", "g": "9", "q": "9",
})
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－＋", "0123456789.,-+")
_SIGN = r"(?:[-+−]|增|减|新增|减少|增加)?"
_UNIT = r"(?:万元|元|件|宗|个|项|次|%|％)?"
# What a numeric cell looks like after the confusions are resolved.
_NUMBER = re.compile(rf"^{_SIGN}\d+(?:\.\d+)?{_UNIT}$")
_CANDIDATE = re.compile(rf"^({_SIGN})([0-9OoDQ〇○lI|i!丨SsBZzGbgq.,，·'` ]+)({_UNIT})$")
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_WELL_FORMED = re.compile(rf"^{_SIGN}(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?{_UNIT}$")
CONFIDENCE_AFTER_FIX = 0.8  # a cell whose characters were guessed is never "sure"


def fix_number(text: str) -> tuple[str, bool]:
    """``(text, changed)``: ``text`` with OCR confusions resolved when it is a number."""
    plain = text.translate(_FULL_WIDTH).strip()
    if _WELL_FORMED.match(plain):
        return text, False  # read as printed, thousands separators included
    match = _CANDIDATE.match(plain)
    if match is None:
        return text, False
    sign, body, unit = match.groups()
    if not any(ch.isdigit() for ch in body) and len(body.strip()) != 1:
        return text, False  # "Il" or "SOS" alone is not evidence of a number
    body = body.replace(" ", "").replace("，", ",").replace("·", ".").replace("'", "").replace("`", "")
    body = body.strip(".,")
    if _THOUSANDS.match(body.translate(_CONFUSED)):
        body = body.replace(",", "")
    elif "," in body:
        body = body.replace(",", ".")  # a decimal point read as a comma: 258,13
    if body.count(".") > 1:
        head, _, tail = body.rpartition(".")
        body = head.replace(".", "") + "." + tail  # stray dots: keep the last as the decimal point
    digits = body.translate(_CONFUSED)
    fixed = f"{sign.replace('−', '-')}{digits}{unit}"
    if not _NUMBER.match(fixed):
        return text, False
    return fixed, fixed != text.strip()


# A row label's item number: "3.其他", "1.申请人…" — OCR drops the small dot or reads the "1"
# as a letter ("3其他", "L申请人…"), and the label no longer matches the template's row.
_ITEM_NUMBER = re.compile(r"^([1-9]|[lLI|])[.．、,，]?(?=[\u4e00-\u9fff])")


def fix_item_number(label: str) -> str:
    """A label's leading item number restored: ``3其他`` → ``3.其他``, ``L申请人`` → ``1.申请人``."""
    match = _ITEM_NUMBER.match(label)
    if match is None:
        return label
    digit = "1" if match.group(1) in "lLI|" else match.group(1)
    separator = match.group(0)[1:] or "."
    return f"{digit}{separator}{label[match.end():]}"
