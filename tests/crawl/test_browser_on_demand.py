"""Playwright's driver (a Node.js process, ~0.7 CPU s to start) runs only in a crawl that renders a page:
a crawl of plain pages never starts it, a column marked `render: browser` starts it for its first page.

Seen by the portal itself: at every request it answers, it finds the crawl's process (a child of this
test process, named by its registry file) and counts the Playwright drivers among its descendants
(another test of this worker may hold a driver of its own)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest

from harvester.crawl.runner import LOOPBACK_SETTINGS, crawl
from loopback import TITLE, RecordingHandler, serve, url_of

REPORTS = ["/col/t1.html", "/col/t2.html"]
NOT_FOUND = -1


def _cmdline(process: psutil.Process) -> list[str]:
    """A process's command line, empty when it is gone or unreadable."""
    try:
        return process.cmdline()
    except psutil.Error:
        return []


def drivers_of_crawl(registry: str) -> int:
    """Playwright drivers ("node ... run-driver") under the crawl of `registry`; NOT_FOUND without that crawl."""
    for process in psutil.Process(os.getpid()).children(recursive=True):
        command = _cmdline(process)
        if "scrapy" in command and f"registry={registry}" in command:
            return sum("run-driver" in _cmdline(child) for child in process.children(recursive=True))
    return NOT_FOUND


class Handler(RecordingHandler):
    """A column of two reports; each answer notes how many Playwright drivers the crawl was running."""

    def answer(self) -> None:
        self.server.drivers.append((self.path, drivers_of_crawl(self.server.registry)))  # type: ignore[attr-defined]
        if self.path == "/col/index.html":
            links = "".join(f"<li><a href='{path}'>{TITLE}</a></li>" for path in REPORTS)
            self.send(200, f"<html><body><ul>{links}</ul></body></html>".encode())
        elif self.path in REPORTS:
            self.send(200, f"<html><title>{TITLE}</title><body><p>{TITLE}</p></body></html>".encode())
        else:
            self.send(404)


def write_registry(path: Path, portal: str, render: str) -> None:
    """A registry of one site whose column is fetched plainly or rendered (`render`)."""
    path.write_text(
        "sites:\n  - id: demand\n    agency: 示例市人民政府\n"
        "    region: {province: 示例省, city: 示例市, county: null}\n    level: city\n"
        f"    portal: '{portal}/'\n    columns:\n      - url: '{portal}/col/index.html'\n"
        f"        evidence: seen\n        source: test\n    render: {render}\n    cms: unknown\n",
        encoding="utf-8")


@pytest.fixture(scope="module", params=["http", "browser"])
def crawled(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    """One crawl of the column, plain or rendered: (render, summary, archive, [(path, drivers running)])."""
    archive = tmp_path_factory.mktemp(f"archive-{request.param}")
    listed = archive.parent / f"registry-{request.param}.yaml"
    with serve(Handler, drivers=[], registry=str(listed.resolve())) as portal:
        write_registry(listed, url_of(portal), request.param)
        summary = crawl(registry=listed, archive=archive, settings=LOOPBACK_SETTINGS, timeout=240)
        yield request.param, summary, archive, portal.drivers  # type: ignore[attr-defined]


def test_a_driver_runs_only_while_a_crawl_renders_pages(crawled) -> None:
    render, summary, archive, drivers = crawled
    assert summary["returncode"] == 0 and summary["status"] == "finished", summary
    with sqlite3.connect(archive / "archive.db") as conn:
        reports = {url for (url,) in conn.execute("SELECT url FROM documents")}
    assert {urlsplit(url).path for url in reports} == set(REPORTS)
    seen = dict(drivers)
    assert NOT_FOUND not in seen.values(), drivers  # every answer saw the crawl's process
    if render == "http":
        assert set(seen.values()) == {0}, drivers
    else:  # the rendered list page is asked for by Chromium, started by the driver
        assert seen["/col/index.html"] >= 1, drivers
