"""Scrapy side of the archive: ArchiveMiddleware stores every response, RunRecorder records runs.

Enable both in harvester/crawl/settings.py::

    DOWNLOADER_MIDDLEWARES = {"harvester.crawl.archiving.ArchiveMiddleware": 540}
    EXTENSIONS = {"harvester.crawl.archiving.RunRecorder": 500}

540 sits below RetryMiddleware (550: a retried failure is logged once, when retries give
up), HttpCompressionMiddleware (590: bodies arrive decoded) and RedirectMiddleware (600:
we see the final response, with the hops in ``meta["redirect_urls"]``).

Settings: ``HARVESTER_ARCHIVE`` (archive root; default ``config.archive_root()``),
``HARVESTER_MAX_BYTES`` (largest body kept; default Scrapy's ``DOWNLOAD_MAXSIZE``; applied
as ``download_maxsize`` so oversized downloads are aborted early), ``HARVESTER_WARC_MAX_BYTES``
(WARC rotation size). A request with ``meta["dont_archive"]`` is left alone.

Failures are logged too: download errors (outcome ``error``), bodies over the limit
(``too_large``, compressed ones too), redirects to other schemes (``error``, RedirectMiddleware
returns the 3xx), redirect chains over REDIRECT_MAX_TIMES (``error``; see ``failures``) and
requests off their site (``error`` naming the target, refused by ``scope.ScopeMiddleware``).

After a response is recorded, ``request.meta["archive"]`` holds ``outcome``, ``sha256`` and
``fetch_id``; a 304 reaches the spider as a 200 carrying the archived body, flagged
``not_modified``.

Write order per fetch (what makes kill -9 safe): blob (temp + fsync + rename), then one
transaction that decides the outcome (new, changed, unchanged), writes the WARC record that
follows it (a revisit when unchanged; flushed) and the blob, fetch and document rows. An
interruption leaves at most an orphan blob or WARC record, never a row without its blob.

The rule kept: the fetch log is the commit point, and a row is committed only once the bytes it
names have left the process. The blob is fsynced (file and folder) before its row, so it outlives
a power cut too; the WARC record is flushed to the kernel before its row, so it outlives the
process (kill -9, a crash) and reaches the disk when the file is closed or the kernel writes it.
Per page the two fsyncs cost 0.5-0.7 ms of CPU on ext4 (crawl_bench.py), kept for the blobs' sake.
"""

from __future__ import annotations

import os
import socket
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DownloadCancelledError, DownloadFailedError, IgnoreRequest
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from twisted.internet.error import ConnectionDone
from twisted.protocols.basic import LineReceiver
from twisted.web.client import ResponseFailed, ResponseNeverReceived

from harvester.archive import Archive
from harvester.archive.fetchlog import Fetch, new_run_id
from harvester.archive.warc import DEFAULT_MAX_BYTES as WARC_MAX_BYTES
from harvester.archive.warc import WarcWriters, safe_component
from harvester.crawl import blocks, diskerrors
from harvester.crawl.failures import refusal
from harvester.crawl.scope import NotSent
from harvester.processes import pid_alive
from harvester.crawl.provenance import (
    WIRE_HEADERS,
    header_map,
    header_pairs,
    header_text,
    kind_of,
    reason_phrase,
    short_text,
    site_of,
    title_of,
)

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
CONDITIONAL_HEADERS = (b"If-None-Match", b"If-Modified-Since")

_archives: weakref.WeakKeyDictionary[Crawler, Archive] = weakref.WeakKeyDictionary()


def shared_archive(crawler: Crawler) -> Archive:
    """The one Archive of a crawler (middleware and extension share it; closed when the engine stops)."""
    if crawler not in _archives:
        archive = Archive(crawler.settings.get("HARVESTER_ARCHIVE") or None,
                          warc_max_bytes=crawler.settings.getint("HARVESTER_WARC_MAX_BYTES", WARC_MAX_BYTES))
        _archives[crawler] = archive
        crawler.signals.connect(archive.close, signal=signals.engine_stopped, weak=False)
    return _archives[crawler]


def run_id_for(spider: Spider) -> str:
    """The spider's run id: ``-a run_id=...``, else the one saved in JOBDIR, else a new one.

    Saved in ``<JOBDIR>/harvester_run_id`` as soon as it is chosen, so a crawl resumed
    after kill -9 (when Scrapy's own spider state was never written) continues its run.
    """
    cached = getattr(spider, "_harvester_run_id", None)
    if cached:
        return cached
    settings = getattr(spider, "settings", None)
    jobdir = settings.get("JOBDIR") if settings is not None else None
    saved = Path(jobdir) / "harvester_run_id" if jobdir else None
    run_id = getattr(spider, "run_id", None) or (saved.read_text().strip() if saved and saved.is_file() else None)
    run_id = safe_component(str(run_id), lowercase=False) if run_id else new_run_id()
    if saved is not None:
        saved.parent.mkdir(parents=True, exist_ok=True)
        saved.write_text(run_id)
    spider.run_id = spider._harvester_run_id = run_id
    return run_id


def closed_early(exception: BaseException) -> str | None:
    """What happened when the server's connection closed cleanly before a whole answer's headers (Twisted
    says only "ConnectionDone", also when it hung up itself on a header line over its limit), or None."""
    cause = exception.__cause__ if isinstance(exception, DownloadFailedError) else exception
    if not isinstance(cause, (ResponseFailed, ResponseNeverReceived)) or not cause.reasons or not all(
            reason.check(ConnectionDone) for reason in cause.reasons):
        return None
    if isinstance(cause, ResponseNeverReceived):
        return f"the server closed the connection without answering ({type(exception).__name__})"
    return (f"the connection closed before the response's headers were complete: a header line over"
            f" {LineReceiver.MAX_LENGTH} bytes is refused, or the server closed it ({type(exception).__name__})")


def exception_outcome(exception: BaseException, max_bytes: int) -> tuple[str, str]:
    """(outcome, error text) for a failed download."""
    message = closed_early(exception) or short_text(f"{type(exception).__name__}: {exception}") or type(exception).__name__
    if isinstance(exception, DownloadCancelledError):
        # Scrapy cancels a download when the announced or streamed body passes
        # download_maxsize (a timeout is a DownloadTimeoutError, not a cancel).
        return "too_large", message if str(exception) else f"{message} body passed {max_bytes} bytes"
    if isinstance(exception, NotSent):
        return "error", short_text(str(exception))  # never sent: off the crawl's site, or too long a URL
    if isinstance(exception, IgnoreRequest) and "robots.txt" in str(exception):
        return "disallowed", message  # never sent: the site's robots.txt forbids it
    return "error", message


def fetch_row(request: Request, spider: Spider, final_url: str, **fields: Any) -> Fetch:
    """A fetch row of `request` with the provenance every outcome shares (fields: the rest of the row)."""
    declared = request.meta.get("harvester", {})
    redirects = list(request.meta.get("redirect_urls", []))
    referer = declared.get("referer") or header_text(request.headers, "Referer")
    return Fetch(
        run_id=run_id_for(spider),
        url=redirects[0] if redirects else request.url,
        final_url=final_url,
        kind=kind_of(request),
        site=site_of(request, spider),
        spider=spider.name,
        redirects=redirects,
        method=request.method,
        referer=short_text(referer),
        link_text=short_text(declared.get("link_text")),
        **fields,
    )


class ArchiveMiddleware:
    """Downloader middleware: conditional requests out, every response archived and logged."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.archive = shared_archive(crawler)
        # One size knob by default: Scrapy's DOWNLOAD_MAXSIZE, unless HARVESTER_MAX_BYTES says otherwise.
        self.max_bytes = (crawler.settings.getint("HARVESTER_MAX_BYTES") or crawler.settings.getint("DOWNLOAD_MAXSIZE")
                          or DEFAULT_MAX_BYTES)
        self._warcs: WarcWriters | None = None
        self.disk = diskerrors.DiskGuard(crawler)
        crawler.signals.connect(self._close_warcs, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveMiddleware:
        return cls(crawler)

    @property
    def spider(self) -> Spider:
        """The running spider."""
        return self.crawler.spider

    def _close_warcs(self) -> None:
        """Close the run's WARC files."""
        if self._warcs is not None:
            self._warcs.close()

    # --- requests ---------------------------------------------------------------------

    def process_request(self, request: Request) -> None:
        """Bound the download size and ask only for content newer than what is archived."""
        request.meta.setdefault("download_maxsize", self.max_bytes)
        for name in CONDITIONAL_HEADERS:  # a redirect copies the previous hop's headers
            request.headers.pop(name, None)
        if request.meta.get("dont_archive") or request.meta.get("playwright"):
            return None
        if request.method != "GET":
            return self._replayed(request)
        latest = self.archive.log.latest(request.url)
        if latest is not None and self.archive.store.intact(latest.sha256):  # else the 200 repairs the blob
            if latest.etag:
                request.headers[b"If-None-Match"] = latest.etag
            if latest.last_modified:
                request.headers[b"If-Modified-Since"] = latest.last_modified
        return None

    # --- responses --------------------------------------------------------------------

    def _record(self, request: Request, fetch: Fetch, record: Callable[[], tuple[int, str]] | None = None) -> str:
        """Commit a fetch row (by `record`, else alone), count it, and tell the spider what happened."""
        fetch_id, outcome = record() if record else self.archive.log.record(fetch)
        self.crawler.stats.inc_value(f"archive/{outcome}")
        request.meta["archive"] = {"outcome": outcome, "sha256": fetch.sha256, "fetch_id": fetch_id}
        return outcome

    def _response_fields(self, response: Response) -> dict[str, Any]:
        """Fetch columns taken from a response."""
        return {
            "status": response.status,
            "headers": header_map(response.headers),
            "content_type": header_text(response.headers, "Content-Type"),
            "etag": header_text(response.headers, "ETag"),
            "last_modified": header_text(response.headers, "Last-Modified"),
        }

    def process_response(self, request: Request, response: Response) -> Response:
        """Archive the response (or substitute the archived body for a 304) and log the fetch."""
        with self.disk.writing():
            return self._archive_response(request, response)

    def _archive_response(self, request: Request, response: Response) -> Response:
        if request.meta.get("dont_archive") or "replayed" in response.flags:
            return response
        refused = refusal(request)
        if refused is not None:  # a gzip bomb, too many redirects: logged here, then dropped
            outcome, error = refused
            self._record(request, fetch_row(request, self.spider, response.url, outcome=outcome, error=error,
                                              **self._response_fields(response)))
            raise IgnoreRequest(error)
        if response.status == 304:
            return self._not_modified(request, response)
        fields = self._response_fields(response)
        if len(response.body) > self.max_bytes:
            self._record(request, fetch_row(request, self.spider, response.url, outcome="too_large", size=len(response.body),
                                              error=f"body of {len(response.body)} bytes exceeds {self.max_bytes}", **fields))
            return response
        if 300 <= response.status < 400:
            # RedirectMiddleware hands us a 3xx only when it will not follow it (file:, ftp:, no Location).
            location = header_text(response.headers, "Location")
            self._record(request, fetch_row(request, self.spider, response.url, outcome="error",
                                              error=short_text(f"redirect not followed: {location}"), **fields))
            return response
        self._store(request, response, fields)
        return response

    def _store(self, request: Request, response: Response, fields: dict[str, Any]) -> None:
        """Blob, then the WARC record and the fetch row in one decision (see module docstring for why)."""
        verdict = blocks.classify(response.status, response.body, fields["content_type"])
        sha256 = self.archive.store.put(response.body)
        is_content = verdict is None and 200 <= response.status < 300
        if verdict is not None:
            outcome, error = verdict
        elif is_content:
            outcome, error = None, None  # new, changed or unchanged: decided inside the transaction
        else:
            outcome, error = "error", f"HTTP {response.status}"
        fetch = fetch_row(
            request, self.spider, response.url, outcome=outcome, error=error, sha256=sha256, size=len(response.body),
            title=title_of(request, response) if is_content else None, **fields,
        )
        writer = self._warc_writers().for_site(site_of(request, self.spider))
        self._record(request, fetch, lambda: self.archive.record_exchange(
            fetch, writer,
            url=response.url,
            method=request.method,
            request_headers=header_pairs(header_map(request.headers)),
            status=response.status,
            reason=reason_phrase(response.status),
            response_headers=[*header_pairs(fields["headers"], skip=WIRE_HEADERS), ("Content-Length", str(len(response.body)))],
            body=response.body,
        ))

    def _warc_writers(self) -> WarcWriters:
        """The run's WARC writers, created when the first response arrives."""
        if self._warcs is None:
            self._warcs = self.archive.warc_writers(run_id_for(self.spider))
        return self._warcs

    def _replayed(self, request: Request) -> Response | None:
        """The archived answer to a list batch whose page is unchanged (meta harvester.replay), so the
        batch is not sent again; None (send it) when nothing is archived for it."""
        declared = request.meta.get("harvester", {})
        latest = self.archive.log.latest(request.url, referer=declared.get("referer")) if declared.get("replay") else None
        if latest is None or not self.archive.store.has(latest.sha256):
            return None
        self.crawler.stats.inc_value("archive/replayed")
        request.meta["archive"] = {"outcome": "replayed", "sha256": latest.sha256, "fetch_id": None}
        headers = Headers({name: values for name, values in latest.headers.items() if name.lower() not in WIRE_HEADERS})
        return self._archived_response(request, request.url, headers, self.archive.store.read(latest.sha256),
                                       flags=["replayed"])

    def _archived_response(self, request: Request, url: str, headers: Headers, body: bytes, flags: list[str],
                           **fields: Any) -> Response:
        """A 200 response carrying archived bytes, of the class its headers and body call for."""
        response_class = responsetypes.from_args(headers=headers, url=url, body=body)
        return response_class(url=url, status=200, headers=headers, body=body, request=request, flags=flags, **fields)

    def _not_modified(self, request: Request, response: Response) -> Response:
        """Log a 304 and hand the spider the archived body, as a 200 flagged not_modified."""
        fields = self._response_fields(response)
        latest = self.archive.log.latest(response.url)
        if latest is None or not self.archive.store.has(latest.sha256):
            self._record(request, fetch_row(request, self.spider, response.url, outcome="error",
                                              error="304 Not Modified but nothing archived for this URL", **fields))
            return response
        body = self.archive.store.read(latest.sha256)
        fields["etag"] = fields["etag"] or latest.etag
        fields["last_modified"] = fields["last_modified"] or latest.last_modified
        fields["content_type"] = latest.content_type
        # A 304 carries few headers; like an HTTP cache, update the stored ones with them, so the
        # next 304 still rebuilds a response with its Content-Type (and charset) intact.
        fields["headers"] = {**latest.headers, **fields["headers"]}
        self._record(request, fetch_row(request, self.spider, response.url, outcome="not_modified", sha256=latest.sha256,
                                          size=len(body), **fields))
        return self._archived_response(request, response.url, Headers(fields["headers"]), body,
                                       [*response.flags, "not_modified"], protocol=response.protocol,
                                       ip_address=response.ip_address)

    def process_exception(self, request: Request, exception: BaseException) -> None:
        """Log a download that failed for good (timeouts, DNS, refused, too large, ignored)."""
        if request.meta.get("dont_archive"):
            return None
        outcome, error = exception_outcome(exception, request.meta.get("download_maxsize", self.max_bytes))
        with self.disk.writing():
            self._record(request, fetch_row(request, self.spider, request.url, outcome=outcome, error=error))
        return None


class RunRecorder:
    """Extension: one `runs` row per crawl, with its end, finish reason and counts."""

    def __init__(self, crawler: Crawler) -> None:
        self.archive = shared_archive(crawler)
        self.stats = crawler.stats
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunRecorder:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        """Create (or reopen, on resume) the run row, naming this process and the registry entries it
        crawls; runs of dead processes end."""
        site = getattr(spider, "site", None)
        self.archive.log.interrupt_gone_runs(socket.gethostname(), pid_alive)
        self.archive.log.start_run(run_id_for(spider), spider.name, site if isinstance(site, str) else None,
                                   process={"host": socket.gethostname(), "pid": os.getpid()},
                                   registry=getattr(spider, "registry_entries", None))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Fill ended_at, status (Scrapy's finish reason, disk_error included) and the outcome counts."""
        run_id = run_id_for(spider)
        counts = self.archive.log.outcome_counts(run_id)
        disk_errors = self.stats.get_value(diskerrors.STAT, 0)
        stats = {**counts, "disk_errors": disk_errors, "failed": counts["error"] + counts["too_large"] + disk_errors}
        self.archive.log.finish_run(run_id, reason, stats)
