"""The issue's "Done when" runs on the real-CMS replica (tests/crawl/real_cms.py: a Hanweb column paged by
POST in 4 batches, a 政务公开 platform with a pager, a 301, download endpoints, cut titles, decoys and a
图解, a GBK TRS column), crawled from a registry of its columns: an unchanged recrawl downloads nothing
again; three `harvester workers` with one killed, and a crawl killed with kill -9 then resumed, still
archive every report, no decoy, and no body twice."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from held import frozen_in_flight, wait_until_alive

from harvester.archive import Archive
from harvester.crawl.runner import LOOPBACK_SETTINGS, crawl, start_crawl
from harvester.operate import workers
from harvester.registry import load_registry
from real_cms import RealCms, hanweb_column, platform_column, registry_file, trs_column

DECOYS = ["召开2024年政府信息公开工作年度报告编制工作会议", "关于做好2024年度政府信息公开工作年度报告工作的通知"]
HANWEB_REPORTS = {10: "某市科学技术局2024年度政府信息公开工作年度报告", 100: "某市科学技术局2022年度政府信息公开工作年度报告",
                  140: "某市科学技术局2020年度政府信息公开工作年度报告", 170: "某市科学技术局2018年度政府信息公开工作年度报告"}
CONTENT = ("new", "changed", "unchanged", "not_modified")


@pytest.fixture
def cms():
    server = RealCms()
    server.columns = {"hanweb": hanweb_column(server, 2771, 8871, total=180, reports=HANWEB_REPORTS),
                      "platform": platform_column(server, DECOYS), "trs": trs_column(server)}
    server.start()
    yield server
    for gate in server.holds.values():
        gate.set()
    server.stop()


def query(archive: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(f"file:{archive / 'archive.db'}?mode=ro", uri=True) as conn:
        return conn.execute(sql, params).fetchall()


def assert_every_report_once_and_no_decoy(cms: RealCms, archive: Path) -> None:
    """Every report of the replica archived as a document, each body stored once per URL, no decoy fetched."""
    documents = {url for (url,) in query(archive, "SELECT url FROM documents")}
    assert len(cms.reports) == 12 and set(cms.reports) <= documents, sorted(set(cms.reports) - documents)
    assert not [url for url in cms.decoys if cms.requested(urlsplit(url).path)]
    twice = query(archive, "SELECT final_url, sha256 FROM fetches WHERE outcome IN ('new', 'changed')"
                           " GROUP BY final_url, sha256 HAVING count(*) > 1")
    assert twice == []  # a repeated fetch of the same bytes is a 304 or a revisit, never a second copy
    verified = Archive(archive).verify()
    assert verified.problems == [] and verified.blobs_checked > len(cms.reports)


def test_an_unchanged_recrawl_downloads_nothing_again(cms: RealCms, tmp_path: Path) -> None:
    registry = registry_file(cms, tmp_path / "registry.yaml")
    first = crawl(registry=registry, archive=tmp_path / "archive", settings=LOOPBACK_SETTINGS, timeout=180)
    assert first["status"] == "finished", first
    assert_every_report_once_and_no_decoy(cms, tmp_path / "archive")
    assert len([a for a in cms.arrivals if a.method == "POST"]) == 3  # records 46-90, 91-135, 136-180
    answered = len(cms.answers)
    again = crawl(registry=registry, archive=tmp_path / "archive", settings=LOOPBACK_SETTINGS, timeout=180)
    assert again["status"] == "finished", again
    recrawl = cms.answers[answered:]
    assert len(recrawl) > 20 and [answer for answer in recrawl if answer[2] not in (301, 304)] == [], recrawl
    assert set(again["outcomes"]) == {"not_modified"}, again
    # the reports the POST batches listed were visited again too: asked conditionally, answered 304
    hanweb = [url for url in cms.reports if "/art_2771_" in url]
    assert len(hanweb) == 4 and all(len(cms.requested(urlsplit(url).path)) == 2 for url in hanweb)


def test_three_workers_one_killed_mid_crawl_still_archive_every_report(cms: RealCms, tmp_path: Path) -> None:
    (tmp_path / "redis").mkdir()
    redis_server, redis_url = workers.start_local_redis(tmp_path / "redis")
    crawl_run = workers.Crawl("replica", redis_url, tmp_path / "archive")
    # the TRS reports are held unanswered: whichever worker asks for one keeps it in flight till the kill
    gates = [cms.hold(urlsplit(url).path) for url in cms.reports if "/trs/" in url]
    try:
        started = [workers.start_worker(crawl_run, n, {**LOOPBACK_SETTINGS, "HARVESTER_HEARTBEAT_TTL": "3"})
                   for n in range(3)]
        wait_until_alive(crawl_run, started)
        assert workers.seed(crawl_run, load_registry(registry_file(cms, tmp_path / "registry.yaml"))) == 3
        victim = frozen_in_flight(crawl_run, started, lambda worker: len(cms.answers) >= 5)
        os.killpg(victim.process.pid, signal.SIGKILL)  # mid-crawl, with requests in flight
        victim.process.wait()
        for gate in gates:
            gate.set()
        survivors = [worker for worker in started if worker is not victim]
        outcome = workers.wait(survivors, timeout=240)
    finally:
        redis_server.terminate()
        redis_server.wait(timeout=10)
    assert not outcome.timed_out and set(outcome.returncodes.values()) == {0}, outcome
    assert_every_report_once_and_no_decoy(cms, tmp_path / "archive")


def test_a_crawl_killed_with_kill_minus_nine_then_resumed_archives_every_report(cms: RealCms, tmp_path: Path) -> None:
    held = urlsplit(next(url for url in cms.reports if "/trs/" in url)).path
    gate = cms.hold(held)
    options = {"registry": registry_file(cms, tmp_path / "registry.yaml"), "archive": tmp_path / "archive",
               "jobdir": tmp_path / "job", "settings": LOOPBACK_SETTINGS}
    killed = start_crawl("resumed", **options)
    deadline = time.monotonic() + 120
    while not cms.requested(held):  # the crawl is mid-way: it waits for the held report
        assert killed.poll() is None and time.monotonic() < deadline, "the crawl ended before the held report"
        time.sleep(0.05)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait()
    gate.set()
    resumed = crawl(run_id="resumed", timeout=180, **options)
    assert resumed["status"] == "finished", resumed
    assert_every_report_once_and_no_decoy(cms, tmp_path / "archive")
    assert query(tmp_path / "archive", "SELECT run_id, status FROM runs") == [("resumed", "finished")]
