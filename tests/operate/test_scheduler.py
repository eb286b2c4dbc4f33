"""The scheduler end to end over the replica portal, driven by a fake clock."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from harvester.crawl.runner import LOOPBACK_SETTINGS
from harvester.operate.alerts import Sinks
from harvester.operate.calendar import load_calendar
from harvester.operate.crawling import RunnerCrawl
from harvester.operate.scheduler import Scheduler
from harvester.registry import DEMO_REGISTRY, load_registry, select


@pytest.fixture
def scheduler(replica, clock, webhook, tmp_path: Path) -> Scheduler:
    """A scheduler of the replica's static TRS site, alerting to the test webhook."""
    sites = select(load_registry(DEMO_REGISTRY, portal=replica.url), ["demo-trs"])
    crawl = RunnerCrawl(DEMO_REGISTRY, replica.url, LOOPBACK_SETTINGS)
    return Scheduler(tmp_path, sites, load_calendar(), clock=clock, sinks=Sinks(webhook=webhook.url), crawl=crawl)


def documents(root: Path) -> set[str]:
    """URLs of archived report pages and attachments."""
    with sqlite3.connect(root / "archive.db") as conn:
        return {url for (url,) in conn.execute("SELECT url FROM documents")}


def published(root: Path, table: str) -> list[sqlite3.Row]:
    """Rows of an operate table as Datasette sees them in harvester.db."""
    conn = sqlite3.connect(root / "harvester.db")
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(f"SELECT * FROM {table}").fetchall()
    finally:
        conn.close()


def test_new_report_found_by_next_run_and_broken_column_alerts(scheduler, replica, clock, webhook, tmp_path):
    first = scheduler.run_once()
    assert (first.sources_due, first.sources_tried, first.sources_failed) == (1, 1, 0)
    found = documents(tmp_path)
    assert first.new == len(found) and first.reports_found > 0
    [pdf] = [report.url for report in replica.reports if report.carrier == "pdf"]
    assert pdf in found

    added = replica.add_report("004_e0759db8c8ae201d", "html")
    clock.advance(hours=2)  # February: the calendar waits a day between crawls of one source
    assert scheduler.run_once().sources_due == 0
    clock.advance(days=1)
    second = scheduler.run_once()
    assert added not in found and added in documents(tmp_path)
    assert second.new >= 1 and second.sources_tried == 1

    replica.break_column()
    clock.advance(days=1)
    third = scheduler.run_once()
    health = {row["run_id"]: row for row in published(tmp_path, "source_health")}
    assert health[third.run_id]["status"] == "moved" and health[third.run_id]["reports_found"] == 0
    rules = [(a["rule"], a["site"]) for payload in webhook.received for a in payload["alerts"]]
    assert ("zero_reports", "demo-trs") in rules
    runs = {row["run_id"]: row for row in published(tmp_path, "scheduled_runs")}
    assert [runs[r.run_id]["status"] for r in (first, second, third)] == ["ok", "ok", "ok"]
    assert runs[third.run_id]["alerts"] == third.alerts >= 1
    assert {row["rule"] for row in published(tmp_path, "alerts")} >= {"zero_reports"}

