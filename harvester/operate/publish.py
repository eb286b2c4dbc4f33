"""Copy the operate tables into harvester.db after each load, so Datasette shows them with facets.

harvester.db is derived (rebuilt by `harvester load`); these tables are rewritten whole from
archive.db each time, so a fresh harvester.db gets them back on the next run.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import sqlite_utils

from harvester.archive.fetchlog import FetchLog, operating
from harvester.config import Layout
from harvester.db import build
from harvester.operate import coverage


def publish(log: FetchLog, root: Path, today: date) -> int:
    """Rewrite source_health, scheduled_runs, alerts and coverage in <root>/harvester.db; returns coverage rows."""
    db = sqlite_utils.Database(Layout(root).published)
    try:
        with db.atomic():
            for table, copied in operating.published_tables(log).items():
                db[table].drop(ignore=True)
                if copied.rows:
                    db[table].insert_all(copied.rows, pk=copied.pk)
                    build.index(db, table)  # its indexes and facet counts
        rows = coverage.write(db, today)
        build.analyze(db)
        return rows
    finally:
        db.close()
