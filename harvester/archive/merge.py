"""Fold one archive root into another: how the archives of workers on other machines join the main one.

Files first, rows last. Every blob (its sha256 verified while copying, written by the target's
BlobStore) and every WARC file is installed atomically before one transaction imports the source's
runs, blobs, fetches and documents rows. A merge killed at any point leaves at most files that no row
points at yet; running it again skips what is there and imports the rows, so the result is that of one
clean merge. Rows already imported are recognised (a fetch by its run, URLs, time, method and outcome;
the others by primary key), so merging the same source twice changes nothing.

Merge an archive nobody is writing to any more (a finished worker's root, e.g. rsynced to the main
host): a WARC file or blob row that appears while the merge runs stops it with a MergeError before any
row is imported, and the next merge picks it up.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from harvester.archive import Archive
from harvester.archive.fetchlog import FETCH_COLUMNS, FetchLogError
from harvester.archive.store import DigestMismatch, copy_verified, file_sha256, write_atomically
from harvester.config import Layout, NoArchive

TABLES = ("runs", "blobs", "fetches", "documents")
PROBLEMS_SHOWN = 10

# A source run row replaces the target's when it ended later (a worker's run merged again after it ended).
_SOURCE_ENDED_LATER = "excluded.ended_at > coalesce(ended_at, '')"
IMPORT_RUNS = f"""
INSERT INTO main.runs(run_id, spider, site, started_at, ended_at, status, stats)
SELECT run_id, spider, site, started_at, ended_at, status, stats FROM source.runs WHERE true
ON CONFLICT(run_id) DO UPDATE SET
    spider = coalesce(spider, excluded.spider),
    site = coalesce(site, excluded.site),
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


class MergeError(RuntimeError):
    """The source cannot be merged (not an archive, broken, or changed while merging); no row was imported."""


@dataclass
class MergeReport:
    """What one merge did."""

    source: Path
    blobs_copied: int = 0
    blobs_present: int = 0  # already in the target
    warc_copied: int = 0
    warc_present: int = 0  # same name and content already in the target
    warc_renamed: dict[str, str] = field(default_factory=dict)  # source name -> target name (name clash)
    rows_imported: dict[str, int] = field(default_factory=dict)  # new rows per table


def merge(source_root: str | os.PathLike, target_root: str | os.PathLike) -> MergeReport:
    """Fold the archive at source_root into the one at target_root (created if absent); idempotent."""
    report = copy_files(source_root, target_root)
    report.rows_imported = import_rows(source_root, target_root, report.warc_renamed)
    return report


def copy_files(source_root: str | os.PathLike, target_root: str | os.PathLike) -> MergeReport:
    """The file phase: copy the source's blobs and WARC files the target lacks (no row is written)."""
    source, target = _check_roots(source_root, target_root)
    report = MergeReport(source)
    problems: list[str] = []
    with _open(source) as origin, Archive(target) as destination:
        for sha256 in sorted(origin.log.blob_digests()):
            try:
                copied = destination.store.put_file(origin.blob_path(sha256), sha256)
            except FileNotFoundError:
                problems.append(f"blob {sha256} is in the source's log but not on its disk")
                continue
            except DigestMismatch as error:
                problems.append(f"blob {sha256} is corrupt in the source: {error}")
                continue
            report.blobs_copied += copied
            report.blobs_present += not copied
        for path in sorted(origin.warc_dir.glob("[!.]*.warc.gz")):
            try:
                name, copied = _copy_warc(path, destination.warc_dir)
            except (DigestMismatch, MergeError) as error:
                problems.append(f"WARC {path.name}: {error}")
                continue
            report.warc_copied += copied
            report.warc_present += not copied
            if name != path.name:
                report.warc_renamed[path.name] = name
    if problems:
        raise MergeError(_describe(source, problems))
    return report


def import_rows(source_root: str | os.PathLike, target_root: str | os.PathLike,
                warc_renamed: dict[str, str]) -> dict[str, int]:
    """The row phase, one transaction: import runs, blobs, fetches and documents; new rows per table.

    Run after copy_files (whose warc_renamed it takes): refuses, importing nothing, when a row would
    point at a blob or WARC file missing from the target.
    """
    source, target = _check_roots(source_root, target_root)
    with Archive(target) as destination:
        conn = destination.log.conn  # closed on leaving: the attachment and temp table go with it
        try:
            conn.execute("ATTACH DATABASE ? AS source", (str(Layout(source).fetch_log),))
            conn.execute("CREATE TEMP TABLE merge_warc_names(source_name TEXT PRIMARY KEY, target_name TEXT)")
            conn.executemany("INSERT INTO temp.merge_warc_names VALUES (?, ?)", warc_renamed.items())
            return destination.log.transaction(lambda c: _import(c, destination, source))
        except sqlite3.DatabaseError as error:
            raise MergeError(f"{source}: importing rows failed: {error}") from error


def _import(conn: sqlite3.Connection, destination: Archive, source: Path) -> dict[str, int]:
    """Inside the transaction: check every file the rows need is in place, then import; new rows per table."""
    versions = [conn.execute(f"PRAGMA {schema}.user_version").fetchone()[0] for schema in ("main", "source")]
    if versions[0] != versions[1]:
        raise MergeError(f"{source}: schema version {versions[1]}, the target has {versions[0]}")
    missing = [f"blob {sha256}" for (sha256,) in conn.execute("SELECT sha256 FROM source.blobs")
               if not destination.store.has(sha256)]
    missing += [f"WARC file {name}" for (name,) in conn.execute(
        "SELECT DISTINCT coalesce(n.target_name, s.warc_file) FROM source.fetches s"
        " LEFT JOIN temp.merge_warc_names n ON n.source_name = s.warc_file WHERE s.warc_file IS NOT NULL")
        if not (destination.warc_dir / name).is_file()]
    if missing:
        raise MergeError(_describe(source, [f"{item} is not in the target (changed while merging? merge again)"
                                            for item in missing]))
    before = _row_counts(conn)
    for statement in (IMPORT_RUNS, IMPORT_BLOBS, IMPORT_FETCHES, IMPORT_DOCUMENTS):
        conn.execute(statement)
    after = _row_counts(conn)
    return {table: after[table] - before[table] for table in TABLES}


def _row_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows per table of the target."""
    return {table: conn.execute(f"SELECT count(*) FROM main.{table}").fetchone()[0] for table in TABLES}


def _copy_warc(path: Path, warc_dir: Path) -> tuple[str, bool]:
    """Install a source WARC file in warc_dir; returns (its name there, whether it was copied).

    Never overwrites: a different file of the same name keeps it, and this one goes under a name
    suffixed with its own digest, so a second merge finds it again.
    """
    digest = file_sha256(path)
    stem = path.name.removesuffix(".warc.gz")
    for name in (path.name, f"{stem}.merged-{digest[:16]}.warc.gz"):
        existing = warc_dir / name
        if existing.exists() and existing.stat().st_size == path.stat().st_size and file_sha256(existing) == digest:
            return name, False
        if not existing.exists() and write_atomically(existing, lambda out: copy_verified(path, out, digest), replace=False):
            return name, True
    raise MergeError(f"both {path.name} and its suffixed name hold other content in the target")


def _check_roots(source_root: str | os.PathLike, target_root: str | os.PathLike) -> tuple[Path, Path]:
    """Resolved (source, target); MergeError unless the source is an archive other than the target."""
    source, target = Path(source_root).resolve(), Path(target_root).resolve()
    if source == target:
        raise MergeError(f"{source}: cannot merge an archive into itself")
    try:
        Layout(source).existing()
    except NoArchive as error:
        raise MergeError(str(error)) from error
    return source, target


def _open(source: Path) -> Archive:
    """The source archive, its fetch-log problems as MergeError."""
    try:
        return Archive(source)
    except FetchLogError as error:
        raise MergeError(str(error)) from error


def _describe(source: Path, problems: list[str]) -> str:
    """One message for a list of problems (the first few spelled out)."""
    shown = "; ".join(problems[:PROBLEMS_SHOWN])
    more = f" (and {len(problems) - PROBLEMS_SHOWN} more)" if len(problems) > PROBLEMS_SHOWN else ""
    return f"{source}: {len(problems)} problems, nothing imported: {shown}{more}"
