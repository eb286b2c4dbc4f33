"""A document without a title of its own (a PDF or DOCX attachment) is labelled by the text of the
link it was found under, so Datasette never shows `None` for a report's source document."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest

from harvester.db.load import load
from publish.helpers import REPORTS, SEEDS, archive_files, serve, site_of

SEED = SEEDS[0]
LINK_TEXTS = {"pdf": "2019年度政府信息公开工作年度报告（PDF版）",
              "docx": "2019年度政府信息公开工作年度报告（Word版）"}


@pytest.fixture(scope="module")
def attachments_archive(tmp_path_factory, sites) -> Path:
    """One seed as two attachments found under link texts, no page title."""
    root = tmp_path_factory.mktemp("attachments")
    archive_files(root, [
        (site_of(SEED, sites), f"http://127.0.0.1/{SEED}/{SEED}.{carrier}",
         (REPORTS / SEED / f"{SEED}.{carrier}").read_bytes(), {"link_text": text})
        for carrier, text in LINK_TEXTS.items()])
    load(root, sites)
    return root


def test_documents_without_a_title_take_their_link_text(attachments_archive: Path) -> None:
    conn = sqlite3.connect(attachments_archive / "harvester.db")
    titles = dict(conn.execute("SELECT carrier, title FROM documents"))
    assert titles == LINK_TEXTS


def test_datasette_labels_every_source_document(attachments_archive: Path) -> None:
    with serve(attachments_archive) as base:
        rows = httpx.get(f"{base}/harvester/report_documents.json",
                         params={"_labels": "on", "_shape": "array"}, timeout=30).json()
        reports = httpx.get(f"{base}/harvester/reports.json",
                            params={"_labels": "on", "_shape": "array"}, timeout=30).json()
    assert len(rows) == len(LINK_TEXTS) and reports
    assert {row["document_id"]["label"] for row in rows} == set(LINK_TEXTS.values())
    assert all(report["source_document"]["label"] in LINK_TEXTS.values() for report in reports)
