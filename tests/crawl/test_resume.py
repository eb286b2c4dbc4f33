"""`harvester crawl --jobdir` killed with kill -9 mid-crawl, then resumed: the resumed run fetches what the
killed run had not, and not again what it had, from what the archive knows, not from a JOBDIR whose
queue was never written (Scrapy writes the queue's state only on a clean close, while its
seen-requests file reaches the disk as it grows)."""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
from collections import Counter
from pathlib import Path

from held import held_column, wait_for
from loopback import TITLE, RecordingHandler, serve, url_of

from harvester.crawl.runner import LOOPBACK_SETTINGS, crawl, start_crawl

# Over 300 articles: enough fingerprints (41 bytes each) to fill a seen-requests file's write buffer,
# so that file would reach the disk. The held articles are on the first list page: scheduled first.
PAGES, HELD = 330, 3


def logged_articles(archive: Path) -> set[str]:
    """Report pages the fetch log holds content of (none before it exists)."""
    if not (archive / "archive.db").exists():
        return set()
    with sqlite3.connect(f"file:{archive / 'archive.db'}?mode=ro", uri=True) as conn:
        try:
            return {url for (url,) in conn.execute("SELECT url FROM documents WHERE kind = 'report_page'")}
        except sqlite3.OperationalError:  # the tables are being created
            return set()


def test_resume_after_kill_minus_nine_fetches_what_the_killed_run_had_not(fresh_portal, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    column = held_column(fresh_portal, PAGES, HELD)
    assert len(column.articles) > 300
    options = {"url": column.start, "archive": archive, "jobdir": tmp_path / "job", "settings": LOOPBACK_SETTINGS}
    killed = start_crawl("run1", **options)
    # The killed run did all it could: every article but the held ones is logged, those are in flight.
    fetched = set(column.articles) - set(column.held)
    assert wait_for(lambda: logged_articles(archive) == fetched and column.asked(), 300)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait()
    column.release()
    resumed = crawl(run_id="run1", timeout=240, **options)
    assert resumed["returncode"] == 0 and resumed["status"] == "finished", resumed
    assert logged_articles(archive) == set(column.articles)
    assert {url: fresh_portal.times_requested(url) for url in column.articles} == {
        url: 1 if url in fetched else 2 for url in column.articles}
    with sqlite3.connect(archive / "archive.db") as conn:
        assert conn.execute("SELECT run_id, status FROM runs").fetchall() == [("run1", "finished")]



def queue_files(jobdir: Path) -> list[Path]:
    """The files of JOBDIR's disk queue: one per download slot and priority, there while it holds requests."""
    return [path for path in (jobdir / "requests.queue").glob("*/*") if path.is_file()]


def test_resume_after_kill_minus_nine_does_not_read_the_queue_files_the_kill_left(fresh_portal, tmp_path: Path) -> None:
    """Killed while requests wait in JOBDIR's disk queue (every article is held: the downloader is full, the
    rest stay queued), the queue's files are as the kill left them. A kill landing after Scrapy created a
    queue file and before its buffered header reached the disk leaves it empty (seen in a suite run: every
    later push to it raised struct.error, each request scheduled was lost, and the resumed run 'finished'
    with nothing fetched); the queue is put in that state here, deterministically. The resumed run reads
    what is left from the fetch log, not from those files."""
    archive, jobdir = tmp_path / "archive", tmp_path / "job"
    column = held_column(fresh_portal, 24)
    assert len(column.articles) > 16  # more than Scrapy's CONCURRENT_REQUESTS: some must wait in the queue
    options = {"url": column.start, "archive": archive, "jobdir": jobdir, "settings": LOOPBACK_SETTINGS}
    killed = start_crawl("queued", **options)
    assert wait_for(lambda: column.asked() and bool(queue_files(jobdir)), 300)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait()
    for path in queue_files(jobdir):
        path.write_bytes(b"")  # the header still in the killed process's buffer
    column.release()
    resumed = crawl(run_id="queued", timeout=240, **options)
    assert resumed["returncode"] == 0 and resumed["status"] == "finished", resumed
    assert logged_articles(archive) == set(column.articles)


class FailingAndHeld(RecordingHandler):
    """A column of three reports: one that fails (HTTP 500), one that answers, one held until `gate`."""

    def answer(self) -> None:
        if self.path == "/list.html":
            return self.send(200, "".join(f"<a href='/{name}.html'>{TITLE}</a>" for name in ("broken", "ok", "held"))
                             .encode())
        if self.path == "/broken.html":
            return self.send(500, b"down")
        if self.path == "/held.html":
            self.server.gate.wait()  # type: ignore[attr-defined]
        return self.send(200, f"<title>{TITLE}</title>{self.path}".encode())


def test_a_resumed_run_counts_the_killed_runs_failures_as_done(tmp_path: Path) -> None:
    """What resume promises (docs/ARCHITECTURE.md): a request is done once its run holds its row, a failed
    one too (it failed after its retries; the next run asks again). Killed by kill -9 with one report
    failed and one held, the resumed run fetches the held one and does not ask the failed one again."""
    archive = tmp_path / "archive"
    settings = {**LOOPBACK_SETTINGS, "RETRY_TIMES": "0"}
    with serve(FailingAndHeld, gate=threading.Event()) as server:
        base = url_of(server)
        options = {"url": f"{base}/list.html", "archive": archive, "jobdir": tmp_path / "job", "settings": settings}
        killed = start_crawl("failed", **options)
        assert wait_for(lambda: "/held.html" in server.seen and logged(archive, "failed") >= {  # type: ignore[attr-defined]
            (f"{base}/broken.html", "error"), (f"{base}/ok.html", "new")}, 300)
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait()
        server.gate.set()  # type: ignore[attr-defined]
        resumed = crawl(run_id="failed", timeout=240, **options)
        seen = Counter(server.seen)  # type: ignore[attr-defined]
    assert resumed["returncode"] == 0 and resumed["status"] == "finished", resumed
    assert (seen["/broken.html"], seen["/ok.html"], seen["/held.html"]) == (1, 1, 2)
    assert logged(archive, "failed") == {
        (f"{base}/broken.html", "error"), (f"{base}/ok.html", "new"), (f"{base}/held.html", "new")}


def logged(archive: Path, run_id: str) -> set[tuple[str, str]]:
    """(url, outcome) of a run's report rows (none before the log exists)."""
    if not (archive / "archive.db").exists():
        return set()
    with sqlite3.connect(f"file:{archive / 'archive.db'}?mode=ro", uri=True) as conn:
        try:
            return set(conn.execute("SELECT url, outcome FROM fetches WHERE run_id = ? AND kind = 'report_page'",
                                    (run_id,)).fetchall())
        except sqlite3.OperationalError:  # the tables are being created
            return set()
