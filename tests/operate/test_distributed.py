"""Distributed mode for real: redis-server, three worker processes, the replica portal, one worker killed."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from held import RedisGate, frozen_in_flight, stop_running, wait_for, wait_until_alive

from scrapy import Request
from scrapy_redis.dupefilter import RFPDupeFilter

from harvester.crawl.runner import LOOPBACK_SETTINGS
from harvester.db.sources import recorded_sites
from harvester.operate import workers
from harvester.registry import DEMO_REGISTRY, load_registry, select

REPO_ROOT = Path(__file__).resolve().parents[2]

CONTENT = "('new', 'changed', 'unchanged', 'not_modified')"
# One request at a time, 50 ms apart: on loopback a worker alone could otherwise drain the shared
# frontier before the others' idle poll pops their share, even once all of them are alive.
PACED = {**LOOPBACK_SETTINGS, "CONCURRENT_REQUESTS": "1", "DOWNLOAD_DELAY": "0.05"}


def seed_crawl(crawl: workers.Crawl, replica, large_pages: int) -> list[str]:
    """Seed the replica's TRS site and a generated column; returns the generated articles' URLs."""
    workers.seed(crawl, select(load_registry(DEMO_REGISTRY, portal=replica.url), ["demo-trs"]))
    start = replica.generate_large(large_pages)
    crawl.client().rpush(f"{crawl.prefix}:start_urls", f'{{"site": "demo-large", "url": "{start}"}}')
    return [replica.absolute(entry.url) for entry in replica.catalogue.large.column.entries]


def fetch_counts(root: Path) -> dict[str, int]:
    """Content fetches per final URL in the fetch log."""
    with sqlite3.connect(root / "archive.db") as conn:
        return dict(conn.execute(f"SELECT final_url, count(*) FROM fetches WHERE outcome IN {CONTENT} GROUP BY final_url"))


def fetches_of(root: Path, run_id: str) -> int:
    """Fetch rows written by one worker so far (0 before the fetch log exists)."""
    if not (root / "archive.db").exists():
        return 0
    with sqlite3.connect(root / "archive.db") as conn:
        try:
            return conn.execute("SELECT count(*) FROM fetches WHERE run_id = ?", (run_id,)).fetchone()[0]
        except sqlite3.OperationalError:  # the table is being created
            return 0


def documents(root: Path) -> list[str]:
    with sqlite3.connect(root / "archive.db") as conn:
        return [url for (url,) in conn.execute("SELECT url FROM documents")]


def test_three_workers_fetch_and_archive_every_report_exactly_once(redis_url, replica, tmp_path):
    crawl = workers.Crawl("once", redis_url, tmp_path)
    started = [workers.start_worker(crawl, n, PACED) for n in range(3)]
    wait_until_alive(crawl, started)
    articles = seed_crawl(crawl, replica, 60)
    outcome = workers.wait(started, timeout=180)
    assert not outcome.timed_out and set(outcome.returncodes.values()) == {0}

    counts = fetch_counts(tmp_path)
    expected = [report.url for report in replica.reports if "/zwgk/" in report.url] + articles
    assert len(articles) > 50
    assert {url: counts.get(url, 0) for url in expected} == dict.fromkeys(expected, 1)
    assert {url: replica.times_requested(url) for url in expected} == dict.fromkeys(expected, 1)
    assert sorted(documents(tmp_path)) == sorted(set(documents(tmp_path))) and set(expected) <= set(documents(tmp_path))
    with sqlite3.connect(tmp_path / "archive.db") as conn:
        busy = conn.execute("SELECT count(DISTINCT run_id) FROM fetches WHERE kind = 'report_page'").fetchone()[0]
    assert busy >= 2  # the work was shared
    assert workers.finish(crawl) and not list(crawl.client().scan_iter(match=f"{crawl.prefix}:*"))


def test_killing_a_worker_mid_crawl_loses_nothing(redis_url, replica, tmp_path):
    crawl = workers.Crawl("kill", redis_url, tmp_path)
    articles = seed_crawl(crawl, replica, 400)
    # Every tenth article is held unanswered: whichever worker asks for one keeps it in flight,
    # so the victim is caught with requests in flight whatever the machine's speed.
    gates = [replica.hold(urlsplit(url).path) for url in articles[::10]]
    started = [workers.start_worker(crawl, n, {**LOOPBACK_SETTINGS, "HARVESTER_HEARTBEAT_TTL": "3"}) for n in range(3)]
    victim = frozen_in_flight(crawl, started[1:2], lambda worker: fetches_of(tmp_path, worker.run_id) >= 20)
    os.killpg(victim.process.pid, signal.SIGKILL)  # mid-crawl, with requests in flight
    victim.process.wait()
    for gate in gates:
        gate.set()
    survivors = [worker for worker in started if worker is not victim]
    outcome = workers.wait(survivors, timeout=240)
    assert not outcome.timed_out and set(outcome.returncodes.values()) == {0}

    assert any("requeued" in worker.log.read_text() for worker in survivors)
    counts = fetch_counts(tmp_path)
    expected = [report.url for report in replica.reports if "/zwgk/" in report.url] + articles
    assert [url for url in expected if counts.get(url, 0) == 0] == []  # nothing lost
    found = documents(tmp_path)
    assert len(found) == len(set(found)) and set(expected) <= set(found)  # nothing doubled
    assert workers.finish(crawl)


def test_workers_command_crawls_the_registry(redis_url, replica, tmp_path):
    loopback = [arg for name, value in LOOPBACK_SETTINGS.items() for arg in ("-s", f"{name}={value}")]
    result = subprocess.run(
        [sys.executable, "-m", "harvester", "workers", "--archive", str(tmp_path), "--redis", redis_url,
         "--workers", "2", "--registry", str(DEMO_REGISTRY), "--portal", replica.url, "--site", "demo-trs", *loopback],
        capture_output=True, text=True, timeout=240, cwd=REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 start columns seeded" in result.stdout and "frontier empty, Redis keys removed" in result.stdout
    assert {r.url for r in replica.reports if "/zwgk/" in r.url} <= set(documents(tmp_path))


def test_seeding_a_crawl_records_its_registry_for_the_load(redis_url, tmp_path):
    crawl = workers.Crawl("recorded", redis_url, tmp_path)
    sites = select(load_registry(DEMO_REGISTRY, portal="http://127.0.0.1:9"), ["demo-trs", "demo-json"])
    assert workers.seed(crawl, sites) == sum(len(site.start_urls) for site in sites) > 0
    assert recorded_sites(tmp_path) == sites
    with sqlite3.connect(tmp_path / "archive.db") as conn:
        assert conn.execute("SELECT run_id, spider, status FROM runs").fetchall() == [("recorded", "distributed", "seeded")]


def acknowledges(url: str) -> Callable[[list[bytes]], bool]:
    """A Redis command that acknowledges (removes from an in-flight list) the request for `url`."""
    return lambda command: command[0].upper() == b"LREM" and b":inflight:" in command[1] and url.encode() in command[3]


def marks_seen(url: str) -> Callable[[list[bytes]], bool]:
    """A Redis command that records `url`'s request fingerprint in a crawl's duplicate filter."""
    fingerprint = RFPDupeFilter.request_fingerprint(None, Request(url)).encode()  # type: ignore[arg-type]
    return lambda command: any(part.endswith(b":dupefilter") for part in command) and fingerprint in command


def takes_a_start_entry(key: str) -> Callable[[list[bytes]], bool]:
    """A Redis command that takes an entry off the start list `key`: RPOPLPUSH, or the EXEC of scrapy-redis's
    MULTI/LRANGE/LTRIM."""
    return lambda command: command[0].upper() == b"EXEC" or [command[0].upper(), *command[1:2]] == [b"RPOPLPUSH", key.encode()]


# The instants of a worker's scheduling at which it is killed: each left requests queued by no worker.
INSTANTS = {
    "takes the start entry": lambda crawl, start: takes_a_start_entry(f"{crawl.prefix}:start_urls"),
    "acknowledges the start page": lambda crawl, start: acknowledges(start),
    "marks the second list page seen": lambda crawl, start: marks_seen(start.replace("index", "index_1")),
}


@pytest.mark.parametrize("instant", INSTANTS)
def test_a_worker_killed_at_any_instant_of_scheduling_a_list_page_loses_none_of_its_links(
        instant, redis_url, replica, tmp_path):
    """Each worker talks to Redis through a gate; the worker that sends the chosen command is frozen just
    after it, as if killed at that instant, and killed: the survivors still fetch every article."""
    crawl = workers.Crawl("instant", redis_url, tmp_path)
    start = replica.generate_large(60)
    articles = [replica.absolute(entry.url) for entry in replica.catalogue.large.column.entries]
    trips = INSTANTS[instant](crawl, start)
    tripped = threading.Event()
    gates = [RedisGate(redis_url, trips, tripped) for _ in range(3)]
    settings = {**LOOPBACK_SETTINGS, "HARVESTER_HEARTBEAT_TTL": "3"}
    started = [workers.start_worker(crawl, n, {**settings, "REDIS_URL": gate.url}) for n, gate in enumerate(gates)]
    try:
        wait_until_alive(crawl, started)
        crawl.client().rpush(f"{crawl.prefix}:start_urls", json.dumps({"site": "demo-large", "url": start}))
        assert wait_for(tripped.is_set), "no worker sent the chosen command"
        victim = next(worker for worker, gate in zip(started, gates) if gate.shut.is_set())
        os.killpg(victim.process.pid, signal.SIGKILL)
        victim.process.wait()
        survivors = [worker for worker in started if worker is not victim]
        outcome = workers.wait(survivors, timeout=240)
    finally:
        stop_running(started)
        for gate in gates:
            gate.close()
    assert not outcome.timed_out and set(outcome.returncodes.values()) == {0}, outcome
    counts = fetch_counts(tmp_path)
    assert len(articles) > 50 and [url for url in articles if counts.get(url, 0) == 0] == []


def test_a_worker_up_before_the_crawl_is_seeded_waits_for_its_work(redis_url, replica, tmp_path):
    """Workers come up at their own pace (on several machines, or on a loaded one) before the crawl is
    seeded: one that found no work at its start nor when idle stays for the work instead of stopping."""
    crawl = workers.Crawl("early", redis_url, tmp_path)
    gate = RedisGate(redis_url, lambda command: False, threading.Event())  # never shuts: it only lists commands
    early = workers.start_worker(crawl, 0, {**LOOPBACK_SETTINGS, "REDIS_URL": gate.url})
    start_list = f"{crawl.prefix}:start_urls".encode()

    def reads_of_the_start_list() -> int:
        return len([c for c in gate.commands if c[0].upper() in (b"LRANGE", b"RPOPLPUSH") and c[1] == start_list])

    try:
        assert wait_for(lambda: reads_of_the_start_list() >= 2)  # at its start, then idle: nothing there yet
        articles = seed_crawl(crawl, replica, 20)
        outcome = workers.wait([early], timeout=180)
    finally:
        stop_running([early])
        gate.close()
    assert not outcome.timed_out and outcome.returncodes == {early.name: 0}, outcome
    counts = fetch_counts(tmp_path)
    assert articles and [url for url in articles if counts.get(url, 0) == 0] == []
