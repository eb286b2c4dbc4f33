"""Resuming a crawl: the fetch log, not JOBDIR's seen-requests file, says which requests are done.

Scrapy's RFPDupeFilter writes fingerprints to ``<JOBDIR>/requests.seen`` as requests are scheduled,
while the scheduler's queue reaches the disk only on a clean close: after kill -9 a resumed crawl
found its start page "seen", an empty queue, and finished at once having fetched nothing. Here a
request counts as done only when this run's fetch log holds its row; every other one (list pages
always) is fetched again, so the resumed crawl rediscovers whatever was queued (repeats are cheap
conditional requests). The archive is the source of truth, JOBDIR's queue an optimisation.

Enabled in harvester/crawl/settings.py: ``DUPEFILTER_CLASS = "harvester.crawl.resume.ArchiveDupeFilter"``.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.dupefilters import RFPDupeFilter

from harvester.crawl.archiving import run_id_for, shared_archive
from harvester.crawl.provenance import kind_of


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
