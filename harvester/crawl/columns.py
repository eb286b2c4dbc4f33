"""The column finder: from a portal's home page to its annual-report column(s) and their sub-columns.

Breadth first over the portal's site (its registrable domain: the 政府信息公开 platform is often
another host, zfxxgk.* or xxgk.*), following links named 政务公开 / 政府信息公开 / 信息公开 /
法定主动公开内容 a few hops deep. A link named like a report column (政府信息公开年报,
政府信息公开工作年度报告, 年度报告: no year in the name, or it is a report) is a column; links
inside a column to 本级 / 部门 / 乡镇 / 街道 or to year folders (2023年) are its sub-columns.
robots.txt is obeyed (Disallow, and Crawl-delay / Request-rate as politeness.asked_delay reads them).
Plain HTTP: a discovery aid, nothing is archived.
"""

from __future__ import annotations

import re
import time
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from urllib.error import URLError
from functools import partial
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from protego import Protego
from w3lib.encoding import html_to_unicode

from harvester.crawl.links import Link, anchors, is_report_title, normalise, same_site, under_column
from harvester.crawl.politeness import asked_delay, parse_robots

NAVIGATION = re.compile(r"政务公开|信息公开|法定主动公开|公开目录")
COLUMN_NAME = re.compile(r"(?:信息公开|^)(?:工作)?(?:年度报告|年报)(?:专栏)?$")
SUB_COLUMN = re.compile(r"^(?:.{0,12}(?:本级|部门|乡镇|街道|区县|县区).{0,12}|(?:19|20)\d\d\s*年度?)$")
TIMEOUT = 30  # seconds per page


@dataclass(frozen=True)
class Column:
    """A report column (parent None) or sub-column found, and the page that links to it."""

    url: str
    name: str
    found_on: str
    parent: str | None = None


def is_column_name(text: str) -> bool:
    """政府信息公开年报, 政府信息公开工作年度报告, 年度报告 ... with no digit (a year makes it a report)."""
    text = normalise(text)
    return bool(COLUMN_NAME.search(text)) and not re.search(r"\d", text)


@dataclass
class PoliteFetcher:
    """GET pages one at a time, per host no faster than `min_delay` or the host's robots.txt asks."""

    user_agent: str
    min_delay: float = 1.0
    _robots: dict[str, Protego | None] = field(default_factory=dict)
    _last: dict[str, float] = field(default_factory=dict)

    def page(self, url: str) -> tuple[str, str] | None:
        """(final URL, decoded HTML) of an allowed HTML page, None when refused, failed or not HTML."""
        robots = self._robots_of(url)
        if robots is not None and not robots.can_fetch(url, self.user_agent):
            return None
        answer = self._get(url)
        if answer is None or "html" not in answer[1]:
            return None
        final_url, content_type, body = answer
        return final_url, html_to_unicode(content_type, body)[1]

    def _robots_of(self, url: str) -> Protego | None:
        parts = urlsplit(url)
        if parts.netloc not in self._robots:
            answer = self._get(f"{parts.scheme}://{parts.netloc}/robots.txt")
            self._robots[parts.netloc] = parse_robots(answer[2]) if answer else None
        return self._robots[parts.netloc]

    def _get(self, url: str) -> tuple[str, str, bytes] | None:
        netloc = urlsplit(url).netloc
        self._wait(netloc)
        # http.client sends header text as latin-1: pass the UTF-8 bytes of the agent (it names 年报) through it
        agent = self.user_agent.encode("utf-8").decode("latin-1")
        request = urllib.request.Request(url, headers={"User-Agent": agent})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return response.geturl(), response.headers.get("Content-Type", ""), response.read()
        except (URLError, OSError, ValueError):
            return None
        finally:
            self._last[netloc] = time.monotonic()

    def _wait(self, netloc: str) -> None:
        robots = self._robots.get(netloc)
        delay = max(self.min_delay, asked_delay(robots, self.user_agent) if robots else 0.0)
        remaining = self._last.get(netloc, float("-inf")) + delay - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)


@dataclass(frozen=True)
class Finding:
    """What the finder saw of one portal: its home page's title and the columns, in the order found."""

    title: str
    columns: list[Column]


def find_columns(portal: str, fetcher: PoliteFetcher, max_pages: int = 60, max_depth: int = 4) -> Finding:
    """Report columns and sub-columns reachable from `portal`'s home page."""
    found: dict[str, Column] = {}
    titles: list[str] = []
    queue: deque[tuple[str, int, Column | None]] = deque([(portal, 0, None)])
    visited: set[str] = set()
    while queue and len(visited) < max_pages:
        url, depth, column = queue.popleft()
        if url in visited:
            continue
        visited.add(url)
        page = fetcher.page(url)
        if page is None:
            continue
        final_url, html = page
        selector = Selector(text=html)
        titles.append(normalise(selector.xpath("//title/text()").get() or ""))
        for link in anchors(selector, partial(urljoin, final_url)):
            if not same_site(link.url, portal) or link.url in found:
                continue
            step = _classify(link, final_url, column)
            if isinstance(step, Column):
                found[link.url] = step
                queue.append((link.url, depth + 1, step))
            elif step and depth < max_depth:
                queue.append((link.url, depth + 1, None))
    return Finding(titles[0] if titles else "", list(found.values()))


def _classify(link: Link, page: str, column: Column | None) -> Column | bool:
    """A Column for a (sub-)column link, True for a navigation link to follow, False otherwise."""
    if is_column_name(link.text):
        return Column(link.url, link.text, page)
    if column is not None and SUB_COLUMN.match(link.text) and under_column(link.url, page):
        return Column(link.url, link.text, page, parent=column.parent or column.url)
    return bool(NAVIGATION.search(link.text)) and not is_report_title(link.text)
