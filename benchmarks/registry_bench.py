"""The registry at national scale: every division and N imported portals (default 15,000, as many
as the official list holds), each with one discovered agency; prints seconds for the divisions,
the import, reading the registry back, a load (divisions, agencies, coverage), the coverage
query and `harvester health`.

    .venv/bin/python benchmarks/registry_bench.py [--portals 15000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlite_utils
from click.testing import CliRunner

from harvester.archive.fetchlog import FetchLog
from harvester.cli import main
from harvester.config import Layout
from harvester.db.load import load
from harvester.divisions import gazetteer
from harvester.divisions.sources import all_divisions
from harvester.registry import load_registry
from harvester.websites.official import SiteRecord
from harvester.websites.store import PortalStore


def timed(label: str, work: Callable[[], Any]) -> Any:
    """Run `work`, printing its wall-clock and CPU seconds (the machine may be shared)."""
    start, cpu = time.perf_counter(), time.process_time()
    result = work()
    print(f"{label:<62} {time.perf_counter() - start:7.2f} s wall {time.process_time() - cpu:7.2f} s CPU")
    return result


def portals(n: int) -> list[SiteRecord]:
    """n portals spread over the current divisions, numbered within each."""
    divisions = [d for d in gazetteer().divisions if d.valid_to is None and d.administered]
    return [SiteRecord(f"{divisions[i % len(divisions)].code}{i // len(divisions):04d}", f"网站{i}",
                       f"http://site{i}.example.gov.cn/", f"某单位{i}", "部门网站") for i in range(n)]


def agencies(records: list[SiteRecord]) -> list[dict[str, Any]]:
    return [{"id": f"{r.code}:某局{n}", "name": f"某局{n}", "division": r.division, "level": "department-of-county",
             "portal": r.code, "column_url": r.url} for n, r in enumerate(records)]


def main_bench(n: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        FetchLog(Layout(root).fetch_log).close()
        divisions = timed("divisions: read both sources", all_divisions)
        timed("registry.yaml: load and validate", load_registry)
        records = portals(n)
        store = PortalStore(Layout(root).registry)
        timed(f"import-sites: {n} portals", lambda: store.import_sites(records, ["bench"], 0))
        timed(f"import-sites again (diff against {n})", lambda: store.import_sites(records, ["bench"], 0))
        store.add_agencies(agencies(records), [])
        timed(f"registry: read back {len(store.portals())} portals", store.portals)
        store.close()
        timed(f"load: {len(divisions)} divisions, {n} agencies, coverage", lambda: load(root, [], workers=1))
        db = sqlite_utils.Database(Layout(root).published)
        cells = db["coverage"].count
        timed(f"coverage query: missing governments of a province ({cells} cells)", lambda: db.execute(
            "SELECT agency FROM coverage WHERE province = '江苏省' AND year = 2023"
            " AND status = 'missing_after_deadline'").fetchall())
        timed("harvester health (ten largest holes)",
              lambda: CliRunner().invoke(main, ["health", "--archive", str(root)]))
        db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portals", type=int, default=15000)
    main_bench(parser.parse_args().portals)
