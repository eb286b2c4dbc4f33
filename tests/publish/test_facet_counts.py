"""A whole table's default facets and row count are served from counts kept at load.

At 1M facts the seven default facets of `facts` took 1.75 s a page: each one read the
whole table. Now they are counted as rows are written (harvester/db/facet_counts.py) and
the page reads the counts; these tests check the numbers equal a direct SQL count on real
loaded databases (also after writes of every kind) and that the page no longer reads the
table to count (the SQL Datasette ran, from its trace).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import httpx
import pytest

from harvester.archive.fetchlog import FetchLog
from harvester.config import Layout
from harvester.db import facet_counts
from harvester.db.datasette import build_metadata
from harvester.db.load import load
from harvester.operate.publish import publish
from publish.helpers import SEEDS, archive_files, free_port, seed_archive_files, site_of
from publish.test_wide_tables import leading_index_columns

SERVE_WITH_TRACE = """
import sys
from pathlib import Path
from datasette.cli import cli
from harvester.db.datasette import datasette_args, write_metadata
from harvester.db.plugins import register_plugins
register_plugins()
metadata = write_metadata(Path(sys.argv[2]) / "metadata.json")
args = datasette_args(Path(sys.argv[1]), metadata, "127.0.0.1", int(sys.argv[3]))
cli.main(args=args + ["--setting", "trace_debug", "1"], prog_name="datasette", standalone_mode=False)
"""


def direct_counts(conn: sqlite3.Connection, table: str, kind: str, column: str,
                  where: str = "") -> list[tuple]:
    """(value, count) as Datasette's facet SQL orders them, counted straight from the table."""
    if kind == "column":
        sql = (f"SELECT [{column}], count(*) AS n FROM [{table}] WHERE [{column}] IS NOT NULL"
               f" {where} GROUP BY 1")
    else:
        sql = (f"SELECT value, count(*) AS n FROM (SELECT DISTINCT t.rowid, j.value FROM [{table}] t,"
               f" json_each(t.[{column}]) j WHERE 1 {where}) GROUP BY 1")
    return [tuple(r) for r in conn.execute(f"{sql} ORDER BY n DESC, 1")]


def served_counts(facet: dict) -> list[tuple]:
    return [(r["value"], r["count"]) for r in facet["results"]]


def stored_tables(conn: sqlite3.Connection) -> list[str]:
    stored = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return [t for t in facet_counts.facets() if t in stored]


def assert_stored_counts_exact(conn: sqlite3.Connection) -> int:
    """Every kept facet's stored counts equal a direct count; returns the values compared."""
    compared = 0
    for table in stored_tables(conn):
        assert facet_counts.in_sync(conn, table), table
        for kind, column in facet_counts.facets()[table]:
            stored = [tuple(r) for r in facet_counts.top(conn, table, kind, column, 10**9)]
            assert stored == direct_counts(conn, table, kind, column), (table, column)
            compared += len(stored)
    return compared


def test_whole_table_pages_show_exact_facets_and_counts(server, loaded_archive: Path) -> None:
    conn = sqlite3.connect(Layout(loaded_archive).published)
    tables = stored_tables(conn)
    assert {"facts", "reports", "documents", "checks", "sections"} <= set(tables)
    compared = 0
    for table in tables:
        page = httpx.get(f"{server}/harvester/{table}.json", params={"_size": 1}, timeout=30).json()
        assert page["filtered_table_rows_count"] == conn.execute(
            f"SELECT count(*) FROM [{table}]").fetchone()[0], table
        for kind, column in facet_counts.facets()[table]:
            facet = page["facet_results"][column]
            assert facet["type"] == kind
            expected = direct_counts(conn, table, kind, column)
            assert served_counts(facet) == expected[:30], (table, column)
            assert facet["truncated"] == (len(expected) > 30)
            compared += len(facet["results"])
    assert compared > 50


def test_filtered_pages_count_the_filtered_rows(server, loaded_archive: Path) -> None:
    """Facets of a filtered page of at most faceted_rows rows are counted over those rows, exactly
    (a larger one is bounded: tests/publish/test_filtered_pages.py)."""
    conn = sqlite3.connect(Layout(loaded_archive).published)
    faceted = build_metadata()["plugins"]["harvester"]["faceted_rows"]
    year = conn.execute("SELECT max(year) FROM reports").fetchone()[0]
    report = conn.execute("SELECT min(report_id) FROM facts WHERE table_name = 'table4'").fetchone()[0]
    for table, filters in (("facts", {"report_id": report, "table_name": "table4"}), ("reports", {"year": year})):
        page = httpx.get(f"{server}/harvester/{table}.json", params=filters, timeout=30).json()
        where = "".join(f" AND [{column}] = {value!r}" for column, value in filters.items())
        matching = conn.execute(f"SELECT count(*) FROM [{table}] WHERE 1 {where}").fetchone()[0]
        assert page["filtered_table_rows_count"] == matching and 0 < matching <= faceted
        for kind, facet_column in facet_counts.facets()[table]:
            expected = direct_counts(conn, table, kind, facet_column, where)
            assert served_counts(page["facet_results"][facet_column]) == expected[:30]
        assert page["facet_results"]["key" if table == "facts" else "agency"]["results"]


@pytest.fixture(scope="module")
def traced_server(loaded_archive: Path, tmp_path_factory: pytest.TempPathFactory):
    """Datasette on the loaded archive as `harvester serve` runs it, with ?_trace=1 on."""
    port, scratch = free_port(), tmp_path_factory.mktemp("traced")
    process = subprocess.Popen([sys.executable, "-c", SERVE_WITH_TRACE, str(loaded_archive),
                                str(scratch), str(port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{base}/-/versions.json", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None:
                    raise RuntimeError("datasette did not start")
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_whole_table_pages_do_not_read_the_table_to_count(traced_server) -> None:
    for table in ("facts", "reports", "documents", "checks"):
        traces = httpx.get(f"{traced_server}/harvester/{table}.json",
                           params={"_trace": 1}, timeout=30).json()["_trace"]["traces"]
        sqls = [" ".join(t["sql"].lower().split()) for t in traces if t.get("sql")]
        assert any(f"from {table}" in s for s in sqls)  # the page's rows
        counting = [s for s in sqls if "count(*)" in s and f"from {table}" in s]
        assert not counting, (table, counting)


def test_counts_stay_exact_through_loads_and_writes(tmp_path: Path, sites) -> None:
    files = [f for f in seed_archive_files(sites) if f[1].endswith(".html")]
    first = {f"http://127.0.0.1/{seed}/" for seed in SEEDS[:2]}
    archive_files(tmp_path, [f for f in files if any(f[1].startswith(u) for u in first)])
    load(tmp_path, sites, workers=1)
    conn = sqlite3.connect(Layout(tmp_path).published)
    assert assert_stored_counts_exact(conn) > 20
    archive_files(tmp_path, files, run_id="second")  # the other reports, and the same again
    load(tmp_path, sites, workers=1)
    assert assert_stored_counts_exact(conn) > 20
    assert conn.execute("SELECT count(DISTINCT report_id) FROM facts").fetchone()[0] > 2
    with conn:  # writes of every kind, by plain SQL
        conn.execute("UPDATE facts SET review = 'failed_check' WHERE rowid % 3 = 0")
        conn.execute("UPDATE reports SET failed_checks = '[\"a\", \"a\", \"b\"]' WHERE rowid = 1")
        conn.execute("DELETE FROM facts WHERE rowid % 2 = 0")
        conn.execute("DELETE FROM reports WHERE rowid = 2")
    assert assert_stored_counts_exact(conn) > 20


def test_a_table_written_whole_again_is_recounted(loaded_archive: Path, tmp_path: Path) -> None:
    for path in (Layout(loaded_archive).published, Layout(loaded_archive).fetch_log):
        shutil.copy(path, tmp_path / path.name)
    log = FetchLog(Layout(tmp_path).fetch_log)
    try:
        assert publish(log, tmp_path, date(2026, 12, 1)) > 0
        assert publish(log, tmp_path, date(2027, 6, 1)) > 0  # coverage dropped and rewritten
    finally:
        log.close()
    conn = sqlite3.connect(Layout(tmp_path).published)
    conn.row_factory = sqlite3.Row
    assert "coverage" in stored_tables(conn)
    assert assert_stored_counts_exact(conn) > 20
    facets = {column for _, column in facet_counts.facets()["coverage"]}
    assert facets <= leading_index_columns(conn, "coverage")
