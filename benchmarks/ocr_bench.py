"""OCR speed and memory: seconds per page and per report on one core and on all cores, peak RSS of a worker.

    .venv/bin/python benchmarks/ocr_bench.py [--variant scan] [--seeds 2] [--one-core]
        [--against main]
    .venv/bin/python benchmarks/ocr_bench.py --goldens [--against main]
    .venv/bin/python benchmarks/ocr_bench.py --load-path [--seeds 5] [--against main]

`--against REV` first measures the OCR code of git revision REV (its `harvester` package
exported to a temporary folder, run in a child process), then this tree's: before and after
side by side in one run, on the same pages at about the same load.

Every run starts with an empty page cache (a temporary HARVESTER_OCR_CACHE), so each
page is really rendered and read. "One core" is one worker process with one ONNX thread;
"all cores" is one worker per core, the pages of a report spread over them. Each mode starts
its worker pool once (models load once per worker, as in `harvester load`). The load
average is printed too: other work on the machine slows every wall figure; CPU s/page (of
the workers, model loading included) much less.

`--goldens` times nothing: it reads every OCR golden (each seed as every variant of
tests/ocr) with a cold cache and prints, per golden, facts right of expected and a digest of
all the facts read; with `--against REV` it then says which goldens REV read differently
(same facts and same values, or not): an OCR speed-up must read every golden as before.

`--load-path` parses the reports as `harvester load` does (harvester.db.isolation: each in a child
of its own, one at a time, one OCR process each, a cold page cache in a temporary archive) and prints
CPU s/page with everything the path costs, model loading included, and how many times the models
were loaded. The CPU is the whole machine's (/proc/stat): the load kills each document's process
group once it has answered, so its OCR workers are never reaped and RUSAGE_CHILDREN misses them. Run
it on an idle machine.

Accuracy: each report is then parsed (its pages from the cache just filled) and its facts
compared with the seed's truth (expected.json): facts right of facts expected, all reports.
"""

from __future__ import annotations

import argparse
import hashlib
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

from harvester.archive.store import BlobStore
from harvester.db.isolation import parse_archived
from harvester.parse import parse_bytes
from harvester.parse.ocr import engine
from harvester.parse.ocr.pool import ocr_pages, shutdown_workers
from harvester.parse.ocr.render import PageSource
from machine import describe

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "tests" / "fixtures" / "reports"
GOLDEN_VARIANTS = ("scan", "rotated", "noisy", "badfont", "unruled")  # as tests/ocr reads them


def children_cpu() -> float:
    """CPU seconds of the worker processes reaped so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def scored(path: Path, facts: dict) -> tuple[int, int]:
    """(facts equal to the seed's truth, facts in the truth) for the facts read from one report."""
    truth = json.loads((path.parent / "expected.json").read_text())["facts"]
    return sum(facts.get(key) == value for key, value in truth.items()), len(truth)


def summed(scores: list[tuple[int, int]]) -> tuple[int, int]:
    """(facts right, facts expected) over several reports' scores."""
    return sum(right for right, _ in scores), sum(total for _, total in scores)


def facts_right(files: list[Path]) -> tuple[int, int]:
    """(facts equal to the seed's truth, facts in the truth) over the reports, read through OCR."""
    return summed([scored(path, parse_bytes(path.read_bytes(), path.name).facts) for path in files])


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


def machine_cpu() -> float:
    """CPU seconds the whole machine has been busy since boot (/proc/stat: all but idle and iowait)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def measure_load_path(files: list[Path]) -> None:
    """Parse the reports through harvester.db.isolation, as `harvester load` does; print one row."""
    print(f"code {Path(engine.__file__).parents[3]} ({engine.ENGINE_ID})")
    with tempfile.TemporaryDirectory() as root:
        os.environ["HARVESTER_OCR_WORKERS"] = "1"  # one OCR process a document, as a busy load has
        shas = [BlobStore(Path(root)).put(path.read_bytes()) for path in files]
        busy, started = machine_cpu(), time.perf_counter()
        results = {result.sha256: result for result in parse_archived(Path(root), shas, workers=1)}
        busy, wall = machine_cpu() - busy, time.perf_counter() - started
    notes = [note["ocr"] for result in results.values() for note in result.page_notes if "ocr" in note]
    if not notes:
        print(f"load path: {len(files)} reports, no page read by OCR", flush=True)
        return
    loads = [note.get("loaded_models") for note in notes]
    right, total = summed([scored(path, results[sha].facts) for path, sha in zip(files, shas)])
    print(f"load path: {len(files)} reports, {len(notes)} pages, {wall / len(notes):.2f} s/page, "
          f"{busy / len(notes):.2f} machine CPU s/page, models loaded "
          f"{'(not recorded)' if None in loads else f'{sum(loads)} times'}, facts right {right}/{total}"
          f"   load {os.getloadavg()[0]:.1f}", flush=True)


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


def read_goldens() -> dict[str, dict]:
    """The facts read from every OCR golden (seed.variant -> facts), each printed with its
    accuracy against the seed's truth and a digest of what was read."""
    print(f"code {Path(engine.__file__).parents[3]} ({engine.ENGINE_ID})", flush=True)
    readings = {}
    with tempfile.TemporaryDirectory() as cache:
        os.environ["HARVESTER_OCR_CACHE"] = cache
        for path in sorted(REPORTS.glob("*/*.pdf")):
            seed, variant = path.parent.name, path.name.split(".")[1]
            if variant not in GOLDEN_VARIANTS:
                continue
            facts = parse_bytes(path.read_bytes(), path.name).facts
            right, expected = scored(path, facts)
            digest = hashlib.sha256(json.dumps(facts, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
            print(f"{seed}.{variant:<8} {right:>4}/{expected:<4} facts right, {len(facts)} read, "
                  f"digest {digest[:12]}   load {os.getloadavg()[0]:.1f}", flush=True)
            readings[f"{seed}.{variant}"] = facts
    shutdown_workers()
    return readings


def compare_goldens(rev: str, argv: list[str]) -> None:
    """Read every golden with REV's code, then with this tree's, and name those read differently."""
    with tempfile.TemporaryDirectory() as folder:
        theirs_file = Path(folder) / "facts.json"
        measure_revision(rev, [*argv, "--facts-out", str(theirs_file)])
        theirs = json.loads(theirs_file.read_text())
    ours = read_goldens()
    differ = sorted(name for name in ours.keys() | theirs.keys() if ours.get(name) != theirs.get(name))
    print(f"{len(ours) - len(differ)}/{len(ours)} goldens read exactly as {rev} (same facts, same values)")
    for name in differ:
        a, b = theirs.get(name, {}), ours.get(name, {})
        changed = {k: (a.get(k), b.get(k)) for k in a.keys() | b.keys() if a.get(k) != b.get(k)}
        print(f"  {name}: {len(changed)} facts differ ({rev}, this tree): {dict(list(changed.items())[:5])}")


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
    parser.add_argument("--goldens", action="store_true",
                        help="read every OCR golden (with --against: name those REV reads differently)")
    parser.add_argument("--load-path", action="store_true",
                        help="parse the reports as harvester load does, one after another")
    parser.add_argument("--facts-out", metavar="FILE", help=argparse.SUPPRESS)  # --goldens --against
    args = parser.parse_args()
    if args.goldens:
        if args.against:
            compare_goldens(args.against, [a for a in sys.argv[1:] if a not in ("--against", args.against)])
        else:
            readings = read_goldens()
            if args.facts_out:
                Path(args.facts_out).write_text(json.dumps(readings, ensure_ascii=False))
        return
    files = sorted(REPORTS.glob(f"*/*.{args.variant}.pdf"))[: args.seeds]
    cores = os.cpu_count() or 1
    modes = [("one core", 1)] + ([] if args.one_core else [(f"{cores} cores", cores)])
    print(f"{len(files)} reports ({args.variant}); {describe()}; "
          f"load average {os.getloadavg()[0]:.1f} at start", flush=True)
    if args.against:
        measure_revision(args.against, [a for a in sys.argv[1:] if a not in ("--against", args.against)])
    if args.load_path:
        measure_load_path(files)
    else:
        measure(files, modes)
    print(f"load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
