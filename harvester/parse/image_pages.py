"""Report pages that print the report as pictures (图片版): which images, and reading them.

A portal article whose own text holds no statistical tables but whose body shows images
is read from those images. The crawler chose which pictures to fetch by its own rule
(harvester.crawl.pictures, archived as kind `page_image`); the load stage hands the page and
the archived pictures to `parse_image_page`, which OCRs them as the report's pages, in page order.
Every fact's `where` names the image it was read from.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from harvester.parse.carriers import html
from harvester.parse.errors import UnreadableFile
from harvester.parse.interpret import MIN_FACTS_FOR_REPORT, interpret
from harvester.parse.model import Extract, ParseResult
from harvester.parse.ocr import extract_images
from harvester.parse.ocr.render import ImageSet, image_size
from harvester.progress import Progress

MIN_PAGE_SIDE_PX = 400  # a picture whose shorter side is below this cannot hold a legible page
_PAGE_ERROR = re.compile(r"^page (\d+):")  # how OCR names a page it could not read


def needs_images(result: ParseResult) -> bool:
    """True when an HTML page's own text does not carry the report's tables."""
    return result.carrier == "html" and len(result.facts) < MIN_FACTS_FOR_REPORT


def bundle_key(page_sha256: str, images: list[tuple[str, str]]) -> str:
    """Cache key of a page read together with its pictures (url, sha256 each, in page order)."""
    lines = [page_sha256] + [f"{url} {sha}" for url, sha in images]
    return hashlib.sha256("\n".join(["image-page", *lines]).encode()).hexdigest()


def _page_pictures(images: list[tuple[str, bytes]]) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The pictures that can be report pages, and a note for each one left out."""
    kept, notes = [], []
    for url, data in images:
        try:
            width, height = image_size(data)
        except UnreadableFile as error:
            notes.append(f"image {url}: {error.message}")
            continue
        if min(width, height) < MIN_PAGE_SIDE_PX:
            notes.append(f"image {url}: {width}x{height} px, too small to be a report page; skipped")
            continue
        kept.append((url, data))
    return kept, notes


def parse_image_page(data: bytes, images: list[tuple[str, bytes]], name: str,
                     progress: Progress | None = None, ocr_cache: Path | None = None) -> ParseResult:
    """Parse a report page together with its pictures (url, bytes; in page order) as one report."""
    from harvester.parse import PARSER_VERSION

    result = ParseResult(path=name, sha256=hashlib.sha256(data).hexdigest(), carrier="html",
                         parser_version=PARSER_VERSION)
    pictures, notes = _page_pictures(images)
    try:
        page = html.extract(data)
        if not pictures:
            raise UnreadableFile("no picture of the page can be a report page")
        read = extract_images([picture for _, picture in pictures], progress, ocr_cache)
    except UnreadableFile as error:
        result.kind = "unreadable"
        result.errors.extend([*notes, str(error)])
        return result
    digests = [(url, hashlib.sha256(picture).hexdigest()) for url, picture in pictures]
    # Page n of the OCR'd document comes from picture `image` (a multi-page TIFF gives several).
    layout = ImageSet(tuple(picture for _, picture in pictures)).pages()
    sources = {n: digests[image] for n, (image, _) in enumerate(layout, 1)}
    errors = [_PAGE_ERROR.sub(lambda m: f"page {m[1]} ({sources[int(m[1])][0]}):", error, count=1)
              for error in read.errors]
    # The page's own heading and date line first, then the pictures' pages (tables numbered by OCR).
    extract = Extract(carrier="html", method="ocr", blocks=page.paragraphs() + read.blocks,
                      pages=read.pages, title=page.title, errors=notes + errors,
                      page_notes=read.page_notes)
    for note in extract.page_notes:
        note["image"], note["image_sha256"] = sources[note["page"]]
    result = interpret(extract, result)
    for where in result.where.values():
        if where.get("page") in sources:
            where["image"] = sources[where["page"]][0]
    return result
