"""`harvester crawl --jobdir` killed with kill -9 mid-crawl, then resumed: the resumed run continues
from what the archive knows, not from a JOBDIR whose queue was never written (Scrapy writes the
queue's state only on a clean close, while its seen-requests file reaches the disk as it grows)."""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from harvester.crawl.runner import LOOPBACK_SETTINGS, crawl, start_crawl

REPORTS = 300  # enough fingerprints (41 bytes each) to fill the seen file's write buffer
TITLE = "2023年度政府信息公开工作年度报告"


class Handler(BaseHTTPRequestHandler):
    """Report pages are held until the test releases them."""

    server: ThreadingHTTPServer

    def log_message(self, *args: object) -> None:
        """Keep test output quiet."""

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self.server.seen.append(self.path)  # type: ignore[attr-defined]
        if self.path == "/list.html":
            body = "".join(f"<a href='/r/{n}.html'>{TITLE}{n}</a>" for n in range(REPORTS))
        elif self.path.startswith("/r/"):
            self.server.release.wait()  # type: ignore[attr-defined]
            body = f"<title>{TITLE}</title><p>{self.path}</p>" * 20
        else:
            self.send_response(404)
            self.end_headers()
            return
        data = f"<html><body>{body}</body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def test_resume_after_kill_minus_nine_fetches_what_the_killed_run_had_not(tmp_path: Path) -> None:
    archive, jobdir = tmp_path / "archive", tmp_path / "job"
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.seen, server.release = [], threading.Event()  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    options = {"url": f"http://127.0.0.1:{server.server_port}/list.html", "archive": archive,
               "jobdir": jobdir, "settings": LOOPBACK_SETTINGS}
    try:
        killed = start_crawl("run1", **options)
        deadline = time.monotonic() + 60
        while not any(path.startswith("/r/") for path in server.seen) and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait()
        server.release.set()
        resumed = crawl(run_id="run1", timeout=90, **options)
    finally:
        server.shutdown()
        server.server_close()
    assert resumed["returncode"] == 0 and resumed["status"] == "finished", resumed
    with sqlite3.connect(archive / "archive.db") as conn:
        documents = conn.execute("SELECT count(*) FROM documents WHERE kind = 'report_page'").fetchone()[0]
        runs = conn.execute("SELECT run_id, status FROM runs").fetchall()
    assert documents == REPORTS
    assert runs == [("run1", "finished")]
