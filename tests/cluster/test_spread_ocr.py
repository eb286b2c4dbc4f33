"""A scan's pages read by several parse workers at once: real scheduler, two worker processes, one
image-only PDF. Its OCR was one job, its pages read one after another by one worker while the other
idled (the cluster benchmark's OCR scaled 1.45x on two workers). Its pages go out longest first: in
submission order the last, longest page of a run was read while the other worker idled."""

from __future__ import annotations

import io
import os
import signal
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from distributed import Client, get_task_stream

from harvester.archive.store import BlobStore
from harvester.cluster.local import start_scheduler, start_workers
from harvester.cluster.submit import ClusterParsing
from harvester.db.isolation import parse_archived
from harvester.parse import PARSER_VERSION
from harvester.parse.ocr.render import PageSource
from publish.helpers import REPORTS

SCAN = REPORTS / "000_c6cf585c495c9a5f" / "000_c6cf585c495c9a5f.scan.pdf"  # 4 image-only pages


def last_pages_first(data: bytes) -> bytes:
    """The scan with its pages in reverse order: its prose page, the inkiest, comes last."""
    scan, reordered = pdfium.PdfDocument(data), pdfium.PdfDocument.new()
    reordered.import_pages(scan, list(reversed(range(len(scan)))))
    out = io.BytesIO()
    reordered.save(out)
    return out.getvalue()


@pytest.mark.timeout(600)
def test_a_scans_pages_are_read_by_both_workers_and_the_file_parses_as_it_does_locally(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARVESTER_OCR_CACHE", str(tmp_path / "ocr-cache"))  # cold, shared by both workers
    root = tmp_path / "archive"
    scan = last_pages_first(SCAN.read_bytes())
    sha = BlobStore(root).put(scan)
    scheduler, address = start_scheduler(tmp_path)
    workers = start_workers(address, root, 2, "pair", tmp_path)
    try:
        with Client(address, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=180)
            with get_task_stream(client) as stream:
                [result] = ClusterParsing(address, client=client).blobs(root, [sha])
            tasks = [(task["key"], task["worker"]) for task in stream.data]
            started = sorted(stream.data, key=lambda task: min(part["start"] for part in task["startstops"]))
    finally:
        os.killpg(workers.pid, signal.SIGKILL)  # the worker group, in a session of its own
        workers.wait(timeout=30)
        scheduler.terminate()
        scheduler.wait(timeout=30)
    page_jobs = {key: worker for key, worker in tasks if str(key).startswith("harvester-ocr-")}
    assert sorted(page_jobs) == [f"harvester-ocr-{sha}-{index}" for index in range(4)]
    assert len(set(page_jobs.values())) == 2, f"both workers read pages: {tasks}"
    # The inkiest pages (the longest to read) went first, so no long page is left for the end.
    source = PageSource("pdf", scan)
    ink = {index: int((source.load(index).gray < 128).sum()) for index in range(4)}
    heaviest = sorted(ink, key=ink.get, reverse=True)[:2]
    assert sorted(heaviest) != [0, 1], ink  # else submission order would pass too
    first_two = [str(task["key"]) for task in started if str(task["key"]).startswith("harvester-ocr-")][:2]
    assert sorted(first_two) == sorted(f"harvester-ocr-{sha}-{index}" for index in heaviest), (first_two, ink)
    assert {str(key) for key, _ in tasks} - set(page_jobs) == {f"harvester-{PARSER_VERSION}-{sha}",
                                                                  f"harvester-{PARSER_VERSION}-{sha}-read"}
    # The file's second parse found every page read (cached), and reads as a local parse of it does.
    assert result.method == "ocr" and result.kind == "report", result.errors
    assert [note["ocr"]["cached"] for note in result.page_notes] == [True] * 4
    assert [note["ocr"]["rendered"] for note in result.page_notes] == [False] * 4  # found by the file's pages
    [local] = parse_archived(root, [sha], workers=1)
    assert (result.facts, result.cell_status, result.errors) == (local.facts, local.cell_status, local.errors)
    assert len(result.facts) > 50
