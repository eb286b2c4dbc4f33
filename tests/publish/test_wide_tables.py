"""The wide tables are real indexed tables, one row per report, equal to the facts pivoted
(money in the codebook's unit).

At a national scale (1M facts) a view pivoting the facts, or a facet over an unindexed
column, runs past Datasette's time limit; these tests check the structure that keeps
every page fast (the timings are benchmarks/publish_scale_bench.py's, never a test's).
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from pathlib import Path

import yaml

from harvester.config import Layout
from harvester.db.datasette import METADATA
from harvester.db.money import MONEY_UNITS
from harvester.schema import KEYS

WIDE = {f"{table}_wide": table for table in ("table2", "table3", "table4")}
REPORT_COLUMNS = ("agency_id", "agency", "province", "city", "county", "level", "year", "template")


def connect(root: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(Layout(root).published)
    conn.row_factory = sqlite3.Row
    return conn


def leading_index_columns(conn: sqlite3.Connection, table: str) -> set[str]:
    """Columns that lead some index of `table` (an index usable to filter or count by them)."""
    leading = set()
    for index in conn.execute(f"PRAGMA index_list([{table}])"):
        columns = [c["name"] for c in conn.execute(f"PRAGMA index_info([{index['name']}])")]
        leading.add(columns[0])
    return leading


def test_wide_tables_are_tables_indexed_by_every_report_column(loaded_archive: Path) -> None:
    conn = connect(loaded_archive)
    kinds = dict(conn.execute("SELECT name, type FROM sqlite_master WHERE name LIKE '%_wide'"))
    assert kinds == {name: "table" for name in WIDE}
    for name in WIDE:
        missing = set(REPORT_COLUMNS) - leading_index_columns(conn, name) - {"county"}
        assert not missing, f"{name}: no index for {sorted(missing)}"


def test_every_facet_has_an_index(loaded_archive: Path) -> None:
    conn = connect(loaded_archive)
    tables = yaml.safe_load(METADATA.read_text(encoding="utf-8"))["databases"]["harvester"]["tables"]
    stored = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    checked = 0
    for table, meta in tables.items():
        if table not in stored or table == "codebook":  # codebook: a few hundred rows, fixed
            continue
        facets = [f for f in meta.get("facets", []) if isinstance(f, str)]  # array facets: json_each
        missing = set(facets) - leading_index_columns(conn, table)
        assert not missing, f"{table}: facets without an index {sorted(missing)}"
        checked += len(facets)
    assert checked > 20


def test_wide_rows_equal_the_facts_pivoted(loaded_archive: Path) -> None:
    conn = connect(loaded_archive)
    reports = {r["id"]: dict(r) for r in conn.execute("SELECT * FROM reports")}
    pivot: dict[tuple[str, str], dict] = defaultdict(dict)
    for fact in conn.execute("SELECT report_id, table_name, key, value, normalised FROM facts"):
        money = KEYS[fact["key"]].unit in MONEY_UNITS  # money in the codebook's unit
        pivot[(fact["table_name"], fact["report_id"])][fact["key"]] = fact["normalised" if money else "value"]
    assert reports and pivot
    for name, table in WIDE.items():
        rows = {r["report_id"]: dict(r) for r in conn.execute(f"SELECT * FROM [{name}]")}
        assert rows.keys() == reports.keys(), name  # one row per report, none other
        keys = [k for k, spec in KEYS.items() if spec.table == table]
        for rid, row in rows.items():
            expected = {"report_id": rid, **{c: reports[rid][c] for c in REPORT_COLUMNS},
                        **{k: pivot[(table, rid)].get(k) for k in keys}}
            assert row == expected, (name, rid)
    assert any(pivot[("table3", rid)] for rid in reports)


# The outcome shares as first written, over the long facts (read every table-3 fact: ~1 s at 1M).
OUTCOME_SHARES_OVER_FACTS = """
SELECT r.agency, r.year, t.value AS handled,
  round(100.0 * sum(CASE WHEN f.row_key = 'result.granted' THEN f.value END) / t.value, 1),
  round(100.0 * sum(CASE WHEN f.row_key = 'result.partial' THEN f.value END) / t.value, 1),
  round(100.0 * sum(CASE WHEN f.row_key LIKE 'result.denied.%' THEN f.value END) / t.value, 1),
  round(100.0 * sum(CASE WHEN f.row_key LIKE 'result.unable.%' THEN f.value END) / t.value, 1),
  round(100.0 * sum(CASE WHEN f.row_key LIKE 'result.not_processed.%' THEN f.value END) / t.value, 1),
  round(100.0 * sum(CASE WHEN f.row_key LIKE 'result.other.%' THEN f.value END) / t.value, 1)
FROM reports r
JOIN facts t ON t.report_id = r.id AND t.key = 'result.total.total' AND t.value > 0
JOIN facts f ON f.report_id = r.id AND f.column_key = 'total' AND f.table_name = 'table3'
GROUP BY r.id ORDER BY r.agency, r.year
"""


def test_canned_queries_read_the_wide_tables_not_the_facts(server, loaded_archive: Path) -> None:
    import httpx

    metadata = httpx.get(f"{server}/-/metadata.json", timeout=30).json()
    queries = metadata["databases"]["harvester"]["queries"]
    for name in ("requests_by_agency_year", "outcome_shares", "reviews_and_lawsuits"):
        assert "facts" not in queries[name]["sql"].replace("_wide", ""), name
    served = httpx.get(f"{server}/harvester/outcome_shares.json", params={"_shape": "arrays"},
                       timeout=30).json()["rows"]
    conn = sqlite3.connect(Layout(loaded_archive).published)
    expected = [list(row) for row in conn.execute(OUTCOME_SHARES_OVER_FACTS)]
    assert expected and served == expected
