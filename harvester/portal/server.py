"""The replica portal's HTTP server: stdlib ThreadingHTTPServer on 127.0.0.1 in a background thread."""

from __future__ import annotations

import hashlib
import threading
import time
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from harvester.portal.catalogue import TRS_COLUMN, Catalogue, GroundTruth, add_large, build_demo
from harvester.portal.sites import Resource

HOLD_LIMIT_S = 300  # a held request is answered after this long even if nobody releases it


class Portal:
    """A running replica portal: `.url`, the ground truth (`reports`, `non_reports`) and run-time changes."""

    def __init__(self, catalogue: Catalogue, server: ThreadingHTTPServer) -> None:
        self.catalogue = catalogue
        self._server = server
        self._lock = threading.Lock()
        self._held: dict[str, threading.Event] = {}
        self.access_log: list[tuple[float, str]] = []  # (time.time(), path+query) of every request, in order
        self._thread = threading.Thread(target=server.serve_forever, name="replica-portal", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:PORT (no trailing slash)."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def absolute(self, path: str) -> str:
        """The absolute URL of a portal path (absolute URLs are returned unchanged)."""
        return urljoin(self.url + "/", path)

    @property
    def reports(self) -> list[GroundTruth]:
        """Reports a crawl must find: (absolute url, seed stem, carrier)."""
        return [GroundTruth(self.absolute(r.url), r.seed, r.carrier) for r in self.catalogue.reports]

    @property
    def non_reports(self) -> list[str]:
        """Absolute URLs a crawl must not fetch (news, guides, decoys, robots-disallowed pages)."""
        return [self.absolute(u) for u in self.catalogue.non_reports]

    @property
    def page_pictures(self) -> dict[str, list[str]]:
        """Absolute URL of each 图片版 report page -> its pictures in page order (a crawl archives
        these as page_image)."""
        return {self.absolute(page): [self.absolute(u) for u in pictures]
                for page, pictures in self.catalogue.page_pictures.items()}

    @property
    def columns(self) -> dict[str, str]:
        """Start URLs of the demo columns by name: trs (static UTF-8) and json (GBK, list drawn by JavaScript)."""
        return {"trs": self.absolute(TRS_COLUMN + "index.html"), "json": self.absolute("/cysz/xxgk/zfxxgknb/index.html")}

    def add_report(self, stem: str, carrier: str = "html") -> str:
        """Publish a new report at the top of the TRS column; returns its absolute URL."""
        with self._lock:
            return self.absolute(self.catalogue.add_report(stem, carrier))

    def break_column(self, column_path: str = TRS_COLUMN, broken: bool = True) -> None:
        """Make every list page of a column answer 404 (or heal it again)."""
        with self._lock:
            self.catalogue.columns[column_path].broken = broken

    def generate_large(self, n_pages: int) -> str:
        """Add a generated column of about `n_pages` list + article pages; returns its start URL."""
        with self._lock:
            return self.absolute(add_large(self.catalogue, n_pages) + "index.html")

    def throttle(self, path: str, seconds: int) -> None:
        """Answer the next request for `path` with 503 and Retry-After: `seconds` (a rate limit)."""
        with self._lock:
            self.catalogue.throttled[path] = seconds

    def hold(self, path: str) -> threading.Event:
        """Keep every request for `path` waiting (logged, unanswered) until the returned event is set."""
        with self._lock:
            return self._held.setdefault(path, threading.Event())

    def wait_if_held(self, path: str) -> None:
        """Block while `path` is held (at most HOLD_LIMIT_S; stopping the portal releases it)."""
        gate = self._held.get(path)
        if gate is not None:
            gate.wait(HOLD_LIMIT_S)

    def request_times(self, url: str) -> list[float]:
        """When the server was asked for `url` (absolute URL or path+query), oldest first."""
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        return [moment for moment, asked in self.access_log if asked == target]

    def times_requested(self, url: str) -> int:
        """How many times the server was asked for `url` (absolute URL or path+query)."""
        return len(self.request_times(url))

    def resolve(self, path: str, query: str) -> Resource | None:
        """The resource to serve, applying the one-shot 500 of flaky paths."""
        with self._lock:
            self.access_log.append((time.time(), path + (f"?{query}" if query else "")))
            if path in self.catalogue.throttled:
                seconds = self.catalogue.throttled.pop(path)
                return Resource(b"busy", "text/plain", status=503, headers={"Retry-After": str(seconds)})
            if self.catalogue.flaky.get(path, 0) > 0:
                self.catalogue.flaky[path] -= 1
                return Resource(b"<html><body>500 Internal Server Error</body></html>", status=500)
            return self.catalogue.get(path, query)

    def stop(self) -> None:
        """Shut the server down (releasing held requests) and wait for its thread."""
        for gate in self._held.values():
            gate.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Portal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    """Serves Portal resources with ETag/Last-Modified and 304 answers to conditional requests."""

    portal: Portal
    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes; with Nagle on, keep-alive clients wait ~40 ms for each response
    disable_nagle_algorithm = True

    def do_GET(self) -> None:  # noqa: N802 (stdlib name)
        parts = urlsplit(self.path)
        resource = self.portal.resolve(parts.path, parts.query)
        self.portal.wait_if_held(parts.path)
        if resource is None:
            resource = Resource(b"<html><body><h1>404 Not Found</h1></body></html>", status=404)
        if resource.delay:
            time.sleep(resource.delay)
        if resource.status in (301, 302):
            self._send(resource.status, b"", {"Location": resource.location or "/"})
            return
        headers = {"Content-Type": resource.content_type, **resource.headers}
        if resource.status == 200:
            headers["ETag"] = '"' + hashlib.sha1(resource.body).hexdigest()[:16] + '"'
            headers["Last-Modified"] = formatdate(int(resource.modified), usegmt=True)
            if self._not_modified(headers["ETag"], int(resource.modified)):
                self._send(304, b"", {"ETag": headers["ETag"], "Last-Modified": headers["Last-Modified"]})
                return
        self._send(resource.status, resource.body, headers)

    def _not_modified(self, etag: str, modified: int) -> bool:
        """True when the request's If-None-Match (preferred) or If-Modified-Since says the client copy is current."""
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match:
            return etag in [tag.strip() for tag in if_none_match.split(",")]
        since = self.headers.get("If-Modified-Since")
        if not since:
            return False
        try:
            return modified <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        """Write one response with Content-Length (keep-alive safe)."""
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib signature)
        """Quiet: tests read Portal.access_log instead of stderr."""


def start_portal(root: str | Path | None = None, port: int = 0) -> Portal:
    """Serve the demo replica portal on 127.0.0.1:`port` (0 = any free port).

    `root`: the folder of published report files (default: the package's seeds/).
    """
    catalogue = build_demo(Path(root) if root else None)
    handler = type("PortalHandler", (_Handler,), {})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    portal = Portal(catalogue, server)
    handler.portal = portal
    return portal
