"""Parse results cached by (sha256, parser version), so reloading never re-parses a file.

The cache lives beside the archive (`<root>/parse_cache.db`), not in the published
database: it is working state, and deleting it only costs time.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import fields
from pathlib import Path

from harvester.config import Layout
from harvester.parse.model import Check, ParseResult


def result_from_json(data: dict) -> ParseResult:
    """Rebuild a ParseResult from its `to_json()` form."""
    known = {f.name for f in fields(ParseResult)}
    result = ParseResult(**{k: v for k, v in data.items() if k in known})
    result.checks = [Check(**c) for c in data.get("checks", [])]
    return result


class ParseCache:
    """A small SQLite table of parse results keyed by (sha256, parser_version); a result read from
    several files (a page and its pictures) is stored under a key derived from all their digests."""

    def __init__(self, root: Path) -> None:
        self.conn = sqlite3.connect(Layout(root).parse_cache)
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS parses (sha256 TEXT, parser_version TEXT, result TEXT,"
            " PRIMARY KEY (sha256, parser_version))")

    def get(self, sha256: str, parser_version: str) -> ParseResult | None:
        """The cached result, or None."""
        row = self.conn.execute(
            "SELECT result FROM parses WHERE sha256 = ? AND parser_version = ?",
            (sha256, parser_version)).fetchone()
        try:
            return result_from_json(json.loads(row[0])) if row else None
        except (ValueError, TypeError, AttributeError):  # a damaged row is no result: parse again
            return None

    def put(self, result: ParseResult, key: str | None = None) -> None:
        """Store a result under `key` (default: its own sha256) and its parser version."""
        with self.conn:
            self.conn.execute(
                "INSERT OR REPLACE INTO parses VALUES (?, ?, ?)",
                (key or result.sha256, result.parser_version,
                 json.dumps(result.to_json(), ensure_ascii=False)))

    def close(self) -> None:
        self.conn.close()
