"""Requests the crawl made but will not fetch: each one still a fetch-log row of its own.

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
from harvester.crawl.archiving import fetch_row, shared_archive
from harvester.crawl import diskerrors
from harvester.crawl.retry import LAST_FAILURE

log = logging.getLogger(__name__)


def left_row(request: Request, spider: Spider, reason: str) -> Fetch:
    """The `not_fetched` row of a request the crawl still held when it stopped for `reason`."""
    error = f"not fetched: the crawl stopped ({reason})"
    if LAST_FAILURE in request.meta:
        limit = request.meta.get("max_retry_times", spider.settings.getint("RETRY_TIMES"))
        error += f"; retry {request.meta.get('retry_times')} of {limit} not sent; the last attempt: {request.meta[LAST_FAILURE]}"
    return fetch_row(request, spider, request.url, outcome="not_fetched", error=error)


def record_left(spider: Spider, requests: Iterable[Request], reason: str) -> int:
    """Log every request the stopped crawl left (one transaction); how many. A disk that refuses the
    rows is reported, not raised: the crawl is closing (and its run fails as disk_error)."""
    rows = [left_row(request, spider, reason) for request in requests if not request.meta.get("dont_archive")]
    if not rows:
        return 0
    try:
        return shared_archive(spider.crawler).log.record_all(rows)
    except Exception as error:
        if not diskerrors.is_disk_error(error):
            raise
        spider.crawler.stats.inc_value(diskerrors.STAT)
        log.error("%d requests the crawl left could not be logged: %s: %s", len(rows), type(error).__name__, error)
        return 0
