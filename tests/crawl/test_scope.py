"""A portal whose links, redirects and robots.txt point at another server on 127.0.0.1 (another
port): the real discovery spider never sends it a request, and every off-scope hop is logged."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from harvester.crawl.links import same_site
from harvester.crawl.runner import LOOPBACK_SETTINGS, crawl
from loopback import TITLE, RecordingHandler, serve, url_of


class Handler(RecordingHandler):
    """The portal: its answers point at the off-site server (`server.trap`)."""

    def answer(self) -> None:
        trap = self.server.trap  # type: ignore[attr-defined]
        if self.path == "/robots.txt":
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


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory,
            off_site_server: ThreadingHTTPServer) -> Iterator[tuple[Path, dict, str, list[str]]]:
    """One real discovery crawl of the portal; the off-site server's requests are kept."""
    archive = tmp_path_factory.mktemp("archive")
    trap_url = url_of(off_site_server)
    with serve(Handler, trap=trap_url) as portal:
        summary = crawl(url=f"{url_of(portal)}/list.html", archive=archive, settings=LOOPBACK_SETTINGS, timeout=90)
    yield archive, summary, trap_url, off_site_server.seen  # type: ignore[attr-defined]


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
