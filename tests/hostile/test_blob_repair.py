"""A damaged archive mends itself: a recrawl or a merge that brings the bytes a blob is named after
replaces the blob when it is missing or no longer holds them (bit rot), and the next load reads the
report whole again."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from harvester.archive import Archive
from harvester.archive.store import BlobStore
from harvester.crawl.runner import LOOPBACK_SETTINGS, crawl
from harvester.db.load import load
from harvester.portal import Portal
from harvester.registry import DEMO_REGISTRY, Site, load_registry


def rows(db: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(sql, params).fetchall()


def report_facts(root: Path) -> dict[str, int]:
    """Document URL -> facts read, of every document parsed as a report."""
    return dict(rows(root / "harvester.db", "SELECT url, n_facts FROM documents WHERE parse_status = 'report'"))


def damage(root: Path, shas: list[str]) -> None:
    """Bit rot in the first blob (same size, other bytes), the second one gone; both must be read again
    (as after a parser upgrade), so their cached parses go."""
    store = BlobStore(root)
    rotten = store.path(shas[0])
    rotten.write_bytes(bytes(byte ^ 0x55 for byte in rotten.read_bytes()))
    store.path(shas[1]).unlink()
    with sqlite3.connect(root / "parse_cache.db") as cache:
        cache.executemany("DELETE FROM parses WHERE sha256 = ?", [(sha,) for sha in shas])


def crawl_trs(portal: Portal, archive: Path) -> None:
    summary = crawl(registry=DEMO_REGISTRY, portal=portal.url, sites=["demo-trs"], archive=archive,
                    settings=LOOPBACK_SETTINGS, timeout=120)
    assert summary["returncode"] == 0 and summary["status"] == "finished", summary


@pytest.fixture(scope="module")
def crawled(portal: Portal, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Site], dict[str, int]]:
    """A crawl of the replica's TRS site, loaded: (archive, its registry, facts per report document)."""
    archive = tmp_path_factory.mktemp("crawled")
    crawl_trs(portal, archive)
    sites = load_registry(DEMO_REGISTRY, portal=portal.url)
    load(archive, sites, workers=2)
    return archive, sites, report_facts(archive)


def damaged_copy(crawled: tuple[Path, list[Site], dict[str, int]], copy: Path) -> list[str]:
    """A copy of the crawled archive with two report attachments damaged; their URLs (the load names them)."""
    archive, sites, whole = crawled
    shutil.copytree(archive, copy)
    attachments = rows(copy / "archive.db", "SELECT url, sha256 FROM documents WHERE kind = 'attachment' ORDER BY url")
    damaged = [(url, sha) for url, sha in attachments if whole.get(url)][:2]
    assert len(damaged) == 2, attachments
    damage(copy, [sha for _, sha in damaged])
    hurt = load(copy, sites, workers=2)
    assert set(hurt.failures) == {url for url, _ in damaged}, hurt.failures
    assert not Archive(copy).verify().ok
    return [url for url, _ in damaged]


def test_a_recrawl_repairs_a_corrupt_and_a_missing_blob(portal: Portal, crawled, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    damaged_copy(crawled, archive)
    crawl_trs(portal, archive)  # the portal would answer 304 to a conditional request: it must not be asked one
    assert Archive(archive).verify().ok
    mended = load(archive, crawled[1], workers=2)
    assert (mended.failures, report_facts(archive)) == ({}, crawled[2])


def test_a_merge_repairs_a_corrupt_and_a_missing_blob(crawled, tmp_path: Path) -> None:
    source, target = crawled[0], tmp_path / "main"
    damaged_copy(crawled, target)
    merged = subprocess.run([sys.executable, "-m", "harvester", "merge", str(source), "--archive", str(target),
                             "--verify"], capture_output=True, text=True, timeout=300)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert "blobs 2 copied" in merged.stdout and "0 problems" in merged.stdout, merged.stdout
    command = subprocess.run([sys.executable, "-m", "harvester", "load", "--archive", str(target),
                              "--workers", "2"], capture_output=True, text=True, timeout=300)
    assert command.returncode == 0 and "parse failures" not in command.stdout, command.stdout + command.stderr
    assert report_facts(target) == crawled[2]
