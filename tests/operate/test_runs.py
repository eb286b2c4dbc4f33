"""A run summary counts fetch outcomes the way source health does."""

from __future__ import annotations

from pathlib import Path

from harvester.archive.fetchlog import Fetch, FetchLog
from harvester.operate.runs import RunSummary


def test_robots_disallowed_links_are_not_counted_as_failures(tmp_path: Path) -> None:
    log = FetchLog(tmp_path / "archive.db")
    log.start_run("c1", "discovery", "demo")
    for url, outcome in (("http://x.test/private/", "disallowed"), ("http://x.test/t.html", "error")):
        log.record(Fetch("c1", url, url, "report_page", outcome=outcome, error=outcome))
    summary = RunSummary("r1", "2026-02-01T00:00:00Z")
    summary.add_fetch_counts(log, "c1")
    log.close()
    assert (summary.failed, summary.blocked, summary.new) == (1, 0, 0)
