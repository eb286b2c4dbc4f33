"""Title, agency and reporting year, read from the report's own title lines."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from harvester.parse.interpret.values import normalise
from harvester.parse.model import Extract

TITLE = re.compile(r"政府信息公开.{0,6}(年度报告|工作报告|年报)|信息公开工作年度报告")
YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
# Where an agency name ends in a title: before the year or before the report words.
AGENCY_END = re.compile(r"[（(]?(?:19|20)\d{2}\s*年|关于|政府信息公开")
# Breadcrumbs and navigation name the report column (政府信息公开年报), not a report.
CHROME = re.compile(r"首页|当前位置|>|»|/")
NO_AGENCY = re.compile(r"^(?:[（(]?(?:19|20)\d{2}\s*年|政府信息公开)")
TITLE_WINDOW = 3  # a title may be wrapped over up to three short lines
TITLE_SEARCH = 40  # how many leading paragraphs may hold the title (portal chrome comes first)
SHORT_LINE = 40


@dataclass
class Meta:
    title: str | None
    agency: str | None
    year: int | None


def read_meta(extract: Extract) -> Meta:
    """The report title (joined if wrapped), the agency before it and the year in it.

    Portal pages often print a heading of their own above the report's title; the first
    title that names a year wins, else the first title at all.
    """
    titles = list(_titles([p.text for p in extract.paragraphs()[:TITLE_SEARCH]]))
    if extract.title and TITLE.search(normalise(extract.title)):
        titles.append(normalise(extract.title))
    if not titles:
        return Meta(None, None, None)
    title = next((t for t in titles if YEAR.search(t)), titles[0])
    year = YEAR.search(title)
    end = AGENCY_END.search(title)
    agency = title[: end.start()].strip("《》“”\"'：:、 ") if end else ""
    return Meta(title, agency or None, int(year.group(1)) if year else None)


def _titles(lines: list[str]) -> Iterator[str]:
    """Every title-like line or run of short lines, in order."""
    lines = [line for line in lines if not CHROME.search(line)]
    for i, line in enumerate(lines):
        if len(line) > 120:
            continue
        for width in range(1, TITLE_WINDOW + 1):
            window = lines[i: i + width]
            if width > 1 and any(len(w) > SHORT_LINE for w in window):
                break
            joined = normalise("".join(window))
            if TITLE.search(joined) and not TITLE.search(normalise("".join(window[1:]))):
                # A year printed on its own line right after the title: （2019年度）.
                after = lines[i + width: i + width + 1]
                if after and not YEAR.search(joined) and YEAR.fullmatch(
                        normalise(after[0]).strip("()（）度")):
                    joined += normalise(after[0])
                # The agency on a line of its own above a title that starts with the year.
                if i > 0 and NO_AGENCY.match(joined) and len(lines[i - 1]) <= SHORT_LINE:
                    joined = normalise(lines[i - 1]) + joined
                yield joined
                break
