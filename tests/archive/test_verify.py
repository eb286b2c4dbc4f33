"""Archive.verify(): what it accepts (a crash's leftovers) and what it reports (lost or damaged bytes)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from harvester.archive import Archive
from harvester.archive.fetchlog import Fetch

BODY = random.Random(7).randbytes(4000)


@pytest.fixture
def archive(tmp_path: Path):
    """An archive holding one report page, stored the way the middleware stores it."""
    with Archive(tmp_path) as archive:
        sha = archive.store.put(BODY)
        writer = archive.warc_writers("r1").for_site("demo")
        location = writer.write(url="http://x.test/t.html", method="GET", request_headers=[], status=200,
                                reason="OK", response_headers=[("Content-Type", "text/html")], body=BODY)
        writer.close()
        archive.log.record(Fetch(run_id="r1", url="http://x.test/t.html", final_url="http://x.test/t.html",
                                 kind="report_page", status=200, sha256=sha, size=len(BODY),
                                 warc_file=location.file, warc_offset=location.offset))
        yield archive


def test_a_clean_archive_verifies(archive: Archive) -> None:
    report = archive.verify()
    assert report.ok and report.blobs_checked == 1 and report.orphan_blobs == []
    assert [doc.sha256 for doc in archive.iter_documents()] == [archive.store.put(BODY)]


def test_crash_leftovers_are_information_not_problems(archive: Archive) -> None:
    orphan = archive.store.put(b"stored, then killed before the fetch row")
    (archive.store.path(orphan).parent / ".tmp-0123").write_bytes(b"half")
    report = archive.verify()
    assert report.ok, report.problems
    assert report.orphan_blobs == [orphan] and report.temp_files == 1


def test_damaged_or_missing_bytes_are_problems(archive: Archive) -> None:
    [document] = archive.iter_documents()
    blob = archive.blob_path(document.sha256)
    blob.write_bytes(b"bit rot" + blob.read_bytes()[7:])
    [warc] = list(archive.warc_dir.iterdir())
    warc.write_bytes(warc.read_bytes()[:-1500])
    problems = archive.verify().problems
    assert len(problems) == 2
    assert "corrupt" in problems[0] and "truncated" in problems[1]
    blob.unlink()
    assert any("missing on disk" in problem for problem in archive.verify().problems)
