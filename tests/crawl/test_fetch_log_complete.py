"""Every request the crawler makes ends as exactly one fetch-log row, however it fails: gzip bombs
(PDF and HTML), redirect loops (too many hops, and a cycle the duplicate filter used to swallow),
a page whose declared charset cannot decode it, and answers whose headers never end (a header line
over Twisted's 16 KB, headers cut by the server) or that never begin, each with a reason saying so."""

from __future__ import annotations

import gzip
import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from harvester.crawl.runner import LOOPBACK_SETTINGS, crawl

TITLE = "2023年度政府信息公开工作年度报告"
MAX_BYTES = 1_000_000
BOMB = gzip.compress(b"\0" * (20 * MAX_BYTES))  # ~20 KB on the wire, 20 MB inflated
BAD_CHARSET = f"<html><head><title>{TITLE}</title></head><body>一、总体情况</body></html>".encode("gbk")
RAW = {  # path -> the bytes the server sends before it closes the connection
    "/huge-header.html": b"HTTP/1.1 200 OK\r\nX-Padding: " + b"x" * (1 << 20) + b"\r\n\r\n",
    "/cut-headers.html": b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n",
    "/silent.html": b"",
}
PAGES = {  # path -> (status, headers, body)
    "/bomb.pdf": (200, {"Content-Type": "application/pdf", "Content-Encoding": "gzip"}, BOMB),
    "/bomb.html": (200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, BOMB),
    "/cycle-a.html": (302, {"Location": "/cycle-b.html"}, b""),
    "/cycle-b.html": (302, {"Location": "/cycle-a.html"}, b""),
    "/charset.html": (200, {"Content-Type": "text/html; charset=idna"}, BAD_CHARSET),
}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        """Keep test output quiet."""

    def answer(self) -> tuple[int, dict[str, str], bytes]:
        if self.path == "/list.html":
            links = [*PAGES, *RAW, "/hops/0.html"]
            items = "".join(f"<li><a href='{href}'>{TITLE}</a></li>" for href in links)
            return 200, {"Content-Type": "text/html; charset=utf-8"}, f"<ul>{items}</ul>".encode()
        if self.path.startswith("/hops/"):  # a chain of redirects longer than REDIRECT_MAX_TIMES
            return 302, {"Location": f"/hops/{int(self.path[6:].split('.')[0]) + 1}.html"}, b""
        return PAGES.get(self.path, (404, {}, b""))

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        if self.path in RAW:
            self.wfile.write(RAW[self.path])
            self.close_connection = True
            return
        status, headers, body = self.answer()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def fetches(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list[tuple]]]:
    """One real discovery crawl of the hostile portal; its fetch rows by requested path."""
    archive = tmp_path_factory.mktemp("archive")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        summary = crawl(url=f"{base}/list.html", archive=archive, timeout=90,
                        settings={**LOOPBACK_SETTINGS, "HARVESTER_MAX_BYTES": str(MAX_BYTES)})
    finally:
        server.shutdown()
        server.server_close()
    assert summary["returncode"] == 0 and summary["status"] == "finished", summary
    with sqlite3.connect(archive / "archive.db") as conn:
        rows = conn.execute("SELECT url, outcome, error, final_url FROM fetches").fetchall()
    by_path: dict[str, list[tuple]] = {}
    for url, outcome, error, final_url in rows:
        error = error.replace(base, "") if error else error
        by_path.setdefault(url.removeprefix(base), []).append((outcome, error, final_url.removeprefix(base)))
    yield by_path


def test_gzip_bombs_are_too_large(fetches) -> None:
    for path in ("/bomb.pdf", "/bomb.html"):
        [(outcome, error, _)] = fetches[path]
        assert outcome == "too_large" and f"DOWNLOAD_MAXSIZE ({MAX_BYTES} B) during decompression" in error


def test_redirect_loops_are_errors(fetches) -> None:
    refused = ("error", "redirect not followed: max redirections reached")
    assert fetches["/hops/0.html"] == [(*refused, "/hops/5.html")]  # REDIRECT_MAX_TIMES = 5 hops followed
    assert fetches["/cycle-a.html"] == [(*refused, "/cycle-b.html")]  # a, b, a, b, a, b: then refused


def test_a_page_whose_charset_cannot_decode_is_archived(fetches) -> None:
    [(outcome, error, _)] = fetches["/charset.html"]
    assert (outcome, error) == ("new", None)


def test_answers_whose_headers_never_end_say_so(fetches) -> None:
    cut = "the connection closed before the response's headers were complete"
    for path in ("/huge-header.html", "/cut-headers.html"):
        [(outcome, error, _)] = fetches[path]
        assert outcome == "error" and error.startswith(cut) and "16384" in error, (path, error)
    [(outcome, error, _)] = fetches["/silent.html"]
    assert outcome == "error" and error.startswith("the server closed the connection without answering"), error


def test_no_request_has_two_rows(fetches) -> None:
    assert fetches and all(len(rows) == 1 for rows in fetches.values()), fetches
