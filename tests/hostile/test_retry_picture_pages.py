"""A 图片版 page (read from its pictures) is retried like any document: a cached crash once its limit
changed and on `--retry-failed`; a picture the archive lost is a recorded failure retried at every
load, never a load that dies."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harvester.archive.store import BlobStore
from harvester.crawl.runner import LOOPBACK_SETTINGS, crawl
from harvester.db.isolation import KILLED, Limits, failed_parse
from harvester.db.load import load
from harvester.db.parsecache import ParseCache
from harvester.db.pictures import picture_page
from harvester.db.sources import archived_pictures
from harvester.parse import PARSER_VERSION
from harvester.portal import start_portal
from harvester.registry import DEMO_REGISTRY, Site, load_registry

SEED = "001_1fe2932832f48954"


def rows(db: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, list[Site]]]:
    """(archive, page URL, its registry) after a crawl of a 图片版 page and a load."""
    archive = tmp_path_factory.mktemp("pictures")
    with start_portal() as portal:
        page = portal.add_report(SEED, "images")
        summary = crawl(registry=DEMO_REGISTRY, portal=portal.url, sites=["demo-trs"], archive=archive,
                        settings=LOOPBACK_SETTINGS, timeout=120)
        assert summary["returncode"] == 0 and summary["status"] == "finished", summary
        sites = load_registry(DEMO_REGISTRY, portal=portal.url)
        load(archive, sites, workers=2)
        yield archive, page, sites


@pytest.fixture
def picture_archive(loaded: tuple[Path, str, list[Site]], tmp_path: Path) -> tuple[Path, str, list[Site]]:
    """A copy of the loaded archive of one's own."""
    archive, page, sites = loaded
    shutil.copytree(archive, tmp_path / "archive")
    return tmp_path / "archive", page, sites


def picture_page_key(root: Path, page: str) -> str:
    """The parse cache key of the page read with its pictures."""
    [(sha256,)] = rows(root / "archive.db", "SELECT sha256 FROM documents WHERE url = ?", page)
    return picture_page(BlobStore(root), page, sha256, archived_pictures(root)).key


def page_facts(root: Path, page: str) -> tuple[str, int]:
    [(status, n_facts)] = rows(root / "harvester.db", "SELECT parse_status, n_facts FROM documents WHERE url = ?",
                               page)
    return status, n_facts


def cache_crash(root: Path, page: str, limits: Limits) -> None:
    """What a picture page's parse worker killed under `limits` leaves in the parse cache."""
    key, cache = picture_page_key(root, page), ParseCache(root)
    try:
        assert cache.get(key, PARSER_VERSION) is not None  # the page's own entry, replaced
        cache.put(failed_parse(page, key, f"{KILLED} SIGKILL ({limits.describe()})", "html"), key)
    finally:
        cache.close()


def test_a_cached_picture_page_crash_is_retried_like_a_documents(
        picture_archive: tuple[Path, str, list[Site]], monkeypatch: pytest.MonkeyPatch) -> None:
    root, page, sites = picture_archive
    whole = page_facts(root, page)
    assert whole[0] == "report" and whole[1] > 0

    monkeypatch.setenv("HARVESTER_PARSE_MEMORY_MB", "2048")
    cache_crash(root, page, Limits(memory_mb=1024, seconds=Limits.from_env().seconds))
    assert load(root, sites, workers=1).parsed == 1  # killed under another memory limit: read again
    assert page_facts(root, page) == whole

    cache_crash(root, page, Limits.from_env())
    assert load(root, sites, workers=1).parsed == 0 and page_facts(root, page)[0] == "error"  # same limits
    retried = load(root, sites, workers=1, retry_failed=True)
    assert (retried.parsed, retried.failures) == (1, {}) and page_facts(root, page) == whole


def test_a_lost_picture_is_a_recorded_failure_not_a_dead_load(
        picture_archive: tuple[Path, str, list[Site]]) -> None:
    root, page, _ = picture_archive
    [(picture_sha,)] = rows(root / "archive.db", "SELECT sha256 FROM fetches WHERE kind = 'page_image'"
                            " AND referer = ? ORDER BY url LIMIT 1", page)
    with sqlite3.connect(root / "parse_cache.db") as cache:  # the page must be read again (a parser upgrade)
        cache.execute("DELETE FROM parses WHERE sha256 = ?", (picture_page_key(root, page),))
    BlobStore(root).path(picture_sha).unlink()
    command = subprocess.run([sys.executable, "-m", "harvester", "load", "--archive", str(root),
                              "--workers", "1"], capture_output=True, text=True, timeout=300)
    assert command.returncode == 0, command.stderr[-3000:]
    assert f"{page}: archived blob is missing: {picture_sha}" in command.stdout, command.stdout
