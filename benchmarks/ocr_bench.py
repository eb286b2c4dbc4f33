"""OCR speed and memory: seconds per page and per report on one core and on all cores, peak RSS of a worker.

    .venv/bin/python benchmarks/ocr_bench.py [--variant scan] [--seeds 2]

Every run starts with an empty page cache (a temporary HARVESTER_OCR_CACHE), so each
page is really rendered and read. "One core" is one worker process with one ONNX thread;
"all cores" is one worker per core, the pages of a report spread over them. Each mode starts
its worker pool once (models load once per worker, as in `harvester load`). The load
average is printed too: other work on the machine slows every wall figure; CPU s/page (of
the workers, model loading included) much less.

Accuracy: each report is then parsed (its pages from the cache just filled) and its facts
compared with the seed's truth (expected.json): facts right of facts expected, all reports.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

from harvester.parse import parse_bytes
from harvester.parse.ocr.pool import ocr_pages, shutdown_workers
from harvester.parse.ocr.render import PageSource

REPORTS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "reports"


def children_cpu() -> float:
    """CPU seconds of the worker processes reaped so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def facts_right(files: list[Path]) -> tuple[int, int]:
    """(facts equal to the seed's truth, facts in the truth) over the reports, read through OCR."""
    right = total = 0
    for path in files:
        truth = json.loads((path.parent / "expected.json").read_text())["facts"]
        facts = parse_bytes(path.read_bytes(), path.name).facts
        right += sum(facts.get(key) == value for key, value in truth.items())
        total += len(truth)
    return right, total


def run(files: list[Path], workers: int) -> tuple[int, float, float, list[float], tuple[int, int]]:
    """OCR every page of every file with a cold cache: (pages, wall seconds, worker CPU seconds,
    per-page seconds, facts right of expected)."""
    pages, wall, page_seconds, cpu = 0, 0.0, [], children_cpu()
    with tempfile.TemporaryDirectory() as cache:
        os.environ["HARVESTER_OCR_CACHE"] = cache
        for path in files:
            source = PageSource("pdf", path.read_bytes())
            count = source.count()
            started = time.perf_counter()
            outcomes = ocr_pages(source, list(range(count)), workers=workers)
            wall += time.perf_counter() - started
            pages += count
            page_seconds += [o.note["seconds"] for o in outcomes if o.error is None]
        shutdown_workers()  # the next mode starts cold too (model loading counted in its time)
        cpu = children_cpu() - cpu
        accuracy = facts_right(files)
        shutdown_workers()
    return pages, wall, cpu, page_seconds, accuracy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", default="scan", help="scan, rotated, noisy or badfont")
    parser.add_argument("--seeds", type=int, default=5, help="how many seed reports")
    args = parser.parse_args()
    files = sorted(REPORTS.glob(f"*/*.{args.variant}.pdf"))[: args.seeds]
    cores = os.cpu_count() or 1
    print(f"{len(files)} reports ({args.variant}), {cores} cores, "
          f"load average {os.getloadavg()[0]:.1f} at start")
    print(f"{'mode':<12}{'pages':>6}{'s/page':>9}{'s/report':>10}{'page p50':>10}{'page max':>10}"
          f"{'CPU s/page':>12}{'facts right':>14}")
    for label, workers in (("one core", 1), (f"{cores} cores", cores)):
        pages, wall, cpu, per_page, (right, total) = run(files, workers)
        per_page.sort()
        print(f"{label:<12}{pages:>6}{wall / pages:>9.2f}{wall / len(files):>10.2f}"
              f"{per_page[len(per_page) // 2]:>10.2f}{per_page[-1]:>10.2f}{cpu / pages:>12.2f}"
              f"{f'{right}/{total}':>14}   load {os.getloadavg()[0]:.1f}")
    worker_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS of one OCR worker process: {worker_peak:.0f} MiB")
    print(f"load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
