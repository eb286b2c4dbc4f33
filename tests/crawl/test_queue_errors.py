"""A request the scheduler cannot queue is an error row of its own, and its run does not finish as a success.

The failure is real: the crawl's JOBDIR has a folder where Scrapy's disk queue for the links it finds
(priority 0 of the site's download slot) must open its file, so each push of a link raises
IsADirectoryError (the start request has a queue of its own, and is fetched). Scrapy's scheduler lets
that error out of the push (it catches only a request it cannot serialise); the engine logged it and the
run ended `finished`, its links lost."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from loopback import TITLE, RecordingHandler, serve, url_of
from scrapy.pqueues import _path_safe

from harvester.crawl.runner import LOOPBACK_SETTINGS, crawl

LINKS = [f"/r/{n}.html" for n in range(5)]


class Column(RecordingHandler):
    def answer(self) -> None:
        if self.path == "/list.html":
            return self.send(200, "".join(f"<a href='{href}'>{TITLE}</a>" for href in LINKS).encode())
        return self.send(200, f"<title>{TITLE}</title>".encode())


def test_a_request_that_cannot_be_queued_is_an_error_row_and_fails_the_run(tmp_path: Path) -> None:
    jobdir = tmp_path / "job"
    (jobdir / "requests.queue" / _path_safe("127.0.0.1") / "0").mkdir(parents=True)
    with serve(Column) as server:
        base = url_of(server)
        summary = crawl(url=f"{base}/list.html", archive=tmp_path / "archive", jobdir=jobdir,
                        settings=LOOPBACK_SETTINGS, timeout=120)
        seen = list(server.seen)  # type: ignore[attr-defined]
    assert "/list.html" in seen and not set(LINKS) & set(seen)
    assert summary["status"] == "disk_error", summary
    with sqlite3.connect(tmp_path / "archive" / "archive.db") as conn:
        rows = conn.execute("SELECT url, outcome, error FROM fetches WHERE run_id = ? AND url LIKE ?",
                            (summary["run_id"], f"{base}/r/%")).fetchall()
    assert sorted(url for url, _, _ in rows) == sorted(base + link for link in LINKS)  # one row each
    for _, outcome, error in rows:
        assert outcome == "error" and error.startswith("not queued: IsADirectoryError: [Errno 21]"), error
