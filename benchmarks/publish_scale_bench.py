"""Publish at national scale: p95 of every page a researcher opens, on a database of N facts.

    .venv/bin/python benchmarks/publish_scale_bench.py [--facts 1000000] [--repeat 100]
        [--demo DIR] [--work DIR [--built]]

Builds the demo archive (`harvester demo --no-serve`, or takes an archive already loaded
with --demo), copies its harvester.db and replicates its reports (with their agencies,
documents, facts, checks, sections, wide rows and search index rows, ids and names suffixed
~n) until it holds N facts. The copies are written directly by SQL (a load would parse the
same files again: hours at 10M), with the indexes and facet counts dropped first and made
again by `create_schema`, as a load of a new database makes them. Then it serves the copy
with `harvester serve --allow-sql` and times every page over HTTP: each table with its
default facets, a facet value clicked, every canned query, the searches, a report's row
page, a CSV page, the home page's charts' data, beside a bare `select * from facts limit 100`
(the baseline: what Datasette itself costs on this machine now), with each page's p95 over
the baseline's and the server's mean CPU a request.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from urllib.parse import quote

import httpx
import sqlite_utils
from datasette.utils import tilde_encode

from harvester.config import Layout
from harvester.db import facet_counts, search
from harvester.db.build import analyze, create_schema
from harvester.db.datasette import build_metadata
from harvester.operate import coverage

# Per table: the columns whose copies get the suffix "~n" (ids, and names that are facets).
WIDE_COLUMNS = ("report_id", "agency_id", "agency")
REPLICATED = {
    "agencies": ("id", "name"),
    "documents": ("id",),
    "reports": ("id", "agency_id", "agency", "source_document"),
    "report_documents": ("report_id", "document_id"),
    "facts": ("report_id",),
    "checks": ("report_id",),
    "sections": ("report_id",),
    "table2_wide": WIDE_COLUMNS, "table3_wide": WIDE_COLUMNS, "table4_wide": WIDE_COLUMNS,
}
# A copy's section is indexed with the tokens of the section it copies (the same text).
COPY_SEARCH_INDEX = f"""
INSERT INTO {search.FTS_TABLE} (rowid, chars, pairs)
SELECT c.rowid, f.chars, f.pairs FROM sections c
JOIN sections o ON o.report_id = substr(c.report_id, 1, instr(c.report_id, '~') - 1)
  AND o.section = c.section
JOIN {search.FTS_TABLE} f ON f.rowid = o.rowid
WHERE c.report_id LIKE '%~%'"""
BASELINE = "/harvester?sql=select+*+from+facts+limit+100"
SEARCH_WORDS = ("公", "复议", "政府信息")
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
    db = sqlite_utils.Database(Layout(target).published)
    create_schema(db)  # the demo's database as this harvester writes it
    conn = db.conn
    indexes = _drop_indexes(conn)
    copies = math.ceil(facts / conn.execute("SELECT count(*) FROM facts").fetchone()[0]) - 1
    conn.execute(f"CREATE TEMP TABLE copies AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL"
                 f" SELECT i + 1 FROM n WHERE i < {copies}) SELECT i FROM n")
    with conn:
        for table, suffixed in REPLICATED.items():
            info = conn.execute(f"PRAGMA table_info([{table}])").fetchall()
            values = ", ".join(f"[{c}] || '~' || i" if c in suffixed else f"[{c}]"
                               for _, c, *_ in info)
            # In primary-key order: its index is written page after page, not at random
            # (at 10M facts an index far larger than the cache).
            order = ", ".join(str(cid + 1) for cid, *_, pk in sorted(info, key=lambda r: r[-1]) if pk)
            conn.execute(f"INSERT INTO [{table}] SELECT {values} FROM copies, [{table}]"
                         f" WHERE [{info[0][1]}] NOT LIKE '%~%' ORDER BY {order}")
        conn.execute(COPY_SEARCH_INDEX)
    create_schema(db)  # indexes and facet counts, made as for a new database
    coverage.write(db, date.today())  # of every agency, as a load writes it
    analyze(db)  # the planner's statistics, as a load leaves them
    assert _index_names(conn) == indexes, "the copy lacks indexes the original has"
    db.close()
    return copies


def _drop_indexes(conn: sqlite3.Connection) -> set[str]:
    """Drop the indexes of the replicated tables (create_schema makes them) and the facet
    counts (bulk writes go faster without them); returns every index name."""
    names = _index_names(conn)
    facet_counts.untrack(conn)
    for name in _index_names(conn, REPLICATED):
        conn.execute(f"DROP INDEX [{name}]")
    conn.execute("PRAGMA cache_size = -1000000")  # 1 GB: the primary keys of 10M facts
    # A throw-away copy: no rollback journal, no fsync (a crash leaves a copy to build again).
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    return names


def _index_names(conn: sqlite3.Connection, tables: Iterable[str] | None = None) -> set[str]:
    """The indexes made by SQL (of `tables`, else of every table)."""
    rows = conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
    return {name for name, table in rows if tables is None or table in tables}


def pages(conn: sqlite3.Connection) -> dict[str, str]:
    """Name -> path of every page a researcher opens, after the baseline."""
    metadata = build_metadata()
    database = metadata["databases"]["harvester"]
    out = {"baseline: select * from facts limit 100": BASELINE}
    out |= {t: f"/harvester/{t}" for t, meta in database["tables"].items()
            if not meta.get("hidden")
            and conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [t]).fetchone()}
    for name in database["queries"]:
        arguments = "&".join(f"{k}={v}" for k, v in CANNED_ARGUMENTS.get(name, {}).items())
        out[f"query {name}"] = f"/harvester/{name}?{arguments}"
    year, rid = conn.execute("SELECT year, id FROM reports ORDER BY id LIMIT 1").fetchone()
    out |= {f"query search {word}": f"/harvester/search?q={word}" for word in SEARCH_WORDS}
    out |= {
        "query outcome_shares page 2": "/harvester/outcome_shares?page=2",
        "table3_wide by year": f"/harvester/table3_wide?year={year}",
        "facts by key": "/harvester/facts?key=apply.new.total",
        "facts csv page": "/harvester/facts.csv",
        "sections ?_search=公开": "/harvester/sections?_search=公开",
        "reports ?_search=复议": "/harvester/reports?_search=复议",
        "report page": f"/harvester/reports/{tilde_encode(rid)}",
        "home": "/", "database": "/harvester",
    }
    # The home page's charts, each fetched as datasette-dashboards fetches it.
    charts = metadata["plugins"]["datasette-dashboards"]["harvester"]["charts"]
    out |= {f"chart {name}": f"/harvester.json?sql={quote(chart['query'])}&_shape=objects"
            for name, chart in charts.items()}
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def time_pages(root: Path, paths: dict[str, str], repeat: int) -> None:
    """Serve `root` and print status, p50 and p95 (ms) of each page over `repeat` requests, its
    p95 over the baseline's (the first page), and the server's mean CPU a request (what a loaded
    machine changes least)."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "harvester", "serve", "--archive", str(root),
                               "--port", str(port), "--allow-sql"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            _wait_until_served(client, server)
            print(f"{'page':<42}{'status':>7}{'p50 ms':>9}{'p95 ms':>9}{'p95/base':>10}{'CPU ms':>8}")
            baseline = None
            for name, path in paths.items():
                client.get(path, follow_redirects=True)  # warm-up, not timed
                times, status, cpu = [], None, _cpu_seconds(server.pid)
                for _ in range(repeat):
                    began = time.perf_counter()
                    status = client.get(path, follow_redirects=True).status_code
                    times.append((time.perf_counter() - began) * 1000)
                cpu = (_cpu_seconds(server.pid) - cpu) * 1000 / repeat
                p95 = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
                baseline = baseline or p95
                print(f"{name:<42}{status:>7}{statistics.median(times):>9.0f}{p95:>9.0f}"
                      f"{p95 / baseline:>10.1f}{cpu:>8.0f}", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds a process has used (/proc/PID/stat, in clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_until_served(client: httpx.Client, server: subprocess.Popen) -> None:
    """Wait for the server's first answer (Datasette counts every table on it)."""
    while server.poll() is None:
        try:
            client.get("/-/versions.json")
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("harvester serve exited")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--facts", type=int, default=1_000_000)
    # 100 requests a page: of 20, the p95 is in effect the slowest but one, and one full collection of
    # Python's garbage (~150 ms freeing the reference cycles Datasette leaves with each page, one in ~200
    # requests) on whichever page it falls decided it.
    parser.add_argument("--repeat", type=int, default=100, help="requests timed per page")
    parser.add_argument("--demo", type=Path, help="an archive already loaded (default: run the demo)")
    parser.add_argument("--work", type=Path, help="where to build (default: a temporary folder)")
    parser.add_argument("--built", action="store_true",
                        help="time the copy built before under --work again (no build)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="publish-scale-") as scratch:
        work = args.work or Path(scratch)
        if not args.built:
            build(args.demo or demo_archive(work), work / "scaled", args.facts)
        conn = sqlite3.connect(Layout(work / "scaled").published)
        facts, reports = (conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                          for t in ("facts", "reports"))
        size = Layout(work / "scaled").published.stat().st_size
        print(f"{facts} facts, {reports} reports, {size / 1e6:.0f} MB; load average"
              f" {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
        time_pages(work / "scaled", pages(conn), args.repeat)
        conn.close()


def build(source: Path, target: Path, facts: int) -> None:
    """Replicate `source` into `target` to about `facts` facts, saying how long it took."""
    began, cpu = time.perf_counter(), time.process_time()
    copies = replicate(source, target, facts)
    print(f"{copies} copies of the demo built in {time.perf_counter() - began:.0f} s"
          f" ({time.process_time() - cpu:.0f} s CPU)")


if __name__ == "__main__":
    main()
