"""OCR tests share one page cache per session: every page is really OCR'd once, then reused."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def ocr_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh page cache for the session: every page is really OCR'd once, then reused."""
    path = tmp_path_factory.mktemp("ocr-cache")
    previous = os.environ.get("HARVESTER_OCR_CACHE")
    os.environ["HARVESTER_OCR_CACHE"] = str(path)
    yield path
    if previous is None:
        os.environ.pop("HARVESTER_OCR_CACHE", None)
    else:
        os.environ["HARVESTER_OCR_CACHE"] = previous
