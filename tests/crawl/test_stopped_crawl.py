"""A crawl stopped at --max-pages with retries on: every request it made, sent or still queued, is one
fetch-log row. What the stop leaves in the scheduler (retries of answers that failed, links of the last
pages) is logged `not_fetched`, apart from what was fetched; what was on the wire ends as fetched.

The column's pages each fail once (503) and answer on their retry; retries come after every first
attempt (RETRY_PRIORITY_ADJUST), so the stop, at the first retry that answers, finds the others queued."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path

from loopback import TITLE, RecordingHandler, serve, url_of

from harvester.crawl.runner import LOOPBACK_SETTINGS, crawl

PAGES = 20
MAX_PAGES = 3  # robots.txt, the list, the first retry that answers


class FailingOnce(RecordingHandler):
    """/list.html links /r/N.html; each answers 503 the first time it is asked, then a report page
    linking its attachment /r/N.pdf."""

    def answer(self) -> None:
        if self.path == "/list.html":
            items = "".join(f"<li><a href='/r/{n}.html'>{TITLE}</a></li>" for n in range(PAGES))
            return self.send(200, f"<ul>{items}</ul>".encode())
        if self.path.startswith("/r/") and self.path.endswith(".html"):
            if self.server.seen.count(self.path) == 1:  # type: ignore[attr-defined]
                return self.send(503, b"busy")
            pdf = self.path.replace(".html", ".pdf")
            return self.send(200, f"<title>{TITLE}</title><a href='{pdf}'>{TITLE}附件</a>".encode())
        return self.send(404)


def run_rows(archive: Path, run_id: str) -> list[dict]:
    with sqlite3.connect(f"file:{archive / 'archive.db'}?mode=ro", uri=True) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute("SELECT * FROM fetches WHERE run_id = ? ORDER BY id", (run_id,))]


def test_what_a_stop_leaves_queued_is_logged_not_fetched(tmp_path: Path) -> None:
    settings = {**LOOPBACK_SETTINGS, "RETRY_TIMES": "2", "ROBOTSTXT_OBEY": "True"}
    with serve(FailingOnce) as server:
        base = url_of(server)
        summary = crawl(url=f"{base}/list.html", archive=tmp_path, settings=settings, timeout=120, max_pages=MAX_PAGES)
        seen = list(server.seen)  # type: ignore[attr-defined]
    assert summary["returncode"] == 0 and summary["status"] == "closespider_pagecount", summary
    fetched = run_rows(tmp_path, summary["run_id"])
    by_url = Counter(row["url"] for row in fetched)
    # Every page the list linked, and every URL the server was asked, is exactly one row.
    assert {f"{base}/r/{n}.html" for n in range(PAGES)} <= set(by_url)
    assert {base + path for path in seen} <= set(by_url)
    assert [url for url, n in by_url.items() if n > 1] == []
    left = [row for row in fetched if row["outcome"] == "not_fetched"]
    retries = [row for row in left if row["url"].endswith(".html")]
    links = [row for row in left if row["url"].endswith(".pdf")]
    assert retries and links, Counter(row["outcome"] for row in fetched)
    for row in left:
        assert row["error"].startswith("not fetched: the crawl stopped (closespider_pagecount)"), row
        assert row["status"] is None and row["sha256"] is None
    for row in retries:  # asked once, answered 503, its retry never sent
        assert seen.count(row["url"][len(base):]) == 1
        assert "retry 1 of 2 not sent; the last attempt: 503 Service Unavailable" in row["error"], row
    assert not any(row["url"][len(base):] in seen for row in links)  # never sent
    run = json.loads(sqlite3.connect(tmp_path / "archive.db").execute(
        "SELECT stats FROM runs WHERE run_id = ?", (summary["run_id"],)).fetchone()[0])
    assert run["not_fetched"] == len(left)
