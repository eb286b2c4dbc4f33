"""Folding another fetch log into this one: the SQL of `harvester merge`'s row phase.

One transaction over the ATTACHed source: the schema versions must match, the caller checks
that every blob and WARC file the rows need is in place, then runs, blobs, fetches and
documents are imported (idempotent: what is there already is skipped or widened).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from harvester.archive.fetchlog import FETCH_COLUMNS, FetchLog

TABLES = ("runs", "blobs", "fetches", "documents")

# A source run row replaces the target's when it ended later (a worker's run merged again after it ended).
_SOURCE_ENDED_LATER = "excluded.ended_at > coalesce(ended_at, '')"
IMPORT_RUNS = f"""
INSERT INTO main.runs(run_id, spider, site, started_at, ended_at, status, stats, registry)
SELECT run_id, spider, site, started_at, ended_at, status, stats, registry FROM source.runs WHERE true
ON CONFLICT(run_id) DO UPDATE SET
    spider = coalesce(spider, excluded.spider),
    site = coalesce(site, excluded.site),
    registry = coalesce(registry, excluded.registry),
    started_at = min(started_at, excluded.started_at),
    ended_at = CASE WHEN {_SOURCE_ENDED_LATER} THEN excluded.ended_at ELSE ended_at END,
    status = CASE WHEN {_SOURCE_ENDED_LATER} THEN excluded.status ELSE status END,
    stats = CASE WHEN {_SOURCE_ENDED_LATER} THEN excluded.stats ELSE stats END
"""
IMPORT_BLOBS = """
INSERT INTO main.blobs(sha256, size, content_type, first_seen)
SELECT sha256, size, content_type, first_seen FROM source.blobs WHERE true
ON CONFLICT(sha256) DO UPDATE SET
    first_seen = min(first_seen, excluded.first_seen),
    content_type = coalesce(content_type, excluded.content_type)
"""
# New ids in the target, in fetch order; warc_file follows a WARC file renamed because of a name clash.
_FETCH_VALUES = ", ".join("coalesce(n.target_name, s.warc_file)" if c == "warc_file" else f"s.{c}" for c in FETCH_COLUMNS)
IMPORT_FETCHES = f"""
INSERT INTO main.fetches({", ".join(FETCH_COLUMNS)})
SELECT {_FETCH_VALUES}
FROM source.fetches s LEFT JOIN temp.merge_warc_names n ON n.source_name = s.warc_file
WHERE NOT EXISTS (
    SELECT 1 FROM main.fetches t
    WHERE t.final_url = s.final_url AND t.run_id = s.run_id AND t.url = s.url
      AND t.fetched_at = s.fetched_at AND t.method = s.method AND t.outcome = s.outcome)
ORDER BY s.fetched_at, s.id
"""
IMPORT_DOCUMENTS = """
INSERT INTO main.documents(url, sha256, site, kind, title, link_text, referer, first_seen, last_seen)
SELECT url, sha256, site, kind, title, link_text, referer, first_seen, last_seen FROM source.documents WHERE true
ON CONFLICT(url, sha256) DO UPDATE SET
    first_seen = min(first_seen, excluded.first_seen),
    last_seen = max(last_seen, excluded.last_seen),
    site = coalesce(site, excluded.site),
    title = coalesce(title, excluded.title),
    link_text = coalesce(link_text, excluded.link_text),
    referer = coalesce(referer, excluded.referer)
"""

# What the source's rows point at: every blob digest, and every WARC file under its target name.
_NEEDED_BLOBS = "SELECT sha256 FROM source.blobs"
_NEEDED_WARCS = """
SELECT DISTINCT coalesce(n.target_name, s.warc_file) FROM source.fetches s
LEFT JOIN temp.merge_warc_names n ON n.source_name = s.warc_file WHERE s.warc_file IS NOT NULL
"""

Refuse = Callable[[list[str], list[str]], None]
"""Called with the blob digests and WARC file names the imported rows need; raises to import nothing."""


class VersionMismatch(RuntimeError):
    """The two fetch logs are of different schema versions."""


def import_log(log: FetchLog, source: Path, warc_renamed: dict[str, str], refuse: Refuse) -> dict[str, int]:
    """Import the fetch log at `source` into `log` in one transaction; new rows per table."""
    conn = log.conn
    conn.execute("ATTACH DATABASE ? AS source", (str(source),))
    try:
        conn.execute("CREATE TEMP TABLE merge_warc_names(source_name TEXT PRIMARY KEY, target_name TEXT)")
        conn.executemany("INSERT INTO temp.merge_warc_names VALUES (?, ?)", warc_renamed.items())
        return log.transaction(lambda c: _import(c, refuse))
    finally:
        conn.execute("DROP TABLE IF EXISTS temp.merge_warc_names")
        conn.execute("DETACH DATABASE source")


def _import(conn: sqlite3.Connection, refuse: Refuse) -> dict[str, int]:
    """Inside the transaction: versions, the caller's check, then the imports; new rows per table."""
    versions = [conn.execute(f"PRAGMA {schema}.user_version").fetchone()[0] for schema in ("main", "source")]
    if versions[0] != versions[1]:
        raise VersionMismatch(f"schema version {versions[1]}, the target has {versions[0]}")
    refuse([sha for (sha,) in conn.execute(_NEEDED_BLOBS)], [name for (name,) in conn.execute(_NEEDED_WARCS)])
    before = _row_counts(conn)
    for statement in (IMPORT_RUNS, IMPORT_BLOBS, IMPORT_FETCHES, IMPORT_DOCUMENTS):
        conn.execute(statement)
    after = _row_counts(conn)
    return {table: after[table] - before[table] for table in TABLES}


def _row_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows per table of the target."""
    return {table: conn.execute(f"SELECT count(*) FROM main.{table}").fetchone()[0] for table in TABLES}
