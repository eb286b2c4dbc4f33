"""Filtered table pages read a bounded number of rows, through indexes, and say what they bound.

Measured at 10M facts (benchmarks/publish_scale_bench.py): `facts?key=…` 1.8 s,
`sections?_search=公开` 1.4 s, `reports?_search=复议` 1.4 s a page: each counted every
matching row, faceted them all and sorted them all for one page. Here the seed reports,
replicated 40 times by the benchmark's own code, are served with bounds small enough to be
crossed (filtered_rows, faceted_rows of the metadata's `harvester` plugin config), and with
Datasette's SQL trace on, so every query a page ran is planned again with EXPLAIN.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import sys
from pathlib import Path

import httpx
import pytest

from harvester.config import Layout
from harvester.db import datasette_plugin, search
from harvester.db.datasette import build_metadata, datasette_args
from publish.helpers import free_port, served
from publish.test_scaled_pages import benchmark

COPIES = 40
BOUND, FACETED = 100, 50  # filtered_rows, faceted_rows
# Datasette with the harvester plugins (registered as `harvester serve` registers them).
RUN_DATASETTE = ("import sys; from harvester.db.plugins import register_plugins; register_plugins();"
                 " from datasette.cli import cli; cli.main(args=sys.argv[1:], prog_name='datasette')")
# The filters the benchmark times, and one of a few rows.
FILTERED = {"facts by key": ("facts", {"key": "apply.new.total"}),
            "sections ?_search=公开": ("sections", {"_search": "公开"}),
            "reports ?_search=复议": ("reports", {"_search": "复议"}),
            "table3_wide by year": ("table3_wide", {"year": 2024})}
BIG_TABLES = ("facts", "sections", "reports", "table3_wide", "checks")


@pytest.fixture(scope="module")
def traced(loaded_archive: Path, tmp_path_factory: pytest.TempPathFactory):
    """The seed reports replicated COPIES times, served with small bounds and SQL traces."""
    root = tmp_path_factory.mktemp("filtered")
    facts = sqlite3.connect(Layout(loaded_archive).published).execute(
        "SELECT count(*) FROM facts").fetchone()[0]
    benchmark().replicate(loaded_archive, root, facts * COPIES)
    metadata = build_metadata()
    metadata["plugins"]["harvester"] = {"filtered_rows": BOUND, "faceted_rows": FACETED}
    (root / "metadata.json").write_text(json.dumps(metadata, ensure_ascii=False), encoding="utf-8")
    port = free_port()
    args = datasette_args(root, root / "metadata.json", "127.0.0.1", port, allow_sql=True)
    with served([sys.executable, "-c", RUN_DATASETTE, *args, "--setting", "trace_debug", "1"],
                port) as base:
        yield sqlite3.connect(Layout(root).published), base


def page(base: str, path: str, **params) -> dict:
    response = httpx.get(base + path, params=params, timeout=60)
    assert response.status_code == 200, response.text[:300]
    return response.json()


def test_a_load_leaves_statistics_for_the_query_planner(loaded_archive: Path) -> None:
    conn = sqlite3.connect(Layout(loaded_archive).published)
    analysed = {table for (table,) in conn.execute("SELECT DISTINCT tbl FROM sqlite_stat1")}
    assert {"facts", "reports", "sections", "checks", "table3_wide"} <= analysed


@pytest.mark.parametrize("name", FILTERED)
def test_no_query_of_a_filtered_page_scans_a_whole_table(traced, name: str) -> None:
    conn, base = traced
    datasette_plugin.prepare_connection(conn)
    table, arguments = FILTERED[name]
    # A short page: Datasette's tracer never ends a response of over 256 KB.
    traced_page = page(base, f"/harvester/{table}.json", **arguments, _size=10, _trace=1)
    traces = [t for t in traced_page["_trace"]["traces"] if t.get("sql")]
    planned = 0
    for trace in traces:
        sql, params = trace["sql"], trace["params"] or {}
        if not re.search(r"\bfrom\s+\[?(" + "|".join(BIG_TABLES) + r")\b", sql, re.I):
            continue
        plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
        planned += 1
        whole = [step for step in plan if re.fullmatch(rf"SCAN ({'|'.join(BIG_TABLES)})", step)]
        assert not whole, (sql, plan)
        if sql.startswith("select") and " limit " in sql and "count(*)" not in sql:
            # The page itself: its rows read in the page's order, not all sorted first.
            assert "USE TEMP B-TREE FOR ORDER BY" not in plan or "_search" in name, (sql, plan)
    assert planned >= 2  # the page and its count at least


def test_a_filtered_page_counts_up_to_the_bound_and_says_more_than_it(traced) -> None:
    conn, base = traced
    matching = conn.execute("SELECT count(*) FROM facts WHERE table_name = 'table3'").fetchone()[0]
    assert matching > BOUND
    assert page(base, "/harvester/facts.json", table_name="table3")["filtered_table_rows_count"] == BOUND + 1
    html = httpx.get(f"{base}/harvester/facts", params={"table_name": "table3"}, timeout=60).text
    assert f"more than {BOUND:,} rows" in html
    # Under the bound the count is exact; a whole table's count is never bounded.
    report, few = one_report_table4(conn)
    assert page(base, "/harvester/facts.json", report_id=report, table_name="table4")[
        "filtered_table_rows_count"] == few
    (every,) = conn.execute("SELECT count(*) FROM facts").fetchone()
    assert page(base, "/harvester/facts.json")["filtered_table_rows_count"] == every > BOUND
    # SQL typed by a user counts every row.
    counted = page(base, "/harvester.json", sql="select count(*) from facts where table_name = 'table3'",
                   _shape="arrays")["rows"]
    assert counted == [[matching]]


def one_report_table4(conn: sqlite3.Connection) -> tuple[str, int]:
    """A report and its number of table-4 facts (fewer than the bound)."""
    report, few = conn.execute("SELECT report_id, count(*) FROM facts WHERE table_name = 'table4'"
                               " GROUP BY report_id ORDER BY report_id LIMIT 1").fetchone()
    assert 0 < few <= BOUND
    return report, few


def test_facets_of_a_filtered_page_are_counted_only_over_few_rows(traced) -> None:
    conn, base = traced
    report, rows = one_report_table4(conn)
    assert rows <= FACETED
    few = page(base, "/harvester/facts.json", report_id=report, table_name="table4")
    expected = dict(conn.execute("SELECT method, count(*) FROM facts WHERE report_id = ? AND"
                                 " table_name = 'table4' GROUP BY method", [report]).fetchall())
    assert {r["value"]: r["count"] for r in few["facet_results"]["method"]["results"]} == expected
    assert not page(base, "/harvester/facts.json", table_name="table3")["facet_results"]
    html = httpx.get(f"{base}/harvester/facts", params={"table_name": "table3"}, timeout=60).text
    assert re.search(r"These facets timed out: [^<]*\bmethod\b[^<]*\bverified\b", html)


def test_a_search_reads_at_most_the_bound_of_matching_sections_and_says_so(traced) -> None:
    conn, base = traced
    assert len(search.search_sections(conn, "公开")) > BOUND
    first = page(base, "/harvester/sections.json", _search="公开", _shape="objects", _size="max")
    assert first["filtered_table_rows_count"] == len(first["rows"]) == BOUND
    assert f"in the first {BOUND:,} matching sections" in first["human_description_en"]
    assert all("公开" in row["text"] for row in first["rows"])
    # Fewer matches than the bound: all of them, counted exactly, nothing said.
    few = conn.execute("SELECT count(DISTINCT report_id) FROM sections WHERE instr(text, '复议')").fetchone()[0]
    assert 0 < len(search.search_sections(conn, "复议")) <= BOUND
    reports = page(base, "/harvester/reports.json", _search="复议")
    assert reports["filtered_table_rows_count"] == few
    assert "in the first" not in reports["human_description_en"]


def test_a_csv_export_of_a_search_holds_every_matching_section(traced) -> None:
    """The bound keeps a page fast; an analyst's export must not lose rows to it silently."""
    conn, base = traced
    matching = len(search.search_sections(conn, "公开"))
    assert matching > BOUND
    response = httpx.get(f"{base}/harvester/sections.csv", params={"_search": "公开", "_stream": "on",
                                                                    "_size": "max"}, timeout=120)
    assert response.status_code == 200, response.text[:300]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == matching and all("公开" in row["text"] for row in rows)
