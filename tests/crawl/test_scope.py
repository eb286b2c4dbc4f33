"""A portal whose links, redirects and robots.txt point at another server on 127.0.0.1 (another
port): the real discovery spider never sends it a request, and every off-scope hop is logged."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from harvester.crawl.links import same_site
from harvester.crawl.runner import LOOPBACK_SETTINGS, crawl

TITLE = "2023年度政府信息公开工作年度报告"


class Handler(BaseHTTPRequestHandler):
    """Both servers: every request is remembered; the portal's answers point at `trap`."""

    server: ThreadingHTTPServer

    def log_message(self, *args: object) -> None:
        """Keep test output quiet."""

    def send(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.send_response(status)
        for name, value in {"Content-Type": "text/html; charset=utf-8", **headers}.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self.server.seen.append(self.path)  # type: ignore[attr-defined]
        trap = self.server.trap  # type: ignore[attr-defined]
        if trap is None:  # the server that must never be asked anything
            self.send(200, f"<html><title>{TITLE}</title><body>internal</body></html>".encode())
        elif self.path == "/robots.txt":
            self.send(302, Location=f"{trap}/robots.txt")
        elif self.path == "/list.html":
            links = ["/r302.html", "/r301.pdf", "/refresh.html", f"{trap}/direct.html", f"{trap}/"]
            items = "".join(f"<li><a href='{href}'>{TITLE}</a></li>" for href in links)
            self.send(200, f"<html><body><ul>{items}</ul></body></html>".encode())
        elif self.path == "/r302.html":
            self.send(302, Location=f"{trap}/page.html")
        elif self.path == "/r301.pdf":
            self.send(301, Location=f"{trap}/file.pdf")
        elif self.path == "/refresh.html":
            refresh = f"<meta http-equiv='refresh' content='0; url={trap}/refreshed.html'>"
            self.send(200, f"<html><head>{refresh}</head><body>moved</body></html>".encode())
        else:
            self.send(404)


@contextmanager
def serve(trap: str | None) -> Iterator[ThreadingHTTPServer]:
    """One server in a thread (`trap` None: the server that must see nothing)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.seen, server.trap = [], trap  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict, str, list[str]]]:
    """One real discovery crawl of the portal; the trap server's requests are kept."""
    archive = tmp_path_factory.mktemp("archive")
    with serve(None) as trap:
        trap_url = f"http://127.0.0.1:{trap.server_port}"
        with serve(trap_url) as portal:
            portal_url = f"http://127.0.0.1:{portal.server_port}"
            summary = crawl(url=f"{portal_url}/list.html", archive=archive, settings=LOOPBACK_SETTINGS, timeout=90)
        yield archive, summary, trap_url, trap.seen


def test_the_other_server_never_sees_a_request(crawled) -> None:
    _, summary, _, trap_seen = crawled
    assert summary["returncode"] == 0 and summary["status"] == "finished", summary
    assert trap_seen == []


def test_every_off_scope_hop_is_logged_with_its_target(crawled) -> None:
    archive, _, trap, _ = crawled
    with sqlite3.connect(archive / "archive.db") as conn:
        rows = conn.execute("SELECT url, kind, outcome, final_url, error FROM fetches WHERE final_url LIKE ?",
                            (trap + "%",)).fetchall()
    by_target = {final_url.removeprefix(trap): (url.rsplit("/", 1)[1], kind, outcome, error)
                 for url, kind, outcome, final_url, error in rows}
    assert by_target == {
        "/robots.txt": ("robots.txt", "robots", "error", f"off-scope redirect not followed: {trap}/robots.txt"),
        "/page.html": ("r302.html", "report_page", "error", f"off-scope redirect not followed: {trap}/page.html"),
        "/file.pdf": ("r301.pdf", "attachment", "error", f"off-scope redirect not followed: {trap}/file.pdf"),
        "/refreshed.html": ("refresh.html", "report_page", "error",
                            f"off-scope redirect not followed: {trap}/refreshed.html"),
    }
    with sqlite3.connect(archive / "archive.db") as conn:
        assert not conn.execute("SELECT url FROM documents WHERE url LIKE ?", (trap + "%",)).fetchall()


def test_same_site_means_same_port_too() -> None:
    assert same_site("http://127.0.0.1:8000/a", "http://127.0.0.1:8000/b")
    assert not same_site("http://127.0.0.1:8000/a", "http://127.0.0.1:6379/")
    assert not same_site("http://www.ln.gov.cn/a", "http://www.ln.gov.cn:8080/a")
    assert same_site("http://www.ln.gov.cn/a", "https://kjj.ln.gov.cn:443/b")  # default ports are one site
