"""One summary row per scheduled run (scheduled_runs in archive.db)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from harvester.archive.fetchlog import CONTENT_OUTCOMES, FetchLog, operating


@dataclass
class RunSummary:
    """What one scheduled run did: sources, document outcomes, parsing, alerts, errors."""

    run_id: str
    started_at: str
    ended_at: str | None = None
    status: str = "running"
    sources_due: int = 0
    sources_tried: int = 0
    sources_failed: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    not_modified: int = 0
    failed: int = 0
    blocked: int = 0
    reports_found: int = 0
    documents_parsed: int = 0
    reports_loaded: int = 0
    alerts: int = 0
    errors: list[str] = field(default_factory=list)
    crawl_run_ids: list[str] = field(default_factory=list)

    def add_fetch_counts(self, log: FetchLog, crawl_run_id: str) -> None:
        """Add one crawl's document outcomes from the fetch log (failed = errors, soft 404s, oversized, and
        those not fetched because the crawl stopped: a shortfall, not a success)."""
        for outcome, count in log.document_outcomes(crawl_run_id).items():
            if outcome in CONTENT_OUTCOMES:
                setattr(self, outcome, getattr(self, outcome) + count)
            elif outcome == "blocked":
                self.blocked += count
            elif outcome == "disallowed":
                continue  # robots.txt obeyed: not a failure (health counts it the same way)
            else:
                self.failed += count

    def lines(self) -> list[str]:
        """A human summary."""
        return [
            f"run {self.run_id}: {self.status} ({self.started_at} -> {self.ended_at})",
            f"sources: {self.sources_due} due, {self.sources_tried} tried, {self.sources_failed} failed",
            f"documents: {self.new} new, {self.changed} changed, {self.unchanged} unchanged,"
            f" {self.not_modified} not modified; {self.failed} failed, {self.blocked} blocked fetches",
            f"reports found: {self.reports_found}; parsed now: {self.documents_parsed};"
            f" reports written: {self.reports_loaded}; alerts: {self.alerts}",
            *(f"error: {error}" for error in self.errors),
        ]


def save(log: FetchLog, summary: RunSummary) -> None:
    """Write (or update) the run's row."""
    operating.save_scheduled_run(log, asdict(summary))
