"""OCR speed and memory: seconds per page and per report on one core and on all cores, peak RSS of a worker.

    .venv/bin/python benchmarks/ocr_bench.py [--variant scan] [--seeds 2]

Every run starts with an empty page cache (a temporary HARVESTER_OCR_CACHE), so each
page is really rendered and read. "One core" is one worker process with one ONNX thread;
"all cores" is one worker per core, the pages of a report spread over them. Each mode starts
its worker pool once (models load once per worker, as in `harvester load`). The load
average is printed too: other work on the machine slows every figure.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from harvester.parse.ocr.pool import ocr_pages, shutdown_workers
from harvester.parse.ocr.render import PageSource

REPORTS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "reports"


def run(files: list[Path], workers: int) -> tuple[int, float, list[float]]:
    """OCR every page of every file with a cold cache: (pages, wall seconds, per-page seconds)."""
    pages, wall, page_seconds = 0, 0.0, []
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
    return pages, wall, page_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", default="scan", help="scan, rotated, noisy or badfont")
    parser.add_argument("--seeds", type=int, default=5, help="how many seed reports")
    args = parser.parse_args()
    files = sorted(REPORTS.glob(f"*/*.{args.variant}.pdf"))[: args.seeds]
    cores = os.cpu_count() or 1
    print(f"{len(files)} reports ({args.variant}), {cores} cores, "
          f"load average {os.getloadavg()[0]:.1f} at start")
    print(f"{'mode':<12}{'pages':>6}{'s/page':>9}{'s/report':>10}{'page p50':>10}{'page max':>10}")
    for label, workers in (("one core", 1), (f"{cores} cores", cores)):
        pages, wall, per_page = run(files, workers)
        per_page.sort()
        print(f"{label:<12}{pages:>6}{wall / pages:>9.2f}{wall / len(files):>10.2f}"
              f"{per_page[len(per_page) // 2]:>10.2f}{per_page[-1]:>10.2f}")
    worker_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS of one OCR worker process: {worker_peak:.0f} MiB")
    print(f"load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
