"""The operate tables in archive.db: run lock, scheduled run summaries, source health, alerts.

Their schema is created and migrated with the fetch log's (harvester.archive.fetchlog).

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

from harvester.archive.fetchlog import FetchLog
from harvester.config import Layout


def iso(moment: datetime) -> str:
    """A datetime as ISO-8601 UTC with seconds, e.g. 2026-02-01T03:00:00Z (naive = UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    """The inverse of iso() (also reads the fetch log's millisecond timestamps)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def open_log(root: Path) -> FetchLog:
    """The archive's fetch log, whose schema (versioned there) holds the operate tables."""
    return FetchLog(Layout(root).fetch_log)


def connect(root: Path) -> sqlite3.Connection:
    """A connection to the archive's fetch log, for the operate tables."""
    return open_log(root).conn


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
