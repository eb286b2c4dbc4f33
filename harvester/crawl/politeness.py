"""robots.txt Crawl-delay and Request-rate, obeyed per host at the moment a request is sent.

Scrapy's RobotsTxtMiddleware reads only Allow/Disallow; its download slots space requests by
DOWNLOAD_DELAY with a ±50% jitter, AutoThrottle may lower the delay to DOWNLOAD_DELAY, and
each crawl process has its own slots: a site asking ``Crawl-delay: 1`` saw gaps of 2 ms.

Here the download handler (the last step before the wire) reads each robots.txt it downloads
for the delay asked of our user agent, and before sending any request to a host with such a
delay it waits for the host's turn: a whole delay after the host's last answer (a pause between
fetches, as Heritrix and wget count it: a slow server gets the whole pause, and no latency between
taking a turn and the request reaching the wire can shorten a gap the server sees), whatever the
slot's concurrency or AutoThrottle decide. The turns and delays are shared by every crawl of the machine: in a file
per host under the archive root (``Layout.politeness``, locked while a turn is taken), or, with
``HARVESTER_SHARED_POLITENESS`` (set by the distributed settings), in Redis (``REDIS_URL``) for
all worker processes on all machines.

What it costs a request: a host whose robots.txt asks no delay is never locked per request; the
delay other crawls stored for it is read again at most every SHARED_REFRESH_S seconds. Only a
host with a delay takes its turn (a lock, or a Redis key) request by request.

Enable in harvester/crawl/settings.py::

    DOWNLOAD_HANDLERS = {"http": "harvester.crawl.politeness.PoliteDownloadHandler", "https": ...}
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from protego import Protego
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler

from harvester.config import Layout
from harvester.crawl.archiving import shared_archive

ROBOTS_OUT_S = 30.0  # another crawl's robots.txt request to a host is waited for at most this long
POLL_S = 0.05  # how often a crawl waiting for another's robots.txt answer looks again
REDIS_PREFIX = "harvester:politeness"  # shared by every crawl on one Redis: politeness is per host
DELAY_TTL_S = 24 * 3600  # a host's asked delay is remembered a day (robots.txt is fetched again by each run)
# How stale this process's copy of the delay other crawls stored for a host may be. Each crawl reads the host's
# robots.txt itself; the stored delay matters when its own read failed, and reading it per request cost a lock.
SHARED_REFRESH_S = 1.0


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

    def __init__(self, refresh_s: float = SHARED_REFRESH_S) -> None:
        self.delays: dict[str, float] = {}
        self._last: dict[str, float] = {}
        self.refresh_s = refresh_s
        self._stored: dict[str, tuple[float, float]] = {}  # host -> (delay other crawls stored, when it was read)

    def remember(self, host: str, delay: float, robots_sent_at: float) -> None:
        """The delay read from the host's robots.txt, whose own request counts as the last one sent."""
        self.delays[host] = delay
        self._last[host] = max(self._last.get(host, robots_sent_at), robots_sent_at)
        self._stored.pop(host, None)  # what this crawl just stored is read back on the next request

    def delay_of(self, host: str) -> float:
        """The larger of this crawl's delay for the host and the one other crawls stored (read every refresh_s)."""
        now = time.monotonic()
        stored, read_at = self._stored.get(host, (0.0, -float("inf")))
        if now - read_at >= self.refresh_s:
            stored = self.stored_delay(host)
            self._stored[host] = (stored, now)
        return max(self.delays.get(host, 0.0), stored)

    def stored_delay(self, host: str) -> float:
        """The delay other crawls stored for the host: none in one process."""
        return 0.0

    async def wait(self, host: str, delay: float) -> None:
        """Take the host's next turn (a delay after the last one) and sleep until it comes."""
        now = time.monotonic()
        start = max(now, self._last.get(host, now - delay) + delay)
        self._last[host] = start
        if start > now:
            await asyncio.sleep(start - now)

    def answered(self, host: str, delay: float) -> None:
        """A request to the host has just been answered (or failed): its next turn is a whole delay away."""
        self._last[host] = max(self._last.get(host, 0.0), time.monotonic())

    async def robots_out(self, host: str) -> None:
        """Before the host's robots.txt is asked for: in one process Scrapy asks it once, nothing to wait for."""

    def robots_back(self, host: str, asked: float | None, sent_at: float) -> None:
        """The host's robots.txt answered asking `asked` seconds (0: nothing), or None: it gave no answer."""
        if asked:
            self.remember(host, asked, sent_at)


class SharedHostTurns(HostTurns):
    """All processes' turns, in Redis: a turn is a key set if absent, expiring after the delay."""

    def __init__(self, redis_url: str, refresh_s: float = SHARED_REFRESH_S) -> None:
        super().__init__(refresh_s)
        import redis  # only distributed crawls need it

        self.client = redis.Redis.from_url(redis_url)
        self.owner = f"{os.uname().nodename}:{os.getpid()}"

    def remember(self, host: str, delay: float, robots_sent_at: float) -> None:
        super().remember(host, delay, robots_sent_at)
        self.client.set(f"{REDIS_PREFIX}:delay:{host}", delay, ex=DELAY_TTL_S)
        remaining = robots_sent_at + delay - time.monotonic()
        if remaining > 0:  # the robots.txt request itself held the turn
            self.client.set(self._turn(host), self.owner, nx=True, px=max(1, round(remaining * 1000)))

    def stored_delay(self, host: str) -> float:
        shared = self.client.get(f"{REDIS_PREFIX}:delay:{host}")
        return float(shared) if shared else 0.0

    async def wait(self, host: str, delay: float) -> None:
        while not self.client.set(self._turn(host), self.owner, nx=True, px=max(1, round(delay * 1000))):
            await asyncio.sleep(max(self.client.pttl(self._turn(host)), 1) / 1000)

    def answered(self, host: str, delay: float) -> None:
        # Any turn now held was taken at most a delay ago, so this only ever moves its end later.
        self.client.set(self._turn(host), self.owner, px=max(1, round(delay * 1000)))

    @staticmethod
    def _turn(host: str) -> str:
        return f"{REDIS_PREFIX}:turn:{host}"


class FileHostTurns(HostTurns):
    """The turns of every crawl of one machine: per host a small JSON file {delay, asked_at, next}
    (wall-clock seconds, comparable between processes), read and written under an exclusive lock."""

    def __init__(self, folder: Path, refresh_s: float = SHARED_REFRESH_S) -> None:
        super().__init__(refresh_s)
        self.folder = folder

    def remember(self, host: str, delay: float, robots_sent_at: float) -> None:
        super().remember(host, delay, robots_sent_at)
        sent = time.time() - (time.monotonic() - robots_sent_at)
        self._update(host, lambda turn: {**turn, "delay": delay, "asked_at": time.time(),
                                         "next": max(turn.get("next", 0.0), sent + delay)})

    def stored_delay(self, host: str) -> float:
        turn = self._read(host)
        return turn.get("delay", 0.0) if time.time() - turn.get("asked_at", 0.0) < DELAY_TTL_S else 0.0

    async def wait(self, host: str, delay: float) -> None:
        """Take the host's turn once it has come, at the moment this request goes (a turn taken ahead
        and slept for would be late on a loaded machine, and the next crawl's on time: a short gap)."""
        await self._claim(host, "next", "by", delay)

    def answered(self, host: str, delay: float) -> None:
        now = time.time()
        self._update(host, lambda turn: {**turn, "next": max(turn.get("next", 0.0), now + delay)})

    async def robots_out(self, host: str) -> None:
        """Wait while another crawl's robots.txt request to the host is out (its answer says the delay
        this one must keep too), then mark this one's as out."""
        await self._claim(host, "robots_out", "robots_by", ROBOTS_OUT_S, pause=POLL_S)

    async def _claim(self, host: str, field: str, owner: str, hold: float, pause: float | None = None) -> None:
        """Once the moment in the host's `field` has passed, set it `hold` seconds ahead, marked as this
        claim's in `owner`; between tries sleep `pause` seconds, or (None) until that moment."""
        token = os.urandom(8).hex()
        while True:
            now = time.time()
            turn = self._update(host, lambda turn: turn if turn.get(field, 0.0) > now else
                                {**turn, field: now + hold, owner: token})
            if turn.get(owner) == token:
                return
            await asyncio.sleep(turn[field] - now if pause is None else pause)

    def robots_back(self, host: str, asked: float | None, sent_at: float) -> None:
        if asked is not None:
            self.remember(host, asked, sent_at)  # 0 too: the crawls waiting for the answer know there is no delay
        self._update(host, lambda turn: {**turn, "robots_out": 0.0})

    def _path(self, host: str) -> Path:
        return self.folder / (re.sub(r"[^A-Za-z0-9.-]", "_", host) + ".json")

    def _read(self, host: str) -> dict:
        """The host's turn ({} when no crawl has taken one), read under a shared lock."""
        try:
            with open(self._path(host), encoding="utf-8") as file:
                fcntl.flock(file, fcntl.LOCK_SH)
                return _turn(file.read())
        except FileNotFoundError:
            return {}

    def _update(self, host: str, change: Callable[[dict], dict]) -> dict:
        """Apply `change` to the host's turn under an exclusive lock; the turn as written."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self._path(host), "a+", encoding="utf-8") as file:
            fcntl.flock(file, fcntl.LOCK_EX)  # released when the file closes
            file.seek(0)
            changed = change(_turn(file.read()))
            file.seek(0)
            file.truncate()
            file.write(json.dumps(changed))
            file.flush()
            return changed


def _turn(text: str) -> dict:
    """A turn file's content; {} for an empty one or one cut short by a kill."""
    try:
        turn = json.loads(text or "{}")
    except ValueError:
        return {}
    return turn if isinstance(turn, dict) else {}


class PoliteDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP handler, sending to a host only on its turn (`_send`: how a request goes out once its turn
    has come)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.crawler = crawler
        settings = crawler.settings
        self.user_agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT")
        shared = settings.getbool("HARVESTER_SHARED_POLITENESS") and settings.get("REDIS_URL")
        folder = Layout.of(settings.get("HARVESTER_ARCHIVE") or None).politeness
        self.turns = SharedHostTurns(settings["REDIS_URL"]) if shared else FileHostTurns(folder)

    async def download_request(self, request: Request) -> Response:
        host = urlsplit(request.url).netloc.lower()
        robots = urlsplit(request.url).path == "/robots.txt"
        if robots:
            await self.turns.robots_out(host)
        delay = self.turns.delay_of(host)
        if delay:
            await self.turns.wait(host, delay)
        sent_at = time.monotonic()
        try:
            response = await self._send(request)
        except BaseException:
            if robots:
                self.turns.robots_back(host, None, sent_at)
            raise
        finally:
            pause = self.turns.delay_of(host) if robots else delay  # robots.txt may just have asked one
            if pause:
                self.turns.answered(host, pause)
        if robots:
            self.turns.robots_back(host, self._asked(request.url, response), sent_at)
        return response

    async def _send(self, request: Request) -> Response:
        """Download `request` over plain HTTP."""
        return await super().download_request(request)

    def _asked(self, url: str, response: Response) -> float | None:
        """The delay a robots.txt answer asks: read from its body, or, for a 304, from the archived copy
        it confirms (a recrawl asks robots.txt conditionally); 0 when there is none (4xx), None unknown."""
        if response.status == 200:
            body: bytes | None = response.body
        elif response.status == 304:
            archive = shared_archive(self.crawler)
            latest = archive.log.latest(url)
            body = archive.store.read(latest.sha256) if latest and archive.store.has(latest.sha256) else None
        else:
            return 0.0 if 400 <= response.status < 500 else None
        return None if body is None else asked_delay(parse_robots(body), self.user_agent)
