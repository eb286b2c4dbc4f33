"""A small portal on 127.0.0.1 that exercises every archive path: validators and 304s,
a changing page, a WAF challenge, a soft 404, redirects (good and hostile), oversized
downloads (announced and streamed) and a hostile Content-Disposition."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from archive_samples import RUISHU_412, SOFT404_GBK

LAST_MODIFIED = "Mon, 01 Jan 2024 00:00:00 GMT"
BIG = 300_000  # larger than the crawl's HARVESTER_MAX_BYTES
HELD_COLUMN = 30  # pages of the kill test's column; the first is held unanswered until SiteState.release is set
HELD_PAGE = "/held/0.html"
PDF = b"%PDF-1.4\n% a tiny attachment\n" + bytes(range(256)) * 4


def article(title: str, text: str) -> bytes:
    """A report page as TRS-style CMSs render it."""
    return (f"<html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body><div class='TRS_Editor'>{text * 40}</div></body></html>").encode()


@dataclass
class SiteState:
    """What the tests change between crawls and what they read afterwards."""

    version: int = 1
    dead_url: str = ""
    seen: list[tuple[str, str | None, str | None]] = field(default_factory=list)  # path, If-None-Match, If-Modified-Since
    release: threading.Event = field(default_factory=threading.Event)  # answers the held page

    def held_asked(self) -> bool:
        """Whether the held page was asked for (a crawl of the held column cannot have ended)."""
        return any(path == HELD_PAGE for path, *_ in self.seen)


class Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    def log_message(self, *args: object) -> None:
        """Keep test output quiet."""

    @property
    def state(self) -> SiteState:
        return self.server.state  # type: ignore[attr-defined]

    def send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None, length: bool = True) -> None:
        """Answer with status, headers and body."""
        self.send_response(status)
        for name, value in {"Content-Type": "text/html; charset=utf-8", **(headers or {})}.items():
            self.send_header(name, value)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def with_etag(self, etag: str, body: bytes) -> None:
        """200 with an ETag, or 304 when the client already has it."""
        if self.headers.get("If-None-Match") == etag:
            self.send(304, headers={"ETag": etag}, length=False)
        else:
            self.send(200, body, {"ETag": etag})

    def links(self) -> bytes:
        """The column page: one link per case, its kind in the class attribute."""
        cases = [("report_page", "/report1.html"), ("report_page", "/report2.html"),
                 ("attachment", "/files/report.pdf"), ("report_page", "/challenge.html"),
                 ("report_page", "/gone.html"), ("report_page", "/old.html"), ("attachment", "/big.pdf"),
                 ("attachment", "/big-stream.pdf"), ("attachment", "/evil"), ("attachment", "/download?id=1"),
                 ("report_page", "/offsite"),
                 ("report_page", self.state.dead_url)]
        items = "".join(f"<li><a class='{kind}' href='{href}'>2023年度政府信息公开工作年度报告</a></li>" for kind, href in cases)
        return f"<html><head><title>政府信息公开年报</title></head><body><ul>{items}</ul></body></html>".encode()

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self.state.seen.append((self.path, self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")))
        path = self.path
        if path == "/robots.txt":
            self.send(200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"})
        elif path == "/list.html":
            self.with_etag('"list-1"', self.links())
        elif path == "/heldlist.html":
            items = "".join(f"<a class='report_page' href='/held/{n}.html'>报告{n}</a>" for n in range(HELD_COLUMN))
            self.send(200, f"<html><body>{items}</body></html>".encode())
        elif path.startswith("/held/"):
            if path == HELD_PAGE:
                self.state.release.wait()
            self.send(200, article(f"报告 {path}", "内容。"))
        elif path == "/report1.html":
            if self.headers.get("If-Modified-Since") == LAST_MODIFIED:
                self.send(304, length=False)
            else:
                self.send(200, article("2023年报告一", "一、总体情况。"), {"Last-Modified": LAST_MODIFIED})
        elif path == "/report2.html":
            version = self.state.version
            self.with_etag(f'"r2-{version}"', article("2023年报告二", f"第{version}版。"))
        elif path == "/moved.html":
            self.with_etag('"moved-1"', article("迁移后的报告", "已迁移。"))
        elif path == "/files/report.pdf":
            self.send(200, PDF, {"Content-Type": "application/pdf"})
        elif path == "/challenge.html":
            self.send(412, RUISHU_412, {"Set-Cookie": "FSSBBIl1UgzbN7NO=5abc; Path=/"})
        elif path == "/gone.html":
            self.send(200, SOFT404_GBK, {"Content-Type": "text/html; charset=gbk"})
        elif path == "/old.html":
            self.send(302, headers={"Location": "/moved.html"})
        elif path == "/offsite":  # same server, another host name: another site
            self.send(302, headers={"Location": f"http://localhost:{self.server.server_port}/report1.html"})
        elif path == "/evil":
            self.send(302, headers={"Location": "file:///etc/passwd"})
        elif path == "/big.pdf":
            self.send(200, b"%PDF" + b"0" * BIG, {"Content-Type": "application/pdf"})
        elif path == "/big-stream.pdf":
            self.send(200, b"%PDF" + b"1" * BIG, {"Content-Type": "application/pdf"}, length=False)
        elif path == "/download?id=1":
            self.send(200, PDF + b"download", {"Content-Type": "application/octet-stream",
                                               "Content-Disposition": 'attachment; filename="../../../tmp/evil.pdf"'})
        else:
            self.send(404, b"<html><body>Not Found</body></html>")


@contextmanager
def serve(state: SiteState) -> Iterator[str]:
    """Run the portal in a thread; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.state = state  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
