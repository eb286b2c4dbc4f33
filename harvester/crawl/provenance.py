"""What a Scrapy request and response say about a fetch, as text fit for the fetch log and WARC.

Everything here is data about the exchange (site, kind, headers, title, announced file name);
none of it is ever used to build a path.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote, urlsplit

from scrapy import Request, Spider
from scrapy.http import Headers, Response, TextResponse

from harvester.archive.fetchlog import KINDS

# Headers that describe the wire encoding, not the (decoded) body we keep in the WARC record.
WIRE_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})
TEXT_LIMIT = 500  # longest title, link text or error message kept


def site_of(request: Request, spider: Spider) -> str:
    """The registry id of the site a request belongs to."""
    site = request.meta.get("harvester", {}).get("site") or getattr(spider, "site", None)
    return site if isinstance(site, str) and site else spider.name


def kind_of(request: Request) -> str:
    """The kind the spider declared, robots for robots.txt, else other."""
    kind = request.meta.get("harvester", {}).get("kind")
    if kind in KINDS:
        return kind
    return "robots" if urlsplit(request.url).path == "/robots.txt" else "other"


def short_text(value: Any) -> str | None:
    """A short single-line text, or None when empty."""
    if value is None:
        return None
    text = re.sub(r"\s+", " ", str(value)).strip()
    return text[:TEXT_LIMIT] or None


def header_map(headers: Headers) -> dict[str, list[str]]:
    """Scrapy headers as JSON-able text (latin-1 keeps every byte). Read as the dict they are (names
    already normalised, values lists): Headers.items() normalises every name again."""
    return {key.decode("latin-1"): [value.decode("latin-1") for value in values]
            for key, values in dict.items(headers)}


def header_text(headers: Headers, name: str) -> str | None:
    """One header as text, or None."""
    value = headers.get(name)
    return value.decode("latin-1") if value else None


def disposition_filename(value: bytes | None) -> str | None:
    """The file name a Content-Disposition header announces, as text only (never used as a path)."""
    if not value:
        return None
    extended = re.search(rb"filename\*\s*=\s*([\w-]*)'[^']*'([^;]+)", value, re.IGNORECASE)
    if extended:
        charset = extended.group(1).decode("ascii", "ignore") or "utf-8"
        try:
            return short_text(unquote(extended.group(2).decode("latin-1").strip('"'), encoding=charset))
        except LookupError:
            return short_text(unquote(extended.group(2).decode("latin-1")))
    plain = re.search(rb'filename\s*=\s*"?([^";]+)"?', value, re.IGNORECASE)
    if not plain:
        return None
    raw = plain.group(1)
    for encoding in ("utf-8", "gb18030"):
        try:
            return short_text(unquote(raw.decode(encoding)))
        except UnicodeDecodeError:
            continue
    return short_text(raw.decode("latin-1"))


def title_of(request: Request, response: Response) -> str | None:
    """The document's title: from the spider's meta, the HTML <title>, or Content-Disposition."""
    declared = request.meta.get("harvester", {}).get("title")
    if declared:
        return short_text(declared)
    if isinstance(response, TextResponse):
        try:
            return short_text(response.xpath("//title/text()").get())
        except (ValueError, AttributeError):  # not parseable as HTML/XML
            return None
    return disposition_filename(response.headers.get("Content-Disposition"))


def header_pairs(headers: dict[str, list[str]], skip: frozenset[str] | set[str] = frozenset()) -> list[tuple[str, str]]:
    """Headers (as header_map gives them) as (name, value) text pairs for a WARC record, minus names in
    skip (lowercase)."""
    return [(name, value) for name, values in headers.items() if name.lower() not in skip for value in values]


def reason_phrase(status: int) -> str:
    """The standard reason phrase of an HTTP status."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
