"""Sniff and extract one file under a memory cap; print the outcome (and the peak RSS) as JSON.

    python tests/parse/bounded_extract.py <path> <carrier|-> [memory_mb]
"""

from __future__ import annotations

import importlib
import json
import resource
import sys
from pathlib import Path


def own_peak_rss_mb() -> int:
    """This process's own peak RSS (VmHWM). Not ru_maxrss: Linux carries into it the peak of the process
    this one was forked from (kept across exec), so a child of a big test process reported that
    process's size (703 MB for an 8 MB page that takes 382)."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) // 1024


def main() -> None:
    path, carrier = Path(sys.argv[1]), sys.argv[2]
    memory = int(sys.argv[3]) if len(sys.argv) > 3 else 1500
    resource.setrlimit(resource.RLIMIT_AS, (memory * 1024 * 1024, memory * 1024 * 1024))
    from harvester.parse.errors import UnreadableFile
    from harvester.parse.sniff import sniff

    data = path.read_bytes()
    outcome: dict = {"sniff": sniff(data)}
    if carrier != "-":
        module = importlib.import_module(f"harvester.parse.carriers.{carrier}")
        try:
            extract = module.extract(data)
            outcome.update(errors=extract.errors, blocks=len(extract.blocks),
                           tables=len(extract.tables()), page_notes=extract.page_notes)
        except UnreadableFile as error:
            outcome.update(unreadable=error.message)
    outcome["peak_rss_mb"] = own_peak_rss_mb()
    print(json.dumps(outcome, ensure_ascii=False))


if __name__ == "__main__":
    main()
