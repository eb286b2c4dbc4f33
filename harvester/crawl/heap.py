"""StartupHeapFreeze: the crawl's start-up objects are left out of the garbage collector's full passes.

A crawl process imports Scrapy, Twisted, lxml, SQLite's and our own modules before its first request:
objects the cyclic collector tracks and that live as long as the process. Each full collection walked
all of them: ~150,000 when Playwright's client was imported too (bare Scrapy has about half as many),
and a crawl of 2,000 pages ran seven, 0.7 CPU s in all (benchmarks/crawl_bench.py, 2026-12-04). When the engine has
started, one collection clears start-up garbage and ``gc.freeze()`` moves every survivor to the
permanent generation: later collections walk only what the crawl itself made. The count is kept in
the crawl's stats (``memory/gc_frozen_objects``).
"""

from __future__ import annotations

import gc

from scrapy import signals
from scrapy.crawler import Crawler

STAT = "memory/gc_frozen_objects"


class StartupHeapFreeze:
    """Extension: freeze the garbage collector's heap once the engine has started."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        crawler.signals.connect(self.engine_started, signal=signals.engine_started)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StartupHeapFreeze:
        return cls(crawler)

    def engine_started(self) -> None:
        """Collect once, then freeze what survives (the process's modules, settings, components)."""
        gc.collect()
        gc.freeze()
        self.stats.set_value(STAT, gc.get_freeze_count())
