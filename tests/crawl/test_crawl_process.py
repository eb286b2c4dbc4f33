"""A killed `harvester crawl` takes its Scrapy child with it; a run whose process died is interrupted."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from harvester.crawl.runner import LOOPBACK_SETTINGS, start_crawl, summarise
from harvester.operate.lock import pid_alive
from harvester.portal import Portal


@dataclass
class HeldColumn:
    """A generated column of the replica portal whose first articles are held unanswered."""

    portal: Portal
    start: str  # the column's start URL
    articles: list[str]  # every article's URL, in list order
    held: list[str]  # the held ones
    gates: list[threading.Event]  # set them to answer the held requests

    def asked(self) -> bool:
        """Whether the portal was asked for a held article: the crawl is mid-way, it cannot have ended."""
        return any(self.portal.times_requested(url) for url in self.held)

    def release(self) -> None:
        """Answer the held requests (and every later one)."""
        for gate in self.gates:
            gate.set()


def held_column(portal: Portal, n_pages: int, held: int | None = None) -> HeldColumn:
    """Add a column of about `n_pages` pages to the portal, holding its first `held` articles (default: all)."""
    start = portal.generate_large(n_pages)
    articles = [portal.absolute(entry.url) for entry in portal.catalogue.large.column.entries]
    gates = [portal.hold(urlsplit(url).path) for url in articles[:held]]
    assert gates
    return HeldColumn(portal, start, articles, articles[:held], gates)


def wait_for(condition: Callable[[], bool], seconds: float = 120) -> bool:
    """Poll until `condition` holds (True), or give up after `seconds` (False: the state never came)."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def children(pid: int) -> list[int]:
    """The pids whose parent is `pid`."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    return found


def run_status(archive: Path, run_id: str) -> str:
    with sqlite3.connect(archive / "archive.db") as conn:
        return conn.execute("SELECT status FROM runs WHERE run_id = ?", (run_id,)).fetchone()[0]


def test_the_crawl_dies_with_harvester_crawl(fresh_portal, tmp_path: Path) -> None:
    column = held_column(fresh_portal, 20)
    parent = subprocess.Popen(
        [sys.executable, "-m", "harvester", "crawl", "--url", column.start, "--archive", str(tmp_path),
         "--run-id", "r1", "--loopback"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert wait_for(column.asked)
    [scrapy] = children(parent.pid)
    parent.kill()
    parent.wait()
    column.release()
    assert wait_for(lambda: not pid_alive(scrapy)), "the Scrapy child outlived harvester crawl"
    assert run_status(tmp_path, "r1") == "shutdown"  # it closed cleanly, on the SIGTERM it was sent


def test_a_run_whose_process_died_is_interrupted(fresh_portal, tmp_path: Path) -> None:
    column = held_column(fresh_portal, 20)
    crawl = start_crawl("r2", url=column.start, archive=tmp_path, settings=LOOPBACK_SETTINGS)
    assert wait_for(column.asked)
    os.killpg(crawl.pid, signal.SIGKILL)  # as the OOM killer or a kill -9 would: no chance to say so
    crawl.wait()
    assert run_status(tmp_path, "r2") == "running"
    assert summarise("r2", tmp_path)["status"] == "interrupted"
    assert run_status(tmp_path, "r2") == "interrupted"
