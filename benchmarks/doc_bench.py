"""DOC speed, side by side in one run: one soffice start per file (old) vs the long-lived listener.

    .venv/bin/python benchmarks/doc_bench.py [--copies 4]

Both modes parse the same list (the seed reports' .doc, each `--copies` times) with
parse_bytes in this process; the old mode is $HARVESTER_UNOSERVER=off. Printed per mode:
wall seconds and DOC/s, and CPU seconds per DOC of every process involved (this one, soffice
and unoserver), whose inverse is DOC/s per free core: on a loaded machine the wall figures
shrink with the share of the cores one gets, the CPU figures much less. The listener's
start-up (once per run) is timed apart. Every document must be read through LibreOffice
("markup") with all its seed's facts; the count of those that were not is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path

from harvester.parse import parse_bytes
from harvester.parse.converter import UNOSERVER_ENV, recorded, shared_listener

REPORTS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "reports"
TICKS = os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    """CPU seconds of this process and of the children it has reaped (one-shot soffice runs)."""
    return sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))


def group_cpu(group: int) -> float:
    """CPU seconds the running processes of a process group have used so far."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        if int(fields[2]) == group:
            total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def listener_cpu(folder: Path | None) -> float:
    """CPU seconds of the folder's listener (unoserver and the soffice it started) so far."""
    listener = recorded(folder) if folder else None
    return group_cpu(listener.pid) if listener else 0.0


def parse_all(files: list[Path], folder: Path | None) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, documents not read fully through LibreOffice)."""
    wall, cpu, wrong = time.perf_counter(), own_cpu() + listener_cpu(folder), 0
    for path in files:
        result = parse_bytes(path.read_bytes(), path.name)
        facts = json.loads((path.parent / "expected.json").read_text())["facts"]
        wrong += result.method != "markup" or any(result.facts.get(k) != v for k, v in facts.items())
    return time.perf_counter() - wall, own_cpu() + listener_cpu(folder) - cpu, wrong


def show(label: str, files: list[Path], measured: tuple[float, float, int]) -> None:
    wall, cpu, wrong = measured
    print(f"{label:<30}{len(files):>5}{wall:>8.1f}{len(files) / wall:>8.2f}{cpu / len(files):>11.3f}"
          f"{len(files) / cpu:>12.1f}{wrong:>7}   load {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=4, help="times each seed .doc is in the list")
    args = parser.parse_args()
    files = sorted(REPORTS.glob("*/*.doc")) * args.copies
    print(f"{len(files)} DOC files, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    print(f"{'mode':<30}{'docs':>5}{'wall s':>8}{'DOC/s':>8}{'CPU s/DOC':>11}{'DOC/s/core':>12}{'wrong':>7}")
    chosen = os.environ.get(UNOSERVER_ENV)
    os.environ[UNOSERVER_ENV] = "off"
    show("one soffice per file", files, parse_all(files, None))
    os.environ.pop(UNOSERVER_ENV) if chosen is None else os.environ.update({UNOSERVER_ENV: chosen})
    with shared_listener() as folder:
        show("listener: start-up + 1st DOC", files[:1], parse_all(files[:1], folder))
        show("listener: after start-up", files[1:], parse_all(files[1:], folder))


if __name__ == "__main__":
    main()
