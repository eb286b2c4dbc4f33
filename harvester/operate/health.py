"""Health of each source after a scheduled run, judged from the fetch log of its crawl.

Statuses, most serious first: stalled (the crawl hung or died), blocked (challenge page or
rate limit), moved (a start URL answers 404/410), unreachable (a start URL gives no answer),
no_reports, fewer_than_last, parse_failures, ok.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from harvester.archive.fetchlog import FetchLog, operating

STATUSES = ("stalled", "blocked", "moved", "unreachable", "no_reports", "fewer_than_last", "parse_failures", "ok")
GONE_STATUSES = (404, 410)


@dataclass
class SourceHealth:
    """One row of source_health: a source's state after one scheduled run."""

    run_id: str
    site: str
    crawl_run_id: str | None
    checked_at: str
    status: str = "ok"
    reports_found: int = 0
    previous_reports: int | None = None
    list_pages: int = 0
    list_errors: int = 0
    blocked: int = 0
    failed: int = 0
    parse_failures: int = 0
    detail: str = ""
    previous_status: str | None = None


def assess(log: FetchLog, health: SourceHealth, start_urls: list[str], crawl_error: str | None) -> SourceHealth:
    """Fill counts, previous figures and status of `health` from the fetch log (archive.db)."""
    before = operating.previous_health(log, health.site, health.run_id)
    if before is not None:
        health.previous_reports, health.previous_status = before
    if health.crawl_run_id:
        found, lists, list_errors, blocked, failed = log.health_counts(health.crawl_run_id)
        health.reports_found, health.list_pages, health.list_errors = found, lists or 0, list_errors or 0
        health.blocked, health.failed = blocked or 0, failed or 0
    start = [log.last_status(health.crawl_run_id, url) for url in start_urls] if health.crawl_run_id else []
    problems = {
        "stalled": crawl_error,
        "blocked": health.blocked and f"{health.blocked} blocked responses (challenge or rate limit)",
        "moved": any(s in GONE_STATUSES for s in start) and f"start URL status {start}",
        "unreachable": start and all(s is None for s in start) and "no start URL answered",
        "no_reports": health.reports_found == 0 and "no report found",
        "fewer_than_last": (health.previous_reports or 0) > health.reports_found
        and f"{health.reports_found} reports, {health.previous_reports} last run",
        "parse_failures": health.parse_failures and f"{health.parse_failures} new documents failed to parse",
    }
    health.status = next((status for status in STATUSES[:-1] if problems[status]), "ok")
    health.detail = "; ".join(str(reason) for reason in problems.values() if reason)
    return health


def save(log: FetchLog, health: SourceHealth) -> None:
    """Store one source_health row."""
    row = asdict(health)
    del row["previous_status"]
    operating.save_health(log, row)
