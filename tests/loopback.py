"""Loopback HTTP servers for crawl tests: a handler that remembers every request, and a server in a thread.

A test's handler subclasses `RecordingHandler` and writes `answer()` (404 by default); `serve(Handler,
**attributes)` runs it on 127.0.0.1 (a free port), with `seen` (the request paths, in arrival order),
`arrivals` ((path, time.monotonic()) of each) and the given attributes set on the server.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TITLE = "2023年度政府信息公开工作年度报告"


class RecordingHandler(BaseHTTPRequestHandler):
    """Remembers every GET on its server before answering it with `answer()`."""

    server: ThreadingHTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        """Keep test output quiet."""

    def send(self, status: int, body: bytes = b"", content_type: str = "text/html; charset=utf-8",
             **headers: str) -> None:
        """A whole answer with its Content-Length (`Content_Type=` style names are sent with hyphens)."""
        self.send_response(status)
        for name, value in {"Content-Type": content_type, **headers}.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self.server.seen.append(self.path)  # type: ignore[attr-defined]
        self.server.arrivals.append((self.path, time.monotonic()))  # type: ignore[attr-defined]
        self.answer()

    def answer(self) -> None:
        """What the server answers (overridden by each test's handler)."""
        self.send(404)


@contextmanager
def serve(handler: type[RecordingHandler], **attributes: object) -> Iterator[ThreadingHTTPServer]:
    """The handler's server in a thread, with `seen`, `arrivals` and `attributes` set on it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.seen, server.arrivals = [], []  # type: ignore[attr-defined]
    for name, value in attributes.items():
        setattr(server, name, value)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def url_of(server: ThreadingHTTPServer) -> str:
    """The server's base URL."""
    return f"http://127.0.0.1:{server.server_port}"


class OffSiteHandler(RecordingHandler):
    """The server a crawl must never ask: it answers everything with a report-like page, so a request that
    reached it would show as an archived document."""

    def answer(self) -> None:
        self.send(200, f"<html><title>{TITLE}</title><body>internal</body></html>".encode())
