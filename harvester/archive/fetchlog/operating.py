"""The operate tables' rows: run lock, scheduled runs, source health and alerts (harvester.operate).

Their schema is created and migrated with the rest of the fetch log (`OPERATE_SCHEMA`); every
statement on their rows is here, so harvester.operate decides in Python and never speaks SQL.
Rows go in and come out as dicts keyed by column; lists and dicts are stored as JSON.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any, NamedTuple

from harvester.archive.fetchlog import FetchLog

LOCK_HOLDER = ("run_id", "pid", "host", "started_at", "heartbeat")
# What Datasette shows of each operate table (harvester.operate.publish), oldest first.
_PUBLISHED = {
    "source_health": "SELECT * FROM source_health ORDER BY checked_at, site",
    "scheduled_runs": "SELECT * FROM scheduled_runs ORDER BY started_at",
    "alerts": "SELECT * FROM alerts ORDER BY id",
}
# Each site's latest health row.
_LATEST_HEALTH = """
SELECT * FROM source_health h WHERE rowid = (
    SELECT rowid FROM source_health WHERE site = h.site ORDER BY checked_at DESC, rowid DESC LIMIT 1)
ORDER BY site
"""


def _replace(conn: sqlite3.Connection, table: str, row: dict[str, Any]) -> None:
    """Insert or replace one row of an operate table."""
    values = [json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v for v in row.values()]
    conn.execute(f"INSERT OR REPLACE INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", values)


# --- the run lock -----------------------------------------------------------------------

def lock_holder(log: FetchLog, name: str) -> dict[str, Any] | None:
    """The holder of the named lock (LOCK_HOLDER columns), if any."""
    row = log.conn.execute(f"SELECT {', '.join(LOCK_HOLDER)} FROM schedule_lock WHERE name=?", (name,)).fetchone()
    return dict(row) if row else None


def take_lock(log: FetchLog, name: str, holder: dict[str, Any],
              refuse: Callable[[dict[str, Any]], None]) -> dict[str, Any] | None:
    """In one transaction: unless `refuse(current holder)` raises, make `holder` the lock's holder.
    Returns the holder it replaced (or None)."""

    def take(conn: sqlite3.Connection) -> dict[str, Any] | None:
        current = lock_holder(log, name)
        if current is not None:
            refuse(current)
        _replace(conn, "schedule_lock", {"name": name, **holder})
        return current

    return log.transaction(take)


def beat_lock(log: FetchLog, name: str, run_id: str, heartbeat: str) -> None:
    """Refresh the heartbeat of the lock if `run_id` still holds it."""
    log.conn.execute("UPDATE schedule_lock SET heartbeat=? WHERE name=? AND run_id=?", (heartbeat, name, run_id))


def release_lock(log: FetchLog, name: str, run_id: str) -> None:
    """Drop the lock if `run_id` still holds it."""
    log.conn.execute("DELETE FROM schedule_lock WHERE name=? AND run_id=?", (name, run_id))


# --- scheduled runs ---------------------------------------------------------------------

def save_scheduled_run(log: FetchLog, row: dict[str, Any]) -> None:
    """Write (or rewrite) a scheduled run's summary row."""
    _replace(log.conn, "scheduled_runs", row)


def close_scheduled_run(log: FetchLog, run_id: str, status: str, ended_at: str) -> None:
    """Give a scheduled run that never finished its status (ended_at kept if it has one)."""
    log.conn.execute("UPDATE scheduled_runs SET status = ?, ended_at = coalesce(ended_at, ?) WHERE run_id = ?",
                     (status, ended_at, run_id))


def recent_scheduled_runs(log: FetchLog, limit: int) -> list[sqlite3.Row]:
    """The latest scheduled runs, newest first."""
    return log.conn.execute("SELECT * FROM scheduled_runs ORDER BY started_at DESC LIMIT ?", (limit,)).fetchall()


# --- source health ----------------------------------------------------------------------

def save_health(log: FetchLog, row: dict[str, Any]) -> None:
    """Store one source_health row (one per scheduled run and site)."""
    _replace(log.conn, "source_health", row)


def previous_health(log: FetchLog, site: str, run_id: str) -> tuple[int, str] | None:
    """(reports_found, status) of the site's latest health row from a run other than `run_id`."""
    row = log.conn.execute(
        "SELECT reports_found, status FROM source_health WHERE site = ? AND run_id != ?"
        " ORDER BY checked_at DESC, rowid DESC LIMIT 1", (site, run_id)).fetchone()
    return tuple(row) if row else None


def latest_health(log: FetchLog) -> list[sqlite3.Row]:
    """Each site's most recent health row, by site."""
    return log.conn.execute(_LATEST_HEALTH).fetchall()


def last_checked(log: FetchLog) -> dict[str, str]:
    """When each site's health was last checked (what the scheduler's due rule reads)."""
    return dict(log.conn.execute("SELECT site, max(checked_at) FROM source_health GROUP BY site").fetchall())


# --- alerts -----------------------------------------------------------------------------

def save_alert(log: FetchLog, row: dict[str, Any]) -> None:
    """Store one raised alert with its delivery results."""
    _replace(log.conn, "alerts", row)


def recent_alerts(log: FetchLog, limit: int) -> list[sqlite3.Row]:
    """The latest alerts, newest first."""
    return log.conn.execute("SELECT * FROM alerts ORDER BY id DESC LIMIT ?", (limit,)).fetchall()


class Published(NamedTuple):
    """One operate table as Datasette shows it: its primary key (a column, or a tuple of them) and rows."""

    pk: str | tuple[str, ...]
    rows: list[dict[str, Any]]


def published_tables(log: FetchLog) -> dict[str, Published]:
    """The operate tables Datasette shows, by name: primary key and every row, oldest first."""
    return {table: Published(_primary_key(log, table), [dict(row) for row in log.conn.execute(query)])
            for table, query in _PUBLISHED.items()}


def _primary_key(log: FetchLog, table: str) -> str | tuple[str, ...]:
    """A table's primary key column, or its columns in key order."""
    key = [row["name"] for row in sorted(log.conn.execute(f"PRAGMA table_info({table})"), key=lambda r: r["pk"])
           if row["pk"]]
    return key[0] if len(key) == 1 else tuple(key)
