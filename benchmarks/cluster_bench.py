"""Parse and OCR throughput on a local Dask cluster with 1, 2 and 4 parse workers, and the scaling factor.

    .venv/bin/python benchmarks/cluster_bench.py [--workers 1,2,4] [--copies 3] [--scans 2] [--repeat 1]

Two job sets, each run with every worker count on a fresh scheduler and an empty OCR cache:
text documents (every seed's HTML, DOCX and PDF, `--copies` times with a distinct trailing byte
so each copy is a file of its own) and scanned reports (`--scans` image-only PDFs, every page
OCR'd; with more than one worker a scan's pages are jobs of their own, spread over the workers).
Times are from the first job submitted to the last result back at the load (workers already up,
the OCR models loaded, and the load's client connected: an operator's load connects once for the
whole archive, so its connection time, printed apart, is left out of the rates). With --repeat N,
N rounds of every worker count, medians compared. Ends with the workers a
national backfill (700,000 reports, 420,000 OCR pages) needs to finish in a day at the measured
rates. The load average is printed: other work on the machine slows every figure.

Beside OCR pages/s, the CPU seconds a page took in the workers (their processes and every OCR
child, sampled every 0.1 s): when it grows with the number of workers, the cores slow each other
down (shared caches, memory bandwidth, SMT siblings on a virtual machine), which no scheduling
can win back; when it stays flat and pages/s does not scale, the time is lost outside the pages.

The bare baseline, in the same run: the machine's own OCR scaling, the same rendered pages read by
1, 2 and 4 plain processes (one-thread models loaded once, forked; no Dask, no parse): what any
cluster on this machine can reach at best.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import statistics
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import psutil
import pypdfium2 as pdfium
from distributed import Client

from harvester.archive.store import BlobStore
from harvester.cluster.local import start_scheduler, start_workers
from harvester.cluster.submit import ClusterParsing
from harvester.parse.ocr.engine import load_models
from harvester.parse.ocr.page import read_page
from harvester.parse.ocr.render import PageImage, PageSource
from machine import describe

REPORTS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "reports"
TEXT_SUFFIXES = (".html", ".docx", ".pdf")
BACKFILL_REPORTS, BACKFILL_OCR_PAGES = 700_000, 420_000
DAY_S = 86_400


def text_documents(copies: int) -> list[bytes]:
    """Every seed's text carriers, each copy made distinct by trailing bytes its parser ignores."""
    files = [seed / f"{seed.name}{suffix}" for seed in sorted(REPORTS.iterdir()) if seed.is_dir()
             for suffix in TEXT_SUFFIXES]
    trailers = {".html": b"\n<!-- copy %d -->\n", ".pdf": b"\n%% copy %d\n"}
    return [_docx_copy(path.read_bytes(), n) if path.suffix == ".docx" else path.read_bytes() + trailers[path.suffix] % n
            for n in range(copies) for path in files]


def _docx_copy(data: bytes, n: int) -> bytes:
    """The DOCX with its ZIP archive comment set to the copy number (same document, other digest)."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.comment = f"copy {n}".encode()
    return out.getvalue()


def scans(count: int) -> list[bytes]:
    """`count` image-only scanned reports."""
    return [p.read_bytes() for p in sorted(REPORTS.glob("*/*.scan.pdf"))[:count]]


def pages(data: bytes) -> int:
    pdf = pdfium.PdfDocument(data)
    try:
        return len(pdf)
    finally:
        pdf.close()


class TreeCPU:
    """CPU seconds a process tree spends from start() to stop(), sampled every 0.1 s: a job's
    parse and OCR children die by SIGKILL, so no rusage of theirs reaches any parent."""

    def __init__(self, pid: int) -> None:
        self.root, self.first, self.last = psutil.Process(pid), {}, {}
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def _seen(self) -> dict[int, float]:
        seen = {}
        for process in [self.root, *self.root.children(recursive=True)]:
            try:
                times = process.cpu_times()
                seen[process.pid] = times.user + times.system
            except psutil.Error:
                pass  # gone since it was listed
        return seen

    def _sample(self) -> None:
        while not self.stopped.wait(0.1):
            self.last.update(self._seen())

    def start(self) -> None:
        self.first = self._seen()
        self.thread.start()

    def stop(self) -> float:
        self.stopped.set()
        self.thread.join()
        self.last.update(self._seen())
        return sum(cpu - self.first.get(pid, 0.0) for pid, cpu in self.last.items())


def run(files: list[bytes], processes: int, scratch: Path) -> tuple[float, float, float, int]:
    """Parse `files` on a fresh local cluster of `processes` workers: (seconds of the jobs,
    seconds the load's client took to connect, CPU seconds of the workers, failed parses)."""
    root = scratch / f"archive-{processes}-{len(files)}"
    shas = [BlobStore(root).put(data) for data in files]
    os.environ["HARVESTER_OCR_CACHE"] = str(root / "ocr-cache")  # cold: the workers inherit it
    scheduler, address = start_scheduler(scratch)
    workers = start_workers(address, root, processes, f"bench{processes}", scratch)
    try:
        connecting = time.perf_counter()
        with Client(address, set_as_default=False) as client:
            connected = time.perf_counter() - connecting
            client.wait_for_workers(processes, timeout=300)
            cpu = TreeCPU(workers.pid)
            cpu.start()
            started = time.perf_counter()
            results = list(ClusterParsing(address, client=client).blobs(root, shas))
            seconds = time.perf_counter() - started
            worker_cpu = cpu.stop()
    finally:
        workers.terminate()
        workers.wait(timeout=60)
        scheduler.terminate()
        scheduler.wait(timeout=60)
    assert len(results) == len(set(shas)), "every job answered once"
    return seconds, connected, worker_cpu, sum(result.kind == "error" for result in results)


BASELINE_PAGES = 4  # pages each plain process reads


def _read_all(images: list[PageImage]) -> None:
    """In a plain OCR process: read every page, one thread."""
    for number, image in enumerate(images, 1):
        read_page(image, number, 1)


def bare_ocr_rate(scan: bytes, processes: int) -> float:
    """Pages/s of `processes` plain processes each reading the scan's first pages at once."""
    source = PageSource("pdf", scan)
    images = [source.load(index) for index in range(min(BASELINE_PAGES, pages(scan)))]
    load_models()  # one-thread sessions: safe to fork, inherited by every process below
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        pool.map(_read_all, [images] * processes)
    return processes * len(images) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2,4", help="worker counts to try")
    parser.add_argument("--copies", type=int, default=3, help="copies of the text documents")
    parser.add_argument("--scans", type=int, default=4, help="scanned reports to OCR")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of every worker count; medians compared")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    texts, scanned = text_documents(args.copies), scans(args.scans)
    ocr_pages = sum(pages(data) for data in scanned)
    print(f"{len(texts)} text documents, {len(scanned)} scans ({ocr_pages} OCR pages); {describe()};"
          f" load average {os.getloadavg()[0]:.1f} at start", flush=True)
    print(f"{'workers':>7}{'docs/s':>9}{'scaling':>9}{'OCR pages/s':>13}{'scaling':>9}"
          f"{'worker CPU s/page':>19}{'failed':>8}{'connect s':>11}")
    rounds: dict[int, list[tuple[float, float]]] = {processes: [] for processes in counts}
    for _ in range(args.repeat):  # each round tries every count: all see the same machine
        with tempfile.TemporaryDirectory() as folder:
            for processes in counts:
                text_s, text_connect, _, text_failed = run(texts, processes, Path(folder))
                ocr_s, ocr_connect, ocr_cpu, ocr_failed = run(scanned, processes, Path(folder))
                rounds[processes].append((len(texts) / text_s, ocr_pages / ocr_s))
                docs, ocr = rounds[processes][-1]
                first_docs, first_ocr = rounds[counts[0]][-1]
                print(f"{processes:>7}{docs:>9.2f}{docs / first_docs:>8.2f}x{ocr:>13.3f}{ocr / first_ocr:>8.2f}x"
                      f"{ocr_cpu / ocr_pages:>19.2f}{text_failed + ocr_failed:>8}{max(text_connect, ocr_connect):>11.2f}"
                      f"   load {os.getloadavg()[0]:.1f}", flush=True)
    rates = {processes: (statistics.median(d for d, _ in found), statistics.median(o for _, o in found))
             for processes, found in rounds.items()}
    if args.repeat > 1:
        print(f"median of {args.repeat}: " + ", ".join(
            f"{n} workers {d:.2f} docs/s ({d / rates[counts[0]][0]:.2f}x), {o:.3f} OCR pages/s"
            f" ({o / rates[counts[0]][1]:.2f}x)" for n, (d, o) in rates.items()))
    bare = {processes: bare_ocr_rate(scanned[0], processes) for processes in counts}
    print("bare baseline, plain OCR processes (no Dask, no parse): "
          + ", ".join(f"{n}: {rate:.3f} pages/s ({rate / bare[counts[0]]:.2f}x)" for n, rate in bare.items()))
    print(f"load average {os.getloadavg()[0]:.1f} at end")
    docs, ocr = rates[counts[0]]
    per_worker = (BACKFILL_REPORTS / (docs / counts[0]) + BACKFILL_OCR_PAGES / (ocr / counts[0])) / DAY_S
    print(f"national backfill ({BACKFILL_REPORTS:,} reports, {BACKFILL_OCR_PAGES:,} OCR pages) in a day at the"
          f" {counts[0]}-worker rate per worker: {per_worker:.0f} workers (cores)")


if __name__ == "__main__":
    main()
