"""registry.db: the imported government websites, each import's changes, what discovery found on
each portal, and the agencies and aliases discovery created. The only code speaking SQL to it.

An import covers the provinces its site codes fall in (one region's file leaves the others
alone): a site new there is `added`, one whose home page changed `moved`, one listed before but
absent now `vanished` (kept, marked, so its history stays).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from harvester.websites.official import SiteRecord

SCHEMA = """
CREATE TABLE IF NOT EXISTS imports (id INTEGER PRIMARY KEY, imported_at TEXT NOT NULL, files TEXT NOT NULL,
    sites INTEGER NOT NULL, rejected INTEGER NOT NULL, provinces TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS portals (code TEXT PRIMARY KEY, division TEXT NOT NULL, name TEXT NOT NULL,
    url TEXT NOT NULL, host TEXT, kind TEXT, listed INTEGER NOT NULL DEFAULT 1,
    first_import INTEGER NOT NULL, last_import INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS portals_division ON portals(division);
CREATE TABLE IF NOT EXISTS portal_changes (import_id INTEGER NOT NULL, code TEXT NOT NULL, change TEXT NOT NULL
    CHECK (change IN ('added', 'moved', 'vanished')), old_url TEXT, new_url TEXT, PRIMARY KEY (import_id, code));
CREATE TABLE IF NOT EXISTS discoveries (code TEXT NOT NULL, tried_at TEXT NOT NULL, outcome TEXT NOT NULL
    CHECK (outcome IN ('found', 'none', 'failed')), title TEXT, columns TEXT NOT NULL, reason TEXT,
    PRIMARY KEY (code, tried_at));
CREATE TABLE IF NOT EXISTS agencies (id TEXT PRIMARY KEY, name TEXT NOT NULL, division TEXT, level TEXT,
    portal TEXT NOT NULL, column_url TEXT NOT NULL, first_seen TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS aliases (alias TEXT PRIMARY KEY, agency_id TEXT NOT NULL REFERENCES agencies(id),
    reason TEXT NOT NULL);
"""
CHANGES = ("added", "moved", "vanished")


@dataclass
class ImportResult:
    """What one import changed."""

    import_id: int
    sites: int
    changes: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {c: [] for c in CHANGES})


def _inside(division: str | None) -> str:
    """A LIKE pattern for the division codes inside a division (province 32 -> 32%, prefecture 3213 -> 3213%)."""
    if division is None:
        return "%"
    return division[:2] + "%" if division.endswith("0000") else division[:4] + "%" if division.endswith("00") else division


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class PortalStore:
    """registry.db under an archive root (harvester.config.Layout.registry)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(path)
        self.conn.row_factory = sqlite3.Row
        self.conn.executescript(SCHEMA)

    def close(self) -> None:
        self.conn.close()

    def import_sites(self, records: list[SiteRecord], files: list[str], rejected: int) -> ImportResult:
        """Record one import: upsert its sites, mark what vanished in its provinces, keep the changes."""
        provinces = sorted({r.code[:2] for r in records})
        with self.conn:
            cursor = self.conn.execute(
                "INSERT INTO imports (imported_at, files, sites, rejected, provinces) VALUES (?, ?, ?, ?, ?)",
                (_now(), json.dumps(files, ensure_ascii=False), len(records), rejected, json.dumps(provinces)))
            result = ImportResult(cursor.lastrowid, len(records))
            known = {row["code"]: row for row in self.conn.execute(
                "SELECT code, url, listed FROM portals WHERE substr(code, 1, 2) IN (SELECT value FROM json_each(?))",
                (json.dumps(provinces),))}
            for record in {r.code: r for r in records}.values():
                self._upsert(record, known.get(record.code), result)
            seen = {r.code for r in records}
            for code, row in known.items():
                if code not in seen and row["listed"]:
                    self._change(result, code, "vanished", row["url"], None)
                    self.conn.execute("UPDATE portals SET listed = 0 WHERE code = ?", (code,))
        return result

    def _upsert(self, record: SiteRecord, before: sqlite3.Row | None, result: ImportResult) -> None:
        if before is None or not before["listed"]:
            self._change(result, record.code, "added", before["url"] if before else None, record.url)
        elif before["url"] != record.url:
            self._change(result, record.code, "moved", before["url"], record.url)
        self.conn.execute(
            "INSERT INTO portals (code, division, name, url, host, kind, listed, first_import, last_import)"
            " VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT (code) DO UPDATE SET name = excluded.name,"
            " url = excluded.url, host = excluded.host, kind = excluded.kind, listed = 1,"
            " last_import = excluded.last_import",
            (record.code, record.division, record.name, record.url, record.host, record.kind,
             result.import_id, result.import_id))

    def _change(self, result: ImportResult, code: str, change: str, old: str | None, new: str | None) -> None:
        result.changes[change].append({"code": code, "old_url": old, "new_url": new})
        self.conn.execute("INSERT INTO portal_changes VALUES (?, ?, ?, ?, ?)", (result.import_id, code, change, old, new))

    def changes(self, import_id: int | None = None) -> tuple[int | None, list[sqlite3.Row]]:
        """The changes of an import (default the latest), with each portal's name."""
        if import_id is None:
            import_id = self.conn.execute("SELECT max(id) FROM imports").fetchone()[0]
        return import_id, self.conn.execute(
            "SELECT c.change, c.code, p.name, c.old_url, c.new_url FROM portal_changes c JOIN portals p USING (code)"
            " WHERE c.import_id = ? ORDER BY c.change, c.code", (import_id,)).fetchall()

    def portals(self, division: str | None = None, listed_only: bool = True) -> list[sqlite3.Row]:
        """Imported portals (those of a division and the divisions inside it), with their latest discovery."""
        return self.conn.execute(
            "SELECT p.*, d.outcome, d.reason, d.columns, d.title, d.tried_at FROM portals p LEFT JOIN discoveries d"
            " ON d.code = p.code AND d.tried_at = (SELECT max(tried_at) FROM discoveries WHERE code = p.code)"
            " WHERE p.division LIKE ? AND (p.listed OR NOT ?) ORDER BY p.code",
            (_inside(division), listed_only)).fetchall()

    def record_discovery(self, code: str, outcome: str, title: str, columns: list[dict[str, Any]],
                         reason: str | None) -> None:
        """What discovery found on one portal (or why it failed)."""
        with self.conn:
            self.conn.execute("INSERT OR REPLACE INTO discoveries VALUES (?, ?, ?, ?, ?, ?)",
                              (code, _now(), outcome, title, json.dumps(columns, ensure_ascii=False), reason))

    def add_agencies(self, agencies: Iterable[dict[str, Any]], aliases: Iterable[dict[str, Any]]) -> int:
        """Agencies discovery found (kept from their first sighting) and aliases; returns how many are new."""
        with self.conn:
            before = self.conn.total_changes
            self.conn.executemany(
                "INSERT OR IGNORE INTO agencies VALUES (:id, :name, :division, :level, :portal, :column_url, :first_seen)",
                [{"first_seen": _now(), **agency} for agency in agencies])
            added = self.conn.total_changes - before
            self.conn.executemany("INSERT OR REPLACE INTO aliases VALUES (:alias, :agency_id, :reason)", list(aliases))
        return added

    def agencies(self) -> list[sqlite3.Row]:
        """Every discovered agency."""
        return self.conn.execute("SELECT * FROM agencies ORDER BY id").fetchall()

    def aliases(self) -> list[sqlite3.Row]:
        """Every alias of a discovered agency."""
        return self.conn.execute("SELECT * FROM aliases ORDER BY alias").fetchall()
