"""End to end: crawl the replica portal (plain HTTP and real Chromium) into a real archive and check it.

The archive contract (docs/ARCHITECTURE.md): archive.db tables `fetches` and `documents`.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from harvester.archive.fetchlog import new_run_id
from harvester.crawl.runner import LOOPBACK_SETTINGS, crawl, start_crawl
from harvester.db.sources import recorded_sites
from harvester.portal import Portal
from harvester.registry import DEMO_REGISTRY, load_registry

REPO_ROOT = Path(__file__).resolve().parents[2]

# Pages (inline text or pictures) are report_page documents; every other carrier is an attachment.
DOCUMENT_KIND = {"html": "report_page", "gbk.html": "report_page", "images": "report_page"}


def query(archive: Path, sql: str, *params) -> list[tuple]:
    """Rows of a read-only query on archive.db."""
    with sqlite3.connect(f"file:{archive / 'archive.db'}?mode=ro", uri=True) as conn:
        return conn.execute(sql, params).fetchall()


def crawl_demo(portal: Portal, archive: Path, *sites: str) -> dict:
    """Crawl demo registry sites (all when none given) of `portal` into `archive`, fast (loopback)."""
    return crawl(registry=DEMO_REGISTRY, portal=portal.url, sites=list(sites) or None, archive=archive,
                 settings=LOOPBACK_SETTINGS, timeout=120)


def served_body(portal: Portal, url: str) -> bytes:
    """The bytes the portal serves at `url` (read from its catalogue, not over HTTP)."""
    return portal.catalogue.get(urlsplit(url).path).body


@pytest.fixture(scope="module")
def crawled(portal: Portal, tmp_path_factory) -> tuple[Path, dict]:
    """One crawl of the whole demo registry (both sites, the GBK one rendered by Chromium)."""
    archive = tmp_path_factory.mktemp("archive")
    return archive, crawl_demo(portal, archive)


def test_every_report_is_archived_once(portal: Portal, crawled) -> None:
    archive, summary = crawled
    assert summary["returncode"] == 0 and summary["status"] == "finished", summary
    assert len({r.seed for r in portal.reports}) == 5 and len(portal.reports) == 6
    for report in portal.reports:
        rows = query(archive, "SELECT kind, sha256 FROM documents WHERE url = ?", report.url)
        assert len(rows) == 1, (report, rows)
        kind, sha256 = rows[0]
        assert kind == DOCUMENT_KIND.get(report.carrier, "attachment"), report
        if report.carrier not in DOCUMENT_KIND:  # files are archived byte for byte
            assert sha256 == hashlib.sha256(served_body(portal, report.url)).hexdigest()
        fetched = query(archive, "SELECT count(*) FROM fetches WHERE final_url = ? AND status = 200", report.url)
        assert fetched == [(1,)], report


def test_nothing_else_is_taken(portal: Portal, crawled) -> None:
    archive, _ = crawled
    for url in portal.non_reports:
        assert portal.times_requested(url) == 0, url  # never asked of the server (robots-disallowed included)
        assert not query(archive, "SELECT 1 FROM documents WHERE url = ?", url), url
    documents = {url for (url,) in query(archive, "SELECT url FROM documents WHERE kind = 'attachment'")}
    assert documents == {r.url for r in portal.reports if r.carrier not in DOCUMENT_KIND}
    # Pictures are taken from the 图片版 page only, each once, byte for byte; never as documents.
    pictures = query(archive, "SELECT final_url, sha256, referer FROM fetches WHERE kind = 'page_image'")
    assert {r.url for r in portal.reports if r.carrier == "images"} == set(portal.page_pictures)
    assert sorted(pictures) == sorted((url, hashlib.sha256(served_body(portal, url)).hexdigest(), page)
                                      for page, urls in portal.page_pictures.items() for url in urls)
    assert query(archive, "PRAGMA integrity_check") == [("ok",)]


def test_a_robots_disallowed_link_is_logged_as_disallowed_not_as_an_error(portal: Portal, crawled) -> None:
    archive, _ = crawled
    hidden = [url for url in portal.non_reports if "/ngg/" in url]
    assert hidden
    for url in hidden:
        assert query(archive, "SELECT outcome, status FROM fetches WHERE url = ?", url) == [
            ("disallowed", None)], url


def test_the_gbk_list_was_rendered_by_chromium(crawled, portal: Portal) -> None:
    archive, _ = crawled
    # the JSON endpoint is only ever called by the browser running the page's script
    assert portal.times_requested(portal.absolute("/cysz/api/list?page=1")) >= 1
    gbk = [r for r in portal.reports if r.carrier == "gbk.html"][0]
    [(referer,)] = query(archive, "SELECT referer FROM fetches WHERE url = ?", gbk.url)
    assert referer == portal.absolute("/cysz/xxgk/zfxxgknb/index.html?page=1")


def test_unchanged_recrawl_fetches_nothing_new(portal: Portal, crawled) -> None:
    archive, _ = crawled
    blobs_before = query(archive, "SELECT count(*) FROM blobs")
    documents_before = query(archive, "SELECT count(*) FROM documents")
    again = crawl_demo(portal, archive)
    assert again["status"] == "finished"
    assert "new" not in again["outcomes"] and "changed" not in again["outcomes"], again
    assert again["outcomes"]["not_modified"] >= 10  # plain-HTTP pages were asked conditionally and answered 304
    assert query(archive, "SELECT count(*) FROM blobs") == blobs_before
    assert query(archive, "SELECT count(*) FROM documents") == documents_before


def test_cli_crawl_then_a_new_report_is_found_on_recrawl(fresh_portal: Portal, archive_dir: Path) -> None:
    command = [sys.executable, "-m", "harvester", "crawl", "--url", fresh_portal.columns["trs"],
               "--archive", str(archive_dir), "--loopback", "--json"]
    first = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["outcomes"]["new"] >= 8

    added = fresh_portal.add_report("001_1fe2932832f48954", "pdf")
    second = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    summary = json.loads(second.stdout)
    assert summary["outcomes"]["new"] == 2  # the new article and its PDF; the changed list page is "changed"
    assert query(archive_dir, "SELECT kind FROM documents WHERE url = ?", added) == [("attachment",)]


def test_unknown_site_is_a_usage_error(archive_dir: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "harvester", "crawl", "--site", "no-such-site",
                             "--archive", str(archive_dir)], capture_output=True, text=True, cwd=REPO_ROOT)
    assert result.returncode == 2 and "unknown site id" in result.stderr


def test_crawl_killed_mid_run_resumes_and_loses_nothing(fresh_portal: Portal, archive_dir: Path) -> None:
    start = fresh_portal.generate_large(150)
    column = fresh_portal.catalogue.columns["/big/zwgk/zfxxgknb/"]
    expected = {fresh_portal.absolute(e.url) for e in column.entries}
    # The crawl cannot get past the last list page before the kill, however fast the machine.
    last_list = fresh_portal.absolute(f"{column.path}index_{column.page_count - 1}.html")
    gate = fresh_portal.hold(urlsplit(last_list).path)
    options = {"url": start, "archive": archive_dir, "settings": LOOPBACK_SETTINGS}
    process = start_crawl(new_run_id(), **options)
    deadline = time.monotonic() + 120  # only against a hang: the loop waits for a state
    while time.monotonic() < deadline and (_count_documents(archive_dir) < 30
                                           or not fresh_portal.times_requested(last_list)):
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    gate.set()
    interrupted = _count_documents(archive_dir)
    assert fresh_portal.times_requested(last_list) and 30 <= interrupted < len(expected)

    summary = crawl(**options, timeout=180)
    assert summary["status"] == "finished"
    found = {url for (url,) in query(archive_dir, "SELECT url FROM documents")}
    assert found == expected
    assert query(archive_dir, "PRAGMA integrity_check") == [("ok",)]
    # pages archived before the kill were not stored again
    assert query(archive_dir, "SELECT count(*) FROM documents") == [(len(expected),)]


def _count_documents(archive: Path) -> int:
    """Documents archived so far (0 while archive.db does not exist yet)."""
    if not (archive / "archive.db").exists():
        return 0
    try:
        return query(archive, "SELECT count(*) FROM documents")[0][0]
    except sqlite3.OperationalError:  # schema not created yet
        return 0


def test_a_run_records_its_registry_and_load_takes_the_agencies_from_it(portal: Portal, crawled, tmp_path) -> None:
    archive, _ = crawled
    used = load_registry(DEMO_REGISTRY, portal=portal.url)
    assert sorted(recorded_sites(archive), key=lambda site: site.id) == sorted(used, key=lambda site: site.id)
    copy = tmp_path / "archive"
    shutil.copytree(archive, copy)
    run = subprocess.run([sys.executable, "-m", "harvester", "load", "--archive", str(copy)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    with sqlite3.connect(copy / "harvester.db") as conn:
        agency_ids = [agency_id for (agency_id,) in conn.execute("SELECT agency_id FROM reports")]
    assert len(agency_ids) == len({report.seed for report in portal.reports})
    # Placed under the sites that crawled them, not under the bundled registry's real agencies.
    assert {agency_id.split(":")[0] for agency_id in agency_ids} <= {site.id for site in used}
