"""A disk that refuses writes fails the crawl, stops it, and says so; nothing archived is harmed.

The refusal is real: the crawl runs under RLIMIT_FSIZE, so writing a file past 1 MB fails with
EFBIG exactly where a full disk fails with ENOSPC (Python ignores SIGXFSZ)."""

from __future__ import annotations

import resource
import sqlite3
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from harvester.archive import Archive

FILE_LIMIT = 1024 * 1024
TITLE = "2023年度政府信息公开工作年度报告"
BIG_PDF = b"%PDF-1.4\n" + bytes(range(256)) * (2 * FILE_LIMIT // 256)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        """Keep test output quiet."""

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        if self.path == "/list.html":
            links = ["/big.pdf", *(f"/r/{n}.html" for n in range(20))]
            body = "".join(f"<a href='{href}'>{TITLE}</a>" for href in links).encode()
            kind = "text/html; charset=utf-8"
        elif self.path == "/big.pdf":
            body, kind = BIG_PDF, "application/pdf"
        else:
            body, kind = f"<title>{TITLE}</title>{self.path}".encode(), "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT, FILE_LIMIT))


def test_a_refused_write_fails_and_stops_the_run(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "harvester", "crawl", "--url", f"http://127.0.0.1:{server.server_port}/list.html",
             "--archive", str(tmp_path), "--run-id", "full", "--loopback"],
            capture_output=True, text=True, timeout=120, preexec_fn=_limit_file_size)
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 1, done.stdout + done.stderr[-2000:]
    assert "run full: disk_error" in done.stdout
    assert "archive write failed: OSError: [Errno 27] File too large" in done.stderr
    with sqlite3.connect(tmp_path / "archive.db") as conn:
        [(status, failed)] = conn.execute("SELECT status, json_extract(stats, '$.failed') FROM runs").fetchall()
    assert status == "disk_error" and failed >= 1
    with Archive(tmp_path) as archive:
        report = archive.verify()
    assert report.ok, report.problems
