"""Archive write-path benchmark: what each per-fetch step costs, and verify() over the result.

Prints, for N bodies of a given size: blob puts (temp + fsync + rename), repeat puts of the same
bytes (the unchanged-recrawl case), WARC exchanges, fetch-log transactions, validator lookups,
and a full verify(). Run: .venv/bin/python benchmarks/archive_bench.py [--fetches 2000] [--size 30000]
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from harvester.archive import Archive
from harvester.archive.fetchlog import Fetch


def timed(label: str, items: Iterable, step: Callable) -> list:
    """Run step on every item, print per-item cost and rate, return the results."""
    items = list(items)
    start = time.perf_counter()
    results = [step(item) for item in items]
    seconds = time.perf_counter() - start
    print(f"{label:<28} {len(items):>6} in {seconds:6.2f} s = {len(items) / seconds:8.0f}/s "
          f"({1000 * seconds / len(items):.2f} ms each)")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fetches", type=int, default=2000)
    parser.add_argument("--size", type=int, default=30_000, help="body bytes (a typical report page)")
    args = parser.parse_args()
    rng = random.Random(0)
    bodies = [rng.randbytes(args.size // 2) + b"x" * (args.size // 2) for _ in range(args.fetches)]
    urls = [f"http://bench.test/t2024_{n}.html" for n in range(args.fetches)]
    with tempfile.TemporaryDirectory() as folder, Archive(Path(folder)) as archive:
        shas = timed("blob put (new)", bodies, archive.store.put)
        timed("blob put (already stored)", bodies, archive.store.put)
        writer = archive.warc_writers("bench").for_site("bench")
        locations = timed("WARC exchange", zip(urls, bodies), lambda pair: writer.write(
            url=pair[0], method="GET", request_headers=[("User-Agent", "bench")], status=200, reason="OK",
            response_headers=[("Content-Type", "text/html")], body=pair[1]))
        writer.close()
        timed("fetch log record", zip(urls, shas, locations), lambda row: archive.log.record(Fetch(
            run_id="bench", url=row[0], final_url=row[0], kind="report_page", status=200, sha256=row[1],
            size=args.size, warc_file=row[2].file, warc_offset=row[2].offset)))
        timed("validator lookup", urls, archive.log.latest)
        start = time.perf_counter()
        report = archive.verify()
        print(f"verify: {report.blobs_checked} blobs in {time.perf_counter() - start:.2f} s, ok={report.ok}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
