"""Retry-After is honoured: the header is read, and a real crawl waits before retrying a 503."""

from __future__ import annotations

from email.utils import formatdate
from pathlib import Path

import pytest

from harvester.crawl.retry import retry_after_seconds
from harvester.crawl.runner import LOOPBACK_SETTINGS, crawl
from harvester.portal import Portal


@pytest.mark.parametrize(
    ("value", "expected"),
    [(b"3", 3.0), ("120", 120.0), (formatdate(1_000_030, usegmt=True), 30.0), (None, None), (b"soon", None)],
)
def test_retry_after_values(value, expected) -> None:
    assert retry_after_seconds(value, now=1_000_000) == expected


def test_crawl_waits_as_long_as_retry_after_asks(fresh_portal: Portal, archive_dir: Path) -> None:
    column = "/zwgk/zfxxgknb/2019n/index.html"
    fresh_portal.throttle(column, 2)
    summary = crawl(url=fresh_portal.absolute(column), archive=archive_dir, settings=LOOPBACK_SETTINGS, timeout=60)
    assert summary["status"] == "finished"
    first, second = fresh_portal.request_times(column)
    assert second - first >= 2.0
    assert summary["kinds"]["report_page"] == 2  # and the crawl went on after the wait (text + 图片版)
