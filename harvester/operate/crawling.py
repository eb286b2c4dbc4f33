"""How the scheduler crawls one source: the crawl runner (a Scrapy subprocess) with a time limit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from harvester.crawl import runner
from harvester.registry import Site

CrawlFunction = Callable[[Site, str, Path, float], "str | None"]
"""crawl(site, crawl_run_id, archive_root, timeout_seconds) -> None, or why the crawl did not complete."""


@dataclass(frozen=True)
class RunnerCrawl:
    """Crawl a registry site with harvester.crawl.runner; registry/portal/settings as for `harvester crawl`."""

    registry: Path | None = None
    portal: str | None = None
    settings: dict[str, str] = field(default_factory=dict)

    def __call__(self, site: Site, run_id: str, root: Path, timeout: float) -> str | None:
        summary = runner.crawl(run_id=run_id, timeout=timeout, sites=[site.id], registry=self.registry,
                               portal=self.portal, archive=root, settings=self.settings)
        if summary["timed_out"]:
            return f"timed out after {timeout:.0f} s"
        if summary["returncode"] != 0:
            tail = summary.get("log_tail") or ["(no log)"]
            return f"crawl exited with status {summary['returncode']}: {tail[-1]}"
        return None
