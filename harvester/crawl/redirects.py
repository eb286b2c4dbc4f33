"""Redirects already seen are not fetched again: a recrawl asks where they led, as the fetch log recorded.

A URL whose latest arrival came through redirects (fetch-log row: url, final_url, redirects) is asked
at its final URL directly, carrying the recorded hops as ``redirect_urls``, so the archive logs it as
it logged the redirect (url = the URL asked for) and the spider sees what it saw then (a moved column
still moves). Should the final URL fail now (HTTP 4xx/5xx or no answer), the old URL is asked once
more, and its redirects are followed afresh. robots.txt and browser-rendered pages are asked as they are.

Enable in harvester/crawl/settings.py, before ArchiveMiddleware (540) adds conditional headers::

    DOWNLOADER_MIDDLEWARES = {"harvester.crawl.redirects.KnownRedirectsMiddleware": 530}
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from harvester.crawl.archiving import shared_archive
from harvester.crawl.provenance import kind_of

ASKED = "harvester_redirect_from"  # request.meta: the URL the spider asked for, now asked at its final URL
FRESH = "harvester_redirect_fresh"  # request.meta: ask this URL itself (its known address failed)


class KnownRedirectsMiddleware:
    """Downloader middleware: a request for a URL known to redirect goes to where it led last time."""

    def __init__(self, crawler: Crawler) -> None:
        self.known = shared_archive(crawler).log.known_redirects()
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KnownRedirectsMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> Request | None:
        known = self.known.get(request.url)
        if (known is None or request.method != "GET" or request.meta.get("redirect_urls")
                or request.meta.get(FRESH) or request.meta.get("playwright") or kind_of(request) == "robots"):
            return None
        final_url, hops = known
        self.stats.inc_value("redirects/known")
        meta = {**request.meta, "redirect_urls": hops, "redirect_times": len(hops), ASKED: request.url}
        return request.replace(url=final_url, meta=meta, dont_filter=True)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get(ASKED) and response.status >= 400:
            return self._ask_afresh(request)
        return response

    def process_exception(self, request: Request, exception: BaseException) -> Request | None:
        if request.meta.get(ASKED) and not isinstance(exception, IgnoreRequest):  # refused, not failed
            return self._ask_afresh(request)
        return None

    def _ask_afresh(self, request: Request) -> Request:
        """The URL the spider asked for, asked itself this time (the archive logged the failure)."""
        self.stats.inc_value("redirects/known_failed")
        meta = {key: value for key, value in request.meta.items()
                if key not in (ASKED, "redirect_urls", "redirect_times", "redirect_reasons")}
        return request.replace(url=request.meta[ASKED], meta={**meta, FRESH: True}, dont_filter=True)
