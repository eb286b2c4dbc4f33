"""Damaged SQLite files: what the archive can make again is set aside and made again, the rest refused.

The published database and the parse cache hold only what a load makes from the archive, so when
SQLite finds one damaged (not a database, a malformed image: bad disk, a copy cut short, a crash of
the machine) it is renamed aside — kept for a post-mortem, never deleted — and the load runs again
without it, saying so. The fetch log is not one of them: it is the archive's record, and a damaged one
is refused with its path (harvester.archive.fetchlog.DamagedFetchLog) and left as it was.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

# The SQLite result codes of a file that is not, or no longer, a sound database.
DAMAGE_CODES = frozenset({"SQLITE_NOTADB", "SQLITE_CORRUPT"})
SIDE_FILES = ("-wal", "-shm", "-journal")


def is_damage(error: sqlite3.DatabaseError) -> bool:
    """Whether SQLite raised `error` because a file is damaged (not for a lock, a full disk, a bug)."""
    return getattr(error, "sqlite_errorname", None) in DAMAGE_CODES


def damage_found(path: Path, thorough: bool = False) -> str | None:
    """Why SQLite finds the file at `path` damaged, or None (also when there is no file): its schema read
    (cheap), or with `thorough` every page checked (PRAGMA quick_check: reads the whole file)."""
    if not path.exists():
        return None
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            if not thorough:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                return None
            verdict = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
            return None if verdict == "ok" else verdict
    except sqlite3.DatabaseError as error:
        if is_damage(error):
            return str(error)
        raise


def set_aside(path: Path, why: str) -> str:
    """Rename the damaged file (and its -wal, -shm, -journal) to <name>.damaged-<UTC time>; say so."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    path.rename(aside)
    for suffix in SIDE_FILES:
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(aside.with_name(aside.name + suffix))
    return f"{path.name} was damaged ({why}): set aside as {aside.name} and built again from the archive"
