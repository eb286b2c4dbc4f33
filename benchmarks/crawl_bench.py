"""Crawl benchmark: a generated replica column of thousands of pages on loopback.

Prints pages/s of a first crawl, peak RSS of the crawl process, and the cost of an unchanged recrawl.
Run: .venv/bin/python benchmarks/crawl_bench.py [--pages 2000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
from pathlib import Path

from harvester.crawl.runner import LOOPBACK_SETTINGS, crawl
from harvester.portal import start_portal


def folder_bytes(root: Path) -> int:
    """Total size of the files under `root`."""
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file())


def report(label: str, summary: dict, archive: Path) -> None:
    """One line per crawl: pages, seconds, pages/s, archive size, outcomes."""
    pages = sum(summary["kinds"].values())
    rate = pages / summary["seconds"] if summary["seconds"] else 0.0
    print(f"{label}: {pages} fetches in {summary['seconds']:.1f} s = {rate:.0f} pages/s; "
          f"archive {folder_bytes(archive) / 1e6:.1f} MB; outcomes {summary['outcomes']}")


def main() -> None:
    """Crawl the generated column twice into a fresh archive and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=2000, help="list + article pages to generate")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight to the one loopback host")
    args = parser.parse_args()
    settings = {**LOOPBACK_SETTINGS, "CONCURRENT_REQUESTS": str(args.concurrency),
                "CONCURRENT_REQUESTS_PER_DOMAIN": str(args.concurrency), "LOG_LEVEL": "WARNING"}
    with start_portal() as portal, tempfile.TemporaryDirectory() as tmp:
        start = portal.generate_large(args.pages)
        archive = Path(tmp)
        first = crawl(url=start, archive=archive, settings=settings)
        report("first crawl", first, archive)
        size_after_first = folder_bytes(archive)
        again = crawl(url=start, archive=archive, settings=settings)
        report("unchanged recrawl", again, archive)
        print(f"recrawl added {(folder_bytes(archive) - size_after_first) / 1e6:.2f} MB "
              f"(fetch log rows + WARC records of 304s; no new blobs: {again['outcomes'].get('new', 0) == 0})")
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"peak RSS of a crawl process: {peak_kb / 1024:.0f} MB")


if __name__ == "__main__":
    main()
