"""A shared Redis frontier that loses no request when a worker dies (scrapy-redis, made reliable).

Plain scrapy-redis pops a request off the shared queue and forgets it: a worker killed
while the request is downloading (or its callback is running) loses it, and the shared
duplicate filter stops anyone from scheduling it again. Here popping is RPOPLPUSH into the
worker's own in-flight list, and the entry leaves that list only when the work is done
(the callback's output, i.e. every follow-up request, has been pushed; or the errback ran).
Each worker refreshes a heartbeat key with a TTL; any worker moves the in-flight entries of a
worker whose heartbeat expired back onto the queue. A request may thus run twice (killed
after archiving, before acknowledging), never zero times; the archive turns a repeat into
one more `unchanged`/`not_modified` fetch row and the same document row.

Redis keys (QUEUE = SCHEDULER_QUEUE_KEY): QUEUE (list), QUEUE:inflight:<worker> (list),
QUEUE:alive:<worker> (heartbeat string with TTL).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator, Iterable

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy_redis.queue import Base
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

log = logging.getLogger("harvester.frontier")
INFLIGHT = "harvester_inflight"  # request.meta key: the queue entry this request came from
TAG_BYTES = 16  # each entry starts with a random hex tag, so equal requests stay distinct entries
DEFAULT_HEARTBEAT_S = 1.0
DEFAULT_TTL_S = 30


def worker_id(crawler: Crawler) -> str:
    """This worker's name: HARVESTER_WORKER_ID, else host-pid."""
    return crawler.settings.get("HARVESTER_WORKER_ID") or f"{socket.gethostname()}-{os.getpid()}"


class ReliableQueue(Base):
    """FIFO queue whose pop moves the entry to this worker's in-flight list until `ack`."""

    def __init__(self, server, spider: Spider, key: str, serializer=None) -> None:
        super().__init__(server, spider, key, serializer)
        self.worker = worker_id(spider.crawler)
        self.inflight = f"{self.key}:inflight:{self.worker}"
        self.alive = f"{self.key}:alive:{self.worker}"
        self.ttl = spider.crawler.settings.getint("HARVESTER_HEARTBEAT_TTL", DEFAULT_TTL_S)

    def __len__(self) -> int:
        return self.server.llen(self.key)

    def push(self, request: Request) -> None:
        """Queue a request; a retry or redirect of an in-flight one replaces its entry (pushed first: no loss)."""
        previous = request.meta.pop(INFLIGHT, None)
        self.server.lpush(self.key, secrets.token_hex(TAG_BYTES // 2).encode() + self._encode_request(request))
        if previous is not None:
            self.server.lrem(self.inflight, 1, previous)

    def pop(self, timeout: int = 0) -> Request | None:
        """Take the oldest request, keeping its entry in flight until acknowledged."""
        entry = self.server.rpoplpush(self.key, self.inflight)
        if entry is None:
            return None
        request = self._decode_request(entry[TAG_BYTES:])
        request.meta[INFLIGHT] = entry
        return request

    def ack(self, request: Request) -> None:
        """The request's work is done: forget its entry (idempotent)."""
        entry = request.meta.pop(INFLIGHT, None)
        if entry is not None:
            self.server.lrem(self.inflight, 1, entry)

    def beat(self) -> None:
        """Say this worker is alive, and rescue the work of workers that are not."""
        self.server.set(self.alive, b"1", ex=self.ttl)
        self.requeue_dead()

    def requeue_dead(self) -> int:
        """Move in-flight entries of workers without a heartbeat back to the queue; returns how many."""
        moved = 0
        prefix = f"{self.key}:inflight:"
        for name in self.server.scan_iter(match=prefix + "*"):
            worker = name.decode()[len(prefix):]
            if worker == self.worker or self.server.exists(f"{self.key}:alive:{worker}"):
                continue
            while self.server.rpoplpush(name, self.key) is not None:  # one atomic move per entry
                moved += 1
        if moved:
            log.warning("requeued %d in-flight requests of dead workers", moved)
        return moved

    def release(self) -> None:
        """On a clean stop: give back what this worker still holds, and stop beating."""
        while self.server.rpoplpush(self.inflight, self.key) is not None:
            pass
        self.server.delete(self.alive)

    def busy(self) -> bool:
        """Whether any request is queued or in flight anywhere (dead workers' entries included)."""
        if self.server.llen(self.key):
            return True
        return any(self.server.llen(name) for name in self.server.scan_iter(match=f"{self.key}:inflight:*"))

    def clear(self) -> None:
        """Delete the queue, in-flight lists and heartbeats (after the whole crawl)."""
        for name in [self.key, *self.server.scan_iter(match=f"{self.key}:*")]:
            self.server.delete(name)


class ReliableScheduler(Scheduler):
    """scrapy-redis Scheduler with a heartbeat; the queue is ReliableQueue (see distributed_settings)."""

    def open(self, spider: Spider) -> None:
        super().open(spider)
        interval = spider.crawler.settings.getfloat("HARVESTER_HEARTBEAT_S", DEFAULT_HEARTBEAT_S)
        self.queue.beat()
        self._heartbeat = task.LoopingCall(self.queue.beat)
        self._heartbeat.start(interval, now=False)
        spider.frontier = self.queue

    def close(self, reason: str) -> None:
        if self._heartbeat.running:
            self._heartbeat.stop()
        self.queue.release()
        super().close(reason)


class AckMiddleware:
    """Spider middleware: acknowledge a request once its callback's output has all been scheduled."""

    def process_spider_output(self, response: Response, result: Iterable, spider: Spider) -> Iterable:
        try:
            yield from result
        finally:
            spider.frontier.ack(response.request)

    async def process_spider_output_async(self, response: Response, result: AsyncIterator, spider: Spider) -> AsyncIterator:
        try:
            async for item in result:
                yield item
        finally:
            spider.frontier.ack(response.request)
