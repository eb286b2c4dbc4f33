"""The fetch log, archive.db: runs, fetches, blobs and documents (see docs/ARCHITECTURE.md).

The only code that speaks SQL to archive.db's tables (the merge's row phase is in `merging`);
it also creates and migrates the operate tables (lock, scheduled runs, health, alerts), whose
rows harvester.operate writes, so the whole file has one schema version.

Safe with several writer processes (scrapy-redis workers): WAL, a busy timeout, and each
fetch recorded in one short ``BEGIN IMMEDIATE`` transaction that is retried while the
database is locked. Foreign keys make "a fetch row without its blob row" impossible; the
blob file itself is always written (and fsynced) before its row.
"""

from __future__ import annotations

import json
import random
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from harvester.damage import is_damage
from harvester.errors import OperatorError

SCHEMA_VERSION = 5  # 2: outcome 'disallowed' (robots.txt); 3: kind 'page_image'; 4: operate tables, runs.registry;
# 5: outcome 'not_fetched' (a request the crawl made and still held when it stopped)
# page_image: a picture shown in a report page whose report is printed as images (图片版).
KINDS = ("list", "report_page", "attachment", "page_image", "robots", "other")
OUTCOMES = ("new", "changed", "unchanged", "not_modified", "error", "blocked", "soft404", "too_large",
            "disallowed", "not_fetched")
# Outcomes whose body is the current content of the URL (validators and documents come from these).
CONTENT_OUTCOMES = ("new", "changed", "unchanged", "not_modified")
DOCUMENT_KINDS = ("report_page", "attachment")
BUSY_TIMEOUT_MS = 30_000
LOCK_RETRIES = 8

_T = TypeVar("_T")

# The operate tables (harvester.operate): history that cannot be rebuilt from fetched bytes.
OPERATE_SCHEMA = """
CREATE TABLE IF NOT EXISTS schedule_lock (
    name TEXT PRIMARY KEY, run_id TEXT NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL,
    started_at TEXT NOT NULL, heartbeat TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS scheduled_runs (
    run_id TEXT PRIMARY KEY, started_at TEXT NOT NULL, ended_at TEXT, status TEXT NOT NULL,
    sources_due INTEGER, sources_tried INTEGER, sources_failed INTEGER,
    new INTEGER, changed INTEGER, unchanged INTEGER, not_modified INTEGER,
    failed INTEGER, blocked INTEGER, reports_found INTEGER, documents_parsed INTEGER,
    reports_loaded INTEGER, alerts INTEGER, errors TEXT, crawl_run_ids TEXT
);
CREATE TABLE IF NOT EXISTS source_health (
    run_id TEXT NOT NULL, site TEXT NOT NULL, crawl_run_id TEXT, checked_at TEXT NOT NULL,
    status TEXT NOT NULL, reports_found INTEGER, previous_reports INTEGER,
    list_pages INTEGER, list_errors INTEGER, blocked INTEGER, failed INTEGER,
    parse_failures INTEGER, detail TEXT,
    PRIMARY KEY (run_id, site)
);
CREATE INDEX IF NOT EXISTS source_health_site ON source_health(site, checked_at);
CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, site TEXT, rule TEXT NOT NULL,
    message TEXT NOT NULL, raised_at TEXT NOT NULL, delivered TEXT
);
"""

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    spider TEXT,
    site TEXT,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    status TEXT,
    stats TEXT,
    registry TEXT
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
""" + OPERATE_SCHEMA


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    """Execute `;`-separated statements inside the caller's transaction (executescript would commit)."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


# The earliest fetch that produced each (url, sha256) names the WARC record holding it;
# SQLite returns the bare columns of the row that holds min(fetched_at).
_DOCUMENTS_SQL = """
WITH first_fetch AS (
  SELECT sha256, coalesce(final_url, url) AS url, warc_file, warc_offset, content_type,
         min(fetched_at)
  FROM fetches WHERE sha256 IS NOT NULL GROUP BY sha256, coalesce(final_url, url)
)
SELECT d.url, d.sha256, d.site, d.kind, d.title, d.link_text, d.referer,
       d.first_seen, d.last_seen, b.size,
       coalesce(b.content_type, f.content_type) AS content_type,
       f.warc_file, f.warc_offset,
       -- An attachment's page was found under a link too (its text often names the agency).
       (SELECT r.link_text FROM documents r WHERE r.url = d.referer AND r.link_text IS NOT NULL
        ORDER BY r.first_seen LIMIT 1) AS referer_link_text
FROM documents d
LEFT JOIN blobs b ON b.sha256 = d.sha256
LEFT JOIN first_fetch f ON f.sha256 = d.sha256 AND f.url = d.url
WHERE d.kind IN ({kinds})
ORDER BY d.url, d.sha256
"""


# The current content of every archived page picture, by the URL asked for and the URL served.
_PICTURES_SQL = """
SELECT url, final_url, sha256, max(fetched_at) FROM fetches
WHERE kind = 'page_image' AND sha256 IS NOT NULL AND outcome IN ({outcomes})
GROUP BY final_url
"""

# Per crawl run, for source health: documents found, list pages (fetched), list errors, blocked and failed fetches.
_HEALTH_SQL = f"""
SELECT
  count(DISTINCT CASE WHEN kind IN {DOCUMENT_KINDS} AND outcome IN {CONTENT_OUTCOMES} THEN final_url END),
  sum(kind = 'list' AND outcome != 'not_fetched'),
  sum(kind = 'list' AND (outcome = 'error' OR status >= 400)),
  sum(outcome = 'blocked'),
  sum(outcome = 'error')
FROM fetches WHERE run_id = ?
"""


class FetchLogError(OperatorError):
    """The fetch log cannot be used (newer schema, corrupt file)."""


class DamagedFetchLog(FetchLogError):
    """SQLite finds the fetch log damaged. It is the archive's record of every fetch, which no load can
    make again: it is left as it is, and the operator restores it."""

    def __str__(self) -> str:
        return (f"the fetch log is damaged: {super().__str__()} — it is the archive's record of every fetch"
                " and was left as it is; restore it from a backup or a copy of the archive"
                " (harvester merge COPY --archive NEW), then run again")


def new_run_id(now: datetime | None = None) -> str:
    """A fresh run id: UTC timestamp (now, or `now`) plus a short random suffix (two runs in one second differ)."""
    return f"{now or datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"


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


def _unusable(path: Path, error: sqlite3.DatabaseError) -> FetchLogError:
    """The error of a fetch log SQLite cannot use: DamagedFetchLog when the file is damaged."""
    return (DamagedFetchLog if is_damage(error) else FetchLogError)(f"{path}: {error}")


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that never writes the log. A WAL log whose folder this process cannot write
    (no -shm can be made there) is read as immutable, which is exact while no -wal file holds
    transactions the main file has not taken in yet."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        conn.close()
        if Path(f"{path}-wal").exists():
            raise
        return sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    except sqlite3.DatabaseError as error:
        conn.close()
        raise _unusable(path, error) from error


class FetchLog:
    """A connection to archive.db; create one per process (or thread)."""

    def __init__(self, path: str | Path, read_only: bool = False) -> None:
        """Open (creating or migrating) the log at `path`; `read_only` opens an existing one as it is."""
        self.path = Path(path)
        if read_only:
            self.conn = _connect_read_only(self.path)
            self.conn.row_factory = sqlite3.Row
            return
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
            self.transaction(self._create_schema)
        except (sqlite3.DatabaseError, FetchLogError) as error:
            self.conn.close()
            if isinstance(error, FetchLogError):
                raise
            raise _unusable(self.path, error) from error

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

    def transaction(self, body: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run body(conn) as one write transaction (BEGIN IMMEDIATE, retried whole while locked)."""

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

    def _create_schema(self, conn: sqlite3.Connection) -> None:
        """Create tables once (inside a transaction); refuse a database written by a newer harvester."""
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise FetchLogError(f"{self.path}: schema version {version} is newer than {SCHEMA_VERSION}")
        if version < SCHEMA_VERSION:
            if 0 < version < 5:
                # SQLite cannot alter a CHECK constraint: rebuild fetches under the new one (its indexes,
                # renamed away with the old table, are made again by the script below).
                conn.execute("ALTER TABLE fetches RENAME TO fetches_old")
                _run_script(conn, SCHEMA)
                conn.execute("INSERT INTO fetches SELECT * FROM fetches_old")
                conn.execute("DROP TABLE fetches_old")
            if 0 < version < 4 and "registry" not in {row[1] for row in conn.execute("PRAGMA table_info(runs)")}:
                conn.execute("ALTER TABLE runs ADD COLUMN registry TEXT")
            _run_script(conn, SCHEMA)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    # --- runs -------------------------------------------------------------------------

    def start_run(self, run_id: str, spider: str | None, site: str | None, started_at: str | None = None,
                  process: dict[str, Any] | None = None, registry: list[dict[str, Any]] | None = None) -> None:
        """Create the run row, or mark a resumed run as running again (started_at kept). While it runs,
        `stats` holds its `process` ({"host", "pid"}), by which a run whose process died is found;
        `registry`: the registry entries the run crawls (harvester.registry.entries)."""
        recorded = json.dumps(registry, ensure_ascii=False) if registry is not None else None
        self.transaction(
            lambda conn: conn.execute(
                "INSERT INTO runs(run_id, spider, site, started_at, status, stats, registry)"
                " VALUES (?, ?, ?, ?, 'running', ?, ?)"
                " ON CONFLICT(run_id) DO UPDATE SET ended_at=NULL, status='running', stats=excluded.stats,"
                " spider=coalesce(excluded.spider, spider), site=coalesce(excluded.site, site),"
                " registry=coalesce(excluded.registry, registry)",
                (run_id, spider, site, started_at or utc_now(), json.dumps(process) if process else None, recorded),
            )
        )

    def run_registries(self) -> list[list[dict[str, Any]]]:
        """The registry entries every run that recorded them crawled, oldest run first."""
        rows = self.conn.execute(
            "SELECT registry FROM runs WHERE registry IS NOT NULL ORDER BY started_at, run_id")
        return [json.loads(registry) for (registry,) in rows]

    def interrupt_gone_runs(self, host: str, alive: Callable[[int], bool]) -> list[str]:
        """Mark as 'interrupted' the runs still 'running' whose process on `host` is gone (killed, crashed):
        ended at their last fetch, with their outcome counts. Returns their ids."""
        running = self.conn.execute("SELECT run_id, stats FROM runs WHERE status='running'").fetchall()
        gone = [run_id for run_id, stats in running
                if (process := json.loads(stats or "{}")).get("host") == host and not alive(process.get("pid", 0))]
        for run_id in gone:
            last = self.conn.execute("SELECT max(fetched_at) FROM fetches WHERE run_id=?", (run_id,)).fetchone()[0]
            self.finish_run(run_id, "interrupted", self.outcome_counts(run_id), ended_at=last or utc_now())
        return gone

    def finish_run(self, run_id: str, status: str, stats: dict[str, Any], ended_at: str | None = None) -> None:
        """Record how a run ended and its counts."""
        self.transaction(
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

    def kind_counts(self, run_id: str) -> dict[str, int]:
        """Number of fetches per kind in a run."""
        return dict(self.conn.execute(
            "SELECT kind, count(*) FROM fetches WHERE run_id=? GROUP BY kind", (run_id,)).fetchall())

    def document_outcomes(self, run_id: str) -> dict[str, int]:
        """Per outcome: a run's report page and attachment fetches, and its failed fetches of any kind."""
        return dict(self.conn.execute(
            "SELECT outcome, count(*) FROM fetches WHERE run_id = ? AND (kind IN ('report_page', 'attachment')"
            " OR outcome IN ('error', 'blocked', 'soft404', 'too_large')) GROUP BY outcome", (run_id,)).fetchall())

    def health_counts(self, run_id: str) -> tuple[int | None, ...]:
        """Documents found, list pages, list errors, blocked and failed fetches of one run."""
        return tuple(self.conn.execute(_HEALTH_SQL, (run_id,)).fetchone())

    def fetch_counts(self, kinds: Iterable[str]) -> tuple[int, int]:
        """(fetches, distinct final URLs) of the given kinds, over every run."""
        kinds = tuple(kinds)
        return tuple(self.conn.execute(
            f"SELECT count(*), count(DISTINCT final_url) FROM fetches WHERE kind IN ({','.join('?' * len(kinds))})",
            kinds).fetchone())

    def last_status(self, run_id: str, url: str) -> int | None:
        """The HTTP status of the URL's last fetch in a run (None: no answer, or never fetched)."""
        row = self.conn.execute(
            "SELECT status FROM fetches WHERE run_id = ? AND url = ? ORDER BY id DESC LIMIT 1", (run_id, url)
        ).fetchone()
        return row[0] if row else None

    def new_content(self, run_id: str) -> list[tuple[str, str]]:
        """(final URL, sha256) of every new or changed body a run fetched."""
        return [tuple(row) for row in self.conn.execute(
            "SELECT DISTINCT final_url, sha256 FROM fetches WHERE run_id = ? AND outcome IN ('new', 'changed')",
            (run_id,))]

    # --- fetches ----------------------------------------------------------------------

    def requested_urls(self, run_id: str) -> set[str]:
        """The URLs a run asked for that already have their row (what a resumed run need not ask again);
        one it stopped before fetching (`not_fetched`) is still to do."""
        return {url for (url,) in self.conn.execute(
            "SELECT url FROM fetches WHERE run_id=? AND outcome != 'not_fetched'", (run_id,))}

    def fetched_urls(self) -> list[str]:
        """Every URL the log has a row for, once each (what a baseline crawler is asked to fetch)."""
        return [url for (url,) in self.conn.execute("SELECT DISTINCT url FROM fetches ORDER BY url")]

    def known_redirects(self) -> dict[str, tuple[str, list[str]]]:
        """URL asked for -> (final URL, earlier hops) of its latest fetch that arrived, for every URL
        whose latest arrival came through redirects (a recrawl asks the final URL directly)."""
        placeholders = ",".join("?" * len(CONTENT_OUTCOMES))
        # SQLite takes the bare columns from the row holding max(fetched_at): each URL's latest arrival.
        rows = self.conn.execute(
            f"SELECT url, final_url, redirects, max(fetched_at) FROM fetches WHERE outcome IN ({placeholders})"
            " GROUP BY url", CONTENT_OUTCOMES)
        return {url: (final_url, json.loads(redirects)) for url, final_url, redirects, _ in rows
                if final_url and final_url != url and redirects != "[]"}

    def latest(self, final_url: str, referer: str | None = None) -> Validators | None:
        """The validators and sha256 of the URL's current archived content, if any; with `referer`, as
        fetched from that page (a list batch several columns POST to one URL: Hanweb dataproxy.jsp)."""
        placeholders = ",".join("?" * len(CONTENT_OUTCOMES))
        row = self.conn.execute(
            "SELECT etag, last_modified, sha256, fetched_at, content_type, headers FROM fetches"
            f" WHERE final_url=? AND outcome IN ({placeholders})" + (" AND referer=?" if referer else "")
            # By time, not id: rows merged from another machine get new, higher ids.
            + " ORDER BY fetched_at DESC, id DESC LIMIT 1",
            (final_url, *CONTENT_OUTCOMES, *([referer] if referer else [])),
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
        return self.transaction(lambda conn: self._record(conn, fetch, blob_content_type, evidence))

    def record_all(self, fetches: Iterable[Fetch]) -> int:
        """Record fetches whose outcome is decided, in one transaction (what a stopped crawl left); how many."""
        fetches = list(fetches)  # a transaction retried while locked runs its body again
        return self.transaction(lambda conn: sum(1 for fetch in fetches if self._record(conn, fetch, None, None)))

    def _record(self, conn: sqlite3.Connection, fetch: Fetch, blob_content_type: str | None,
                evidence: Evidence | None) -> tuple[int, str]:
        """The body of record(), inside its transaction."""
        row = {name: getattr(fetch, name) for name in FETCH_COLUMNS}  # not asdict: its deep copy was a fifth of this call
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

    def archived_documents(self) -> list[dict[str, Any]]:
        """Every report page and attachment version with its size, content type and first WARC record."""
        sql = _DOCUMENTS_SQL.format(kinds=", ".join("?" for _ in DOCUMENT_KINDS))
        return [dict(row) for row in self.conn.execute(sql, DOCUMENT_KINDS)]

    def current_pictures(self) -> list[sqlite3.Row]:
        """(url, final_url, sha256) of the current content of every archived page picture."""
        sql = _PICTURES_SQL.format(outcomes=", ".join("?" for _ in CONTENT_OUTCOMES))
        return self.conn.execute(sql, CONTENT_OUTCOMES).fetchall()

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
