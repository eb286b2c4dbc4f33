"""The divisions table of harvester.db: every division with its code, the spine agencies, reports
and coverage are placed on (harvester.divisions), and the aliases agency names resolved through."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from harvester.db import build
from harvester.db import build
from harvester.divisions import Division, gazetteer
from harvester.divisions.levels import government_name

COLUMNS = {
    "code": str, "name": str, "type": str, "level": str, "parent": str, "province": str, "city": str,
    "county": str, "government": str, "valid_from": int, "valid_to": int, "successor": str, "administered": int,
}
ALIAS_COLUMNS = {"alias": str, "agency_id": str, "reason": str}


def division_row(division: Division) -> dict[str, Any]:
    """One divisions row."""
    return {
        "code": division.code, "name": division.name, "type": division.type, "level": division.level,
        "parent": division.parent, **gazetteer().path(division), "government": government_name(division),
        "valid_from": division.valid_from, "valid_to": division.valid_to, "successor": division.successor,
        "administered": int(division.administered),
    }


def write(db: sqlite_utils.Database, aliases: list[dict[str, Any]]) -> None:
    """Rewrite the divisions and agency_aliases tables (inside the caller's transaction)."""
    for table, columns, pk, rows in (
            ("divisions", COLUMNS, "code", [division_row(d) for d in gazetteer().divisions]),
            ("agency_aliases", ALIAS_COLUMNS, "alias", aliases)):
        db[table].drop(ignore=True)
        db[table].create(columns, pk=pk)
        db[table].insert_all(rows)
    build.index(db, "divisions")  # its facets' indexes (harvester.db.build.INDEXES)
    db["divisions"].create_index(["parent"])
    build.index(db, "divisions")  # the indexes and facet counts of its facets
