"""Parse the fixture corpus and print reports per second per carrier and peak memory.

    .venv/bin/python benchmarks/parse_bench.py [--seconds 3]

Each carrier is timed on one core (this process), repeating its files for at least
--seconds; peak memory is the process's maximum RSS after all carriers. Scanned
variants (OCR) have their own benchmark: benchmarks/ocr_bench.py.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections import defaultdict
from pathlib import Path

from harvester.parse import parse_bytes
from harvester.parse.sniff import sniff
from harvester.portal.reports import TEXT_CARRIERS

REPORTS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "reports"


def corpus() -> dict[str, list[tuple[str, bytes]]]:
    """Fixture files grouped by the carrier they sniff as (variant suffix kept apart)."""
    groups: dict[str, list[tuple[str, bytes]]] = defaultdict(list)
    for seed in sorted(REPORTS.iterdir()):
        for carrier in TEXT_CARRIERS:
            path = seed / f"{seed.name}.{carrier}"
            if path.is_file():
                data = path.read_bytes()
                groups[f"{sniff(data)} ({carrier})"].append((path.name, data))
    return groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    print(f"{'carrier (file variant)':28} {'files':>5} {'parses':>6} {'reports/s':>10}")
    for name, files in sorted(corpus().items()):
        count, started = 0, time.perf_counter()
        while True:
            for file_name, data in files:
                parse_bytes(data, file_name)
                count += 1
            elapsed = time.perf_counter() - started
            if elapsed >= args.seconds:
                break
        print(f"{name:28} {len(files):>5} {count:>6} {count / elapsed:>10.1f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
