"""Pages stay small however many reports there are: canned queries page their rows, table
pages hold a bounded number of cells, and the benchmark's replicated database is built right.

Measured at 1M facts: a canned query rendered up to 1,000 rows (outcome_shares, coverage,
reviews_and_lawsuits: 0.4-0.9 s) and table3_wide 20 rows of 191 columns (0.7 s), nearly all
of it Datasette rendering cells. The timings are the benchmark's
(benchmarks/publish_scale_bench.py); these tests check what bounds them, on the seed
reports replicated by the benchmark's own code to a few hundred reports.
"""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path

import httpx
import pytest
import yaml

from harvester.config import Layout
from harvester.db import datasette_plugin, search
from harvester.db.datasette import (CELLS_PER_PAGE, METADATA, MIN_PAGE_ROWS, QUERY_PAGE_ROWS,
                                    build_metadata, outcome_shares_sql)
from publish.helpers import REPO, serve
from publish.test_facet_counts import assert_stored_counts_exact

ARGUMENTS = {"search": {"q": "公开"}, "requests_by_agency_year": {"agency": ""}}


def benchmark():
    spec = importlib.util.spec_from_file_location(
        "publish_scale_bench", REPO / "benchmarks" / "publish_scale_bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def scaled(loaded_archive: Path, tmp_path_factory: pytest.TempPathFactory):
    """The seed reports replicated (as the benchmark does) past a few pages, and served."""
    root = tmp_path_factory.mktemp("scaled")
    facts = sqlite3.connect(Layout(loaded_archive).published).execute(
        "SELECT count(*) FROM facts").fetchone()[0]
    benchmark().replicate(loaded_archive, root, facts * 40)
    with serve(root) as base:
        yield root, base


def unpaged_queries() -> dict[str, str]:
    """Each canned query's SQL as written, without the page."""
    queries = yaml.safe_load(METADATA.read_text(encoding="utf-8"))["databases"]["harvester"]["queries"]
    return {name: outcome_shares_sql() if name == "outcome_shares" else query["sql"]
            for name, query in queries.items()}


def test_canned_queries_show_one_page_and_every_row_on_some_page(scaled) -> None:
    root, base = scaled
    conn = sqlite3.connect(Layout(root).published)
    datasette_plugin.prepare_connection(conn)
    longer_than_a_page = 0
    for name, sql in unpaged_queries().items():
        expected = [list(row) for row in conn.execute(sql, ARGUMENTS.get(name, {}))]
        served, page = [], 1
        while True:
            rows = httpx.get(f"{base}/harvester/{name}.json", timeout=60, params={
                **ARGUMENTS.get(name, {}), "page": page, "_shape": "arrays"}).json()["rows"]
            assert len(rows) <= QUERY_PAGE_ROWS, name
            if not rows:
                break
            served += rows
            page += 1
        assert served == expected, name
        longer_than_a_page += len(expected) > QUERY_PAGE_ROWS
    assert longer_than_a_page >= 4


def test_table_pages_hold_a_bounded_number_of_cells(scaled) -> None:
    root, base = scaled
    conn = sqlite3.connect(Layout(root).published)
    tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                         " AND name NOT LIKE 'sections_fts%'")]
    full_pages = 0
    for table in tables:
        page = httpx.get(f"{base}/harvester/{table}.json", timeout=60).json()
        cells = len(page["rows"]) * len(page["columns"])
        assert cells <= max(CELLS_PER_PAGE, MIN_PAGE_ROWS * len(page["columns"])), table
        full_pages += page["next"] is not None
    assert full_pages >= 6  # reports, documents, facts, checks, sections, the wide tables


def test_the_replicated_database_is_built_as_a_load_builds_it(scaled, loaded_archive) -> None:
    root, _ = scaled
    conn = sqlite3.connect(Layout(root).published)
    original = sqlite3.connect(Layout(loaded_archive).published)
    assert assert_stored_counts_exact(conn) > 50
    for table in ("reports", "facts", "sections", "table3_wide"):
        (copies,) = conn.execute(f"SELECT count(*) FROM [{table}]").fetchone()
        assert copies == 40 * original.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]
    # Every copy of a section is found by the search index exactly where its text has the word.
    found = conn.execute("SELECT count(*) FROM sections_fts WHERE sections_fts MATCH ?",
                         [search.match_expression("复议")]).fetchone()[0]
    assert found == conn.execute("SELECT count(*) FROM sections WHERE instr(text, '复议')").fetchone()[0] >= 40


def test_every_chart_gets_all_its_rows(scaled) -> None:
    root, base = scaled
    charts = build_metadata()["plugins"]["datasette-dashboards"]["harvester"]["charts"]
    conn = sqlite3.connect(Layout(root).published)
    for name, chart in charts.items():
        data = httpx.get(f"{base}/harvester.json", params={"sql": chart["query"]}, timeout=60).json()
        assert not data["truncated"] and (data["rows"] or name == "failed-checks"), name
    # The agency heat map: the agencies missing the most years, each with all its years.
    cells = httpx.get(f"{base}/harvester.json", timeout=60, params={
        "sql": charts["coverage"]["query"], "_shape": "arrays"}).json()["rows"]
    years = conn.execute("SELECT count(DISTINCT year) FROM coverage").fetchone()[0]
    shown = {agency for agency, _, _ in cells}
    assert len(cells) == len(shown) * years and len(shown) == 1000 // years
    missing = dict(conn.execute(
        "SELECT agency, sum(status = 'missing_after_deadline') FROM coverage"
        " WHERE agency_id IN (SELECT agency_id FROM reports) GROUP BY agency_id").fetchall())
    assert len(missing) > len(shown)
    assert min(missing[a] for a in shown) >= max(m for a, m in missing.items() if a not in shown)


def test_every_chart_reads_each_table_once(scaled) -> None:
    """The charts' data are sums over every report: at 10M facts outcome-shares took 229 ms of
    CPU, six scans of table3_wide (one a kind of outcome), reviews-and-lawsuits three of table4_wide."""
    root, _ = scaled
    conn = sqlite3.connect(Layout(root).published)
    charts = build_metadata()["plugins"]["datasette-dashboards"]["harvester"]["charts"]
    scanned = 0
    for name, chart in charts.items():
        plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {chart['query']}")]
        scans = [step.split()[1] for step in plan if step.startswith("SCAN ") and "_wide" in step]
        assert len(scans) == len(set(scans)), (name, plan)
        scanned += len(scans)
    assert scanned >= 4  # requests by year and by province, outcome shares, reviews and lawsuits


def test_the_coverage_chart_finds_the_agencies_missing_most_from_an_index(scaled) -> None:
    """It sums every agency's missing years (at 10M facts 172 ms of CPU, most of it reading each
    coverage row for its status; then 40 of 163 ms counting the years through a sort)."""
    root, _ = scaled
    conn = sqlite3.connect(Layout(root).published)
    query = build_metadata()["plugins"]["datasette-dashboards"]["harvester"]["charts"]["coverage"]["query"]
    plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {query}")]
    assert any(step.startswith("SEARCH coverage USING COVERING INDEX") for step in plan), plan
    assert not any("TEMP B-TREE FOR count(DISTINCT)" in step for step in plan), plan
