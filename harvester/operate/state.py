"""Where the operate tables live, and their timestamps.

The run lock, scheduled run summaries, source health and alerts are tables of archive.db: their
schema is versioned with the fetch log's and their rows are read and written by its owner
(harvester.archive.fetchlog.operating). They live in the archive (not in harvester.db) because
they are history that cannot be rebuilt from fetched bytes; `harvester load` output is derived,
so they are copied into harvester.db after each load for Datasette (harvester.operate.publish).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

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


def open_log(root: Path, read_only: bool = False) -> FetchLog:
    """The archive's fetch log, which holds the operate tables; `read_only` for commands that only look."""
    return FetchLog(Layout(root).fetch_log, read_only=read_only)
