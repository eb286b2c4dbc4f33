"""Fixtures shared by every test folder: a running replica portal and a temporary archive root."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from harvester.portal import Portal, start_portal


@pytest.fixture(scope="session", autouse=True)
def ocr_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One fresh OCR page cache for the session (crawl and load subprocesses inherit it): each
    page image is really OCR'd once, then every archive that holds it reuses the reading."""
    path = tmp_path_factory.mktemp("ocr-cache")
    previous = os.environ.get("HARVESTER_OCR_CACHE")
    os.environ["HARVESTER_OCR_CACHE"] = str(path)
    yield path
    if previous is None:
        os.environ.pop("HARVESTER_OCR_CACHE", None)
    else:
        os.environ["HARVESTER_OCR_CACHE"] = previous


@pytest.fixture(scope="session")
def portal() -> Iterator[Portal]:
    """The replica portal, shared by the session: do not change it (use `fresh_portal` for that)."""
    with start_portal() as running:
        yield running


@pytest.fixture
def fresh_portal() -> Iterator[Portal]:
    """A replica portal of one's own, free to add reports to or break columns of."""
    with start_portal() as running:
        yield running


@pytest.fixture
def archive_dir(tmp_path: Path) -> Path:
    """An empty archive root (pass as `archive=` / HARVESTER_ARCHIVE)."""
    root = tmp_path / "archive"
    root.mkdir()
    return root
