"""DOC speed, side by side in one run: one soffice start per file (old) vs the pool of listeners.

    .venv/bin/python benchmarks/doc_bench.py [--copies 8] [--workers 2] [--old-files 10]

Both modes parse archived copies of the seed reports' .doc as `harvester load` does
(parse_archived: one forked child a document, `--workers` at a time); the old mode is
$HARVESTER_UNOSERVER=off on the first `--old-files`. Printed per mode: wall seconds and DOC/s,
CPU seconds per DOC of every process involved (this one, its parse children, soffice and
unoserver) and of the listeners alone, and the inverse of the first, DOC/s per free core: on a
loaded machine the wall figures shrink with the share of the cores one gets, the CPU figures
much less. The pool's start-up (its listeners start as the first documents need them) is timed
apart. Every document must be read through LibreOffice ("markup") with all its seed's facts;
the count of those that were not is printed. Then where a DOC's time goes, one seed after
another in this process: the conversion (the listener's call) and the rest of the parse (DOCX
reading and interpretation).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from harvester.archive.store import BlobStore
from harvester.db.isolation import parse_archived
from harvester.parse import parse_bytes
from harvester.parse.carriers.doc import DOCX_FILTER
from harvester.parse.converter import UNOSERVER_ENV, Pool, convert, listeners, shared_listener
from harvester.parse.listener_guard import group_stats
from machine import describe

REPORTS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "reports"
TICKS = os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    """CPU seconds of this process and of the children it has reaped (parse children, with the
    one-shot soffice runs they reaped)."""
    return sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))


def pool_cpu(pool: Pool | None) -> float:
    """CPU seconds the pool's running listeners (guard, unoserver, soffice) have used so far."""
    listening = listeners(pool) if pool else []
    return sum((int(fields[11]) + int(fields[12])) / TICKS
               for listener in listening for fields in group_stats(listener.pid).values())


def parse_all(root: Path, shas: list[str], seeds: dict[str, Path], workers: int,
              pool: Pool | None) -> tuple[float, float, float, int]:
    """(wall seconds, CPU seconds of this process and its children, of the listeners, documents
    not read fully through LibreOffice)."""
    wall, cpu, listening, wrong = time.perf_counter(), own_cpu(), pool_cpu(pool), 0
    for result in parse_archived(root, shas, workers):
        facts = json.loads((seeds[result.path].parent / "expected.json").read_text())["facts"]
        wrong += result.method != "markup" or any(result.facts.get(k) != v for k, v in facts.items())
    return time.perf_counter() - wall, own_cpu() - cpu, pool_cpu(pool) - listening, wrong


def show(label: str, count: int, measured: tuple[float, float, float, int]) -> None:
    wall, parsing, listening, wrong = measured
    print(f"{label:<34}{count:>5}{wall:>8.1f}{count / wall:>8.2f}{(parsing + listening) / count:>11.3f}"
          f"{listening / count:>11.3f}{count / (parsing + listening):>12.1f}{wrong:>7}   load {os.getloadavg()[0]:.1f}")


@contextmanager
def unoserver_off():
    chosen = os.environ.get(UNOSERVER_ENV)
    os.environ[UNOSERVER_ENV] = "off"
    try:
        yield
    finally:
        os.environ.pop(UNOSERVER_ENV) if chosen is None else os.environ.update({UNOSERVER_ENV: chosen})


def profile(seeds: list[Path]) -> None:
    """Wall seconds a DOC spends converting (the listener's call) and in the rest of its parse
    (the DOCX read and interpreted), one seed after another in this process."""
    converting = reading = 0.0
    for path in seeds:
        started = time.perf_counter()
        docx = convert(path.read_bytes(), ".doc", "docx", DOCX_FILTER)
        converted = time.perf_counter()
        parse_bytes(docx, path.with_suffix(".docx").name)
        converting, reading = converting + converted - started, reading + time.perf_counter() - converted
    print(f"one DOC, {len(seeds)} seeds one after another: converting {converting / len(seeds):.3f} s wall, "
          f"reading the DOCX and interpreting it {reading / len(seeds):.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=8, help="times each seed .doc is in the list")
    parser.add_argument("--workers", type=int, default=2, help="parse workers (and listeners)")
    parser.add_argument("--old-files", type=int, default=10, help="files parsed one soffice per file")
    args = parser.parse_args()
    seeds = sorted(REPORTS.glob("*/*.doc"))
    with tempfile.TemporaryDirectory(prefix="doc_bench_") as tmp:
        root = Path(tmp)
        by_sha = {BlobStore(root).put(path.read_bytes()): path for path in seeds}
        shas = list(by_sha) * args.copies
        print(f"{len(shas)} DOC files, {args.workers} workers; {describe()}; "
              f"load average {os.getloadavg()[0]:.1f} at start")
        print(f"{'mode':<34}{'docs':>5}{'wall s':>8}{'DOC/s':>8}{'CPU s/DOC':>11}{'listeners':>11}"
              f"{'DOC/s/core':>12}{'wrong':>7}")
        old = shas[:args.old_files]
        with unoserver_off():
            show("one soffice per file", len(old), parse_all(root, old, by_sha, args.workers, None))
        first, rest = shas[:args.workers], shas[args.workers:]
        with shared_listener(args.workers) as pool:
            show(f"pool: start-up + {len(first)} DOC", len(first), parse_all(root, first, by_sha, args.workers, pool))
            show(f"pool of {len(listeners(pool))}: after start-up", len(rest),
                 parse_all(root, rest, by_sha, args.workers, pool))
            profile(seeds)


if __name__ == "__main__":
    main()
