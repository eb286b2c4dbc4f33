"""Saved pages (tests/crawl/pages, index.json gives each page's URL and content type) as Scrapy responses,
and the second server on 127.0.0.1 that scope tests point their portals at."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from loopback import OffSiteHandler, serve

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


@pytest.fixture(scope="module")
def off_site_server() -> Iterator[ThreadingHTTPServer]:
    """Another server on 127.0.0.1 (another port: another site) that a crawl must never ask anything;
    its `seen` lists what it was asked."""
    with serve(OffSiteHandler) as server:
        yield server
