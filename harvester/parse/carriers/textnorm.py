"""Whitespace normalisation shared by the carriers: cell and paragraph text as printed."""

from __future__ import annotations

import re

SPACES = re.compile(r"[^\S\n]+")  # any whitespace but a newline (incl. &nbsp; and U+3000)
WORD_CHAR = re.compile(r"[A-Za-z0-9]")


def _separator(before: str, after: str) -> str:
    """A space between two latin words/numbers split over lines; nothing inside Chinese text."""
    return " " if WORD_CHAR.match(before[-1]) and WORD_CHAR.match(after[0]) else ""


def join_lines(text: str) -> str:
    """Collapse runs of spaces, then join lines broken inside a cell ('商业企\\n业' -> '商业企业')."""
    lines = [SPACES.sub(" ", line).strip() for line in text.replace("\r", "\n").split("\n")]
    joined = ""
    for line in filter(None, lines):
        joined = f"{joined}{_separator(joined, line)}{line}" if joined else line
    return joined
