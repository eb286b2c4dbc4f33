"""Distributed crawl throughput: 1, 2 and 4 scrapy-redis workers on a large generated replica portal.

Prints pages/s, peak memory (RSS) per worker and Redis memory (INFO memory) for each worker count.
Usage: .venv/bin/python benchmarks/distributed_bench.py [--pages 2000] [--workers 1,2,4]
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from pathlib import Path

from harvester.archive.fetchlog import FetchLog
from harvester.config import Layout
from harvester.crawl.runner import LOOPBACK_SETTINGS
from harvester.operate import workers
from harvester.portal import start_portal

PEAK = re.compile(r"'memusage/max': (\d+)")


def run(n_workers: int, pages: int) -> None:
    """One crawl of a fresh portal and archive with n workers; prints its figures."""
    with tempfile.TemporaryDirectory() as scratch:
        server, url = workers.start_local_redis(Path(scratch))
        portal = start_portal()
        try:
            start = portal.generate_large(pages)
            crawl = workers.Crawl(f"bench{n_workers}", url, Path(scratch) / "archive")
            crawl.client().rpush(f"{crawl.prefix}:start_urls", f'{{"site": "bench", "url": "{start}"}}')
            peak_redis = 0
            began = time.monotonic()
            started = [workers.start_worker(crawl, n, LOOPBACK_SETTINGS) for n in range(n_workers)]
            while any(w.process.poll() is None for w in started):
                peak_redis = max(peak_redis, crawl.client().info("memory")["used_memory"])
                time.sleep(0.2)
            seconds = time.monotonic() - began
            fetch_log = FetchLog(Layout(crawl.archive).fetch_log, read_only=True)
            fetched, distinct = fetch_log.fetch_counts(("list", "report_page"))
            fetch_log.close()
            logs = [w.log.read_text() for w in started]
            requeued = sum(int(n) for text in logs for n in re.findall(r"requeued (\d+) in-flight", text))
            retried = sum(text.count("Retrying") for text in logs)
            peaks = [int(m.group(1)) // 2**20 for text in logs for m in [PEAK.search(text)] if m]
            print(f"{n_workers} worker(s): {fetched} pages in {seconds:.1f} s = {fetched / seconds:.1f} pages/s"
                  f" (incl. ~5 s start and idle shutdown); peak RSS per worker MiB {peaks};"
                  f" Redis peak used_memory {peak_redis / 2**20:.2f} MiB;"
                  f" {fetched - distinct} repeated fetches ({requeued} requeued from silent workers, {retried} retries)")
        finally:
            portal.stop()
            server.terminate()
            server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=2000, help="size of the generated column (list + article pages)")
    parser.add_argument("--workers", default="1,2,4", help="worker counts to try")
    args = parser.parse_args()
    for count in (int(n) for n in args.workers.split(",")):
        run(count, args.pages)


if __name__ == "__main__":
    main()
