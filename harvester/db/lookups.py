"""What the operating layer asks of the published database (harvester.db), answered here so the
SQL on the tables `harvester load` builds has one owner: harvester/db."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import sqlite_utils

PARSE_FAILURES = ("error", "unreadable", "no_year")  # the parse_status of a document the parser could not read


def open_read_only(published: Path) -> sqlite3.Connection:
    """The published database, opened so that nothing can write it."""
    return sqlite3.connect(f"file:{published}?mode=ro", uri=True)


def unread_documents(published: Path) -> set[tuple[str, str]]:
    """(url, sha256) of every document the parser could not read; the database is opened read-only."""
    conn = open_read_only(published)
    try:
        rows = conn.execute(
            f"SELECT url, sha256 FROM documents WHERE parse_status IN ({','.join('?' * len(PARSE_FAILURES))})",
            PARSE_FAILURES)
        return {(url, sha256) for url, sha256 in rows}
    finally:
        conn.close()


def reports_with_agency(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every report's id, agency and year, with the agency's level and division."""
    return list(db.query("SELECT r.id, r.agency_id, r.year, a.level, a.division FROM reports r"
                         " JOIN agencies a ON a.id = r.agency_id"))


def agencies(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every agency with its level and place, by id."""
    return list(db.query("SELECT id, name, level, division, province, city, county FROM agencies ORDER BY id"))
