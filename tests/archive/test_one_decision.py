"""One decision per fetch: writers in several processes record the same URL at the same moment,
and every WARC record is of the type its fetch-log row says (revisit exactly when unchanged)."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from harvester.archive import Archive
from harvester.archive.fetchlog import Fetch
from harvester.archive.warc import WarcWriters

URL = "http://127.0.0.1/report.html"
WRITERS = 4
ROUNDS = 12  # every body twice in a row: round 2k brings a new version, round 2k+1 repeats it


def body(round_number: int) -> bytes:
    return f"<html><body>version {round_number // 2}</body></html>".encode()


def write(root: str, number: int, barrier) -> None:
    """One writer process: each round, wait for the others, then archive the round's body."""
    with Archive(root) as archive:
        writers = WarcWriters(archive.warc_dir, f"writer-{number}")
        writer = writers.for_site("site")
        for round_number in range(ROUNDS):
            data = body(round_number)
            fetch = Fetch(run_id=f"writer-{number}", url=URL, final_url=URL, kind="report_page", site="site",
                          status=200, sha256=archive.store.put(data), size=len(data), content_type="text/html")
            barrier.wait()
            archive.record_exchange(fetch, writer, url=URL, method="GET", request_headers=[], status=200,
                                    reason="OK", response_headers=[("Content-Type", "text/html")], body=data)
        writers.close()


def record_type(path: Path, offset: int) -> str:
    with open(path, "rb") as stream:
        stream.seek(offset)
        return next(iter(ArchiveIterator(stream))).rec_type


def test_concurrent_writers_write_the_record_their_row_says(tmp_path: Path) -> None:
    Archive(tmp_path).close()  # the schema exists before the writers race
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(WRITERS)
    processes = [context.Process(target=write, args=(str(tmp_path), n, barrier)) for n in range(WRITERS)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [process.exitcode for process in processes] == [0] * WRITERS
    with Archive(tmp_path) as archive:
        rows = archive.log.conn.execute("SELECT outcome, warc_file, warc_offset FROM fetches").fetchall()
    assert len(rows) == WRITERS * ROUNDS
    pairs = Counter((outcome, record_type(tmp_path / "warc" / file, offset)) for outcome, file, offset in rows)
    versions = ROUNDS // 2
    assert pairs == {("new", "response"): 1, ("changed", "response"): versions - 1,
                     ("unchanged", "revisit"): WRITERS * ROUNDS - versions}
