"""The operate tables in archive.db: run lock, scheduled run summaries, source health, alerts.

They live in the archive (not in harvester.db) because they are history that cannot be
rebuilt from fetched bytes; `harvester load` output is derived, so health is copied into
harvester.db after each load for Datasette (see harvester.operate.publish).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ARCHIVE_DB = "archive.db"
BUSY_TIMEOUT_S = 30

SCHEMA = """
CREATE TABLE IF NOT EXISTS schedule_lock (
    name TEXT PRIMARY KEY, run_id TEXT NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL,
    started_at TEXT NOT NULL, heartbeat TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS scheduled_runs (
    run_id TEXT PRIMARY KEY, started_at TEXT NOT NULL, ended_at TEXT, status TEXT NOT NULL,
    sources_due INTEGER, sources_tried INTEGER, sources_failed INTEGER,
    new INTEGER, changed INTEGER, unchanged INTEGER, not_modified INTEGER,
    failed INTEGER, blocked INTEGER, reports_found INTEGER, documents_parsed INTEGER,
    reports_loaded INTEGER, alerts INTEGER, errors TEXT, crawl_run_ids TEXT
);
CREATE TABLE IF NOT EXISTS source_health (
    run_id TEXT NOT NULL, site TEXT NOT NULL, crawl_run_id TEXT, checked_at TEXT NOT NULL,
    status TEXT NOT NULL, reports_found INTEGER, previous_reports INTEGER,
    list_pages INTEGER, list_errors INTEGER, blocked INTEGER, failed INTEGER,
    parse_failures INTEGER, detail TEXT,
    PRIMARY KEY (run_id, site)
);
CREATE INDEX IF NOT EXISTS source_health_site ON source_health(site, checked_at);
CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, site TEXT, rule TEXT NOT NULL,
    message TEXT NOT NULL, raised_at TEXT NOT NULL, delivered TEXT
);
"""


def iso(moment: datetime) -> str:
    """A datetime as ISO-8601 UTC with seconds, e.g. 2026-02-01T03:00:00Z (naive = UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    """The inverse of iso() (also reads the fetch log's millisecond timestamps)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def connect(root: Path) -> sqlite3.Connection:
    """A connection to <root>/archive.db with the operate tables (WAL, waits for other writers)."""
    root.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(root / ARCHIVE_DB, isolation_level=None, timeout=BUSY_TIMEOUT_S)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(SCHEMA)
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT: read-decide-write without another process in between."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def insert(conn: sqlite3.Connection, table: str, row: dict[str, Any]) -> None:
    """Insert or replace one row; lists and dicts are stored as JSON."""
    values = [json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v for v in row.values()]
    conn.execute(
        f"INSERT OR REPLACE INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", values
    )
