"""The discovery spider as a scrapy-redis worker: start columns come from Redis, the frontier is shared.

Run by `harvester workers` (settings module harvester.operate.distributed_settings). Start
entries are JSON: {"site": "<registry id>", "url": "<column URL>", "browser": false}.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Iterator

import scrapy
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.spiders import RedisMixin
from twisted.python.failure import Failure

from harvester.crawl.arguments import http_url, refuse_unknown
from harvester.crawl.families import UNKNOWN
from harvester.crawl.links import Link
from spiders.discovery import DiscoverySpider, Start


class DistributedSpider(RedisMixin, DiscoverySpider):
    """Discovery logic unchanged; only where requests come from and when to stop differ."""

    name = "distributed"
    ARGUMENTS = ("run_id", "portal")
    USAGE = "scrapy crawl distributed [-a run_id=ID] (settings: harvester.operate.distributed_settings)"

    def __init__(self, run_id: str | None = None, portal: str | None = None, **unknown: str) -> None:
        scrapy.Spider.__init__(self)  # not DiscoverySpider's: the start columns come from Redis
        refuse_unknown(unknown, self.ARGUMENTS)
        self.run_id = run_id
        self.portal = http_url("portal", portal) if portal else None  # where `scrapy check` runs contracts
        self.starts: list[Start] = []
        self.listed: set[str] = set()  # as DiscoverySpider's (its __init__ is not called)
        self.entries: dict[str, set[str]] = {}

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        if not os.environ.get("SCRAPY_CHECK"):  # `scrapy check` runs the callbacks' contracts, no Redis needed
            spider.setup_redis(crawler)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        """Scrapy 2.19 no longer calls start_requests(), where RedisMixin reads its key. The start entries
        popped go into the shared queue at once: yielded here, they would wait in this process's memory
        (Scrapy takes start requests as it has room) and die with it, lost to every worker."""
        self.schedule_next_requests()
        return
        yield  # an async generator that yields nothing

    def next_requests(self) -> Iterator[scrapy.Request]:
        """The start requests, one entry at a time, each entry kept in this worker's in-flight start list
        until RedisMixin.schedule_next_requests has pushed its request into the shared queue (scrapy-redis
        pops a batch, then pushes its requests one by one: a worker killed in between lost the rest)."""
        while (entry := self.frontier.take_start()) is not None:
            request = self.make_request_from_data(entry)
            if request is not None:
                yield request
            self.frontier.starts.done(entry)

    def make_request_from_data(self, data: bytes) -> scrapy.Request | None:
        """A list request for one start entry (JSON), or None for a malformed one."""
        try:
            entry = json.loads(data)
            start = Start(str(entry["site"]), str(entry["url"]), bool(entry.get("browser")),
                          str(entry.get("cms") or UNKNOWN))
        except (ValueError, KeyError, TypeError) as error:
            self.logger.error("bad start entry %r: %s", data[:200], error)
            return None
        return self._list_request(start, start.column, Link(start.column, ""), None)

    def _list_request(self, *args, **kwargs) -> scrapy.Request:
        return super()._list_request(*args, **kwargs).replace(errback=self.failed)

    def _document_request(self, *args, **kwargs) -> scrapy.Request:
        return super()._document_request(*args, **kwargs).replace(errback=self.failed)

    def _post_request(self, *args, **kwargs) -> scrapy.Request:
        return super()._post_request(*args, **kwargs).replace(errback=self.failed)

    def _related_request(self, *args, **kwargs) -> scrapy.Request:
        return super()._related_request(*args, **kwargs).replace(errback=self.failed)

    def failed(self, failure: Failure) -> None:
        """A request that ended in an error (already in the fetch log) is done too."""
        self.frontier.ack(failure.request)

    def spider_idle(self) -> None:
        """Take more start columns; stay open until the crawl has begun and no worker has work that could
        come back."""
        self.schedule_next_requests()
        if self.frontier.busy():
            raise DontCloseSpider
