"""Fixtures for the publish tests: a real archive of the seed reports, loaded, and served.

The archive is written with the archive's own modules (BlobStore, FetchLog), from the
fixture files the lead builds (every seed in every carrier), so the load stage parses
real HTML, DOCX, DOC and PDF files. Expected numbers come from the golden files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harvester.crawl.settings import PLAYWRIGHT_LAUNCH_OPTIONS
from harvester.db.load import load
from harvester.registry import Site, load_registry
from publish.helpers import archive_files, seed_archive_files, serve


@pytest.fixture(scope="session")
def sites() -> list[Site]:
    return load_registry()


@pytest.fixture(scope="session")
def loaded_archive(tmp_path_factory: pytest.TempPathFactory, sites: list[Site]) -> Path:
    """An archive of every seed in every carrier, loaded into harvester.db."""
    root = tmp_path_factory.mktemp("archive")
    archive_files(root, seed_archive_files(sites))
    load(root, sites)
    return root


@pytest.fixture(scope="session")
def server(loaded_archive: Path) -> str:
    """`harvester serve` on the loaded archive, as a real server; yields its base URL."""
    with serve(loaded_archive) as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (Debian's), shared by the tests that open pages in it."""
    from playwright.sync_api import sync_playwright

    from harvester.parse.ocr.pool import shutdown_workers

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**PLAYWRIGHT_LAUNCH_OPTIONS)
        yield browser
        browser.close()
        # The driver exits when its pipe closes; an OCR pool forked from this process while
        # the driver ran holds that pipe too (so leaving the block would wait for ever).
        shutdown_workers()
