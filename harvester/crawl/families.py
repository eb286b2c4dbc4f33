"""CMS families: how each kind of government CMS paginates and hides its list links.

A family recognises its own markup. The registry's `cms` picks the family a site runs (with the generic
next-page behaviour); a site whose CMS is `unknown` (or a bare start URL) is asked of every family, each
detecting its own markup.
"""

from __future__ import annotations

import re

from parsel import Selector
from scrapy.http import TextResponse

from harvester.crawl.links import Link, anchors

MAX_PAGES = 1000  # a pager claiming more pages than this is broken or hostile; never generate beyond it


class Family:
    """Base class: override what differs. `name` is the registry `cms` value."""

    name = "generic"

    def pagination(self, response: TextResponse) -> list[str]:
        """Absolute URLs of the column's other list pages that this family can see on `response`."""
        return []

    def extra_links(self, response: TextResponse) -> list[Link]:
        """List links this family hides where plain <a> extraction cannot see them."""
        return []

    def needs_browser(self, response: TextResponse, candidates: int) -> bool:
        """True when the list only exists after JavaScript runs (so the page must be rendered)."""
        return False


class NextLinkFamily(Family):
    """Any CMS: pager anchors labelled 下一页 / 尾页 / page numbers."""

    name = "generic"
    _PAGER_TEXT = re.compile(r"下一?页|尾页|末页|上一?页|首页|next|last|\d{1,4}|\[\d{1,4}\]", re.I)

    def pagination(self, response: TextResponse) -> list[str]:
        links = anchors(response.selector, response.urljoin)
        return [link.url for link in links if self._PAGER_TEXT.fullmatch(link.text) and link.text != "首页"]


class TrsFamily(Family):
    """TRS WCM: index.html, index_1.html ... written by createPageHTML(total, current, "index", "html")."""

    name = "trs"
    _CALL = re.compile(r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"'](\w+)[\"']\s*,\s*[\"'](\w+)[\"']")
    _VARS = re.compile(r"countPage\s*=\s*(\d+)")

    def pagination(self, response: TextResponse) -> list[str]:
        scripts = "\n".join(response.css("script::text").getall())
        match = self._CALL.search(scripts)
        if match:
            total, prefix, ext = int(match.group(1)), match.group(3), match.group(4)
        else:
            count = self._VARS.search(scripts)
            if not count:
                return []
            total, prefix, ext = int(count.group(1)), "index", "html"
        names = [f"{prefix}.{ext}"] + [f"{prefix}_{n}.{ext}" for n in range(1, min(total, MAX_PAGES))]
        return [response.urljoin(name) for name in names]


class GlistFamily(Family):
    """Liaoning /html/{SITE}/ and c. 2020 Shenyang site-group CMS: glist.html, glist1.html, glist2.html ..."""

    name = "glist"
    _PAGE = re.compile(r"glist\d*\.html$")

    def pagination(self, response: TextResponse) -> list[str]:
        links = anchors(response.selector, response.urljoin)
        return [link.url for link in links if self._PAGE.search(link.url.split("?", 1)[0])]


class HanwebFamily(Family):
    """Hanweb JCMS: the first records sit as CDATA in a <datastore> block, invisible to <a> extraction."""

    name = "hanweb"
    _RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)

    def extra_links(self, response: TextResponse) -> list[Link]:
        fragments = self._RECORD.findall(response.text)
        return [link for fragment in fragments for link in anchors(Selector(text=fragment), response.urljoin)]


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

