"""The six prose sections, cut at their numbered headings."""

from __future__ import annotations

import re

from harvester.parse.interpret.values import normalise
from harvester.parse.model import Extract

HEADINGS = {
    "1": re.compile(r"^[一1][、.]?(总体情况|概述)"),
    "2": re.compile(r"^[二2][、.]?主动公开"),
    "3": re.compile(r"^[三3][、.]?收到和处理"),
    "4": re.compile(r"^[四4][、.]?.*(行政复议|行政诉讼)"),
    "5": re.compile(r"^[五5][、.]?(存在的?主要问题|主要问题)"),
    "6": re.compile(r"^[六6][、.]?其他需要报告"),
}


def split_sections(extract: Extract) -> dict[str, str]:
    """Section number -> its prose (heading excluded), for the sections found."""
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for paragraph in extract.paragraphs():
        flat = normalise(paragraph.text)
        number = next((n for n, p in HEADINGS.items() if p.match(flat) and len(flat) < 60), None)
        if number is not None and number not in sections:
            current = number
            sections[current] = []
        elif current is not None:
            sections[current].append(paragraph.text.strip())
    return {n: "\n".join(lines) for n, lines in sections.items()}
