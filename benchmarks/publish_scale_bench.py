"""Publish at national scale: p95 of every page a researcher opens, on a database of N facts.

    .venv/bin/python benchmarks/publish_scale_bench.py [--facts 1000000] [--repeat 20]
        [--demo DIR] [--work DIR]

Builds the demo archive (`harvester demo --no-serve`, or takes an archive already loaded
with --demo), copies its harvester.db and replicates its reports (with their agencies,
documents, facts, checks and sections, ids suffixed ~n) until it holds N facts, fills the
wide tables and the search index as a load does, then serves it with `harvester serve` and
times every page over HTTP: each table, its facets, every canned query, search, a report.
"""

from __future__ import annotations

import argparse
import math
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import sqlite_utils
import yaml
from datasette.utils import tilde_encode

from harvester.config import Layout
from harvester.db import search, wide
from harvester.db.build import create_schema
from harvester.db.datasette import METADATA

# Per table: the columns whose copies get the suffix "~n" (ids, and names that are facets).
REPLICATED = {
    "agencies": ("id", "name"),
    "documents": ("id",),
    "reports": ("id", "agency_id", "agency", "source_document"),
    "report_documents": ("report_id", "document_id"),
    "facts": ("report_id",),
    "checks": ("report_id",),
    "sections": ("report_id",),
}
CANNED_ARGUMENTS = {"search": {"q": "复议"}, "requests_by_agency_year": {"agency": "政府"}}


def demo_archive(work: Path) -> Path:
    """The demo crawled and loaded under `work`."""
    root = work / "demo"
    subprocess.run([sys.executable, "-m", "harvester", "demo", "--no-serve", "--archive",
                    str(root), "--portal-port", "0"], check=True, stdout=subprocess.DEVNULL)
    return root


def replicate(source: Path, target: Path, facts: int) -> int:
    """Copy the published database of `source` into `target`, its reports replicated to
    about `facts` facts; returns the number of copies."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(Layout(source).published, Layout(target).published)
    conn = sqlite3.connect(Layout(target).published)
    copies = math.ceil(facts / conn.execute("SELECT count(*) FROM facts").fetchone()[0]) - 1
    conn.execute(f"CREATE TEMP TABLE copies AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL"
                 f" SELECT i + 1 FROM n WHERE i < {copies}) SELECT i FROM n")
    for table, suffixed in REPLICATED.items():
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")]
        values = ", ".join(f"[{c}] || '~' || i" if c in suffixed else f"[{c}]" for c in columns)
        conn.execute(f"INSERT INTO [{table}] SELECT {values} FROM [{table}], copies"
                     f" WHERE [{columns[0]}] NOT LIKE '%~%'")
    for name in wide.NAMES:
        conn.execute(f"DROP TABLE [{name}]")
    conn.commit()
    conn.close()
    db = sqlite_utils.Database(Layout(target).published)
    create_schema(db)  # the wide tables, filled from the facts
    with db.atomic():
        db.execute(f"DELETE FROM {search.FTS_TABLE}")
        search.index_rows(db.conn, db.execute("SELECT rowid, text FROM sections").fetchall())
    db.close()
    return copies


def pages(conn: sqlite3.Connection) -> dict[str, str]:
    """Name -> path of every page a researcher opens."""
    database = yaml.safe_load(METADATA.read_text(encoding="utf-8"))["databases"]["harvester"]
    out = {t: f"/harvester/{t}" for t, meta in database["tables"].items()
           if conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [t]).fetchone()}
    for name in database["queries"]:
        arguments = "&".join(f"{k}={v}" for k, v in CANNED_ARGUMENTS.get(name, {}).items())
        out[f"query {name}"] = f"/harvester/{name}?{arguments}"
    year, rid = conn.execute("SELECT year, id FROM reports ORDER BY id LIMIT 1").fetchone()
    out |= {
        "table3_wide by year": f"/harvester/table3_wide?year={year}",
        "facts by key": "/harvester/facts?key=apply.new.total",
        "facts csv page": "/harvester/facts.csv",
        "sections ?_zh=公开": "/harvester/sections?_zh=公开",
        "reports ?_zh=复议": "/harvester/reports?_zh=复议",
        "report page": f"/harvester/reports/{tilde_encode(rid)}",
        "home": "/", "database": "/harvester",
    }
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def time_pages(root: Path, paths: dict[str, str], repeat: int) -> None:
    """Serve `root` and print status, p50 and p95 (ms) of each page over `repeat` requests."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "harvester", "serve", "--archive", str(root),
                               "--port", str(port)], stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            for _ in range(600):
                try:
                    client.get("/-/versions.json")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            print(f"{'page':<34}{'status':>7}{'p50 ms':>9}{'p95 ms':>9}")
            for name, path in paths.items():
                times, status = [], client.get(path, follow_redirects=True)  # warm-up, not timed
                for _ in range(repeat):
                    began = time.perf_counter()
                    status = client.get(path, follow_redirects=True).status_code
                    times.append((time.perf_counter() - began) * 1000)
                p95 = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
                print(f"{name:<34}{status:>7}{statistics.median(times):>9.0f}{p95:>9.0f}")
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--facts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--demo", type=Path, help="an archive already loaded (default: run the demo)")
    parser.add_argument("--work", type=Path, help="where to build (default: a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="publish-scale-") as scratch:
        work = args.work or Path(scratch)
        source = args.demo or demo_archive(work)
        began = time.perf_counter()
        copies = replicate(source, work / "scaled", args.facts)
        conn = sqlite3.connect(Layout(work / "scaled").published)
        facts, reports = (conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                          for t in ("facts", "reports"))
        size = Layout(work / "scaled").published.stat().st_size
        print(f"{facts} facts, {reports} reports ({copies} copies of the demo), {size / 1e6:.0f} MB,"
              f" built in {time.perf_counter() - began:.0f} s")
        time_pages(work / "scaled", pages(conn), args.repeat)
        conn.close()


if __name__ == "__main__":
    main()
