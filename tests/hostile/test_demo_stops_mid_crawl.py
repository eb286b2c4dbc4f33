"""`harvester demo` signalled while it crawls (Ctrl-C or SIGTERM to its group) stops its crawl too:
the Scrapy child runs in a session of its own, which the signal to the group does not reach. Before
it died with its parent, it crawled on to the end (the run `finished`, 26 s after the demo was gone)."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from publish.test_demo_stops import group_members, wait_for


def crawl_child(demo: int) -> int | None:
    """The demo's Scrapy child (the leader of the crawl's process group), once it runs."""
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError):
            if f"PPid:\t{demo}\n" in status.read_text() and b"scrapy" in (status.parent / "cmdline").read_bytes():
                return int(status.parent.name)
    return None


def fetched(log: Path) -> int:
    """Fetch-log rows written so far (0 before the log exists)."""
    if not log.exists():
        return 0
    with contextlib.suppress(sqlite3.Error), sqlite3.connect(f"file:{log}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT count(*) FROM fetches").fetchone()[0]
    return 0


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_the_demo_stops_its_crawl_on_a_signal_to_its_group(tmp_path: Path, signum: signal.Signals) -> None:
    demo = subprocess.Popen([sys.executable, "-m", "harvester", "demo", "--archive", str(tmp_path),
                             "--portal-port", "0", "--no-serve"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    child = None
    try:
        assert wait_for(lambda: fetched(tmp_path / "archive.db") > 0 or demo.poll() is not None, 600)
        child = crawl_child(demo.pid)
        assert demo.poll() is None and child is not None, "the crawl ended before the demo was signalled"
        os.killpg(demo.pid, signum)
        # the crawl leads a process group of its own (Scrapy, Chromium): all of it ends, and the demo's
        assert wait_for(lambda: not group_members(demo.pid) and not group_members(child), 120)
        with sqlite3.connect(tmp_path / "archive.db") as conn:
            [(status,)] = conn.execute("SELECT status FROM runs").fetchall()
        assert status != "finished"  # it stopped, it did not crawl on without its demo
    finally:
        for pid in [*group_members(demo.pid), *(group_members(child) if child else [])]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        demo.wait()
