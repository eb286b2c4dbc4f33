"""Pages rendered by real Chromium whose scripts, pictures, fetch() calls and in-browser redirects point
at another server on 127.0.0.1 (another port): that server never sees a request, and each refused
browser request is a fetch-log error naming its target."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from harvester.crawl.runner import LOOPBACK_SETTINGS, crawl
from loopback import RecordingHandler, serve, url_of
COLUMN = "/col/"
CRAWL_DELAY = 0.5
PICTURES = [f"/col/pic{n}.png" for n in range(5)]


def pages(trap: str) -> dict[str, str]:
    """The portal's rendered list pages (each a list page of the column): what each does off-site."""
    pager = "".join(f"<a href='/col/index_{n}.html'>{n}</a>" for n in range(1, 6))
    return {
        "/col/index.html": f"<img src='{trap}/img.png'><script>fetch('{trap}/api.json')</script>{pager}",
        "/col/index_2.html": f"<script>location.replace('{trap}/replace.html')</script>",
        "/col/index_3.html": f"<script>addEventListener('load', () => {{ location.href = '{trap}/href.html' }})</script>",
        "/col/index_4.html": "<img src='/col/hop.png'>",  # an on-site picture that redirects off-site
        "/col/index_5.html": "".join(f"<img src='{src}'>" for src in PICTURES),
    }


class Handler(RecordingHandler):
    """The portal: its rendered pages point at the off-site server (`server.trap`)."""

    def answer(self) -> None:
        trap = self.server.trap  # type: ignore[attr-defined]
        listed = pages(trap)
        if self.path == "/robots.txt":
            self.send(200, f"User-agent: *\nCrawl-delay: {CRAWL_DELAY}\n".encode(), "text/plain")
        elif self.path == "/col/index_1.html":  # a 302 the browser follows by itself
            self.send(302, Location=f"{trap}/302.html")
        elif self.path == "/col/hop.png":
            self.send(302, Location=f"{trap}/hop.png")
        elif self.path in PICTURES:
            self.send(200, b"\x89PNG\r\n\x1a\n", "image/png")
        elif self.path in listed:
            self.send(200, f"<html><body>{listed[self.path]}</body></html>".encode())
        else:
            self.send(404)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory,
            off_site_server: ThreadingHTTPServer) -> Iterator[tuple[Path, dict, str, list, list]]:
    """One real discovery crawl whose list pages Chromium renders; both servers' requests are kept."""
    archive = tmp_path_factory.mktemp("archive")
    registry = archive.parent / "registry.yaml"
    trap_url = url_of(off_site_server)
    with serve(Handler, trap=trap_url) as portal:
        portal_url = url_of(portal)
        registry.write_text(
            "sites:\n  - id: rendered\n    agency: 示例市人民政府\n"
            "    region: {province: 示例省, city: 示例市, county: null}\n    level: city\n"
            f"    portal: '{portal_url}/'\n    columns:\n      - url: '{portal_url}{COLUMN}index.html'\n"
            "        evidence: seen\n        source: test\n    render: browser\n    cms: unknown\n",
            encoding="utf-8")
        summary = crawl(registry=registry, archive=archive, settings=LOOPBACK_SETTINGS, timeout=240)
    yield archive, summary, trap_url, off_site_server.seen, portal.arrivals  # type: ignore[attr-defined]


def test_the_other_server_never_sees_a_browser_request(crawled) -> None:
    _, summary, _, trap_seen, portal_seen = crawled
    assert summary["returncode"] == 0 and summary["status"] == "finished", summary
    assert {"/col/index.html", "/col/index_5.html", "/col/hop.png"} <= {path for path, _ in portal_seen}
    assert trap_seen == []


def test_every_refused_browser_request_is_logged_with_its_target(crawled) -> None:
    archive, _, trap, _, _ = crawled
    with sqlite3.connect(archive / "archive.db") as conn:
        rows = conn.execute("SELECT final_url, outcome, error FROM fetches WHERE final_url LIKE ?",
                            (trap + "%",)).fetchall()
    refused = {final_url.removeprefix(trap): (outcome, error) for final_url, outcome, error in rows}
    targets = ["/img.png", "/api.json", "/302.html", "/replace.html", "/href.html", "/hop.png"]
    assert refused == {target: ("error", f"off-scope browser request not sent: {trap}{target}")
                       for target in targets}
    with sqlite3.connect(archive / "archive.db") as conn:
        assert not conn.execute("SELECT url FROM documents WHERE url LIKE ?", (trap + "%",)).fetchall()


def test_a_page_sent_off_its_site_is_not_archived_as_a_list(crawled) -> None:
    archive, _, trap, _, _ = crawled
    with sqlite3.connect(archive / "archive.db") as conn:
        rows = dict(conn.execute("SELECT url, error FROM fetches WHERE kind = 'list'").fetchall())
    moved = {url.rsplit("/", 1)[1]: error for url, error in rows.items()
             if url.rsplit("/", 1)[1] in ("index_1.html", "index_2.html", "index_3.html")}
    assert moved == {"index_1.html": f"off-scope redirect not followed: {trap}/302.html",
                     "index_2.html": f"off-scope redirect not followed: {trap}/replace.html",
                     "index_3.html": f"off-scope redirect not followed: {trap}/href.html"}


def test_the_browser_waits_for_the_crawl_delay_between_its_own_requests(crawled) -> None:
    _, _, _, _, portal_seen = crawled
    arrivals = sorted(at for path, at in portal_seen if path in PICTURES)
    assert len(arrivals) == len(PICTURES)
    # On the server's clock, over the whole series (without the gate: 0.01 s for all five): a request
    # read late on a loaded machine lengthens one gap and shortens the next; only a late first (or
    # early last) read shortens the series, and by less than a delay (0.26 s seen under load).
    assert arrivals[-1] - arrivals[0] >= (len(arrivals) - 2) * CRAWL_DELAY, arrivals
