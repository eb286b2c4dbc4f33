"""Copy the operate tables into harvester.db after each load, so Datasette shows them with facets.

harvester.db is derived (rebuilt by `harvester load`); these tables are rewritten whole from
archive.db each time, so a fresh harvester.db gets them back on the next run.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import sqlite_utils

from harvester.config import Layout
from harvester.db import build
from harvester.operate import coverage

# table -> (query on archive.db, primary key)
COPIED = {
    "source_health": ("SELECT * FROM source_health ORDER BY checked_at, site", ("run_id", "site")),
    "scheduled_runs": ("SELECT * FROM scheduled_runs ORDER BY started_at", ("run_id",)),
    "alerts": ("SELECT * FROM alerts ORDER BY id", ("id",)),
}


def publish(archive: sqlite3.Connection, root: Path, today: date) -> int:
    """Rewrite source_health, scheduled_runs, alerts and coverage in <root>/harvester.db; returns coverage rows."""
    db = sqlite_utils.Database(Layout(root).published)
    try:
        with db.atomic():
            for table, (query, pk) in COPIED.items():
                db[table].drop(ignore=True)
                rows = [dict(row) for row in archive.execute(query)]
                if rows:
                    db[table].insert_all(rows, pk=pk if len(pk) > 1 else pk[0])
            db["coverage"].drop(ignore=True)
            cells = coverage.matrix(db, today) if db["agencies"].exists() and db["reports"].exists() else []
            if cells:
                db["coverage"].insert_all(cells, pk=("agency_id", "year"))
            for table in (*COPIED, "coverage"):  # their indexes and facet counts
                if db[table].exists():
                    build.index(db, table)
    finally:
        db.close()
    return len(cells)
