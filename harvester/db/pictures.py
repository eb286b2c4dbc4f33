"""图片版 report pages at load time: a page whose text lacks the tables is read from its pictures.

The crawler archived the pictures such a page shows (fetch kind `page_image`); here each
page is parsed together with the latest archived version of its pictures, in page order,
and that result replaces the page's text-only parse. Results are cached under a key made
of the page's and the pictures' digests, so a new picture version means a new parse.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from harvester.archive.store import BlobMissing, BlobStore, BlobUnreadable
from harvester.config import Layout
from harvester.crawl.pictures import content_images
from harvester.db.isolation import ArchiveFault, Limits, failed_parse, isolated_map, trusted_bytes, worth_retrying
from harvester.db.parsecache import ParseCache
from harvester.db.sources import archived_pictures
from harvester.parse import PARSER_VERSION
from harvester.parse.image_pages import bundle_key, needs_images, parse_image_page
from harvester.parse.model import ParseResult
from harvester.progress import Progress


@dataclass(frozen=True)
class PicturePage:
    """A 图片版 report page to read with its archived pictures: everything named by digest."""

    url: str
    sha256: str
    pictures: tuple[tuple[str, str], ...]  # (picture url, sha256), in page order

    @property
    def key(self) -> str:
        """Its parse cache key: the page's and the pictures' digests."""
        return bundle_key(self.sha256, list(self.pictures))


PageParser = Callable[[Path, Sequence[PicturePage]], Iterator[tuple[PicturePage, ParseResult]]]


def read_picture_pages(root: Path, documents: list[dict[str, Any]], results: dict[str, ParseResult],
                       cache: ParseCache, progress: Progress, parse_pages: PageParser,
                       retry_failed: bool = False) -> int:
    """Replace in `results` the parse of every 图片版 page by its parse with its pictures (those not
    in the cache, or cached as a failure worth retrying as a document's is, read by `parse_pages`);
    returns how many were parsed now."""
    pages, limits = picture_pages(root, documents, results), Limits.from_env()
    found = {page: cached for page in pages if (cached := cache.get(page.key, PARSER_VERSION)) is not None
             and not worth_retrying(cached, limits, retry_failed)}
    missing = [page for page in pages if page not in found]
    for done, (page, result) in enumerate(parse_pages(root, missing), len(found) + 1):
        cache.put(result, page.key)
        found[page] = result
        progress("pictures", done, len(pages))
    for page in pages:
        results[page.sha256] = found[page]
    return len(missing)


def picture_pages(root: Path, documents: list[dict[str, Any]],
                  results: dict[str, ParseResult]) -> list[PicturePage]:
    """Every report page whose text-only parse lacks the tables and whose pictures are archived."""
    pictures = archived_pictures(root)
    if not pictures:
        return []
    store = BlobStore(root)
    pages = [page for document in documents
             if document["kind"] == "report_page" and needs_images(results[document["sha256"]])
             and (page := picture_page(store, document["url"], document["sha256"], pictures))]
    return list(dict.fromkeys(pages))


def picture_page(store: BlobStore, url: str, sha256: str, pictures: dict[str, str]) -> PicturePage | None:
    """The page with those of its pictures that are archived (`pictures`: URL -> sha256), in page order;
    None when there are none, or when the page's own blob cannot be read (its parse says so)."""
    try:
        page = store.read(sha256)
    except (BlobMissing, BlobUnreadable):
        return None
    shown = tuple((image, pictures[image]) for image in content_images(page, url) if image in pictures)
    return PicturePage(url, sha256, shown) if shown else None


def parse_picture_page(root: Path, page: PicturePage) -> ParseResult:
    """parse_image_page on the archived bytes, in a child that may die alone (see isolation); any
    failure is a recorded result (a picture the archive cannot give: a fault retried at every load)."""
    try:
        data = trusted_bytes(root, page.sha256)
        shown = [(url, trusted_bytes(root, sha)) for url, sha in page.pictures]
    except ArchiveFault as fault:
        return failed_parse(page.url, page.sha256, str(fault), "html")
    [(_, result, failure)] = isolated_map(partial(_parse, data, shown, Layout(root).ocr_cache), [page], workers=1)
    return result if failure is None else failed_parse(page.url, page.sha256, failure, "html")


def _parse(data: bytes, pictures: list[tuple[str, bytes]], ocr_cache: Path, page: PicturePage) -> ParseResult:
    """parse_image_page, with any exception recorded on the result instead of stopping the load."""
    try:
        return parse_image_page(data, pictures, page.url, ocr_cache=ocr_cache)
    except MemoryError:
        raise  # isolation's child names it, with the limits it ran under
    except Exception as error:  # noqa: BLE001 - one bad page must not stop the archive load
        return failed_parse(page.url, page.sha256, f"{type(error).__name__}: {error}", "html")
