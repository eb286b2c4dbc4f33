"""Crawl scope, enforced on every request the crawler sends: links, redirect hops, meta refreshes
and robots.txt (and its redirects) alike.

A request may go only to the site (registrable domain and port, `links.same_site`) of its scope
URL: ``meta["harvester"]["scope"]`` when the spider declares one (the discovery spider names the
report column), else the first URL of its redirect chain. A hop that leaves it is never sent:
``OffScope`` is raised before robots.txt is asked (so not even the other host's robots.txt is
fetched), and the archive logs it as an ``error`` naming the target. So is a URL longer than
URLLENGTH_LIMIT (a hostile page's 100 KB links must not fill the queue). What Chromium requests by itself
while it renders a page is bounded the same way by harvester/crawl/browser_scope.py.

Enable in harvester/crawl/settings.py, before RobotsTxtMiddleware (100)::

    DOWNLOADER_MIDDLEWARES = {"harvester.crawl.scope.ScopeMiddleware": 50}
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

from harvester.crawl.links import same_site


class NotSent(IgnoreRequest):
    """A request the crawl refuses to send; the archive logs it as an error saying why."""


class OffScope(NotSent):
    """A request to a site outside the crawl's scope: never sent."""


class UrlTooLong(NotSent):
    """A request whose URL is longer than URLLENGTH_LIMIT: never sent."""


def scope_of(request: Request) -> str:
    """The URL whose site bounds `request`."""
    declared = request.meta.get("harvester", {}).get("scope")
    redirects = request.meta.get("redirect_urls") or [request.url]
    return declared or redirects[0]


def off_scope_message(request: Request) -> str:
    """What the fetch log says of an off-scope request: what it was and where it pointed."""
    what = "redirect not followed" if request.meta.get("redirect_urls") else "request not sent"
    return f"off-scope {what}: {request.url}"


class ScopeMiddleware:
    """Downloader middleware: raise OffScope for a request off its scope URL's site, UrlTooLong for one
    over URLLENGTH_LIMIT (Scrapy's UrlLengthMiddleware, which drops such links unlogged, is off)."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.max_url_length = crawler.settings.getint("URLLENGTH_LIMIT")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ScopeMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if not same_site(request.url, scope_of(request)):
            self.stats.inc_value("scope/off_scope")
            raise OffScope(off_scope_message(request))
        if self.max_url_length and len(request.url) > self.max_url_length:
            raise UrlTooLong(f"URL of {len(request.url)} characters over {self.max_url_length}: not sent:"
                             f" {request.url[:200]}")
