"""OCR speed and memory: seconds per page and per report on one core and on all cores, peak RSS of a worker.

    .venv/bin/python benchmarks/ocr_bench.py [--variant scan] [--seeds 2] [--one-core]
        [--against main]

`--against REV` first measures the OCR code of git revision REV (its `harvester` package
exported to a temporary folder, run in a child process), then this tree's: before and after
side by side in one run, on the same pages at about the same load.

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
import io
import json
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from harvester.parse import parse_bytes
from harvester.parse.ocr import engine
from harvester.parse.ocr.pool import ocr_pages, shutdown_workers
from harvester.parse.ocr.render import PageSource

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "tests" / "fixtures" / "reports"


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


def measure(files: list[Path], modes: list[tuple[str, int]]) -> None:
    """Print one row per mode for the OCR code this process imports (this tree's or REV's)."""
    print(f"code {Path(engine.__file__).parents[3]} ({engine.ENGINE_ID})")
    print(f"{'mode':<12}{'pages':>6}{'s/page':>9}{'s/report':>10}{'page p50':>10}{'page max':>10}"
          f"{'CPU s/page':>12}{'facts right':>14}")
    for label, workers in modes:
        pages, wall, cpu, per_page, (right, total) = run(files, workers)
        per_page.sort()
        print(f"{label:<12}{pages:>6}{wall / pages:>9.2f}{wall / len(files):>10.2f}"
              f"{per_page[len(per_page) // 2]:>10.2f}{per_page[-1]:>10.2f}{cpu / pages:>12.2f}"
              f"{f'{right}/{total}':>14}   load {os.getloadavg()[0]:.1f}", flush=True)
    worker_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS of one OCR worker process: {worker_peak:.0f} MiB", flush=True)


def measure_revision(rev: str, argv: list[str]) -> None:
    """Run this benchmark (without --against) on the `harvester` package of git revision `rev`."""
    archive = subprocess.run(["git", "archive", rev, "harvester"], cwd=ROOT, check=True,
                             capture_output=True).stdout
    with tempfile.TemporaryDirectory() as tree:
        tarfile.open(fileobj=io.BytesIO(archive)).extractall(tree, filter="data")
        env = {**os.environ, "PYTHONPATH": tree}  # ahead of the editable install of this tree
        subprocess.run([sys.executable, __file__, *argv], env=env, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", default="scan", help="scan, rotated, noisy or badfont")
    parser.add_argument("--seeds", type=int, default=5, help="how many seed reports")
    parser.add_argument("--one-core", action="store_true", help="only the one-core mode")
    parser.add_argument("--against", metavar="REV", help="measure git revision REV's OCR first")
    args = parser.parse_args()
    files = sorted(REPORTS.glob(f"*/*.{args.variant}.pdf"))[: args.seeds]
    cores = os.cpu_count() or 1
    modes = [("one core", 1)] + ([] if args.one_core else [(f"{cores} cores", cores)])
    print(f"{len(files)} reports ({args.variant}), {cores} cores, "
          f"load average {os.getloadavg()[0]:.1f} at start", flush=True)
    if args.against:
        measure_revision(args.against, [a for a in sys.argv[1:] if a not in ("--against", args.against)])
    measure(files, modes)
    print(f"load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
