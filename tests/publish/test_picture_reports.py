"""End to end: a 图片版 report page (the report printed as pictures) is crawled, archived and read.

The replica portal publishes seed 001 (whose text version sits on the other demo site, not
crawled here) as an article showing one JPEG per page after the agency logo. The crawler must archive exactly those pictures (kind page_image, the logo
left alone), and the load stage must read the page from them by OCR.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

from harvester.crawl.runner import LOOPBACK_SETTINGS, crawl
from harvester.db.load import load
from harvester.portal import Portal
from harvester.registry import DEMO_REGISTRY, load_registry
from publish.helpers import expected

SEED = "001_1fe2932832f48954"


def rows(db: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(sql, params).fetchall()


def crawl_trs(portal: Portal, archive: Path) -> dict:
    summary = crawl(registry=DEMO_REGISTRY, portal=portal.url, sites=["demo-trs"], archive=archive,
                    settings=LOOPBACK_SETTINGS, timeout=120)
    assert summary["returncode"] == 0 and summary["status"] == "finished", summary
    return summary


def test_a_picture_report_is_archived_and_read_by_ocr(fresh_portal: Portal, archive_dir: Path) -> None:
    page = fresh_portal.add_report(SEED, "images")
    crawl_trs(fresh_portal, archive_dir)

    pictures = rows(archive_dir / "archive.db", "SELECT url, sha256, referer, outcome FROM fetches"
                    " WHERE kind = 'page_image' AND referer = ? ORDER BY url", page)
    assert [url for url, *_ in pictures] == sorted(fresh_portal.page_pictures[page])
    for url, sha256, referer, outcome in pictures:
        served = fresh_portal.catalogue.get(urlsplit(url).path).body
        assert (sha256, referer, outcome) == (hashlib.sha256(served).hexdigest(), page, "new")
    assert fresh_portal.non_reports  # the logo too
    assert all(fresh_portal.times_requested(url) == 0 for url in fresh_portal.non_reports)
    # Pages whose text carries the report (and attachment pages) fetch no pictures.
    referers = rows(archive_dir / "archive.db", "SELECT DISTINCT referer FROM fetches WHERE kind = 'page_image'")
    assert {referer for (referer,) in referers} == set(fresh_portal.page_pictures)

    sites = load_registry(DEMO_REGISTRY, portal=fresh_portal.url)
    load(archive_dir, sites, workers=1)
    db = archive_dir / "harvester.db"
    [(doc_id, method, status, n_facts, errors)] = rows(
        db, "SELECT id, method, parse_status, n_facts, errors FROM documents WHERE url = ?", page)
    golden = expected(SEED)
    assert (method, status, n_facts, errors) == ("ocr", "report", len(golden["facts"]), None)
    [(report_id, year, source_method, n_documents)] = rows(
        db, "SELECT id, year, method, n_documents FROM reports WHERE source_document = ?", doc_id)
    assert (year, source_method, n_documents) == (golden["year"], "ocr", 1)
    facts = rows(db, "SELECT key, value, source_cell FROM facts WHERE report_id = ?", report_id)
    assert {key: value for key, value, _ in facts} == golden["facts"]
    for key, _, source_cell in facts:  # every value traced to the picture it was read from
        assert json.loads(source_cell)["image"] in fresh_portal.page_pictures[page], key

    # A recrawl asks for the pictures conditionally and stores nothing new; the reload reads nothing.
    crawl_trs(fresh_portal, archive_dir)
    again = rows(archive_dir / "archive.db", "SELECT outcome, count(*) FROM fetches WHERE kind = 'page_image'"
                 " AND referer = ? GROUP BY outcome ORDER BY outcome", page)
    assert again == [("new", len(pictures)), ("not_modified", len(pictures))]
    assert load(archive_dir, sites, workers=1).parsed == 0
