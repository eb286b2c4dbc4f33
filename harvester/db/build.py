"""The published database's tables, views and codebook (harvester.db).

Every table has a primary key made from the data itself (registry id, url + sha256,
agency + year, key), so loading the same archive twice writes the same rows.
"""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from harvester.config import Layout
from harvester.db import facet_counts, money, search, wide
from harvester.schema import KEYS

TABLES: dict[str, tuple[dict[str, type | str], tuple[str, ...]]] = {
    # table: (columns, primary key); referenced tables come first.
    "codebook": ({
        "key": str, "table_name": str, "label": str, "description": str, "unit": str,
        "layout": str,
    }, ("key",)),
    "agencies": ({
        "id": str, "name": str, "province": str, "city": str, "county": str, "level": str,
        "site": str, "portal_url": str, "source": str, "division": str,
    }, ("id",)),
    "documents": ({
        "id": str, "url": str, "sha256": str, "site": str, "kind": str, "title": str,
        "link_text": str, "referer": str, "referer_link_text": str, "size": int, "content_type": str,
        "first_seen": str, "last_seen": str, "archived_path": str, "warc_file": str,
        "warc_offset": int, "carrier": str, "method": str, "parse_status": str,
        "parser_version": str, "agency": str, "agency_source": str, "year": int,
        "year_source": str, "n_facts": int, "errors": str, "problem": str,
    }, ("id",)),
    "reports": ({
        "id": str, "agency_id": str, "agency": str, "agency_source": str, "province": str,
        "city": str, "county": str, "level": str, "year": int, "year_source": str,
        "template": str, "parse_status": str, "division": str,
        "parser_version": str, "n_facts": int, "n_checks": int, "n_failed_checks": int,
        "failed_checks": str, "source_document": str, "source_url": str,
        "source_sha256": str, "carrier": str, "method": str, "title": str,
        "n_documents": int,
    }, ("id",)),
    "report_documents": ({
        "report_id": str, "document_id": str, "chosen": int,
    }, ("report_id", "document_id")),
    "facts": ({
        "report_id": str, "key": str, "value": "ANY",  # NUMERIC affinity: ints stay ints
        "raw": str, "unit": str,
        "source_cell": str, "method": str, "table_name": str, "row_key": str,
        "column_key": str, "review": str, "verified": int, "reading": str,
        "normalised": "ANY", "normalised_from": str,  # money in the codebook's unit (db.money)
    }, ("report_id", "key")),
    "checks": ({
        "report_id": str, "check_name": str, "passed": int, "detail": str,
    }, ("report_id", "check_name")),
    "sections": ({
        "report_id": str, "section": str, "heading": str, "text": str,
    }, ("report_id", "section")),
}

FOREIGN_KEYS = {
    "reports": [("agency_id", "agencies", "id"), ("source_document", "documents", "id")],
    "report_documents": [("report_id", "reports", "id"), ("document_id", "documents", "id")],
    "facts": [("report_id", "reports", "id"), ("key", "codebook", "key")],
    "checks": [("report_id", "reports", "id")],
    "sections": [("report_id", "reports", "id")],
}

# Every facet of the Datasette metadata and every canned query's filter has an index, so
# pages stay fast at a national scale (benchmarks/publish_scale_bench.py).
INDEXES = {
    "agencies": [["province"], ["city"], ["level"], ["source"]],
    "documents": [["sha256"], ["site"], ["kind"], ["carrier"], ["parse_status"], ["year"],
                  ["agency_source"], ["year_source"], ["problem"]],
    "reports": [["agency_id", "year"], ["agency", "year"], ["province"], ["city"], ["level"],
                ["year"], ["template"], ["parse_status"]],
    # facts?key=… is read in its page's order (report_id; key is fixed), not sorted whole.
    "facts": [["key", "report_id"], ["table_name"], ["method"], ["unit"], ["review"], ["verified"],
              ["reading"]],
    "checks": [["check_name"], ["passed"]],
    "sections": [["section"], ["heading"]],
    "report_documents": [["document_id"]],
    # Written whole by their own modules (harvester.operate.coverage and publish,
    # harvester.db.divisions), which call index() after.
    # (agency_id, year, status): the coverage chart sums each agency's status from the index alone.
    "coverage": [["status"], ["year"], ["level"], ["province"], ["city"], ["agency_id", "year", "status"]],
    "divisions": [["level"], ["type"], ["province"], ["administered"]],
    "coverage_by_region": [["province"], ["level"], ["year"]],
    "source_health": [["status"], ["site"]],
    "alerts": [["rule"], ["site"]],
    "scheduled_runs": [["status"]],
}

# Indexes of an older harvester that a current one covers (dropped by create_schema).
OBSOLETE_INDEXES = ["idx_facts_key",  # a prefix of idx_facts_key_report_id
                    "idx_coverage_agency_id_year"]  # of idx_coverage_agency_id_year_status


def open_db(root: Path) -> sqlite_utils.Database:
    """Open (creating if needed) the published database under the archive root."""
    db = sqlite_utils.Database(Layout(root).published)
    create_schema(db)
    return db


def create_schema(db: sqlite_utils.Database) -> None:
    """Create missing tables, indexes, wide tables, the search index and the facet counts;
    fill the codebook."""
    added = set()
    for name, (columns, pk) in TABLES.items():
        if not db[name].exists():
            db[name].create(columns, pk=pk if len(pk) > 1 else pk[0],
                            foreign_keys=FOREIGN_KEYS.get(name), not_null=set(pk))
        for column, kind in columns.items():  # a database built by an older harvester
            if column not in db[name].columns_dict:
                db[name].add_column(column, kind)
                added.add((name, column))
    with db.atomic():
        for name in OBSOLETE_INDEXES:
            db.execute(f"DROP INDEX IF EXISTS [{name}]")
        for name in sorted({*INDEXES, *facet_counts.facets()}):
            if db[name].exists():
                index(db, name)
    search.create_index(db.conn)
    wide.create(db)
    if ("facts", "normalised") in added:
        money.backfill(db)
    db["codebook"].upsert_all(
        ({"key": k.key, "table_name": k.table, "label": k.label, "description": k.description,
          "unit": k.unit, "layout": k.layout} for k in KEYS.values()), pk="key")


def index(db: sqlite_utils.Database, table: str) -> None:
    """Give a table its indexes and its facet counts (also after it was written whole)."""
    for columns in INDEXES.get(table, []):
        db[table].create_index(columns, if_not_exists=True)
    if table in facet_counts.facets():
        facet_counts.track(db.conn, table)



# Index entries ANALYZE reads per index: statistics good enough to choose between the
# indexes, in seconds at 10M facts (an unbounded ANALYZE reads every index whole).
ANALYSIS_LIMIT = 2000


def analyze(db: sqlite_utils.Database) -> None:
    """Store the indexes' statistics (sqlite_stat1) for the query planner, after a write: without
    them SQLite picks an index by its shape alone (a filter on a two-value column over a
    selective one)."""
    db.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
    db.execute("ANALYZE")
