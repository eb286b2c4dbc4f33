"""Whitespace normalisation shared by the carriers: cell and paragraph text as printed."""

from __future__ import annotations

import re

SPACES = re.compile(r"[^\S\n]+")  # any whitespace but a newline (incl. &nbsp; and U+3000)
WIDE = "\u2e80"  # from here on: CJK radicals, punctuation, ideographs, full-width forms


def _separator(before: str, after: str) -> str:
    """Nothing where a line break falls next to Chinese text; a space between latin words."""
    return "" if before[-1] >= WIDE or after[0] >= WIDE else " "


def join_lines(text: str) -> str:
    """Collapse runs of spaces, then join lines broken inside a cell ('商业企\\n业' -> '商业企业')."""
    lines = [SPACES.sub(" ", line).strip() for line in text.replace("\r", "\n").split("\n")]
    joined = ""
    for line in filter(None, lines):
        joined = f"{joined}{_separator(joined, line)}{line}" if joined else line
    return joined
