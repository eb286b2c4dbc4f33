"""Resuming a crawl: the fetch log, not JOBDIR's seen-requests file, says which requests are done.

Scrapy's RFPDupeFilter writes fingerprints to ``<JOBDIR>/requests.seen`` as requests are scheduled,
while the scheduler's queue reaches the disk only on a clean close: after kill -9 a resumed crawl
found its start page "seen", an empty queue, and finished at once having fetched nothing. Here a
request counts as done only when this run's fetch log holds its row; every other one (list pages
always) is fetched again, so the resumed crawl rediscovers whatever was queued (repeats are cheap
conditional requests). The archive is the source of truth, JOBDIR's queue an optimisation.

That queue is used only when the crawl that wrote it closed it: a kill leaves its files as they were
at that instant (a queue file created just before the kill is empty, its header still in the dead
process's buffer; reading it raised struct.error on every push, so every request scheduled was lost
and the resumed run "finished" having fetched nothing). ArchiveScheduler marks JOBDIR while its queue
is open and drops a queue whose mark is still there.

Enabled in harvester/crawl/settings.py: ``DUPEFILTER_CLASS = "harvester.crawl.resume.ArchiveDupeFilter"``,
``SCHEDULER = "harvester.crawl.resume.ArchiveScheduler"``.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from scrapy import Request, Spider
from scrapy.core.scheduler import Scheduler
from scrapy.crawler import Crawler
from scrapy.dupefilters import RFPDupeFilter

from harvester.crawl import diskerrors, pending
from harvester.crawl.archiving import run_id_for, shared_archive
from harvester.crawl.provenance import kind_of

log = logging.getLogger(__name__)
QUEUE_OPEN = "harvester_queue_open"  # in JOBDIR while a crawl has its disk queue open (holds its pid)


class ArchiveDupeFilter(RFPDupeFilter):
    """Duplicates within this process by fingerprint (in memory); across a resume, by the fetch log."""

    def __init__(self, done: set[str], crawler: Crawler) -> None:
        super().__init__(None, crawler.settings.getbool("DUPEFILTER_DEBUG"),
                         fingerprinter=crawler.request_fingerprinter)
        self.done = done

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveDupeFilter:
        assert crawler.spider is not None  # the scheduler is built when the spider opens
        return cls(shared_archive(crawler).log.requested_urls(run_id_for(crawler.spider)), crawler)

    def request_seen(self, request: Request) -> bool:
        """Seen in this process, or (a document, not a list page) already logged by this run."""
        if super().request_seen(request):
            return True
        return kind_of(request) != "list" and request.url in self.done


class ArchiveScheduler(Scheduler):
    """Scrapy's scheduler, reading JOBDIR's disk queue only if the crawl that wrote it closed it, and
    logging each request it still holds when the crawl stops (crawl/pending.py; kept in JOBDIR's queue)."""

    def open(self, spider: Spider):
        self.guard = diskerrors.DiskGuard(self.crawler)
        if self.dqdir:
            _drop_unclosed_queue(Path(self.dqdir))
        return super().open(spider)

    def enqueue_request(self, request: Request) -> bool:
        """Scrapy's push; one that raises is the request's error row and stops the crawl (crawl/pending.py)."""
        try:
            return super().enqueue_request(request)
        except Exception as error:
            pending.record_lost(self.spider, request, error, self.guard)
            return False

    def close(self, reason: str):
        left = list(iter(self.mqs.pop, None))
        try:
            left.extend(iter(self._dqpop, None))
        except OSError as error:  # a queue file a full disk never got: what it held has no row
            self.crawler.stats.inc_value(diskerrors.STAT)
            log.error("JOBDIR queue unreadable as the crawl stopped (%s: %s): %d requests in it have no row",
                      type(error).__name__, error, len(self.dqs))
        pending.record_left(self.spider, left, reason)
        try:
            for request in reversed(left):  # kept in JOBDIR for the resumed run (unserialisable: not)
                self._dqpush(request)
        except OSError as error:  # the resumed run asks the fetch log instead
            log.error("JOBDIR queue not written as the crawl stopped: %s: %s", type(error).__name__, error)
        closed = super().close(reason)  # the queue's state is on disk now
        if self.dqdir:
            (Path(self.dqdir).parent / QUEUE_OPEN).unlink(missing_ok=True)
        return closed


def _drop_unclosed_queue(queue: Path) -> None:
    """Empty the disk queue folder if its crawl never closed it (killed, crashed), then mark it open."""
    mark = queue.parent / QUEUE_OPEN
    if mark.exists():
        log.warning("JOBDIR queue %s was left open by process %s (killed?): not read; the fetch log says what"
                    " is left to do", queue, mark.read_text().strip() or "?")
        shutil.rmtree(queue)
        queue.mkdir()
    mark.write_text(str(os.getpid()))
