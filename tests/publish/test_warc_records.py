"""A report's page links each file that carries it to the WARC record its bytes were archived in,
served as one record that warcio reads back to the archived bytes."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import httpx
import lxml.html
import pytest
from datasette.utils import tilde_encode
from warcio.archiveiterator import ArchiveIterator

from harvester.archive.fetchlog import Fetch, FetchLog
from harvester.archive.store import BlobStore
from harvester.archive.warc import WarcWriter
from harvester.config import Layout
from harvester.db.load import load
from publish.helpers import CONTENT_TYPES, REPORTS, SEEDS, serve, site_of

SEED = SEEDS[0]
CARRIERS = ("html", "pdf")


@pytest.fixture(scope="module")
def warc_archive(tmp_path_factory, sites) -> Path:
    """One seed as an HTML page and a PDF, each archived with its WARC record as the crawler does."""
    root = tmp_path_factory.mktemp("warc-archive")
    site = site_of(SEED, sites)
    store, log, writer = BlobStore(root), FetchLog(Layout(root).fetch_log), WarcWriter(Layout(root).warc, site, "test")
    try:
        for carrier in CARRIERS:
            url, data = f"http://127.0.0.1/{SEED}/{SEED}.{carrier}", (REPORTS / SEED / f"{SEED}.{carrier}").read_bytes()
            content_type = CONTENT_TYPES[f".{carrier}"]
            location = writer.write(url=url, method="GET", request_headers=[], status=200, reason="OK",
                                    response_headers=[("Content-Type", content_type)], body=data)
            log.record(Fetch(run_id="test", url=url, final_url=url, site=site, kind="attachment",
                             sha256=store.put(data), size=len(data), content_type=content_type,
                             status=200, warc_file=location.file, warc_offset=location.offset))
    finally:
        writer.close()
        log.close()
    load(root, sites)
    return root


def test_every_file_of_a_report_links_to_its_warc_record(warc_archive: Path) -> None:
    conn = sqlite3.connect(warc_archive / "harvester.db")
    (rid,) = conn.execute("SELECT id FROM reports").fetchone()
    documents = conn.execute("SELECT id, url, sha256 FROM documents").fetchall()
    assert len(documents) == len(CARRIERS)
    with serve(warc_archive) as base:
        page = lxml.html.fromstring(httpx.get(f"{base}/harvester/reports/{tilde_encode(rid)}", timeout=30).text)
        links = {a.get("href") for a in page.cssselect(".report-documents a.warc-record")}
        assert links == {f"/-/warc/{document_id}" for document_id, _, _ in documents}
        for document_id, url, sha256 in documents:
            response = httpx.get(f"{base}/-/warc/{document_id}", timeout=30)
            assert response.status_code == 200 and response.headers["content-type"] == "application/warc"
            records = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
                       for r in ArchiveIterator(io.BytesIO(response.content))]
            assert records == [("response", url, BlobStore(warc_archive).read(sha256))]
        assert httpx.get(f"{base}/-/warc/0000000000000000", timeout=30).status_code == 404
