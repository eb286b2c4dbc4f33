"""Parse and OCR throughput on a local Dask cluster with 1, 2 and 4 parse workers, and the scaling factor.

    .venv/bin/python benchmarks/cluster_bench.py [--workers 1,2,4] [--copies 3] [--scans 2]

Two job sets, each run with every worker count on a fresh scheduler and an empty OCR cache:
text documents (every seed's HTML, DOCX and PDF, `--copies` times with a distinct trailing byte
so each copy is a file of its own) and scanned reports (`--scans` image-only PDFs, every page
OCR'd; a document is one job, its pages read one after another on one worker, so OCR scales
across documents: give at least as many scans as workers). Times are from the first job submitted to the last result back at the load (workers
already up and the load's client connected: an operator's load connects once for the whole
archive, so its connection time, printed apart, is left out of the rates; models loaded per
OCR'd document as in `harvester load`). Ends with the workers a
national backfill (700,000 reports, 420,000 OCR pages) needs to finish in a day at the measured
rates. The load average is printed: other work on the machine slows every figure.

Beside OCR pages/s, the CPU seconds a page took in the workers (their processes and every OCR
child, sampled every 0.1 s): when it grows with the number of workers, the cores slow each other
down (shared caches, memory bandwidth, SMT siblings on a virtual machine), which no scheduling
can win back; when it stays flat and pages/s does not scale, the time is lost outside the pages.
"""

from __future__ import annotations

import argparse
import io
import os
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2,4", help="worker counts to try")
    parser.add_argument("--copies", type=int, default=3, help="copies of the text documents")
    parser.add_argument("--scans", type=int, default=4,
                        help="scanned reports to OCR (one job each: at least as many as workers, or some idle)")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    texts, scanned = text_documents(args.copies), scans(args.scans)
    ocr_pages = sum(pages(data) for data in scanned)
    print(f"{len(texts)} text documents, {len(scanned)} scans ({ocr_pages} OCR pages); {os.cpu_count()} cores,"
          f" load average {os.getloadavg()[0]:.1f} at start", flush=True)
    print(f"{'workers':>7}{'docs/s':>9}{'scaling':>9}{'OCR pages/s':>13}{'scaling':>9}"
          f"{'worker CPU s/page':>19}{'failed':>8}{'connect s':>11}")
    rates = {}
    with tempfile.TemporaryDirectory() as folder:
        for processes in counts:
            text_s, text_connect, _, text_failed = run(texts, processes, Path(folder))
            ocr_s, ocr_connect, ocr_cpu, ocr_failed = run(scanned, processes, Path(folder))
            rates[processes] = (len(texts) / text_s, ocr_pages / ocr_s)
            docs, ocr = rates[processes]
            first_docs, first_ocr = rates[counts[0]]
            print(f"{processes:>7}{docs:>9.2f}{docs / first_docs:>8.2f}x{ocr:>13.3f}{ocr / first_ocr:>8.2f}x"
                  f"{ocr_cpu / ocr_pages:>19.2f}{text_failed + ocr_failed:>8}{max(text_connect, ocr_connect):>11.2f}"
                  f"   load {os.getloadavg()[0]:.1f}", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} at end")
    docs, ocr = rates[counts[0]]
    per_worker = (BACKFILL_REPORTS / (docs / counts[0]) + BACKFILL_OCR_PAGES / (ocr / counts[0])) / DAY_S
    print(f"national backfill ({BACKFILL_REPORTS:,} reports, {BACKFILL_OCR_PAGES:,} OCR pages) in a day at the"
          f" {counts[0]}-worker rate per worker: {per_worker:.0f} workers (cores)")


if __name__ == "__main__":
    main()
