"""Requests the crawl made but will not fetch: each one still a fetch-log row of its own.

A request the scheduler cannot queue (its push raised: a JOBDIR queue that cannot be written, a Redis
frontier gone) is lost for this run: an ``error`` row (``not queued: ...``), and the crawl stops, as
``disk_error`` when the storage refused it (any OSError), else ``queue_error``; neither is a success.

When a crawl stops (``--max-pages``, ``--timeout``, a signal, a disk error), Scrapy waits for what is on
the wire, then closes the scheduler with whatever it still holds: retries of attempts that failed (the
server saw those), redirect hops not yet followed, links of the last pages. Without a row each one
vanished (a request the server saw and the fetch log never recorded). The scheduler hands them here
as it closes: outcome ``not_fetched``, the error saying why (and, for a retry, why its last attempt
failed). A resumed run (JOBDIR) still fetches them: ``not_fetched`` is not done (``requested_urls``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from scrapy import Request, Spider

from harvester.archive.fetchlog import Fetch
from harvester.crawl import diskerrors
from harvester.crawl.archiving import fetch_row, shared_archive
from harvester.crawl.provenance import short_text
from harvester.crawl.retry import LAST_FAILURE
from harvester.errors import is_disk_error

QUEUE_ERROR = "queue_error"  # the finish reason (the run's status) when a push failed for another cause
log = logging.getLogger(__name__)


def left_row(request: Request, spider: Spider, reason: str) -> Fetch:
    """The `not_fetched` row of a request the crawl still held when it stopped for `reason`."""
    error = f"not fetched: the crawl stopped ({reason})"
    if LAST_FAILURE in request.meta:
        limit = request.meta.get("max_retry_times", spider.settings.getint("RETRY_TIMES"))
        error += f"; retry {request.meta.get('retry_times')} of {limit} not sent; the last attempt: {request.meta[LAST_FAILURE]}"
    return fetch_row(request, spider, request.url, outcome="not_fetched", error=error)


def record_left(spider: Spider, requests: Iterable[Request], reason: str) -> int:
    """Log every request the stopped crawl left (one transaction); how many."""
    return _record(spider, [left_row(request, spider, reason) for request in requests
                            if not request.meta.get("dont_archive")])


def record_lost(spider: Spider, request: Request, error: Exception, guard: diskerrors.DiskGuard) -> None:
    """Log a request whose push raised `error`, and stop the crawl (disk_error or queue_error)."""
    message = short_text(f"not queued: {type(error).__name__}: {error}")
    _record(spider, [fetch_row(request, spider, request.url, outcome="error", error=message)])
    if is_disk_error(error):
        guard.fail(f"request queue write failed: {type(error).__name__}: {error}")
    else:
        guard.stop(f"a request could not be queued: {type(error).__name__}: {error}", QUEUE_ERROR)


def _record(spider: Spider, rows: list[Fetch]) -> int:
    """Commit rows in one transaction; how many. A disk that refuses them is counted and reported, not
    raised: the crawl is stopping (and its run fails as disk_error)."""
    if not rows:
        return 0
    try:
        return shared_archive(spider.crawler).log.record_all(rows)
    except Exception as error:
        if not is_disk_error(error):
            raise
        spider.crawler.stats.inc_value(diskerrors.STAT)
        log.error("%d fetch rows could not be logged: %s: %s", len(rows), type(error).__name__, error)
        return 0
