"""Saved pages (tests/crawl/pages, index.json gives each page's URL and content type) as Scrapy responses."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

PAGES = Path(__file__).with_name("pages")


@pytest.fixture
def saved_page() -> Callable[..., HtmlResponse]:
    """Factory: saved_page(name, meta=None) -> the page as an HtmlResponse at its original URL."""
    index = json.loads((PAGES / "index.json").read_text(encoding="utf-8"))

    def load(name: str, meta: dict | None = None) -> HtmlResponse:
        entry = index[name]
        headers = {"Content-Type": entry["content_type"]}
        request = Request(entry["url"], meta=meta or {})
        return HtmlResponse(entry["url"], body=(PAGES / f"{name}.html").read_bytes(), headers=headers, request=request)

    return load
