"""Fixtures shared by every test folder: a running replica portal and a temporary archive root."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harvester.portal import Portal, start_portal


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
