"""A write the archive cannot make stops the crawl and fails its run: a full disk is no success.

Any OSError from the archive's writes (ENOSPC, EFBIG, EIO, EROFS, EDQUOT, ...) and SQLite's "database
or disk is full" / "disk I/O error" end the crawl with finish reason ``disk_error`` (the `runs`
status, so `harvester crawl` exits 1), an ERROR line naming the error, and the count of failed
writes in the run's stats. What was archived before stays consistent (blob, then WARC, then rows).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import deferred_from_coro

from harvester.errors import is_disk_error

DISK_ERROR = "disk_error"  # the finish reason, hence the run's status
STAT = "archive/disk_error"  # Scrapy stat: writes that failed
logger = logging.getLogger(__name__)


class DiskGuard:
    """Turns a failed archive write into a stopped crawl."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stopping = False

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Run archive writes; on a disk error, stop the crawl and drop this request."""
        try:
            yield
        except (OSError, sqlite3.OperationalError) as error:
            if not is_disk_error(error):
                raise
            message = f"archive write failed: {type(error).__name__}: {error}"
            self.fail(message)
            raise IgnoreRequest(message) from error

    def fail(self, message: str) -> None:
        """Count a failed write and stop the crawl as disk_error."""
        self.crawler.stats.inc_value(STAT)
        self.stop(message, DISK_ERROR)

    def stop(self, message: str, reason: str) -> None:
        """Close the spider with `reason`, once (writes still in flight fail the same way, quietly)."""
        if self.stopping:
            return
        self.stopping = True
        logger.error("%s; stopping the crawl", message)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=reason))
