"""Scrapy middlewares that would drop a response without a trace hand it to the archive instead.

HttpCompressionMiddleware (a body inflating past ``download_maxsize``) and RedirectMiddleware /
MetaRefreshMiddleware (``REDIRECT_MAX_TIMES`` reached) raise IgnoreRequest from process_response,
which no other middleware ever sees (and a ValueError for a Location no request can be made of,
such as ``javascript:alert(1)``). These subclasses mark the response instead and pass it on;
ArchiveMiddleware (540, below them) logs it (``too_large`` / ``error``) and drops it. So every
request ends as exactly one fetch-log row.

Two more holes are closed here: a redirect to a URL already requested (a cycle a -> b -> a, or two
old addresses of one moved page) is followed again instead of being dropped silently by the
duplicate filter (a cycle then ends at REDIRECT_MAX_TIMES, logged); and a page whose declared
charset Python knows but cannot decode with (``idna``, ``undefined``) is decoded the way the
parser decodes it, instead of raising in every reader of ``response.text``.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares import httpcompression, redirect
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse

from harvester.crawl.provenance import short_text
from harvester.charset import detect

REFUSED = "harvester_refused"  # request.meta key: (outcome, error) for ArchiveMiddleware


def refusal(request: Request) -> tuple[str, str] | None:
    """(outcome, error) when a middleware above the archive refused this request's response."""
    return request.meta.pop(REFUSED, None)


class _HandsOver:
    """Mixin: an IgnoreRequest from process_response becomes a marked response for the archive."""

    outcome = "error"
    prefix = ""

    def process_response(self, request: Request, response: Response, spider=None) -> Request | Response:
        try:
            result = super().process_response(request, response)  # type: ignore[misc]
        except (IgnoreRequest, ValueError) as error:  # ValueError: a Location no request can go to (javascript:)
            request.meta[REFUSED] = (self.outcome, short_text(f"{self.prefix}{error}"))
            return response
        if isinstance(result, Request) and result is not request:
            result.dont_filter = True  # a hop to a URL seen before is followed (and bounded), not lost
        return result


class HttpCompressionMiddleware(_HandsOver, httpcompression.HttpCompressionMiddleware):
    """Scrapy's, with a decompression bomb logged as too_large."""

    outcome = "too_large"


class RedirectMiddleware(_HandsOver, redirect.RedirectMiddleware):
    """Scrapy's, with a redirect chain over REDIRECT_MAX_TIMES logged as an error."""

    prefix = "redirect not followed: "


class MetaRefreshMiddleware(_HandsOver, redirect.MetaRefreshMiddleware):
    """Scrapy's, reading pages whose declared charset cannot decode them, and logging loops."""

    prefix = "redirect not followed: "

    def process_response(self, request: Request, response: Response, spider=None) -> Request | Response:
        return super().process_response(request, readable(response))


def readable(response: Response) -> Response:
    """The response, re-decoded as the parser decodes it when its declared charset cannot decode it."""
    if not isinstance(response, TextResponse):
        return response
    try:
        response.text  # noqa: B018 - decoding is the test
    except (UnicodeError, LookupError):
        return response.replace(encoding=detect(response.body)[1])
    return response
