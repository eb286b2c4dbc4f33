"""A shared Redis frontier that loses no request when a worker dies (scrapy-redis, made reliable).

Plain scrapy-redis pops a request off the shared queue and forgets it: a worker killed
while the request is downloading (or its callback is running) loses it, and the shared
duplicate filter stops anyone from scheduling it again. Here popping is RPOPLPUSH into the
worker's own in-flight list, and the entry leaves that list only when the work is done
(the callback's output, i.e. every follow-up request, has been pushed; or the errback ran).
A request is marked seen and queued in one atomic step, so no instant leaves it seen by every
worker and queued by none.
Each worker refreshes a heartbeat key with a TTL; any worker moves the in-flight entries of a
worker whose heartbeat expired back onto the queue. A request may thus run twice (killed
after archiving, before acknowledging), never zero times; the archive turns a repeat into
one more `unchanged`/`not_modified` fetch row and the same document row.

Redis keys (QUEUE = SCHEDULER_QUEUE_KEY, STARTS = REDIS_START_URLS_KEY): QUEUE (list),
QUEUE:inflight:<worker> (list), QUEUE:alive:<worker> (heartbeat string with TTL), STARTS (list of
start entries), STARTS:inflight:<worker> (list: a start entry until its request is queued),
STARTS:begun (set once the crawl is seeded: until then an idle worker waits instead of stopping).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator, Callable, Iterable

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy_redis.defaults import START_URLS_KEY
from scrapy_redis.queue import Base
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from harvester.crawl import diskerrors, pending

log = logging.getLogger("harvester.frontier")
INFLIGHT = "harvester_inflight"  # request.meta key: the queue entry this request came from
TAG_BYTES = 16  # each entry starts with a random hex tag, so equal requests stay distinct entries
DEFAULT_HEARTBEAT_S = 1.0
DEFAULT_TTL_S = 30
# KEYS: queue, duplicate filter; ARGV: entry, fingerprint ("" for a request never filtered).
PUSH_UNSEEN = """
if ARGV[2] ~= "" and redis.call("SADD", KEYS[2], ARGV[2]) == 0 then return 0 end
redis.call("LPUSH", KEYS[1], ARGV[1])
return 1
"""


def begun_key(start_key: str) -> str:
    """The key saying a crawl has begun (seeded, or a start entry taken): its workers stop once its frontier
    is empty, not before (a worker up before the seed, or before the others, waits for the work)."""
    return f"{start_key}:begun"


def mark_begun(server, start_key: str) -> None:
    """Say the crawl of the start list `start_key` has begun."""
    server.set(begun_key(start_key), b"1")


def worker_id(crawler: Crawler) -> str:
    """This worker's name: HARVESTER_WORKER_ID, else host-pid."""
    return crawler.settings.get("HARVESTER_WORKER_ID") or f"{socket.gethostname()}-{os.getpid()}"


class InFlightList:
    """A shared Redis list whose entries a worker takes into its own in-flight list (KEY:inflight:<worker>)
    until it is done with them; the entries of workers found dead go back (`requeue_dead`)."""

    def __init__(self, server, key: str, worker: str) -> None:
        self.server = server
        self.key = key
        self.worker = worker
        self.inflight = f"{key}:inflight:{worker}"

    def take(self) -> bytes | None:
        """The next entry, moved into this worker's in-flight list in one step; None when there is none."""
        return self.server.rpoplpush(self.key, self.inflight)

    def done(self, entry: bytes) -> None:
        """Forget a taken entry (idempotent)."""
        self.server.lrem(self.inflight, 1, entry)

    def requeue_dead(self, alive: Callable[[str], bool]) -> int:
        """Move back the in-flight entries of other workers that are not `alive`; returns how many."""
        moved = 0
        prefix = f"{self.key}:inflight:"
        for name in self.server.scan_iter(match=prefix + "*"):
            worker = name.decode()[len(prefix):]
            if worker == self.worker or alive(worker):
                continue
            while self.server.rpoplpush(name, self.key) is not None:  # one atomic move per entry
                moved += 1
        return moved

    def release(self) -> None:
        """Give back every entry this worker holds."""
        while self.server.rpoplpush(self.inflight, self.key) is not None:
            pass

    def busy(self) -> bool:
        """Whether any entry is waiting or in flight anywhere (dead workers' entries included)."""
        if self.server.llen(self.key):
            return True
        return any(self.server.llen(name) for name in self.server.scan_iter(match=f"{self.key}:inflight:*"))


class ReliableQueue(Base):
    """FIFO queue whose pop moves the entry to this worker's in-flight list until `ack`; the crawl's start
    entries (REDIS_START_URLS_KEY) are taken the same way (`starts`, see spiders/distributed.py)."""

    def __init__(self, server, spider: Spider, key: str, serializer=None) -> None:
        super().__init__(server, spider, key, serializer)
        self.worker = worker_id(spider.crawler)
        self.requests = InFlightList(server, self.key, self.worker)
        start_key = spider.crawler.settings.get("REDIS_START_URLS_KEY", START_URLS_KEY) % {"name": spider.name}
        self.starts = InFlightList(server, start_key, self.worker)
        self.alive = f"{self.key}:alive:{self.worker}"
        self.ttl = spider.crawler.settings.getint("HARVESTER_HEARTBEAT_TTL", DEFAULT_TTL_S)
        self._push_unseen = server.register_script(PUSH_UNSEEN)

    def __len__(self) -> int:
        return self.server.llen(self.key)

    def push(self, request: Request, seen: tuple[str, str] | None = None) -> bool:
        """Queue a request, unless `seen` (duplicate filter key, fingerprint) is already there: marked and
        queued in one step; False for a duplicate. A retry or redirect of an in-flight request replaces
        its entry (pushed first: no loss)."""
        entry = secrets.token_hex(TAG_BYTES // 2).encode() + self._encode_request(request)
        key, fingerprint = seen or (self.key, "")
        if not self._push_unseen(keys=[self.key, key], args=[entry, fingerprint]):
            return False
        previous = request.meta.pop(INFLIGHT, None)
        if previous is not None:
            self.requests.done(previous)
        return True

    def pop(self, timeout: int = 0) -> Request | None:
        """Take the oldest request, keeping its entry in flight until acknowledged."""
        entry = self.requests.take()
        if entry is None:
            return None
        request = self._decode_request(entry[TAG_BYTES:])
        request.meta[INFLIGHT] = entry
        return request

    def ack(self, request: Request) -> None:
        """The request's work is done: forget its entry (idempotent)."""
        entry = request.meta.pop(INFLIGHT, None)
        if entry is not None:
            self.requests.done(entry)

    def beat(self) -> None:
        """Say this worker is alive, and rescue the work of workers that are not."""
        self.server.set(self.alive, b"1", ex=self.ttl)
        self.requeue_dead()

    def requeue_dead(self) -> int:
        """Move in-flight requests and start entries of workers without a heartbeat back; returns how many."""
        def alive(worker: str) -> bool:
            return bool(self.server.exists(f"{self.key}:alive:{worker}"))

        moved = self.requests.requeue_dead(alive) + self.starts.requeue_dead(alive)
        if moved:
            log.warning("requeued %d in-flight requests of dead workers", moved)
        return moved

    def release(self) -> None:
        """On a clean stop: give back what this worker still holds, and stop beating."""
        self.requests.release()
        self.starts.release()
        self.server.delete(self.alive)

    def take_start(self) -> bytes | None:
        """The next start entry, in flight until `starts.done(entry)`; the crawl has begun once one is taken."""
        entry = self.starts.take()
        if entry is not None:
            mark_begun(self.server, self.starts.key)
        return entry

    def busy(self) -> bool:
        """Whether work may still come: the crawl has not begun yet, or a request or start entry is waiting
        or in flight anywhere (dead workers' included)."""
        begun = self.server.exists(begun_key(self.starts.key))
        return not begun or self.requests.busy() or self.starts.busy()

    def clear(self) -> None:
        """Delete the queue, in-flight lists and heartbeats (after the whole crawl)."""
        for name in [self.key, *self.server.scan_iter(match=f"{self.key}:*")]:
            self.server.delete(name)


class ReliableScheduler(Scheduler):
    """scrapy-redis Scheduler with a heartbeat; the queue is ReliableQueue (see distributed_settings)."""

    def open(self, spider: Spider) -> None:
        super().open(spider)
        self.guard = diskerrors.DiskGuard(spider.crawler)
        interval = spider.crawler.settings.getfloat("HARVESTER_HEARTBEAT_S", DEFAULT_HEARTBEAT_S)
        self.queue.beat()
        self._heartbeat = task.LoopingCall(self.queue.beat)
        self._heartbeat.start(interval, now=False)
        spider.frontier = self.queue

    def enqueue_request(self, request: Request) -> bool:
        """Queue a request not seen yet by any worker; seen and queued in one step (scrapy-redis marks it
        seen first: a worker killed between the two left it seen by all and queued by none). A push that
        raises is the request's error row and stops this worker (crawl/pending.py)."""
        seen = None if request.dont_filter else (self.df.key, self.df.request_fingerprint(request))
        try:
            pushed = self.queue.push(request, seen)
        except Exception as error:  # Redis refused it or is gone, or the request does not serialise
            pending.record_lost(self.spider, request, error, self.guard)
            return False
        if not pushed:
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis", spider=self.spider)
        return True

    def close(self, reason: str) -> None:
        if self._heartbeat.running:
            self._heartbeat.stop()
        self.queue.release()
        super().close(reason)


class AckMiddleware:
    """Spider middleware: schedule a callback's requests as they come, then acknowledge its response's
    request. Yielded on, they would be scheduled too late: Scrapy's scraper first drains the callback's
    output into a queue in memory and schedules from there, after this generator (and its ack) ended;
    a worker killed in between lost every request that response led to."""

    def process_spider_output(self, response: Response, result: Iterable, spider: Spider) -> Iterable:
        try:
            for output in result:
                if not _scheduled(output, spider):
                    yield output
        finally:
            spider.frontier.ack(response.request)

    async def process_spider_output_async(self, response: Response, result: AsyncIterator, spider: Spider) -> AsyncIterator:
        try:
            async for output in result:
                if not _scheduled(output, spider):
                    yield output
        finally:
            spider.frontier.ack(response.request)


def _scheduled(output: object, spider: Spider) -> bool:
    """Schedule `output` if it is a request (into the shared queue, now); False for an item."""
    if not isinstance(output, Request):
        return False
    spider.crawler.engine.crawl(output)
    return True
