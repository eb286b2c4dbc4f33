"""Crawl benchmark: a generated replica column of thousands of pages on loopback.

Prints pages/s of a first crawl, peak RSS of the crawl process, the cost of an unchanged recrawl,
and CPU seconds a page of `harvester crawl` against bare Scrapy on the same pages in the same run
(a spider fetching the URLs the first crawl fetched and extracting every page's links, storing
nothing: the column's pagination is script, which plain link following misses; process start
included in both).
With --profile FILE, one more first crawl (of a fresh archive) runs under cProfile timed by CPU
(time.process_time: the whole process, threads included); its stats go to FILE and its top costs
are printed.
With --repeat N, N first crawls (each into a fresh archive) and N bare runs alternate, and the
medians are compared (one run's ratio moves with whatever else the machine does).
Run: .venv/bin/python benchmarks/crawl_bench.py [--pages 2000] [--concurrency 16] [--repeat 5]
    [--profile crawl.prof]
"""

from __future__ import annotations

import argparse
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from harvester.archive.fetchlog import FetchLog
from harvester.config import Layout
from harvester.crawl.runner import LOOPBACK_SETTINGS, SETTINGS_MODULE, crawl, crawl_command
from harvester.portal import start_portal
from machine import describe


# Bare Scrapy: fetch the URLs in the file argv[1], extract each page's links, store nothing,
# print the pages fetched.
BARE_SPIDER = """
import sys
from scrapy import Spider
from scrapy.crawler import CrawlerProcess
from scrapy.linkextractors import LinkExtractor

class Bare(Spider):
    name = "bare"
    start_urls = open(sys.argv[1]).read().split()
    links = LinkExtractor(deny_extensions=[])

    def parse(self, response):
        if hasattr(response, "text"):
            self.links.extract_links(response)

process = CrawlerProcess({"LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False, "ROBOTSTXT_OBEY": False,
                          "CONCURRENT_REQUESTS": int(sys.argv[2]), "CONCURRENT_REQUESTS_PER_DOMAIN": int(sys.argv[2]),
                          "REMOTE_CONTROL_ENABLED": False})
crawler = process.create_crawler(Bare)
process.crawl(crawler)
process.start()
print(crawler.stats.get_value("response_received_count", 0))
"""


# `python -m scrapy ARGS` under cProfile timed by the process's CPU; argv[1] names the stats file.
PROFILED_SCRAPY = """
import cProfile, runpy, sys, time
stats, sys.argv = sys.argv[1], ["scrapy", *sys.argv[2:]]
profile = cProfile.Profile(time.process_time)
try:
    profile.runcall(runpy.run_module, "scrapy", run_name="__main__", alter_sys=True)
except SystemExit:
    pass
profile.dump_stats(stats)
"""
TOP_COSTS = 10


def children_cpu() -> tuple[float, float]:
    """(CPU seconds, of which in the kernel) of the child processes reaped so far (each crawl runs in one)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime, usage.ru_stime


def cpu_since(before: tuple[float, float]) -> tuple[float, float]:
    """(CPU seconds, of which in the kernel) of the children reaped since `before`."""
    now = children_cpu()
    return now[0] - before[0], now[1] - before[1]


def bare_scrapy(archive: Path, concurrency: int) -> tuple[int, tuple[float, float]]:
    """(pages, (CPU seconds, of which in the kernel)) of bare Scrapy fetching the URLs the archive's crawl fetched."""
    log = FetchLog(Layout(archive).fetch_log, read_only=True)
    try:
        urls = log.fetched_urls()
    finally:
        log.close()
    with tempfile.TemporaryDirectory() as spare:
        listed = Path(spare) / "urls.txt"
        listed.write_text("\n".join(urls))
        before = children_cpu()
        done = subprocess.run([sys.executable, "-c", BARE_SPIDER, str(listed), str(concurrency)],
                              capture_output=True, text=True, check=True)
    return int(done.stdout.split()[-1]), cpu_since(before)


def profile_crawl(start: str, settings: dict[str, str], stats: Path) -> None:
    """A first crawl of `start` into a fresh archive under cProfile; its top costs printed, all in `stats`."""
    with tempfile.TemporaryDirectory() as archive:
        command = crawl_command(url=start, archive=archive, run_id="profiled", settings=settings)
        assert command[1:3] == ["-m", "scrapy"]
        subprocess.run([command[0], "-c", PROFILED_SCRAPY, str(stats.resolve()), *command[3:]], cwd=archive,
                       env={**os.environ, "SCRAPY_SETTINGS_MODULE": SETTINGS_MODULE}, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(f"profile of a first crawl (CPU, {stats}), top {TOP_COSTS} by own time:")
    pstats.Stats(str(stats)).sort_stats("tottime").print_stats(TOP_COSTS)


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
    parser.add_argument("--profile", type=Path, help="also profile a first crawl, stats to this file")
    parser.add_argument("--repeat", type=int, default=1, help="first crawls and bare runs, each side in turn")
    parser.add_argument("--folder", type=Path, help="where the archives go (default: the system's temp folder);"
                        " a tmpfs such as /dev/shm leaves out the disk's kernel work, which varies with the"
                        " file system's state (an ext4 without a journal looks past every inode freed in the last"
                        " minutes for each new file: after large deletions 2-3x)")
    args = parser.parse_args()
    settings = {**LOOPBACK_SETTINGS, "CONCURRENT_REQUESTS": str(args.concurrency),
                "CONCURRENT_REQUESTS_PER_DOMAIN": str(args.concurrency), "LOG_LEVEL": "WARNING"}
    print(describe(), flush=True)
    with start_portal() as portal, tempfile.TemporaryDirectory(dir=args.folder) as tmp:
        start = portal.generate_large(args.pages)
        ours, bares = [], []
        for attempt in range(1, args.repeat + 1):  # each side in turn: both see the same machine
            archive = Path(tmp) / f"archive-{attempt}"
            archive.mkdir()
            before = children_cpu()
            first = crawl(url=start, archive=archive, settings=settings)
            first_cpu, first_kernel = cpu_since(before)
            report(f"first crawl {attempt}", first, archive)
            bare_pages, (bare_cpu, bare_kernel) = bare_scrapy(archive, args.concurrency)
            pages = sum(first["kinds"].values())
            ours.append(first_cpu / pages)
            bares.append(bare_cpu / bare_pages)
            print(f"bare Scrapy, same pages: {bare_pages} pages, {bares[-1] * 1000:.2f} ms CPU a page"
                  f" ({bare_kernel / bare_pages * 1000:.2f} in the kernel); harvester crawl {ours[-1] * 1000:.2f} ms"
                  f" ({first_kernel / pages * 1000:.2f} in the kernel) = {ours[-1] / bares[-1]:.2f}x "
                  f"(load average {os.getloadavg()[0]:.1f})", flush=True)
        if args.repeat > 1:
            print(f"median of {args.repeat}: harvester crawl {statistics.median(ours) * 1000:.2f} ms, bare Scrapy "
                  f"{statistics.median(bares) * 1000:.2f} ms CPU a page = "
                  f"{statistics.median(ours) / statistics.median(bares):.2f}x")
        size_after_first = folder_bytes(archive)
        again = crawl(url=start, archive=archive, settings=settings)
        report("unchanged recrawl", again, archive)
        print(f"recrawl added {(folder_bytes(archive) - size_after_first) / 1e6:.2f} MB "
              f"(fetch log rows + WARC records of 304s; no new blobs: {again['outcomes'].get('new', 0) == 0})")
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"peak RSS of a crawl process: {peak_kb / 1024:.0f} MB")
        if args.profile:
            profile_crawl(start, settings, args.profile)


if __name__ == "__main__":
    main()
