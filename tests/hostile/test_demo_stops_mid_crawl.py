"""`harvester demo` signalled while it crawls (Ctrl-C or SIGTERM to its group) stops its crawl too:
the Scrapy child runs in a session of its own, which the signal to the group does not reach. Before
it died with its parent, it crawled on to the end (the run `finished`, 26 s after the demo was gone).
The crawl is frozen (SIGSTOP) once it has fetched a page, so even a quick crawl is mid-way when the
demo is signalled; it is let go (SIGCONT) right after."""

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


def run_statuses(log: Path) -> list[str]:
    """The status of every run in the fetch log."""
    with sqlite3.connect(f"file:{log}?mode=ro", uri=True) as conn:
        return [status for (status,) in conn.execute("SELECT status FROM runs")]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_the_demo_stops_its_crawl_on_a_signal_to_its_group(tmp_path: Path, signum: signal.Signals) -> None:
    demo = subprocess.Popen([sys.executable, "-m", "harvester", "demo", "--archive", str(tmp_path),
                             "--portal-port", "0", "--no-serve"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    log = tmp_path / "archive.db"
    child = None
    try:
        assert wait_for(lambda: crawl_child(demo.pid) is not None or demo.poll() is not None, 600)
        child = crawl_child(demo.pid)
        assert child is not None, "the demo ended before its crawl started"
        assert wait_for(lambda: fetched(log) > 0 or demo.poll() is not None, 600)
        os.kill(child, signal.SIGSTOP)  # frozen mid-crawl: it cannot end before the demo is signalled
        assert demo.poll() is None and run_statuses(log) == ["running"], "the crawl ended before it was frozen"
        os.killpg(demo.pid, signum)
        os.kill(child, signal.SIGCONT)
        # the crawl leads a process group of its own (Scrapy, Chromium): all of it ends, and the demo's
        assert wait_for(lambda: not group_members(demo.pid) and not group_members(child), 120)
        [status] = run_statuses(log)
        assert status != "finished"  # it stopped, it did not crawl on without its demo
    finally:
        for pid in [*group_members(demo.pid), *(group_members(child) if child else [])]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        demo.wait()
