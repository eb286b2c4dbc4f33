"""The fetch log, archive.db: runs, fetches, blobs and documents (see docs/ARCHITECTURE.md).

Safe with several writer processes (scrapy-redis workers): WAL, a busy timeout, and each
fetch recorded in one short ``BEGIN IMMEDIATE`` transaction that is retried while the
database is locked. Foreign keys make "a fetch row without its blob row" impossible; the
blob file itself is always written (and fsynced) before its row.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

SCHEMA_VERSION = 3  # 2: outcome 'disallowed' (robots.txt); 3: kind 'page_image'
# page_image: a picture shown in a report page whose report is printed as images (图片版).
KINDS = ("list", "report_page", "attachment", "page_image", "robots", "other")
OUTCOMES = ("new", "changed", "unchanged", "not_modified", "error", "blocked", "soft404", "too_large",
            "disallowed")
# Outcomes whose body is the current content of the URL (validators and documents come from these).
CONTENT_OUTCOMES = ("new", "changed", "unchanged", "not_modified")
DOCUMENT_KINDS = ("report_page", "attachment")
BUSY_TIMEOUT_MS = 30_000
LOCK_RETRIES = 8

_T = TypeVar("_T")

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    spider TEXT,
    site TEXT,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    status TEXT,
    stats TEXT
);
CREATE TABLE IF NOT EXISTS blobs (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    content_type TEXT,
    first_seen TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS fetches (
    id INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    site TEXT,
    spider TEXT,
    url TEXT NOT NULL,
    final_url TEXT NOT NULL,
    redirects TEXT NOT NULL DEFAULT '[]',
    method TEXT NOT NULL DEFAULT 'GET',
    status INTEGER,
    headers TEXT,
    sha256 TEXT REFERENCES blobs(sha256),
    size INTEGER,
    content_type TEXT,
    fetched_at TEXT NOT NULL,
    referer TEXT,
    kind TEXT NOT NULL CHECK (kind IN {KINDS!r}),
    outcome TEXT NOT NULL CHECK (outcome IN {OUTCOMES!r}),
    error TEXT,
    warc_file TEXT,
    warc_offset INTEGER,
    etag TEXT,
    last_modified TEXT,
    link_text TEXT,
    title TEXT
);
CREATE INDEX IF NOT EXISTS fetches_final_url ON fetches(final_url, id);
CREATE INDEX IF NOT EXISTS fetches_run_outcome ON fetches(run_id, outcome);
CREATE TABLE IF NOT EXISTS documents (
    url TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES blobs(sha256),
    site TEXT,
    kind TEXT NOT NULL,
    title TEXT,
    link_text TEXT,
    referer TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    PRIMARY KEY (url, sha256)
);
CREATE INDEX IF NOT EXISTS documents_kind ON documents(kind, first_seen);
"""


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    """Execute `;`-separated statements inside the caller's transaction (executescript would commit)."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


class FetchLogError(RuntimeError):
    """The fetch log cannot be used (newer schema, corrupt file)."""


def utc_now() -> str:
    """Current time as ISO-8601 UTC with milliseconds, e.g. 2026-11-23T15:13:24.123Z."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Fetch:
    """One row of `fetches`; outcome None means "decide new/changed/unchanged from the log"."""

    run_id: str
    url: str
    final_url: str
    kind: str
    outcome: str | None = None
    site: str | None = None
    spider: str | None = None
    redirects: list[str] = field(default_factory=list)
    method: str = "GET"
    status: int | None = None
    headers: dict[str, list[str]] | None = None
    sha256: str | None = None
    size: int | None = None
    content_type: str | None = None
    fetched_at: str = field(default_factory=utc_now)
    referer: str | None = None
    error: str | None = None
    warc_file: str | None = None
    warc_offset: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    link_text: str | None = None
    title: str | None = None


FETCH_COLUMNS = tuple(f.name for f in fields(Fetch))


class Validators(NamedTuple):
    """What the log knows about a URL's current content, for conditional requests."""

    etag: str | None
    last_modified: str | None
    sha256: str
    fetched_at: str
    content_type: str | None
    headers: dict[str, list[str]]


Evidence = Callable[[str, Validators | None], tuple[str, int]]
"""Writes the WARC record of a fetch given its decided outcome and the URL's previous content."""


class Document(NamedTuple):
    """One version of a report page or attachment: the input of the parse/load stage."""

    url: str
    sha256: str
    site: str | None
    kind: str
    title: str | None
    link_text: str | None
    referer: str | None
    first_seen: str
    last_seen: str


def _is_locked(error: sqlite3.OperationalError) -> bool:
    """Whether an OperationalError is a transient lock (worth retrying)."""
    message = str(error).lower()
    return "locked" in message or "busy" in message


class FetchLog:
    """A connection to archive.db; create one per process (or thread)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        self.conn.row_factory = sqlite3.Row
        try:
            self._retry(lambda: self.conn.execute("PRAGMA journal_mode=WAL"))
            self.conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            self.conn.execute("PRAGMA foreign_keys=ON")
            # NORMAL in WAL mode survives a process crash (kill -9); only power loss may drop
            # the last transactions, which the next crawl simply fetches again.
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self._transaction(self._create_schema)
        except (sqlite3.DatabaseError, FetchLogError) as error:
            self.conn.close()
            if isinstance(error, FetchLogError):
                raise
            raise FetchLogError(f"{self.path}: {error}") from error

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    @staticmethod
    def _retry(operation: Callable[[], _T]) -> _T:
        """Run operation, retrying with jittered backoff while another writer holds the lock."""
        for attempt in range(LOCK_RETRIES):
            try:
                return operation()
            except sqlite3.OperationalError as error:
                if not _is_locked(error) or attempt == LOCK_RETRIES - 1:
                    raise
                time.sleep(random.uniform(0.01, 0.05) * 2**attempt)
        raise AssertionError("unreachable")

    def _transaction(self, body: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run body in one BEGIN IMMEDIATE transaction (retried as a whole when locked)."""

        def attempt() -> _T:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                result = body(self.conn)
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
            return result

        return self._retry(attempt)

    def transaction(self, body: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run body(conn) as one write transaction (BEGIN IMMEDIATE, retried whole while locked)."""
        return self._transaction(body)

    def _create_schema(self, conn: sqlite3.Connection) -> None:
        """Create tables once (inside a transaction); refuse a database written by a newer harvester."""
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise FetchLogError(f"{self.path}: schema version {version} is newer than {SCHEMA_VERSION}")
        if version < SCHEMA_VERSION:
            if version > 0:
                # SQLite cannot alter a CHECK constraint: rebuild fetches under the new one.
                conn.execute("ALTER TABLE fetches RENAME TO fetches_old")
                _run_script(conn, SCHEMA)
                conn.execute("INSERT INTO fetches SELECT * FROM fetches_old")
                conn.execute("DROP TABLE fetches_old")
            _run_script(conn, SCHEMA)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    # --- runs -------------------------------------------------------------------------

    def start_run(self, run_id: str, spider: str | None, site: str | None, started_at: str | None = None) -> None:
        """Create the run row, or mark a resumed run as running again (started_at kept)."""
        self._transaction(
            lambda conn: conn.execute(
                "INSERT INTO runs(run_id, spider, site, started_at, status) VALUES (?, ?, ?, ?, 'running')"
                " ON CONFLICT(run_id) DO UPDATE SET ended_at=NULL, status='running',"
                " spider=coalesce(excluded.spider, spider), site=coalesce(excluded.site, site)",
                (run_id, spider, site, started_at or utc_now()),
            )
        )

    def finish_run(self, run_id: str, status: str, stats: dict[str, Any], ended_at: str | None = None) -> None:
        """Record how a run ended and its counts."""
        self._transaction(
            lambda conn: conn.execute(
                "UPDATE runs SET ended_at=?, status=?, stats=? WHERE run_id=?",
                (ended_at or utc_now(), status, json.dumps(stats, sort_keys=True), run_id),
            )
        )

    def run(self, run_id: str) -> dict[str, Any] | None:
        """The run row as a dict (stats decoded), or None."""
        row = self.conn.execute("SELECT * FROM runs WHERE run_id=?", (run_id,)).fetchone()
        if row is None:
            return None
        run = dict(row)
        run["stats"] = json.loads(run["stats"]) if run["stats"] else None
        return run

    def outcome_counts(self, run_id: str) -> dict[str, int]:
        """Number of fetches per outcome in a run (every outcome present, zeros included)."""
        counts = dict.fromkeys(OUTCOMES, 0)
        rows = self.conn.execute("SELECT outcome, count(*) FROM fetches WHERE run_id=? GROUP BY outcome", (run_id,))
        counts.update({outcome: number for outcome, number in rows})
        return counts

    # --- fetches ----------------------------------------------------------------------

    def latest(self, final_url: str) -> Validators | None:
        """The validators and sha256 of the URL's current archived content, if any."""
        placeholders = ",".join("?" * len(CONTENT_OUTCOMES))
        row = self.conn.execute(
            "SELECT etag, last_modified, sha256, fetched_at, content_type, headers FROM fetches"
            f" WHERE final_url=? AND outcome IN ({placeholders})"
            # By time, not id: rows merged from another machine get new, higher ids.
            " ORDER BY fetched_at DESC, id DESC LIMIT 1",
            (final_url, *CONTENT_OUTCOMES),
        ).fetchone()
        if row is None:
            return None
        return Validators(
            row["etag"], row["last_modified"], row["sha256"], row["fetched_at"], row["content_type"],
            json.loads(row["headers"] or "{}"),
        )

    def record(self, fetch: Fetch, blob_content_type: str | None = None,
               evidence: Evidence | None = None) -> tuple[int, str]:
        """Record one fetch atomically (run, blob, fetch and document rows); return (id, outcome).

        When fetch.outcome is None the body's sha256 is compared, inside the transaction,
        with the URL's latest content: new, changed or unchanged. `evidence(outcome, previous)`
        runs inside the same transaction once the outcome is decided, so the WARC record it
        writes follows that one decision; it returns where the record went.
        """
        return self._transaction(lambda conn: self._record(conn, fetch, blob_content_type, evidence))

    def _record(self, conn: sqlite3.Connection, fetch: Fetch, blob_content_type: str | None,
                evidence: Evidence | None) -> tuple[int, str]:
        """The body of record(), inside its transaction."""
        row = asdict(fetch)
        previous = self.latest(fetch.final_url) if row["outcome"] is None else None
        if row["outcome"] is None:
            row["outcome"] = "new" if previous is None else "unchanged" if previous.sha256 == fetch.sha256 else "changed"
        if evidence is not None:
            row["warc_file"], row["warc_offset"] = evidence(row["outcome"], previous)
        conn.execute(
            "INSERT OR IGNORE INTO runs(run_id, spider, site, started_at, status) VALUES (?, ?, ?, ?, 'running')",
            (fetch.run_id, fetch.spider, fetch.site, fetch.fetched_at),
        )
        if fetch.sha256 is not None and fetch.size is not None:
            conn.execute(
                "INSERT OR IGNORE INTO blobs(sha256, size, content_type, first_seen) VALUES (?, ?, ?, ?)",
                (fetch.sha256, fetch.size, blob_content_type or fetch.content_type, fetch.fetched_at),
            )
        row["redirects"] = json.dumps(row["redirects"], ensure_ascii=False)
        row["headers"] = json.dumps(row["headers"], ensure_ascii=False) if row["headers"] is not None else None
        cursor = conn.execute(
            f"INSERT INTO fetches({', '.join(FETCH_COLUMNS)}) VALUES ({', '.join('?' * len(FETCH_COLUMNS))})",
            [row[name] for name in FETCH_COLUMNS],
        )
        if fetch.kind in DOCUMENT_KINDS and row["outcome"] in CONTENT_OUTCOMES and fetch.sha256:
            conn.execute(
                "INSERT INTO documents(url, sha256, site, kind, title, link_text, referer, first_seen, last_seen)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(url, sha256) DO UPDATE SET"
                " last_seen=max(last_seen, excluded.last_seen), title=coalesce(title, excluded.title),"
                " link_text=coalesce(link_text, excluded.link_text), referer=coalesce(referer, excluded.referer)",
                (fetch.final_url, fetch.sha256, fetch.site, fetch.kind, fetch.title, fetch.link_text,
                 fetch.referer, fetch.fetched_at, fetch.fetched_at),
            )
        return int(cursor.lastrowid), row["outcome"]

    # --- reading ----------------------------------------------------------------------

    def documents(self, kinds: Iterable[str] = DOCUMENT_KINDS) -> Iterator[Document]:
        """Every document version of the given kinds, oldest first."""
        kinds = tuple(kinds)
        placeholders = ",".join("?" * len(kinds))
        rows = self.conn.execute(
            f"SELECT {', '.join(Document._fields)} FROM documents WHERE kind IN ({placeholders})"
            " ORDER BY first_seen, url, sha256",
            kinds,
        )
        for row in rows:
            yield Document(*row)

    def blob_digests(self) -> set[str]:
        """Every sha256 with a blob row."""
        return {sha for (sha,) in self.conn.execute("SELECT sha256 FROM blobs")}

    def warc_records(self) -> Iterator[tuple[str, int, str]]:
        """(warc_file, warc_offset, sha256) of every fetch with a WARC record, in file order."""
        yield from self.conn.execute(
            "SELECT warc_file, warc_offset, sha256 FROM fetches WHERE warc_file IS NOT NULL ORDER BY warc_file, warc_offset"
        )

    def problems(self) -> list[str]:
        """SQLite integrity and foreign-key problems, and rows that break the archive's rules."""
        found = [row[0] for row in self.conn.execute("PRAGMA integrity_check") if row[0] != "ok"]
        found += [f"foreign key: {row[0]} rowid {row[1]} -> {row[2]}" for row in self.conn.execute("PRAGMA foreign_key_check")]
        placeholders = ",".join("?" * len(CONTENT_OUTCOMES))
        missing = self.conn.execute(
            f"SELECT count(*) FROM fetches WHERE outcome IN ({placeholders}) AND sha256 IS NULL", CONTENT_OUTCOMES
        ).fetchone()[0]
        if missing:
            found.append(f"{missing} content fetches without sha256")
        return found
