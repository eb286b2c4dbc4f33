"""A killed `harvester crawl` takes its Scrapy child with it; a run whose process died is interrupted."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from held import held_column, wait_for

from harvester.crawl.runner import LOOPBACK_SETTINGS, start_crawl, summarise
from harvester.processes import pid_alive


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
