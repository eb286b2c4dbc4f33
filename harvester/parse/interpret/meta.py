"""Title, agency and reporting year, each with where it was read.

The report's own title comes first; when it names no agency, the page's metadata block
(发布机构 ...) and then the signature (落款) do. A generic metadata title
("政府信息公开工作年度报告") never wins over a printed one that says more.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from harvester.parse.interpret import attribution
from harvester.parse.interpret.values import normalise
from harvester.parse.model import Extract

TITLE = re.compile(r"政府信息公开.{0,6}(年度报告|工作报告|年报)|信息公开工作年度报告")
YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
# Where an agency name ends in a title: before the year or before the report words.
AGENCY_END = re.compile(r"[（(]?(?:19|20)\d{2}\s*年|关于|政府信息公开")
# Breadcrumbs, navigation and links to other articles name reports that are not this one.
CHROME = re.compile(r"首页|当前位置|>|»|/|上一篇|下一篇|相关(?:阅读|链接|文章)")
NO_AGENCY = re.compile(r"^(?:[（(]?(?:19|20)\d{2}\s*年|政府信息公开)")
TITLE_WINDOW = 3  # a title may be wrapped over up to three short lines
TITLE_SEARCH = 40  # how many leading paragraphs may hold the title (portal chrome comes first)
SHORT_LINE = 40
LONG_LINE = 120  # longer than a title: a paragraph of prose
TITLE_HEAD = 60  # a title run together with the text after it ends this early


@dataclass
class Meta:
    title: str | None
    agency: str | None
    year: int | None
    agency_source: str | None = None  # "title", "publisher" or "signature"
    year_source: str | None = None  # "title"


@dataclass
class _Named:
    title: str
    agency: str | None
    year: int | None


def read_meta(extract: Extract) -> Meta:
    """The report title (joined if wrapped), the agency and the year, each with its source.

    Portal pages often print a heading of their own above the report's title; the first
    title naming the most (a year, then an agency) wins.
    """
    titles = [_named(t) for t in _titles([p.text for p in extract.paragraphs()[:TITLE_SEARCH]])]
    # The page's 标题 field, then the file's own metadata title (<title>, PDF Title).
    others = [*attribution.metadata_titles(extract), normalise(extract.title or "")]
    titles += [_named(t) for t in map(attribution.strip_label, others) if TITLE.search(t)]
    best = max(titles, key=lambda t: (t.year is not None, t.agency is not None), default=None)
    meta = Meta(best.title if best else None, None, None)
    if best and best.year is not None:
        meta.year, meta.year_source = best.year, "title"
    for source, agency in (("title", best.agency if best else None),
                           ("publisher", attribution.publisher(extract)),
                           ("signature", attribution.signature(extract))):
        if agency:
            meta.agency, meta.agency_source = agency, source
            break
    return meta


def title_parts(text: str) -> tuple[str | None, int | None]:
    """The agency and year named by a text read as a report title (a link text, say);
    (None, None) when the text is no report title."""
    title = attribution.strip_label(normalise(text))
    if not TITLE.search(title):
        return None, None
    named = _named(title)
    return named.agency, named.year


def _named(title: str) -> _Named:
    """A title with the agency before its year or report words, and its year."""
    year = YEAR.search(title)
    end = AGENCY_END.search(title)
    agency = title[: end.start()].strip("《》“”\"'：:、 ") if end else ""
    # A label ("标题：") or a portal's name ("XX县人民政府-") in front is never part of a name.
    agency = re.split(r"[:：\-_|｜—]", agency)[-1]
    return _Named(title, agency if agency and not re.search(r"\d", agency) else None,
                  int(year.group(1)) if year else None)


def _lines(paragraphs: list[str]) -> list[str]:
    """Candidate title lines: normalised, label-free; a long paragraph by the title at its head."""
    lines = []
    for text in paragraphs:
        if CHROME.search(text):
            continue
        line = attribution.strip_label(normalise(text))
        if len(line) > LONG_LINE:
            head = TITLE.search(line[:TITLE_HEAD])
            if not head:
                continue
            line = line[: head.end()]
        lines.append(line)
    return lines


def _titles(paragraphs: list[str]) -> Iterator[str]:
    """Every title-like line or run of short lines, in order."""
    lines = _lines(paragraphs)
    for i in range(len(lines)):
        for width in range(1, TITLE_WINDOW + 1):
            window = lines[i: i + width]
            if width > 1 and any(len(w) > SHORT_LINE for w in window):
                break
            joined = "".join(window)
            if TITLE.search(joined) and not TITLE.search("".join(window[1:])):
                # A year printed on its own line right after the title: （2019年度）.
                after = lines[i + width: i + width + 1]
                if after and not YEAR.search(joined) and YEAR.fullmatch(after[0].strip("()（）度")):
                    joined += after[0]
                # The agency on a line of its own above a title that starts with the year.
                if i > 0 and NO_AGENCY.match(joined) and attribution.agency_name(lines[i - 1]):
                    joined = lines[i - 1] + joined
                yield joined
                break
