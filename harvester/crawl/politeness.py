"""robots.txt Crawl-delay and Request-rate, obeyed per host.

Scrapy's RobotsTxtMiddleware reads only Allow/Disallow; its download slots space requests by
DOWNLOAD_DELAY with a ±50% jitter, and AutoThrottle may lower the delay to DOWNLOAD_DELAY, so a
site asking ``Crawl-delay: 1`` saw gaps of 2 ms. Here the robots.txt response (it passes through
the downloader middlewares like any other) is read for the delay it asks of our user agent, and
the host's slot gets that delay as a floor with no jitter: the slot dispatches one request per
delay whatever its concurrency. The floor is set again before every request and after every
response (after AutoThrottle's adjustment, whose handler is connected first).

Enable in harvester/crawl/settings.py, after RobotsTxtMiddleware (100)::

    DOWNLOADER_MIDDLEWARES = {"harvester.crawl.politeness.CrawlDelayMiddleware": 105}
"""

from __future__ import annotations

from urllib.parse import urlsplit

from protego import Protego
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response


def parse_robots(body: bytes) -> Protego:
    """A robots.txt body, parsed."""
    return Protego.parse(body.decode("utf-8", "ignore"))


def asked_delay(parsed: Protego, user_agent: str) -> float:
    """Seconds between requests a robots.txt asks of `user_agent` (Crawl-delay, Request-rate), 0 when none."""
    delay = parsed.crawl_delay(user_agent) or 0.0
    rate = parsed.request_rate(user_agent)
    if rate and rate.requests:
        delay = max(delay, rate.seconds / rate.requests)
    return float(delay)


class CrawlDelayMiddleware:
    """Downloader middleware: each host's download slot never goes faster than its robots.txt asks."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.user_agent = crawler.settings.get("ROBOTSTXT_USER_AGENT") or crawler.settings.get("USER_AGENT")
        self.delays: dict[str, float] = {}  # download slot key -> seconds asked
        crawler.signals.connect(self._response_downloaded, signal=signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlDelayMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        self._floor(request)

    def process_response(self, request: Request, response: Response) -> Response:
        if urlsplit(request.url).path == "/robots.txt" and response.status == 200:
            delay = asked_delay(parse_robots(response.body), self.user_agent)
            if delay:
                self.delays[self._downloader.get_slot_key(request)] = delay
                self._floor(request)
        return response

    def _response_downloaded(self, response: Response, request: Request, spider=None) -> None:
        self._floor(request)

    @property
    def _downloader(self):
        return self.crawler.engine.downloader

    def _floor(self, request: Request) -> None:
        """Raise the request's slot delay to the host's asked delay and switch its jitter off."""
        delay = self.delays.get(self._downloader.get_slot_key(request))
        if delay:
            _, slot = self._downloader._get_slot(request)
            slot.delay = max(slot.delay, delay)
            slot.jitter = 0.0
