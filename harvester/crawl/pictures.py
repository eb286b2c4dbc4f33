"""Which pictures of a report page the crawler archives (fetch kind `page_image`): the crawl's own rule.

A report printed as pictures (图片版) is a portal article whose body shows the report's pages
as images and prints hardly a number itself; a page printing the report's tables as text
prints well over a hundred. The crawler archives the pictures of a page printing fewer than
MAX_PRINTED_NUMBERS numbers; the load stage (harvester.db.pictures) finds them again with the
same `content_images`. Reads the markup with harvester.markup only: the crawl never imports the parser.
"""

from __future__ import annotations

import copy
import re
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.etree
import lxml.html

from harvester.markup import DROPPED, NotMarkup, parse_document, skipped

# Portal chrome that sits in article bodies: logos, icons, QR codes, share and print buttons.
CHROME_NAME = re.compile(
    r"logo|icon|banner|ewm|erweima|qrcode|qr[-_.]|share|weixin|wechat|weibo|print|close|arrow"
    r"|btn|button|search|spacer|blank|loading", re.I)
CHROME_EXTENSIONS = (".gif", ".svg", ".ico")
PICTURE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp")
# Lazy-loading portals keep the real address in a data attribute and a placeholder in src.
SOURCE_ATTRIBUTES = ("data-original", "data-src", "src")
MIN_DECLARED_PX = 200  # a width/height attribute below this marks an icon, not a page
# As many pictures as OCR reads of one report (harvester.parse.ocr.limits.MAX_OCR_PAGES; a test keeps them equal).
MAX_PICTURES = 60
# The three tables of a report printed as text hold over 100 numbers; a 图片版 article prints
# its date, perhaps a document number: a handful.
MAX_PRINTED_NUMBERS = 30
_NUMBER = re.compile(r"\d+")
# The nodes `skipped` may drop: by tag, found by lxml's own iteration (asking `skipped` of every element in
# Python cost twice the page's parse, an XPath of the tags four times), and styled elements, by one query.
_SKIPPED_TAGS = (*sorted(DROPPED), lxml.etree.Comment, lxml.etree.ProcessingInstruction, lxml.etree.Entity)
_STYLED = lxml.etree.XPath("descendant::*[@style]")

def _document(data: bytes) -> lxml.etree._Element | None:
    """The page's element tree, None when it is none."""
    try:
        return parse_document(data)
    except NotMarkup:
        return None


def _visible_text(element: lxml.html.HtmlElement) -> str:
    """The text a reader sees in `element` (chrome, scripts and hidden parts dropped from the tree)."""
    # Dropped in any order, the tree's text ends the same: an element goes with all it holds, its tail stays.
    for hidden in [*element.iterdescendants(*_SKIPPED_TAGS), *(node for node in _STYLED(element) if skipped(node))]:
        if hidden.getparent() is not None:
            hidden.drop_tree()
    return element.text_content()


def _printed_numbers(root: lxml.etree._Element) -> int:
    """How many numbers the page's body shows a reader, read from a copy (the tree is left as it is: copying
    costs a tenth of parsing the page again, an XPath excluding skipped ancestors ten times as much)."""
    body = root.find("body")
    return len(_NUMBER.findall(_visible_text(copy.deepcopy(body if body is not None else root))))


def wanted_images(data: bytes, url: str, root: lxml.etree._Element | None = None) -> list[str]:
    """The pictures the crawler must archive to read a report page: none when its text prints the report.
    `root`: the page's tree when the caller has one (the spider: Scrapy's), so most pages are not parsed
    again; the pictures themselves are read from the page's own decoding, as the load stage reads them."""
    root = _document(data) if root is None else root
    if root is None or _printed_numbers(root) >= MAX_PRINTED_NUMBERS:
        return []
    return content_images(data, url)


def content_images(data: bytes, url: str) -> list[str]:
    """Absolute URLs of the pictures a page shows in its body, in page order, chrome left out.

    A picture wrapped in a link to an image file counts as that file (the full-size page
    behind a thumbnail); a bare link to an image file counts as a picture too.
    """
    root = _document(data)
    if root is None:
        return []
    base = root.find(".//base[@href]")
    base_url = urljoin(url, base.get("href")) if base is not None else url
    found: list[str] = []
    for element in root.iter("img", "a"):
        if skipped(element) or any(skipped(a) for a in element.iterancestors()):
            continue
        address = _picture_address(element, base_url)
        if address and _is_page_picture(element, address) and address not in found:
            found.append(address)
    return found[:MAX_PICTURES]


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
