"""Reading one printed cell: blank, a number (with its unit), or a label."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Printed marks that mean "nothing here" (spec: a blank reads as 0 in checks).
BLANK_MARKS = {"", "-", "—", "–", "－", "/", "／", "\\", "无", "——", "--"}
NUMBER = re.compile(
    r"^(?P<sign>[+-]?)(?P<digits>\d{1,3}(?:,\d{3})+|\d+)(?P<fraction>\.\d+)?\s*"
    r"(?P<unit>万元|亿元|元|件次|件|个|条|项|次|人次|%)?$")
# Letters an OCR engine reads, or a typist types, for a digit: O o Q D for 0, I l | for 1
# (accented forms count by their base letter where OCR readings are checked).
DIGIT_LOOKALIKES = frozenset("OoQDIl|")
_LOOKALIKE = "[" + re.escape("".join(sorted(DIGIT_LOOKALIKES))) + "]"
# Digits mixed with such letters ("I1", "1O"): a number printed or read wrong, not a label.
MISREAD_NUMBER = re.compile(rf"^(?=.*\d)(?=.*{_LOOKALIKE})(?:\d|[,.]|{_LOOKALIKE})+$")


@dataclass(frozen=True)
class Value:
    """A cell read as a value: number is None for a blank cell, or for an unreadable one (a
    cell where a count belongs whose print is not a number: "I1", a note)."""

    number: int | float | None
    unit: str | None = None
    unreadable: bool = False


UNREADABLE = Value(None, unreadable=True)


def normalise(text: str) -> str:
    """NFKC (full-width digits and brackets to ASCII) and no whitespace at all."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@lru_cache(maxsize=8192)
def read_value(text: str) -> Value | None:
    """The cell as a value, or None when the cell is a label (cached: page layouts ask for
    the same word many times)."""
    flat = normalise(text)
    if flat in BLANK_MARKS:
        return Value(None)
    match = NUMBER.match(flat)
    if not match:
        return UNREADABLE if MISREAD_NUMBER.match(flat) else None
    digits = match["digits"].replace(",", "")
    if match["fraction"]:
        number: int | float = float(f"{match['sign']}{digits}{match['fraction']}")
    else:
        number = int(f"{match['sign']}{digits}")
    return Value(number, match["unit"])
