"""图片版 report pages at load time: a page whose text lacks the tables is read from its pictures.

The crawler archived the pictures such a page shows (fetch kind `page_image`); here each
page is parsed together with the latest archived version of its pictures, in page order,
and that result replaces the page's text-only parse. Results are cached under a key made
of the page's and the pictures' digests, so a new picture version means a new parse.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from harvester.archive.store import BlobStore
from harvester.config import Layout
from harvester.crawl.pictures import content_images
from harvester.db.isolation import failed_parse, isolated_map
from harvester.db.parsecache import ParseCache
from harvester.db.sources import archived_pictures
from harvester.parse import PARSER_VERSION
from harvester.parse.image_pages import bundle_key, needs_images, parse_image_page
from harvester.parse.model import ParseResult
from harvester.progress import Progress


def read_picture_pages(root: Path, documents: list[dict[str, Any]], results: dict[str, ParseResult],
                       cache: ParseCache, progress: Progress) -> int:
    """Replace in `results` the parse of every 图片版 page by its parse with its pictures;
    returns how many were parsed now (not from the cache)."""
    pictures = archived_pictures(root)
    if not pictures:
        return 0
    store = BlobStore(root)
    pages = []
    for document in documents:
        if document["kind"] == "report_page" and needs_images(results[document["sha256"]]):
            data = store.read(document["sha256"])
            shown = [(url, pictures[url]) for url in content_images(data, document["url"]) if url in pictures]
            if shown:
                pages.append((document, data, shown))
    parsed = 0
    for done, (document, data, shown) in enumerate(pages, 1):
        key = bundle_key(document["sha256"], shown)
        result = cache.get(key, PARSER_VERSION)
        if result is None:
            shown_bytes = [(url, store.read(sha)) for url, sha in shown]
            result = _parse_alone(data, shown_bytes, document, Layout(root).ocr_cache)
            cache.put(result, key)
            parsed += 1
        results[document["sha256"]] = result
        progress("pictures", done, len(pages))
    return parsed


def _parse_alone(data: bytes, pictures: list[tuple[str, bytes]], document: dict[str, Any],
                 ocr_cache: Path) -> ParseResult:
    """parse_image_page in a child that may die alone (see isolation); any failure is a recorded result."""
    [(_, result, failure)] = isolated_map(partial(_parse, data, pictures, ocr_cache), [document], workers=1)
    return result if failure is None else failed_parse(document["url"], document["sha256"], failure, "html")


def _parse(data: bytes, pictures: list[tuple[str, bytes]], ocr_cache: Path,
           document: dict[str, Any]) -> ParseResult:
    """parse_image_page, with any exception recorded on the result instead of stopping the load."""
    try:
        return parse_image_page(data, pictures, document["url"], ocr_cache=ocr_cache)
    except Exception as error:  # noqa: BLE001 - one bad page must not stop the archive load
        return failed_parse(document["url"], document["sha256"], f"{type(error).__name__}: {error}", "html")
