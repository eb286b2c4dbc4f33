"""robots.txt Crawl-delay and Request-rate, obeyed per host at the moment a request is sent.

Scrapy's RobotsTxtMiddleware reads only Allow/Disallow; its download slots space requests by
DOWNLOAD_DELAY with a ±50% jitter, AutoThrottle may lower the delay to DOWNLOAD_DELAY, and
each worker process has its own slots: a site asking ``Crawl-delay: 1`` saw gaps of 2 ms.

Here the download handler (the last step before the wire) reads each robots.txt it downloads
for the delay asked of our user agent, and before sending any request to a host with such a
delay it waits for the host's turn: one request per delay, whatever the slot's concurrency or
AutoThrottle decide. With ``HARVESTER_SHARED_POLITENESS`` (set by the distributed settings) the
turn and the delays live in Redis (``REDIS_URL``), so all worker processes share them.

Enable in harvester/crawl/settings.py::

    DOWNLOAD_HANDLERS = {"http": "harvester.crawl.politeness.PoliteDownloadHandler", "https": ...}
"""

from __future__ import annotations

import asyncio
import os
import time
from urllib.parse import urlsplit

from protego import Protego
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

REDIS_PREFIX = "harvester:politeness"  # shared by every crawl on one Redis: politeness is per host
DELAY_TTL_S = 24 * 3600  # a host's asked delay is remembered a day (robots.txt is fetched again by each run)


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


class HostTurns:
    """This process's turns: per host, when its last request went and the delay its robots.txt asks."""

    def __init__(self) -> None:
        self.delays: dict[str, float] = {}
        self._last: dict[str, float] = {}

    def remember(self, host: str, delay: float, robots_sent_at: float) -> None:
        """The delay read from the host's robots.txt, whose own request counts as the last one sent."""
        self.delays[host] = delay
        self._last[host] = max(self._last.get(host, robots_sent_at), robots_sent_at)

    def delay_of(self, host: str) -> float:
        return self.delays.get(host, 0.0)

    async def wait(self, host: str, delay: float) -> None:
        """Take the host's next turn (a delay after the last one) and sleep until it comes."""
        now = time.monotonic()
        start = max(now, self._last.get(host, now - delay) + delay)
        self._last[host] = start
        if start > now:
            await asyncio.sleep(start - now)


class SharedHostTurns(HostTurns):
    """All processes' turns, in Redis: a turn is a key set if absent, expiring after the delay."""

    def __init__(self, redis_url: str) -> None:
        super().__init__()
        import redis  # only distributed crawls need it

        self.client = redis.Redis.from_url(redis_url)
        self.owner = f"{os.uname().nodename}:{os.getpid()}"

    def remember(self, host: str, delay: float, robots_sent_at: float) -> None:
        super().remember(host, delay, robots_sent_at)
        self.client.set(f"{REDIS_PREFIX}:delay:{host}", delay, ex=DELAY_TTL_S)
        remaining = robots_sent_at + delay - time.monotonic()
        if remaining > 0:  # the robots.txt request itself held the turn
            self.client.set(self._turn(host), self.owner, nx=True, px=max(1, round(remaining * 1000)))

    def delay_of(self, host: str) -> float:
        shared = self.client.get(f"{REDIS_PREFIX}:delay:{host}")
        return max(super().delay_of(host), float(shared) if shared else 0.0)

    async def wait(self, host: str, delay: float) -> None:
        while not self.client.set(self._turn(host), self.owner, nx=True, px=max(1, round(delay * 1000))):
            await asyncio.sleep(max(self.client.pttl(self._turn(host)), 1) / 1000)

    @staticmethod
    def _turn(host: str) -> str:
        return f"{REDIS_PREFIX}:turn:{host}"


class PoliteDownloadHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler (plain HTTP unless meta playwright), sending to a host only on its turn."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.user_agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT")
        shared = settings.getbool("HARVESTER_SHARED_POLITENESS") and settings.get("REDIS_URL")
        self.turns = SharedHostTurns(settings["REDIS_URL"]) if shared else HostTurns()

    async def download_request(self, request: Request) -> Response:
        host = urlsplit(request.url).netloc.lower()
        delay = self.turns.delay_of(host)
        if delay:
            await self.turns.wait(host, delay)
        sent_at = time.monotonic()
        response = await super().download_request(request)
        if urlsplit(request.url).path == "/robots.txt" and response.status == 200:
            asked = asked_delay(parse_robots(response.body), self.user_agent)
            if asked:
                self.turns.remember(host, asked, sent_at)
        return response
