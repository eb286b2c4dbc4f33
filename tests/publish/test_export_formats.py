"""`harvester export --xlsx --wacz`: a workbook whose text no spreadsheet turns into numbers, and
a WACZ of the crawled archive that py-wacz's own validator accepts and that holds every report."""

from __future__ import annotations

import gzip
import json
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from wacz.main import main as wacz_main

from harvester.crawl.runner import LOOPBACK_SETTINGS, crawl
from harvester.db.sources import iter_archived_documents
from harvester.export import DATASETS, export_wacz
from harvester.registry import DEMO_REGISTRY

NUMBER_LIKE = ("0012345678901234", "1e10", "=1+2", "2019-01-31")


def export(root: Path, out: Path, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harvester", "export", "--archive", str(root),
                           "--out", str(out), *flags], capture_output=True, text=True)


@pytest.fixture(scope="module")
def tricky_archive(loaded_archive: Path, tmp_path_factory) -> Path:
    """The loaded archive with texts a spreadsheet would take for a number, a date or a formula."""
    root = tmp_path_factory.mktemp("tricky")
    shutil.copy(loaded_archive / "harvester.db", root / "harvester.db")
    conn = sqlite3.connect(root / "harvester.db")
    ids = [rid for (rid,) in conn.execute("SELECT id FROM reports ORDER BY id")]
    for rid, text in zip(ids, NUMBER_LIKE):
        conn.execute("UPDATE reports SET title = ? WHERE id = ?", (text, rid))
    conn.commit()
    return root


def test_workbook_holds_every_dataset_with_text_kept_as_text(tricky_archive: Path, tmp_path: Path) -> None:
    assert export(tricky_archive, tmp_path, "--xlsx").returncode == 0
    workbook = load_workbook(tmp_path / "harvester.xlsx")
    assert workbook.sheetnames == list(DATASETS)
    conn = sqlite3.connect(tricky_archive / "harvester.db")
    cursor = conn.execute(DATASETS["reports"][0])
    stored = [tuple(d[0] for d in cursor.description), *cursor.fetchall()]
    sheet = [tuple(cell.value for cell in row) for row in workbook["reports"].iter_rows()]
    assert len(stored) > 1 and sheet == stored
    for row in workbook["reports"].iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type == ("s" if isinstance(cell.value, str) else "n")
    titles = {cell.value for cell in next(workbook["reports"].iter_cols(
        min_col=stored[0].index("title") + 1, max_col=stored[0].index("title") + 1))}
    assert set(NUMBER_LIKE) <= titles
    facts = conn.execute("SELECT count(*) FROM facts").fetchone()[0]
    assert workbook["panel_long"].max_row == facts + 1


@pytest.fixture(scope="module")
def crawled_archive(portal, tmp_path_factory) -> Path:
    """The demo TRS site crawled from the replica portal: real WARC files."""
    root = tmp_path_factory.mktemp("crawled")
    summary = crawl(registry=DEMO_REGISTRY, portal=portal.url, sites=["demo-trs"], archive=root,
                    settings=LOOPBACK_SETTINGS, timeout=120)
    assert summary["returncode"] == 0, summary
    return root


def test_wacz_validates_and_holds_every_archived_report(crawled_archive: Path, tmp_path: Path) -> None:
    wacz = export_wacz(crawled_archive, tmp_path)
    assert wacz_main(["validate", "-f", str(wacz)]) == 0
    with zipfile.ZipFile(wacz) as archive:
        index = gzip.decompress(archive.read("indexes/index.cdx.gz")).decode("utf-8")
        pages = [json.loads(line) for line in archive.read("pages/pages.jsonl").decode("utf-8").splitlines()]
        warcs = {name for name in archive.namelist() if name.startswith("archive/")}
    indexed = {json.loads(line.split(" ", 2)[2])["url"] for line in index.splitlines()}
    documents = {d["url"] for d in iter_archived_documents(crawled_archive)}
    assert documents and documents <= indexed
    assert documents <= {page["url"] for page in pages[1:]}
    assert warcs == {f"archive/{p.name}" for p in (crawled_archive / "warc").glob("*.warc.gz")}


def test_wacz_of_an_archive_without_warc_files_is_a_clear_error(loaded_archive: Path, tmp_path: Path) -> None:
    result = export(loaded_archive, tmp_path, "--wacz")
    assert result.returncode == 1 and "no WARC files" in result.stderr
