"""How the archive is served: Datasette's metadata and its read-only command line.

Read-only by design: the database is opened immutable (-i), the database file cannot be
downloaded, there are no write endpoints (Datasette 0.65 has none without write canned
queries, and we define none) and the only file route serves archived blobs by digest.
Arbitrary SQL (and `?_where=`) is off unless `allow_sql` is set: the canned queries,
facets, `?_zh=` search and CSV exports cover the questions researchers ask, and a public
instance should not run unbounded SQL for strangers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from markupsafe import escape

from harvester.config import Layout
from harvester.db.wide import REPORT_COLUMNS, WIDE_TABLES, default_columns
from harvester.db.wide_columns import ALL_COLUMNS
from harvester.parse.model import CELL_STATUSES
from harvester.schema import KEYS

# Package data; the plugin (harvester.db.datasette_plugin) is a Datasette entry-point plugin.
METADATA = Path(__file__).resolve().parent / "datasette_metadata.yaml"
# The home page with its charts and the page of a report (Datasette looks here first).
TEMPLATES = Path(__file__).resolve().parent / "templates"
SETTINGS = {
    "allow_download": "off",
    "allow_csv_stream": "on",  # CSV of a whole table, not one page
    "sql_time_limit_ms": "3000",
    "default_page_size": "100",
    "suggest_facets": "off",  # 190-column wide views: suggestions cost seconds per page
}
# Facet kind -> the facet type it is served as (counted at load: harvester.db.counted_facets).
COUNTED_TYPES = {"column": "counted", "array": "counted_array"}


def build_metadata() -> dict[str, Any]:
    """datasette_metadata.yaml plus what code owns: every wide-table column's description
    (from the codebook), the cell statuses of facts.reading (from CELL_STATUSES), the
    outcome_shares query and chart (over the codebook's table-3 columns), every canned query
    paged, every table's page size (by its columns), and every default facet served as
    counted at load (harvester.db.counted_facets)."""
    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    tables = metadata["databases"]["harvester"]["tables"]
    for table, facets in default_facets(metadata).items():
        tables[table]["facets"] = [{COUNTED_TYPES[kind]: column} for kind, column in facets]
    report_columns = tables["reports"]["columns"]
    tables["facts"]["columns"]["reading"] = (
        "How the value was established (empty when the parse does not say) — "
        + "; ".join(f"{status}: {meaning}" for status, meaning in CELL_STATUSES.items()))
    queries = metadata["databases"]["harvester"]["queries"]
    queries["outcome_shares"]["sql"] = outcome_shares_sql()
    for query in queries.values():
        query["sql"] = paged(query["sql"])
        query["description"] += f" {QUERY_PAGE_ROWS} rows a page: page=2, 3, … for the next."
    charts = metadata["plugins"]["datasette-dashboards"]["harvester"]["charts"]
    charts["outcome-shares"]["query"] = outcomes_by_year_sql()
    for table in WIDE_TABLES:
        columns = tables.setdefault(f"{table}_wide", {}).setdefault("columns", {})
        columns["report_id"] = "Report (see reports)"
        columns.update({c: report_columns[c] for c in REPORT_COLUMNS})
        for key, spec in KEYS.items():
            if spec.table == table:
                columns[key] = f"{spec.description} [{spec.unit}; layout {spec.layout}]"
        if shown := default_columns(f"{table}_wide"):  # harvester.db.wide_columns
            meta = tables[f"{table}_wide"]
            meta["description_html"] = (
                f"{escape(meta['description'])} This page shows {len(shown)} of its"
                f" {len(columns)} columns, each row's totals: <a href=\"?{ALL_COLUMNS}\">all"
                f" columns</a> (JSON and CSV of the table hold them all).")
    for meta in tables.values():
        meta.setdefault("size", page_size(len(meta.get("columns", {}))))
    return metadata


# Datasette spends most of a table page rendering its cells (~50 µs a cell on a loaded
# 2-core machine): a page holds about as many cells as 100 rows of facts (13 columns).
CELLS_PER_PAGE = 1500
MIN_PAGE_ROWS = 10


def page_size(columns: int) -> int:
    """Rows a table page shows, by its number of columns."""
    return max(MIN_PAGE_ROWS, min(int(SETTINGS["default_page_size"]), CELLS_PER_PAGE // max(columns, 1)))


def default_facets(metadata: dict[str, Any] | None = None) -> dict[str, list[tuple[str, str]]]:
    """Table -> its default facets as (kind: column or array, column), from the metadata."""
    metadata = metadata or yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    out = {}
    for table, meta in metadata["databases"]["harvester"]["tables"].items():
        facets = [("column", f) if isinstance(f, str) else next(iter(f.items()))
                  for f in meta.get("facets", [])]
        if facets:
            out[table] = facets
    return out


OUTCOMES = ("granted", "partial", "denied", "unable", "not_processed", "other")
HANDLED = "result.total.total"


def outcome_keys(outcome: str) -> list[str]:
    """The totals-column keys of one outcome of table 3 (its sub-rows, or the row itself)."""
    return [k for k in KEYS if k.startswith(f"result.{outcome}.") and k.endswith(".total")]


def outcomes_by_year_sql() -> str:
    """The outcome-shares chart: requests per year and outcome (totals column, table3_wide),
    summed in one reading of the table (a reading an outcome took 229 ms of CPU at 10M facts)."""
    sums = ",\n  ".join(
        f"sum({' + '.join(f'coalesce([{k}], 0)' for k in outcome_keys(outcome))}) AS [{outcome}]"
        for outcome in OUTCOMES)
    return (f"WITH sums AS (SELECT year,\n  {sums}\nFROM table3_wide GROUP BY year)\n"
            + "\nUNION ALL ".join(f"SELECT year, '{outcome}' AS outcome, [{outcome}] AS requests"
                                  f" FROM sums" for outcome in OUTCOMES)
            + "\nORDER BY year, outcome")


def outcome_shares_sql() -> str:
    """The outcome_shares query: each outcome's share of handled requests (totals column),
    summed over the outcome's table3_wide columns (one row a report, no facts read)."""
    shares = []
    for outcome in OUTCOMES:
        keys = outcome_keys(outcome)
        values = " UNION ALL SELECT ".join([f"[{keys[0]}] AS v", *(f"[{k}]" for k in keys[1:])])
        shares.append(f"round(100.0 * (SELECT sum(v) FROM (SELECT {values}))"
                      f" / [{HANDLED}], 1) AS {outcome}_pct")
    return (f"SELECT agency, year, [{HANDLED}] AS handled,\n  " + ",\n  ".join(shares)
            + f"\nFROM table3_wide WHERE [{HANDLED}] > 0 ORDER BY agency, year, report_id")


# A canned query shows one page: Datasette renders every row a query returns (up to 1,000,
# over 300 ms of HTML each time), and a query ordered by an index stops reading at the page.
QUERY_PAGE_ROWS = 100


def paged(sql: str) -> str:
    """A canned query's SQL (ending in its ORDER BY) limited to the page named by :page (1 first)."""
    return (f"{sql.rstrip()}\nLIMIT {QUERY_PAGE_ROWS}"
            f" OFFSET {QUERY_PAGE_ROWS} * (max(CAST(:page AS INTEGER), 1) - 1)")


def write_metadata(path: Path) -> Path:
    """Write the served metadata as JSON to `path`."""
    path.write_text(json.dumps(build_metadata(), ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def datasette_args(root: Path, metadata: Path, host: str, port: int,
                   allow_sql: bool = False) -> list[str]:
    """Arguments of `datasette serve` for the archive under `root`."""
    args = ["serve", "-i", str(Layout(root).published), "--metadata", str(metadata),
            "--template-dir", str(TEMPLATES), "--host", host, "--port", str(port)]
    settings = {**SETTINGS, "default_allow_sql": "on" if allow_sql else "off"}
    for name, value in settings.items():
        args += ["--setting", name, value]
    return args
