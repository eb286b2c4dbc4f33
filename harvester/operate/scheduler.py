"""One scheduled pass: lock -> crawl due sources -> load -> health -> alerts -> unlock.

Every time comes from an injected clock, so tests drive months of schedule in seconds;
the crawl and load steps are injectable too (defaults: the real crawl runner and
`harvester load`).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from harvester.archive.fetchlog import FetchLog, new_run_id, operating
from harvester.config import Layout
from harvester.db import lookups
from harvester.operate import alerts as alerting
from harvester.operate import health as checks
from harvester.operate import publish, runs
from harvester.operate.calendar import Calendar
from harvester.operate.crawling import CrawlFunction, RunnerCrawl
from harvester.operate.lock import Clock, RunLock
from harvester.operate.state import iso, open_log, parse_iso
from harvester.registry import Site

log = logging.getLogger("harvester.schedule")
LoadFunction = Callable[[Path, list[Site]], Any]


def utc_clock() -> datetime:
    """The real clock."""
    return datetime.now(timezone.utc)


def default_load(root: Path, sites: list[Site]) -> Any:
    """`harvester load` of the archive root (imported late: the parser stack is heavy)."""
    from harvester.db.load import load

    return load(root, sites)


@dataclass
class Scheduler:
    """Runs the registry on the calendar; `run_once` is one pass (what the timer calls)."""

    root: Path
    sites: list[Site]
    calendar: Calendar
    clock: Clock = utc_clock
    sinks: alerting.Sinks = field(default_factory=alerting.Sinks)
    crawl: CrawlFunction = field(default_factory=RunnerCrawl)
    load: LoadFunction = default_load

    def due_sites(self, log: FetchLog, now: datetime) -> list[Site]:
        """Sources whose last check is older than the calendar's interval for this month."""
        last = operating.last_checked(log)
        return [s for s in self.sites if self.calendar.due(parse_iso(last[s.id]) if s.id in last else None, now)]

    def run_once(self) -> runs.RunSummary:
        """One pass; raises lock.LockHeld when another live run is at work."""
        fetch_log = open_log(self.root)
        try:
            return self._run(fetch_log)
        finally:
            fetch_log.close()

    def _run(self, fetch_log: FetchLog) -> runs.RunSummary:
        now = self.clock()
        summary = runs.RunSummary(f"sched-{new_run_id(now)}", iso(now))
        lock = RunLock(fetch_log, self.clock, self.calendar.lock_stale_after)
        stale = lock.acquire(summary.run_id)
        raised: list[alerting.Alert] = []
        try:
            if stale is not None:
                detail = f"pid {stale.pid} on {stale.host}, last heartbeat {stale.heartbeat}; lock taken over"
                operating.close_scheduled_run(fetch_log, stale.run_id, "stalled", iso(now))
                raised.append(alerting.stalled_run(summary.run_id, stale.run_id, detail, iso(now)))
            runs.save(fetch_log, summary)
            healths = self._crawl_due(fetch_log, lock, summary)
            self._load(summary)
            for health in healths:
                health.parse_failures = self._parse_failures(fetch_log, health.crawl_run_id)
                checks.assess(fetch_log, health, self._start_urls(health.site), health.detail or None)
                checks.save(fetch_log, health)
                summary.reports_found += health.reports_found
                raised += [alerting.Alert(summary.run_id, health.site, rule, message, iso(self.clock()))
                           for rule, message in alerting.rules(health)]
            alerting.deliver(fetch_log, raised, self.sinks)
            summary.alerts = len(raised)
            summary.status = "failed" if summary.errors else "ok"
        except BaseException as error:
            summary.status = "failed"
            summary.errors.append(f"{type(error).__name__}: {error}")
            raise
        finally:
            summary.ended_at = iso(self.clock())
            runs.save(fetch_log, summary)
            self._publish(fetch_log, summary)
            lock.release()
        return summary

    def _crawl_due(self, fetch_log: FetchLog, lock: RunLock, summary: runs.RunSummary) -> list[checks.SourceHealth]:
        """Crawl each due source in turn (heartbeat between them); a failed crawl is recorded, not raised."""
        due = self.due_sites(fetch_log, self.clock())
        summary.sources_due = len(due)
        healths = []
        for site in due:
            crawl_run_id = f"{summary.run_id}-{site.id}"
            summary.sources_tried += 1
            summary.crawl_run_ids.append(crawl_run_id)
            error = None
            try:
                error = self.crawl(site, crawl_run_id, self.root, self.calendar.crawl_timeout.total_seconds())
            except Exception as failure:  # noqa: BLE001 - one broken source must not stop the others
                error = f"{type(failure).__name__}: {failure}"
            if error:
                summary.sources_failed += 1
                summary.errors.append(f"{site.id}: {error}")
            summary.add_fetch_counts(fetch_log, crawl_run_id)
            healths.append(checks.SourceHealth(summary.run_id, site.id, crawl_run_id, iso(self.clock()), detail=error or ""))
            lock.heartbeat()
            runs.save(fetch_log, summary)
        return healths

    def _load(self, summary: runs.RunSummary) -> None:
        """Parse new documents into harvester.db; a failed load is an error of the run."""
        try:
            loaded = self.load(self.root, self.sites)
        except Exception as error:  # noqa: BLE001 - health and alerts must still be written
            summary.errors.append(f"load: {type(error).__name__}: {error}")
            log.exception("load failed")
            return
        summary.documents_parsed = getattr(loaded, "parsed", 0)
        summary.reports_loaded = getattr(loaded, "reports_written", 0)

    def _parse_failures(self, fetch_log: FetchLog, crawl_run_id: str | None) -> int:
        """New or changed documents of one crawl that the parser could not read (from harvester.db)."""
        db_path = Layout(self.root).published
        if not crawl_run_id or not db_path.exists():
            return 0
        try:
            return len(set(fetch_log.new_content(crawl_run_id)) & lookups.unread_documents(db_path))
        except sqlite3.Error as error:
            log.warning("cannot count parse failures: %s", error)
            return 0

    def _start_urls(self, site_id: str) -> list[str]:
        """The registry start URLs of a site."""
        return next((s.start_urls for s in self.sites if s.id == site_id), [])

    def _publish(self, fetch_log: FetchLog, summary: runs.RunSummary) -> None:
        """Show the run in Datasette; a failure here is logged, the archive already has it."""
        try:
            publish.publish(fetch_log, self.root, self.clock().date())
        except Exception as error:  # noqa: BLE001
            log.error("cannot publish health into harvester.db: %s", error)
            summary.errors.append(f"publish: {error}")
