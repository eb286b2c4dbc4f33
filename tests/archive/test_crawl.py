"""A real Scrapy crawl (subprocess) through ArchiveMiddleware + RunRecorder against a local portal."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from archive_portal import HELD_COLUMN, PDF, SiteState, serve
from held import wait_for
from warcio.archiveiterator import ArchiveIterator

from harvester.archive import Archive

SPIDER = Path(__file__).with_name("archive_spider.py")


def crawl_command(start_url: str, root: Path, run_id: str = "", jobdir: Path | None = None) -> list[str]:
    """The command line of one crawl in its own process."""
    return [sys.executable, str(SPIDER), start_url, str(root), run_id, *([str(jobdir)] if jobdir else [])]


def crawl(start_url: str, root: Path, run_id: str) -> None:
    """Run one crawl to the end."""
    done = subprocess.run(crawl_command(start_url, root, run_id), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]


def closed_port() -> int:
    """A local port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rows(root: Path, sql: str, *args: object) -> list[sqlite3.Row]:
    """Query archive.db."""
    conn = sqlite3.connect(root / "archive.db")
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def fetches(root: Path, run_id: str) -> dict[str, sqlite3.Row]:
    """A run's fetch rows by path of the requested URL."""
    found = rows(root, "SELECT * FROM fetches WHERE run_id=?", run_id)
    return {row["url"].split("/", 3)[3] if row["url"].count("/") >= 3 else row["url"]: row for row in found}


def blob_files(root: Path) -> set[str]:
    """Names of the blob files on disk."""
    return {path.name for path in (root / "blobs").rglob("*") if path.is_file()}


@pytest.fixture(scope="module")
def crawls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """Three crawls of one portal: a first crawl, an identical recrawl, a recrawl after report2 changed."""
    root = tmp_path_factory.mktemp("archive")
    state = SiteState(dead_url=f"http://127.0.0.1:{closed_port()}/dead.html")
    result: dict = {"root": root, "state": state}
    with serve(state) as url:
        result["url"] = url
        for run_id in ("run1", "run2"):
            seen_before = len(state.seen)
            crawl(f"{url}/list.html", root, run_id)
            result[run_id] = {"blobs": blob_files(root), "seen": state.seen[seen_before:],
                              "documents": rows(root, "SELECT * FROM documents ORDER BY url, first_seen")}
        state.version = 2
        crawl(f"{url}/list.html", root, "run3")
        result["run3"] = {"blobs": blob_files(root), "documents": rows(root, "SELECT * FROM documents")}
        yield result


def test_first_crawl_outcomes(crawls: dict) -> None:
    got = {path: (row["kind"], row["status"], row["outcome"]) for path, row in fetches(crawls["root"], "run1").items()}
    dead = crawls["state"].dead_url
    assert got == {
        "robots.txt": ("robots", 200, "new"),
        "list.html": ("list", 200, "new"),
        "report1.html": ("report_page", 200, "new"),
        "report2.html": ("report_page", 200, "new"),
        "files/report.pdf": ("attachment", 200, "new"),
        "download?id=1": ("attachment", 200, "new"),
        "old.html": ("report_page", 200, "new"),
        "challenge.html": ("report_page", 412, "blocked"),
        "gone.html": ("report_page", 200, "soft404"),
        "big.pdf": ("attachment", None, "too_large"),
        "big-stream.pdf": ("attachment", None, "too_large"),
        "evil": ("attachment", 302, "error"),
        "offsite": ("report_page", None, "error"),
        dead.split("/", 3)[3]: ("report_page", None, "error"),
    }
    errors = {path: row["error"] for path, row in fetches(crawls["root"], "run1").items()}
    assert errors["evil"] == "redirect not followed: file:///etc/passwd"
    assert errors["offsite"].startswith("off-scope redirect not followed: http://localhost:")
    assert errors["challenge.html"] == "challenge (412): $_ts"
    assert "Connection" in errors["dead.html"] and "max size" in errors["big.pdf"]


def test_dead_host_robots_and_page_are_errors(crawls: dict) -> None:
    dead_host = crawls["state"].dead_url.rsplit("/", 1)[0]
    outcomes = [(row["kind"], row["outcome"]) for row in rows(
        crawls["root"], "SELECT * FROM fetches WHERE run_id='run1' AND url LIKE ?", dead_host + "%")]
    assert sorted(outcomes) == [("report_page", "error"), ("robots", "error")]


def test_provenance_of_a_redirected_report(crawls: dict) -> None:
    row = fetches(crawls["root"], "run1")["old.html"]
    url = crawls["url"]
    assert row["final_url"] == f"{url}/moved.html"
    assert json.loads(row["redirects"]) == [f"{url}/old.html"]
    assert row["referer"] == f"{url}/list.html" and row["link_text"] == "2023年度政府信息公开工作年度报告"
    assert row["spider"] == "archive_test" and row["site"] == "test_portal" and row["etag"] == '"moved-1"'
    assert json.loads(row["headers"])["Etag"] == ['"moved-1"']


def test_offsite_redirect_is_recorded_with_its_hops(crawls: dict) -> None:
    row = fetches(crawls["root"], "run1")["offsite"]
    port = crawls["url"].rsplit(":", 1)[1]
    assert row["final_url"] == f"http://localhost:{port}/report1.html"
    assert json.loads(row["redirects"]) == [f"{crawls['url']}/offsite"]
    assert not [path for path, *_ in crawls["state"].seen if "localhost" in path]


def test_documents_are_only_report_pages_and_attachments_with_content(crawls: dict) -> None:
    url = crawls["url"]
    documents = {(doc["url"], doc["kind"], doc["title"]) for doc in crawls["run1"]["documents"]}
    assert documents == {
        (f"{url}/report1.html", "report_page", "2023年报告一"),
        (f"{url}/report2.html", "report_page", "2023年报告二"),
        (f"{url}/moved.html", "report_page", "迁移后的报告"),
        (f"{url}/files/report.pdf", "attachment", None),
        (f"{url}/download?id=1", "attachment", "../../../tmp/evil.pdf"),  # a name as text, never a path
    }
    with Archive(crawls["root"]) as archive:
        by_url = {doc.url: doc for doc in archive.iter_documents()}
        assert archive.read_blob(by_url[f"{url}/files/report.pdf"].sha256) == PDF


def test_every_stored_fetch_has_its_blob_and_warc_record(crawls: dict) -> None:
    root = crawls["root"]
    stored = rows(root, "SELECT * FROM fetches WHERE warc_file IS NOT NULL AND run_id='run1'")
    assert len(stored) == 9
    for row in stored:
        body = (root / "blobs" / "sha256" / row["sha256"][:2] / row["sha256"][2:4] / row["sha256"]).read_bytes()
        assert hashlib.sha256(body).hexdigest() == row["sha256"] and len(body) == row["size"]
        with open(root / "warc" / row["warc_file"], "rb") as stream:
            stream.seek(row["warc_offset"])
            record = next(iter(ArchiveIterator(stream, check_digests="raise")))
            assert record.rec_type == "response"
            assert record.rec_headers.get_header("WARC-Target-URI") == row["final_url"]
            assert record.content_stream().read() == body
    with Archive(root) as archive:
        report = archive.verify()
    assert report.ok, report.problems
    assert report.orphan_blobs == [] and report.temp_files == 0


def test_nothing_is_written_outside_the_archive(crawls: dict) -> None:
    root = crawls["root"]
    top = {path.name for path in root.iterdir()}
    assert top <= {"blobs", "warc", "archive.db", "archive.db-wal", "archive.db-shm"}
    warc_files = list((root / "warc").rglob("*"))
    assert warc_files and all(path.parent == root / "warc" for path in warc_files)


def test_identical_recrawl_stores_nothing_new(crawls: dict) -> None:
    assert crawls["run2"]["blobs"] == crawls["run1"]["blobs"]
    assert [tuple(doc)[:2] for doc in crawls["run2"]["documents"]] == [tuple(doc)[:2] for doc in crawls["run1"]["documents"]]
    got = {path: row["outcome"] for path, row in fetches(crawls["root"], "run2").items()}
    # 304s for pages with validators (the spider still got the list's links from the archived copy)
    assert {got["list.html"], got["report1.html"], got["report2.html"], got["old.html"]} == {"not_modified"}
    assert got["files/report.pdf"] == got["download?id=1"] == "unchanged"  # no validators: same bytes
    assert "new" not in got.values() and "changed" not in got.values()
    conditional = {path: (etag, since) for path, etag, since in crawls["run2"]["seen"]}
    assert conditional["/list.html"] == ('"list-1"', None)
    assert conditional["/report1.html"] == (None, "Mon, 01 Jan 2024 00:00:00 GMT")
    assert conditional["/moved.html"] == ('"moved-1"', None)
    assert conditional["/old.html"] == (None, None)  # the redirecting URL has no content of its own
    stats = json.loads(rows(crawls["root"], "SELECT stats FROM runs WHERE run_id='run2'")[0]["stats"])
    assert stats["new"] == 0 and stats["not_modified"] == 4 and stats["unchanged"] == 3


def test_unchanged_content_gets_a_revisit_record(crawls: dict) -> None:
    root = crawls["root"]
    row = fetches(root, "run2")["files/report.pdf"]
    with open(root / "warc" / row["warc_file"], "rb") as stream:
        stream.seek(row["warc_offset"])
        record = next(iter(ArchiveIterator(stream)))
    assert record.rec_type == "revisit"


def test_changed_report_keeps_both_versions(crawls: dict) -> None:
    url = crawls["url"]
    got = {path: row["outcome"] for path, row in fetches(crawls["root"], "run3").items()}
    assert got["report2.html"] == "changed" and got["report1.html"] == "not_modified"
    # a second 304 in a row still knows the page's type, for the response handed to the spider
    third = fetches(crawls["root"], "run3")["list.html"]
    assert third["outcome"] == "not_modified" and json.loads(third["headers"])["Content-Type"] == ["text/html; charset=utf-8"]
    versions = [doc for doc in crawls["run3"]["documents"] if doc["url"] == f"{url}/report2.html"]
    assert len(versions) == 2 and len({doc["sha256"] for doc in versions}) == 2
    assert len(crawls["run3"]["blobs"] - crawls["run2"]["blobs"]) == 1
    run = rows(crawls["root"], "SELECT * FROM runs WHERE run_id='run3'")[0]
    assert run["status"] == "finished" and json.loads(run["stats"])["changed"] == 1


def test_kill_minus_nine_then_resume(tmp_path: Path) -> None:
    """Killed mid-crawl: the archive stays consistent; the resumed crawl continues the same run."""
    root, jobdir, state = tmp_path / "archive", tmp_path / "job", SiteState()
    with serve(state) as url:
        process = subprocess.Popen(crawl_command(f"{url}/heldlist.html", root, jobdir=jobdir),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        with Archive(root) as watcher:  # a second process on the same archive.db, as a monitor would be
            assert wait_for(lambda: state.held_asked() and len(list(watcher.iter_documents())) >= 5)
        os.kill(process.pid, signal.SIGKILL)  # the held page unanswered: surely mid-crawl
        process.wait()
        state.release.set()
        with Archive(root) as archive:
            killed = archive.verify()
            before = len(list(archive.iter_documents()))
        assert killed.ok, killed.problems
        assert 5 <= before < HELD_COLUMN
        resumed = subprocess.run(crawl_command(f"{url}/heldlist.html", root, jobdir=jobdir),
                                 capture_output=True, text=True, timeout=120)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
    runs = rows(root, "SELECT * FROM runs")
    assert len(runs) == 1 and runs[0]["status"] == "finished"  # one run, continued
    with Archive(root) as archive:
        report = archive.verify()
        documents = list(archive.iter_documents())
    assert report.ok, report.problems
    # nothing doubled, nothing lost: Scrapy's disk queue replays what was in flight at the kill
    assert len(documents) == len({doc.url for doc in documents}) == HELD_COLUMN
