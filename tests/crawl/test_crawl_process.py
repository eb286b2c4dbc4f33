"""A killed `harvester crawl` takes its Scrapy child with it; a run whose process died is interrupted."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from harvester.crawl.runner import LOOPBACK_SETTINGS, start_crawl, summarise
from harvester.operate.lock import pid_alive

TITLE = "2023年度政府信息公开工作年度报告"


class Handler(BaseHTTPRequestHandler):
    """Report pages are held until the test releases them: the crawl is surely mid-way when killed."""

    server: ThreadingHTTPServer

    def log_message(self, *args: object) -> None:
        """Keep test output quiet."""

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self.server.seen.append(self.path)  # type: ignore[attr-defined]
        if self.path.startswith("/r/"):
            self.server.release.wait()  # type: ignore[attr-defined]
        links = "".join(f"<a href='/r/{n}.html'>{TITLE}{n}</a>" for n in range(10))
        body = (links if self.path == "/list.html" else f"<title>{TITLE}</title>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def portal() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.seen, server.release = [], threading.Event()  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.release.set()  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


def wait_for(condition: Callable[[], bool], seconds: float = 60) -> bool:
    """Poll until `condition` holds (True) or `seconds` pass (False)."""
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


def test_the_crawl_dies_with_harvester_crawl(portal, tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-m", "harvester", "crawl", "--url", f"http://127.0.0.1:{portal.server_port}/list.html",
         "--archive", str(tmp_path), "--run-id", "r1", "--loopback"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert wait_for(lambda: any(path.startswith("/r/") for path in portal.seen))
    [scrapy] = children(parent.pid)
    parent.kill()
    parent.wait()
    portal.release.set()
    assert wait_for(lambda: not pid_alive(scrapy)), "the Scrapy child outlived harvester crawl"
    assert run_status(tmp_path, "r1") == "shutdown"  # it closed cleanly, on the SIGTERM it was sent


def test_a_run_whose_process_died_is_interrupted(portal, tmp_path: Path) -> None:
    crawl = start_crawl("r2", url=f"http://127.0.0.1:{portal.server_port}/list.html", archive=tmp_path,
                        settings=LOOPBACK_SETTINGS)
    assert wait_for(lambda: any(path.startswith("/r/") for path in portal.seen))
    os.killpg(crawl.pid, signal.SIGKILL)  # as the OOM killer or a kill -9 would: no chance to say so
    crawl.wait()
    assert run_status(tmp_path, "r2") == "running"
    assert summarise("r2", tmp_path)["status"] == "interrupted"
    assert run_status(tmp_path, "r2") == "interrupted"
