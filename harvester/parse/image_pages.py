"""Report pages that print the report as pictures (图片版): which images, and reading them.

A portal article whose own text holds no statistical tables but whose body shows images
is read from those images. The crawler asks `wanted_images(page, url)` which pictures to
fetch (archived as kind `page_image`); the load stage hands the page and the archived
pictures to `parse_image_page`, which OCRs them as the report's pages, in page order.
Every fact's `where` names the image it was read from.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

from harvester.parse.carriers import html
from harvester.parse.errors import UnreadableFile
from harvester.parse.interpret import MIN_FACTS_FOR_REPORT, interpret
from harvester.parse.model import Extract, ParseResult
from harvester.parse.ocr import extract_images
from harvester.parse.ocr.pool import Progress as OcrProgress
from harvester.parse.ocr.limits import MAX_OCR_PAGES
from harvester.parse.ocr.render import ImageSet, image_size

# Portal chrome that sits in article bodies: logos, icons, QR codes, share and print buttons.
CHROME_NAME = re.compile(
    r"logo|icon|banner|ewm|erweima|qrcode|qr[-_.]|share|weixin|wechat|weibo|print|close|arrow"
    r"|btn|button|search|spacer|blank|loading", re.I)
CHROME_EXTENSIONS = (".gif", ".svg", ".ico")
PICTURE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp")
# Lazy-loading portals keep the real address in a data attribute and a placeholder in src.
SOURCE_ATTRIBUTES = ("data-original", "data-src", "src")
MIN_DECLARED_PX = 200  # a width/height attribute below this marks an icon, not a page
MIN_PAGE_SIDE_PX = 400  # a picture whose shorter side is below this cannot hold a legible page
_PAGE_ERROR = re.compile(r"^page (\d+):")  # how OCR names a page it could not read


def content_images(data: bytes, url: str) -> list[str]:
    """Absolute URLs of the pictures a page shows in its body, in page order, chrome left out.

    A picture wrapped in a link to an image file counts as that file (the full-size page
    behind a thumbnail); a bare link to an image file counts as a picture too.
    """
    try:
        root = html.parse_document(data)
    except UnreadableFile:
        return []
    base = root.find(".//base[@href]")
    base_url = urljoin(url, base.get("href")) if base is not None else url
    found: list[str] = []
    for element in root.iter("img", "a"):
        if html.skipped(element) or any(html.skipped(a) for a in element.iterancestors()):
            continue
        address = _picture_address(element, base_url)
        if address and _is_page_picture(element, address) and address not in found:
            found.append(address)
    return found[:MAX_OCR_PAGES]


def _absolute(base_url: str, address: str) -> str:
    """An address as written on the page, made absolute, fragment dropped."""
    return urldefrag(urljoin(base_url, address.strip())).url


def _image_link(anchor, base_url: str) -> str | None:
    """The image file an <a> links to, as an absolute URL, or None."""
    href = _absolute(base_url, anchor.get("href") or "")
    return href if urlsplit(href).path.lower().endswith(PICTURE_EXTENSIONS) else None


def _picture_address(element, base_url: str) -> str | None:
    """The picture an <img> or <a> stands for, as an absolute URL (None when it is none)."""
    if element.tag == "a":
        # A link around an <img> is taken up by that <img>; only a bare link is a picture here.
        return _image_link(element, base_url) if element.find(".//img") is None else None
    link = next(element.iterancestors("a"), None)
    full_size = _image_link(link, base_url) if link is not None else None
    source = next((element.get(a) for a in SOURCE_ATTRIBUTES if (element.get(a) or "").strip()), "")
    return full_size or (_absolute(base_url, source) if source else None)


def _is_page_picture(image, address: str) -> bool:
    """True unless the picture is chrome: wrong scheme, icon-like name or declared icon size."""
    parts = urlsplit(address)
    name = parts.path.rsplit("/", 1)[-1].lower()
    if parts.scheme not in ("http", "https") or name.endswith(CHROME_EXTENSIONS):
        return False
    if CHROME_NAME.search(name) or CHROME_NAME.search(image.get("class") or ""):
        return False
    for attribute in ("width", "height"):
        digits = re.match(r"\s*(\d+)\s*(?:px)?\s*$", image.get(attribute) or "")
        if digits and int(digits.group(1)) < MIN_DECLARED_PX:
            return False
    return True


def needs_images(result: ParseResult) -> bool:
    """True when an HTML page's own text does not carry the report's tables."""
    return result.carrier == "html" and len(result.facts) < MIN_FACTS_FOR_REPORT


def wanted_images(data: bytes, url: str) -> list[str]:
    """The pictures the crawler must archive to read a report page: none when its text suffices."""
    from harvester.parse import parse_bytes  # the dispatcher imports this package's siblings

    images = content_images(data, url)
    if not images or not needs_images(parse_bytes(data, url)):
        return []
    return images


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
                     progress: OcrProgress | None = None, ocr_cache: Path | None = None) -> ParseResult:
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
