"""A recrawl asks a URL that redirected last time at the address it led to (what the fetch log
recorded), not again at the old one; where that address now fails, the old URL is asked once more."""

from __future__ import annotations

import json
import sqlite3
from contextlib import AbstractContextManager
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from harvester.crawl.runner import LOOPBACK_SETTINGS, crawl
from loopback import TITLE, RecordingHandler, serve
PDF = b"%PDF-1.4\n% a report file\n%%EOF\n"


class Handler(RecordingHandler):
    """A column listing two moved documents; `server.moves` says where each old address points."""

    def answer(self) -> None:
        moves, served = self.server.moves, self.server.served  # type: ignore[attr-defined]
        if self.path == "/col/index.html":
            links = "".join(f"<li><a href='{old}'>{TITLE}</a></li>" for old in sorted(moves))
            self.send(200, f"<html><body><ul>{links}</ul></body></html>".encode())
        elif self.path in moves:
            status = 301 if self.path.endswith(".html") else 302
            self.send(status, Location=moves[self.path])
        elif self.path in served and self.headers.get("If-None-Match") == '"v1"':
            self.send(304, ETag='"v1"')
        elif self.path in served:
            kind = "application/pdf" if self.path.endswith(".pdf") else "text/html; charset=utf-8"
            body = PDF if self.path.endswith(".pdf") else f"<html><title>{TITLE}</title>报告</html>".encode()
            self.send(200, body, kind, ETag='"v1"')
        else:
            self.send(404)


def serve_column() -> AbstractContextManager[ThreadingHTTPServer]:
    """The column's server, its documents moved once."""
    return serve(Handler, moves={"/old/report.html": "/new/report.html", "/old/file.pdf": "/files/file.pdf"},
                 served={"/new/report.html", "/files/file.pdf"})


def crawl_once(server: ThreadingHTTPServer, archive: Path) -> tuple[dict, list[str]]:
    """One discovery crawl of the column; the paths the server was asked for."""
    server.seen.clear()  # type: ignore[attr-defined]
    summary = crawl(url=f"http://127.0.0.1:{server.server_port}/col/index.html", archive=archive,
                    settings=LOOPBACK_SETTINGS, timeout=120)
    assert summary["returncode"] == 0 and summary["status"] == "finished", summary
    return summary, list(server.seen)  # type: ignore[attr-defined]


def rows(archive: Path, run_id: str) -> dict[str, tuple[str, str, str]]:
    with sqlite3.connect(archive / "archive.db") as log:
        return {url.split("/", 3)[3]: (final_url.split("/", 3)[3], json.loads(redirects), outcome)
                for url, final_url, redirects, outcome in log.execute(
                    "SELECT url, final_url, redirects, outcome FROM fetches WHERE run_id = ? AND kind != 'robots'"
                    " ORDER BY id", (run_id,))}


@pytest.fixture(scope="module")
def recrawled(tmp_path_factory: pytest.TempPathFactory):
    """Three crawls of one archive: the first follows the redirects, the second recrawls, and the
    third finds the report moved again (its last address gone)."""
    archive = tmp_path_factory.mktemp("archive")
    with serve_column() as server:
        first = crawl_once(server, archive)
        second = crawl_once(server, archive)
        server.moves["/old/report.html"] = "/newer/report.html"  # type: ignore[attr-defined]
        server.served = {"/newer/report.html", "/files/file.pdf"}  # type: ignore[attr-defined]
        third = crawl_once(server, archive)
        yield archive, first, second, third, f"http://127.0.0.1:{server.server_port}"


def test_the_first_crawl_follows_the_redirects(recrawled) -> None:
    _, (_, seen), _, _, _ = recrawled
    assert {"/old/report.html", "/new/report.html", "/old/file.pdf", "/files/file.pdf"} <= set(seen)


def test_a_recrawl_goes_straight_to_where_the_redirects_led(recrawled) -> None:
    archive, _, (summary, seen), _, portal = recrawled
    assert "/old/report.html" not in seen and "/old/file.pdf" not in seen, seen
    assert seen.count("/new/report.html") == seen.count("/files/file.pdf") == 1
    logged = rows(archive, summary["run_id"])
    old_report, old_file = f"{portal}/old/report.html", f"{portal}/old/file.pdf"
    assert logged["old/report.html"] == ("new/report.html", [old_report], "not_modified")
    assert logged["old/file.pdf"] == ("files/file.pdf", [old_file], "not_modified")


def test_where_the_known_address_fails_the_old_one_is_asked_again(recrawled) -> None:
    archive, _, _, (summary, seen), portal = recrawled
    assert seen.count("/new/report.html") == 1 and seen.count("/old/report.html") == 1, seen
    assert "/newer/report.html" in seen and "/old/file.pdf" not in seen
    with sqlite3.connect(archive / "archive.db") as log:
        report = log.execute("SELECT final_url, status, outcome FROM fetches WHERE run_id = ? AND url = ?"
                             " ORDER BY id", (summary["run_id"], f"{portal}/old/report.html")).fetchall()
    assert report == [(f"{portal}/new/report.html", 404, "error"), (f"{portal}/newer/report.html", 200, "new")]
