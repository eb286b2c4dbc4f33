"""A crawl process leaves its start-up objects out of the garbage collector's full passes: once the
engine has started they are frozen (gc.freeze), and the crawl's stats say how many."""

from __future__ import annotations

import re
from pathlib import Path

from harvester.crawl.heap import STAT
from harvester.crawl.runner import LOOPBACK_SETTINGS, start_crawl, summarise

# Far fewer than a crawl process holds (Scrapy, Twisted, lxml and the archive's modules alone track
# ~80,000), far more than any crawl's own work makes before its engine starts.
START_UP_OBJECTS = 20_000


def test_the_start_up_heap_is_frozen_when_the_engine_starts(portal, tmp_path: Path) -> None:
    crawl = start_crawl("frozen", url=portal.columns["trs"], archive=tmp_path, settings=LOOPBACK_SETTINGS)
    _, log = crawl.communicate(timeout=300)
    assert crawl.returncode == 0, log[-2000:]
    assert summarise("frozen", tmp_path)["kinds"].get("report_page"), "the crawl archived the column's reports"
    frozen = re.search(rf"'{re.escape(STAT)}': (\d+)", log)
    assert frozen, f"no {STAT} in the crawl's stats"
    assert int(frozen.group(1)) > START_UP_OBJECTS
