"""`harvester crawl --jobdir` killed with kill -9 mid-crawl, then resumed: the resumed run fetches what the
killed run had not, and not again what it had, from what the archive knows, not from a JOBDIR whose
queue was never written (Scrapy writes the queue's state only on a clean close, while its
seen-requests file reaches the disk as it grows)."""

from __future__ import annotations

import os
import signal
import sqlite3
from pathlib import Path

from held import held_column, wait_for

from harvester.crawl.runner import LOOPBACK_SETTINGS, crawl, start_crawl

# Over 300 articles: enough fingerprints (41 bytes each) to fill a seen-requests file's write buffer,
# so that file would reach the disk. The held articles are on the first list page: scheduled first.
PAGES, HELD = 330, 3


def logged_articles(archive: Path) -> set[str]:
    """Report pages the fetch log holds content of (none before it exists)."""
    if not (archive / "archive.db").exists():
        return set()
    with sqlite3.connect(f"file:{archive / 'archive.db'}?mode=ro", uri=True) as conn:
        try:
            return {url for (url,) in conn.execute("SELECT url FROM documents WHERE kind = 'report_page'")}
        except sqlite3.OperationalError:  # the tables are being created
            return set()


def test_resume_after_kill_minus_nine_fetches_what_the_killed_run_had_not(fresh_portal, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    column = held_column(fresh_portal, PAGES, HELD)
    assert len(column.articles) > 300
    options = {"url": column.start, "archive": archive, "jobdir": tmp_path / "job", "settings": LOOPBACK_SETTINGS}
    killed = start_crawl("run1", **options)
    # The killed run did all it could: every article but the held ones is logged, those are in flight.
    fetched = set(column.articles) - set(column.held)
    assert wait_for(lambda: logged_articles(archive) == fetched and column.asked(), 300)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait()
    column.release()
    resumed = crawl(run_id="run1", timeout=240, **options)
    assert resumed["returncode"] == 0 and resumed["status"] == "finished", resumed
    assert logged_articles(archive) == set(column.articles)
    assert {url: fresh_portal.times_requested(url) for url in column.articles} == {
        url: 1 if url in fetched else 2 for url in column.articles}
    with sqlite3.connect(archive / "archive.db") as conn:
        assert conn.execute("SELECT run_id, status FROM runs").fetchall() == [("run1", "finished")]
