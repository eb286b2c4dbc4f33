"""CMS families: how each kind of government CMS paginates and hides its list links.

A family recognises its own markup. The registry's `cms` picks the family a site runs (with the generic
next-page behaviour); a site whose CMS is `unknown` (or a bare start URL) is asked of every family, each
detecting its own markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from posixpath import splitext
from urllib.parse import unquote, urlsplit

from parsel import Selector
from scrapy.http import TextResponse

from harvester.crawl.links import Link, anchors, page_links

MAX_PAGES = 1000  # a pager claiming more pages than this is broken or hostile; never generate beyond it
# A TRS list page asks for at most this many pages past its own: page counters go stale (a column
# claiming 60 pages has 3), and the spider stops paging at a page bringing nothing new, so a stale
# total costs a few stub pages, not dozens.
LOOKAHEAD_PAGES = 5


@dataclass(frozen=True)
class Post:
    """A list request sent by POST: where, and its form fields."""

    url: str
    form: dict[str, str]


class Family:
    """Base class: override what differs. `name` is the registry `cms` value."""

    name = "generic"

    def pagination(self, response: TextResponse) -> list[str]:
        """Absolute URLs of the column's other list pages that this family can see on `response`."""
        return []

    def extra_links(self, response: TextResponse) -> list[Link]:
        """List links this family hides where plain <a> extraction cannot see them."""
        return []

    def posts(self, response: TextResponse) -> list[Post]:
        """The column's other list batches that are fetched by POST (the page's script would send them)."""
        return []

    def needs_browser(self, response: TextResponse, candidates: int) -> bool:
        """True when the list only exists after JavaScript runs (so the page must be rendered)."""
        return False


class NextLinkFamily(Family):
    """Any CMS: pager anchors labelled 下一页 / 尾页 / page numbers."""

    name = "generic"
    _PAGER_TEXT = re.compile(r"下一?页|尾页|末页|上一?页|首页|next|last|\d{1,4}|\[\d{1,4}\]", re.I)

    def pagination(self, response: TextResponse) -> list[str]:
        links = page_links(response)
        return [link.url for link in links if self._PAGER_TEXT.fullmatch(link.text) and link.text != "首页"]


class TrsFamily(Family):
    """TRS WCM: index.html, index_1.html ... written by createPageHTML(total, current, "index", "shtml"),
    the total and current page given as numbers or as variables (var countPage = 5, currentPage = 0);
    newer templates name the pager's element first and the record count last
    (createPageHTML('page_div', 5, 0, 'xlist', 'shtml', 93))."""

    name = "trs"
    _CALL = re.compile(r"createPageHTML\(\s*(?:[\"'][^\"']*[\"']\s*,\s*)?(\w+)\s*,\s*(\w+)\s*,"
                       r"\s*[\"'](\w+)[\"']\s*,\s*[\"'](\w+)[\"']")
    _TOTAL = re.compile(r"countPage\s*=\s*(\d+)")
    _CURRENT = re.compile(r"currentPage\s*=\s*(\d+)")
    _PAGE_NUMBER = re.compile(r"_(\d+)\.\w+$")

    def pagination(self, response: TextResponse) -> list[str]:
        """The column's pages up to this one and LOOKAHEAD_PAGES after it, within the script's total."""
        scripts = "\n".join(response.css("script::text").getall())
        match = self._CALL.search(scripts)
        total_text, current_text, prefix, ext = (
            match.groups() if match else ("countPage", "currentPage", "index", self._page_ext(response.url)))
        total = self._number(scripts, total_text, self._TOTAL)
        if not total:
            return []
        current = self._number(scripts, current_text, self._CURRENT) or self._number_in_url(response.url)
        last = min(total, MAX_PAGES, current + 1 + LOOKAHEAD_PAGES)
        names = [f"{prefix}_{n}.{ext}" if n else f"{prefix}.{ext}" for n in range(last)]
        return [response.urljoin(name) for name in names]

    @staticmethod
    def _number(scripts: str, text: str, fallback: re.Pattern) -> int:
        """`text` as a number, or the number a script assigns to the variable it names (else `fallback`'s), 0 when none."""
        if text.isdigit():
            return int(text)
        found = re.search(rf"\b{re.escape(text)}\s*=\s*(\d+)", scripts) or fallback.search(scripts)
        return int(found.group(1)) if found else 0

    def _number_in_url(self, url: str) -> int:
        """The page number in a list page's name (index_3.shtml: 3), 0 for the first page."""
        found = self._PAGE_NUMBER.search(urlsplit(url).path)
        return int(found.group(1)) if found else 0

    @staticmethod
    def _page_ext(url: str) -> str:
        """The extension of the list page's own name (shtml on 政务公开 platforms), html by default."""
        return splitext(urlsplit(url).path)[1].lstrip(".") or "html"


class GlistFamily(Family):
    """Liaoning /html/{SITE}/ and c. 2020 Shenyang site-group CMS: glist.html, glist1.html, glist2.html ..."""

    name = "glist"
    _PAGE = re.compile(r"glist\d*\.html$")

    def pagination(self, response: TextResponse) -> list[str]:
        links = page_links(response)
        return [link.url for link in links if self._PAGE.search(link.url.split("?", 1)[0])]


class HanwebFamily(Family):
    """Hanweb JCMS: the first records sit as CDATA in a <datastore> block, invisible to <a> extraction;
    the rest come from POST module/web/jpage/dataproxy.jsp?startrecord=&endrecord=&perpage= with the
    column's form fields (webid, columnid, unitid ...), read from the page's script (portals.md 2.2)."""

    name = "hanweb"
    PROXY = "/module/web/jpage/dataproxy.jsp"
    _RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
    _FIELD = re.compile(r"\b(col|appid|webid|path|columnid|sourceContentType|unitid|webname|permissiontype)"
                        r"\s*[=:]\s*['\"]?([^'\"&,\s}]*)")
    _TOTAL = re.compile(r"<totalrecord>\s*(\d+)|totalRecord\s*[:=]\s*['\"]?(\d+)", re.I)
    _PERPAGE = re.compile(r"<perpage>\s*(\d+)|perPage\s*[:=]\s*['\"]?(\d+)", re.I)
    DEFAULTS = {"col": "1", "appid": "1", "path": "/", "sourceContentType": "1", "permissiontype": "0"}
    GROUP = 3  # dataproxy answers three pages of records per call, as the column page embeds

    def extra_links(self, response: TextResponse) -> list[Link]:
        fragments = self._RECORD.findall(response.text)
        return [link for fragment in fragments for link in anchors(Selector(text=fragment), response.urljoin)]

    def posts(self, response: TextResponse) -> list[Post]:
        """One POST per batch after the embedded records, up to the column's totalrecord."""
        text = response.text
        if response.request is not None and response.request.method != "GET" or self.PROXY not in text:
            return []
        form = self._form(text)
        total, perpage = self._number(self._TOTAL, text), self._number(self._PERPAGE, text) or 15
        if not total or not {"webid", "columnid", "unitid"} <= form.keys():
            return []
        batch = self.GROUP * perpage
        first = len(self._RECORD.findall(text)) + 1
        url = response.urljoin(self.PROXY)
        return [Post(f"{url}?startrecord={start}&endrecord={min(start + batch - 1, total)}&perpage={perpage}", form)
                for start in range(first, min(total, MAX_PAGES * perpage) + 1, batch)]

    def _form(self, text: str) -> dict[str, str]:
        """The column's form fields as its script or nextgroup link gives them (first occurrence wins)."""
        found: dict[str, str] = {}
        for name, value in self._FIELD.findall(text):
            found.setdefault(name, unquote(value))
        return {**self.DEFAULTS, **{name: value for name, value in found.items() if value}}

    @staticmethod
    def _number(pattern: re.Pattern, text: str) -> int:
        match = pattern.search(text)
        return int(next(group for group in match.groups() if group)) if match else 0


class JsonListFamily(Family):
    """A column drawn by a script from a JSON endpoint: no list links until the page is rendered."""

    name = "json-list"
    _LOADER = re.compile(r"\bfetch\s*\(|XMLHttpRequest|\$\.(?:ajax|get|getJSON|post)\s*\(|\.load\s*\(")

    def needs_browser(self, response: TextResponse, candidates: int) -> bool:
        if candidates:
            return False
        return any(self._LOADER.search(code) for code in response.css("script::text").getall())


FAMILIES: tuple[Family, ...] = (NextLinkFamily(), TrsFamily(), GlistFamily(), HanwebFamily(), JsonListFamily())
FAMILY_NAMES: tuple[str, ...] = tuple(family.name for family in FAMILIES)
UNKNOWN = "unknown"  # the registry's cms when nobody has looked: detection decides


def families_for(cms: str) -> tuple[Family, ...]:
    """The families run on a site's list pages: the generic one and the site's own, or all when unknown."""
    if cms == UNKNOWN:
        return FAMILIES
    return tuple(family for family in FAMILIES if family.name in (NextLinkFamily.name, cms))

