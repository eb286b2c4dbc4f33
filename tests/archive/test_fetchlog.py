"""The fetch log: schema, outcomes, document versions, validators, concurrent writers."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from harvester.archive.fetchlog import SCHEMA_VERSION, Fetch, FetchLog, FetchLogError

SHA_A = "a" * 64
SHA_B = "b" * 64


def content_fetch(url: str, sha: str, kind: str = "report_page", **fields) -> Fetch:
    """A successful 200 fetch of url whose body hashes to sha."""
    return Fetch(run_id="r1", url=url, final_url=url, kind=kind, status=200, sha256=sha, size=10,
                 content_type="text/html", site="demo", **fields)


def test_schema_is_created_once_and_versioned(tmp_path: Path) -> None:
    FetchLog(tmp_path / "archive.db").close()
    log = FetchLog(tmp_path / "archive.db")
    assert log.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert log.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {row[0] for row in log.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"runs", "fetches", "blobs", "documents"} <= tables
    log.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "archive.db")
    conn.execute("PRAGMA user_version=99")
    conn.close()
    with pytest.raises(FetchLogError, match="newer"):
        FetchLog(tmp_path / "archive.db")


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "archive.db").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(FetchLogError):
        FetchLog(tmp_path / "archive.db")


def test_outcomes_and_document_versions(tmp_path: Path) -> None:
    log = FetchLog(tmp_path / "archive.db")
    url = "http://example.test/t20240101_1.html"
    # Fetch times given, one a day: four records can fall in one millisecond of the clock.
    day = "2024-01-0{}T08:00:00.000Z".format
    assert log.record(content_fetch(url, SHA_A, etag='"v1"', title="2023年报告", fetched_at=day(1)))[1] == "new"
    assert log.record(content_fetch(url, SHA_A, fetched_at=day(2)))[1] == "unchanged"
    assert log.record(content_fetch(url, SHA_B, etag='"v2"', fetched_at=day(3)))[1] == "changed"
    assert log.record(content_fetch(url, SHA_A, fetched_at=day(4)))[1] == "changed"  # back to the first version
    versions = {(doc.url, doc.sha256): doc for doc in log.documents()}
    assert set(versions) == {(url, SHA_A), (url, SHA_B)}
    first = versions[(url, SHA_A)]
    assert first.title == "2023年报告" and first.first_seen < first.last_seen
    latest = log.latest(url)
    assert latest is not None and latest.sha256 == SHA_A and latest.etag is None
    assert log.conn.execute("SELECT count(*) FROM blobs").fetchone()[0] == 2


def test_only_report_kinds_with_content_become_documents(tmp_path: Path) -> None:
    log = FetchLog(tmp_path / "archive.db")
    log.record(content_fetch("http://x.test/list.html", SHA_A, kind="list"))
    log.record(content_fetch("http://x.test/gone.html", SHA_B, outcome="soft404"))
    log.record(Fetch(run_id="r1", url="http://x.test/t.html", final_url="http://x.test/t.html",
                     kind="report_page", outcome="error", error="TimeoutError"))
    assert list(log.documents()) == []
    assert log.latest("http://x.test/gone.html") is None  # a soft 404 is never "current content"
    assert log.outcome_counts("r1") == {"new": 1, "changed": 0, "unchanged": 0, "not_modified": 0,
                                        "error": 1, "blocked": 0, "soft404": 1, "too_large": 0,
                                        "disallowed": 0, "not_fetched": 0}


# What each older schema lacked in the fetches CHECK constraints.
OLDER_SCHEMAS = {1: (", 'disallowed'", ", 'page_image'", ", 'not_fetched'"), 2: (", 'page_image'", ", 'not_fetched'"),
                 4: (", 'not_fetched'",)}


@pytest.mark.parametrize("version", sorted(OLDER_SCHEMAS))
def test_an_older_log_is_migrated_and_keeps_its_rows(tmp_path: Path, version: int) -> None:
    path = tmp_path / "archive.db"
    log = FetchLog(path)
    log.start_run("r1", "discovery", "demo")
    log.record(content_fetch("http://x.test/a.html", SHA_A))
    log.close()
    # Rebuild the table as that version had it.
    conn = sqlite3.connect(path)
    schema = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'fetches'").fetchone()[0]
    for missing in OLDER_SCHEMAS[version]:
        schema = schema.replace(missing, "")
    conn.executescript(f"""
        ALTER TABLE fetches RENAME TO f_old;
        {schema};
        INSERT INTO fetches SELECT * FROM f_old; DROP TABLE f_old; PRAGMA user_version = {version};""")
    with pytest.raises(sqlite3.IntegrityError):  # the old constraint really refuses the new outcome
        conn.execute("INSERT INTO fetches(run_id, url, final_url, fetched_at, kind, outcome)"
                     " VALUES ('r1', 'u', 'u', 't', 'report_page', 'not_fetched')")
    conn.close()
    log = FetchLog(path)
    assert log.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    log.record(Fetch(run_id="r1", url="http://x.test/private/", final_url="http://x.test/private/",
                     kind="report_page", outcome="disallowed", error="Forbidden by robots.txt"))
    log.record(content_fetch("http://x.test/p1.png", SHA_B, kind="page_image"))
    log.record_all([Fetch(run_id="r1", url="http://x.test/b.pdf", final_url="http://x.test/b.pdf", kind="attachment",
                          outcome="not_fetched", error="not fetched: the crawl stopped (shutdown)")])
    assert log.outcome_counts("r1")["disallowed"] == log.outcome_counts("r1")["not_fetched"] == 1
    assert log.latest("http://x.test/a.html").sha256 == SHA_A
    assert log.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    indexes = {r[0] for r in log.conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"fetches_final_url", "fetches_run_outcome"} <= indexes
    log.close()


def test_a_version_3_log_gains_the_run_registry_and_the_operate_tables(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    log = FetchLog(path)
    log.start_run("r1", "discovery", "demo")
    log.close()
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE runs_old (run_id TEXT PRIMARY KEY, spider TEXT, site TEXT, started_at TEXT NOT NULL,
                               ended_at TEXT, status TEXT, stats TEXT);
        INSERT INTO runs_old SELECT run_id, spider, site, started_at, ended_at, status, stats FROM runs;
        PRAGMA foreign_keys = OFF; DROP TABLE runs; ALTER TABLE runs_old RENAME TO runs;
        DROP TABLE schedule_lock; DROP TABLE scheduled_runs; DROP TABLE source_health; DROP TABLE alerts;
        PRAGMA user_version = 3;""")
    conn.close()
    log = FetchLog(path)
    assert log.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
    assert "registry" in {row[1] for row in log.conn.execute("PRAGMA table_info(runs)")}
    tables = {row[0] for row in log.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"schedule_lock", "scheduled_runs", "source_health", "alerts"} <= tables
    assert log.run("r1")["site"] == "demo"
    log.close()


def test_a_fetch_row_without_its_blob_row_is_impossible(tmp_path: Path) -> None:
    log = FetchLog(tmp_path / "archive.db")
    orphan = content_fetch("http://x.test/a.pdf", SHA_A, kind="attachment", outcome="not_modified")
    orphan.size = None  # no blob row is written without a size
    with pytest.raises(sqlite3.IntegrityError):
        log.record(orphan)
    assert log.conn.execute("SELECT count(*) FROM fetches").fetchone()[0] == 0
    assert log.problems() == []


def test_runs_start_resume_finish(tmp_path: Path) -> None:
    log = FetchLog(tmp_path / "archive.db")
    log.start_run("r1", "discovery", "kjj_shenyang", started_at="2026-01-01T00:00:00.000Z")
    log.finish_run("r1", "shutdown", {"new": 1})
    log.start_run("r1", "discovery", None)  # resumed after a kill
    run = log.run("r1")
    assert run["started_at"] == "2026-01-01T00:00:00.000Z" and run["status"] == "running"
    assert run["site"] == "kjj_shenyang" and run["ended_at"] is None
    log.finish_run("r1", "finished", {"new": 2})
    assert log.run("r1")["stats"] == {"new": 2}


def _write_fetches(db: str, worker: int) -> None:
    log = FetchLog(db)
    for i in range(150):
        # every worker also fetches the same shared URLs with the same content
        url = f"http://x.test/shared{i % 10}.html" if i % 3 == 0 else f"http://x.test/w{worker}/{i}.html"
        sha = f"{i % 10:064x}" if i % 3 == 0 else f"{worker:02x}{i:062x}"
        log.record(Fetch(run_id=f"run{worker}", url=url, final_url=url, kind="report_page", status=200,
                         sha256=sha, size=i, site="demo"))
    log.close()


def test_three_writer_processes_lose_and_double_nothing(tmp_path: Path) -> None:
    db = str(tmp_path / "archive.db")
    FetchLog(db).close()
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_write_fetches, args=(db, worker)) for worker in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    log = FetchLog(db)
    assert log.problems() == []
    assert log.conn.execute("SELECT count(*) FROM fetches").fetchone()[0] == 450
    assert log.conn.execute("SELECT count(DISTINCT url) FROM fetches").fetchone()[0] == 10 + 3 * 100
    assert log.conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 10 + 3 * 100
    # each shared URL is "new" exactly once across all workers, whoever came first
    new_shared = log.conn.execute(
        "SELECT count(*) FROM fetches WHERE url LIKE '%shared%' AND outcome='new'").fetchone()[0]
    assert new_shared == 10
    assert {row[0] for row in log.conn.execute("SELECT run_id FROM runs")} == {"run0", "run1", "run2"}
