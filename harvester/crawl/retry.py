"""Retry that honours Retry-After: Scrapy's RetryMiddleware retries 429/503 at once, ignoring the header."""

from __future__ import annotations

import asyncio
import time
from email.utils import parsedate_to_datetime

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response

from harvester.crawl.provenance import short_text

LAST_FAILURE = "harvester_last_failure"  # request.meta of a retry: why the attempt before it failed


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or HTTP-date); None when absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, moment - (time.time() if now is None else now))


class RetryAfterMiddleware(RetryMiddleware):
    """RetryMiddleware that waits what the server asked before retrying, or gives up if it asked too much.

    HARVESTER_RETRY_AFTER_MAX (seconds) bounds the wait: a server asking for more is left alone for this
    run (the response, e.g. a 429, reaches the archive layer, which records it as a rate limit). A retry
    carries why the attempt before it failed (meta LAST_FAILURE): a crawl stopped before sending it says
    so in the retry's row (crawl/pending.py).
    """

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.max_wait = settings.getfloat("HARVESTER_RETRY_AFTER_MAX", 120.0)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is not None and response.status in self.retry_http_codes and not request.meta.get("dont_retry"):
            if wait > self.max_wait:
                return response
            retry = self._retry(request, f"{response.status} with Retry-After {wait:.0f}s")
            if retry is None:
                return response
            await asyncio.sleep(wait)
            return retry
        return super().process_response(request, response)

    def _retry(self, request: Request, reason: str | Exception | type[Exception]) -> Request | None:
        retry = super()._retry(request, reason)
        if retry is not None:
            retry.meta[LAST_FAILURE] = reason if isinstance(reason, str) else short_text(f"{type(reason).__name__}: {reason}")
        return retry
