"""Sniff and extract one file under a memory cap; print the outcome (and the peak RSS) as JSON.

    python tests/parse/bounded_extract.py <path> <carrier|-> [memory_mb]
"""

from __future__ import annotations

import importlib
import json
import resource
import sys
from pathlib import Path


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
    outcome["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps(outcome, ensure_ascii=False))


if __name__ == "__main__":
    main()
