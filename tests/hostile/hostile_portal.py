"""A hostile portal on loopback: one server whose pages do what real bad servers do.

`HostilePortal(trap)` serves a report column at /col/index.html whose links lead to answers that
drip-feed, reset the connection mid-body, lie in Content-Length both ways, break chunked encoding,
send a 1 MB header line, answer a PDF link with an HTML error page, redirect in chains, loops and
off the site (another port on 127.0.0.1, file:, data:, javascript:), inflate as a gzip bomb, answer
304 to an unconditional request, or carry odd URLs (GBK percent-escapes, spaces, fragments, very long
paths). /traps/index.html is a second column of traps: an endless ?page=N+1 pager, endless date
folders, and a page of 50,000 links; /small/index.html lists the one good report. robots.txt is one of
ROBOTS. Every request is remembered
(`seen`, the raw request paths), so a test can account for each one.
"""

from __future__ import annotations

import calendar
import gzip
import socket
import struct
import threading
import time
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from urllib.parse import urlsplit

from loopback import TITLE, RecordingHandler

GOOD_PAGE = (f"<html><head><title>{TITLE}</title></head><body><h1>{TITLE}</h1>"
             "<p>一、总体情况</p></body></html>").encode()
ERROR_PAGE = ("<html><head><title>系统提示</title></head>"
              "<body>您访问的页面不存在或已删除 404</body></html>").encode()
BOMB_INFLATED = 64 * 1024 * 1024  # with a download limit below it: the bomb must be refused, not inflated
MANY_LINKS = 50_000
LONG_NAME = "a" * 8000
ODD_LINKS = [  # hrefs as pages print them
    "/col/%D6%D0%CE%C4%B1%A8%B8%E6.pdf",  # GBK percent-escapes (中文报告)
    "/col/with space.pdf",
    "/col/fragment.pdf#page=2",
    f"/col/{LONG_NAME}.pdf",
]
HOSTILE_LINKS = [  # path -> what the answer does, in the handler below
    "/col/good.html", "/col/drip.html", "/col/reset.pdf", "/col/cl-long.pdf", "/col/cl-short.html",
    "/col/bad-chunks.html", "/col/huge-header.html", "/col/error-page.pdf", "/col/chain/0.pdf",
    "/col/loop-a.html", "/col/off-port.html", "/col/to-file.pdf", "/col/to-data.html",
    "/col/to-javascript.html", "/col/not-modified.html", "/col/bomb.html", "/col/bomb.pdf",
]
ROBOTS = ("huge", "binary", "html", "500", "timeout", "plain")


def _list_page(links: list[str], title: str = TITLE) -> bytes:
    items = "".join(f"<li><a href='{href}'>{title}</a></li>" for href in links)
    return f"<html><head><meta charset='utf-8'></head><body><ul>{items}</ul></body></html>".encode()


class Handler(RecordingHandler):
    """Answers by path (every request remembered on the server before anything is sent)."""

    server: HostileServer

    def answer(self) -> None:
        answer = self.server.route(urlsplit(self.path).path)
        if answer is None:
            self.send(404, ERROR_PAGE)
        else:
            answer(self)

    def head_only(self, content_type: str = "text/html; charset=utf-8", **headers: str) -> None:
        """A 200's status line and headers only: the caller writes the body (and its lies); then close."""
        self.send_response(200)
        for name, value in {"Content-Type": content_type, "Connection": "close", **headers}.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.close_connection = True

    # --- answers ------------------------------------------------------------------------

    def drip(self) -> None:
        """A body of no stated length, a byte every 50 ms for ever: no read ever times out; only a bound on
        the whole download helps."""
        self.head_only()
        try:
            while not self.server.closing.is_set():
                self.wfile.write(b"<")
                self.wfile.flush()
                time.sleep(0.05)
        except OSError:
            pass  # the client gave up

    def reset(self) -> None:
        """Half the declared body, then a TCP reset (SO_LINGER 0)."""
        self.head_only("application/pdf", Content_Length="200000")
        self.wfile.write(b"%PDF-1.4\n" + b"0" * 100_000)
        self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def content_length_too_long(self) -> None:
        """Declares 50,000 bytes, sends 100 and closes."""
        self.head_only("application/pdf", Content_Length="50000")
        self.wfile.write(b"%PDF-1.4\n" + b"1" * 91)

    def content_length_too_short(self) -> None:
        """Declares 20 bytes, sends a whole page."""
        self.head_only(Content_Length="20")
        self.wfile.write(GOOD_PAGE)

    def bad_chunks(self) -> None:
        self.head_only(Transfer_Encoding="chunked")
        self.wfile.write(b"zz\r\nnot a chunk size\r\n0\r\n\r\n")

    def huge_header(self) -> None:
        self.send(200, GOOD_PAGE, X_Padding="x" * (1 << 20))

    def bomb(self) -> None:
        kind = "application/pdf" if self.path.endswith(".pdf") else "text/html"
        self.send(200, self.server.bomb, kind, Content_Encoding="gzip")

    def calendar_page(self) -> None:
        """?page=N links ?page=N+1 and an entry of its own: the pager never ends, no page repeats another."""
        page = int(urlsplit(self.path).query.removeprefix("page=") or 0)
        self.send(200, _list_page([f"/traps/calendar/?page={page + 1}", f"/traps/calendar/event-{page}.html"],
                                  f"{page}日活动"))

    def date_folder(self) -> None:
        """/traps/Y/M/D/ links the next day's folder and an entry of its own, for ever."""
        year, month, day = (int(part) for part in urlsplit(self.path).path.strip("/").split("/")[1:4])
        later = time.gmtime(calendar.timegm((year, month, day + 1, 12, 0, 0)))
        self.send(200, _list_page([f"/traps/{later.tm_year}/{later.tm_mon:02d}/{later.tm_mday:02d}/",
                                   f"/traps/{year}/{month:02d}/{day:02d}/note.html"], f"{year}年{month}月{day}日"))

    def robots(self) -> None:
        variant = self.server.robots
        if variant == "timeout":
            return self.drip()
        if variant == "500":
            return self.send(500, ERROR_PAGE)
        body = {
            "huge": b"User-agent: *\n" + b"".join(b"Disallow: /col/private/%d/\n" % n for n in range(200_000)),
            "binary": bytes(range(256)) * 64,
            "html": ERROR_PAGE,
            "plain": b"User-agent: *\nDisallow: /col/private/\n",
        }[variant]
        self.send(200, body, "text/html" if variant == "html" else "text/plain")


class HostileServer(ThreadingHTTPServer):
    """The server: its routes, its memory of requests, and the robots.txt variant it serves."""

    daemon_threads = True

    def __init__(self, robots: str, trap: str) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.seen: list[str] = []
        self.arrivals: list[tuple[str, float]] = []
        self.robots, self.trap = robots, trap
        self.closing = threading.Event()
        self.bomb = gzip.compress(b"\0" * BOMB_INFLATED, compresslevel=9)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    def route(self, path: str) -> Callable[[Handler], None] | None:
        """The answer for a path (None: 404)."""
        fixed: dict[str, Callable[[Handler], None]] = {
            "/robots.txt": Handler.robots,
            "/col/index.html": lambda h: h.send(200, _list_page(HOSTILE_LINKS + ODD_LINKS + [
                f"{self.trap}/direct.pdf", "javascript:void(0)", "data:text/html,<b>x</b>", "file:///etc/passwd"])),
            "/col/good.html": lambda h: h.send(200, GOOD_PAGE),
            "/small/index.html": lambda h: h.send(200, _list_page(["/col/good.html"])),
            "/col/drip.html": Handler.drip,
            "/col/reset.pdf": Handler.reset,
            "/col/cl-long.pdf": Handler.content_length_too_long,
            "/col/cl-short.html": Handler.content_length_too_short,
            "/col/bad-chunks.html": Handler.bad_chunks,
            "/col/huge-header.html": Handler.huge_header,
            "/col/error-page.pdf": lambda h: h.send(200, ERROR_PAGE),
            "/col/loop-a.html": lambda h: h.send(302, Location="/col/loop-b.html"),
            "/col/loop-b.html": lambda h: h.send(302, Location="/col/loop-a.html"),
            "/col/off-port.html": lambda h: h.send(302, Location=f"{self.trap}/stolen.html"),
            "/col/to-file.pdf": lambda h: h.send(302, Location="file:///etc/passwd"),
            "/col/to-data.html": lambda h: h.send(302, Location="data:text/html,<title>x</title>"),
            "/col/to-javascript.html": lambda h: h.send(301, Location="javascript:alert(1)"),
            "/col/not-modified.html": lambda h: h.send(304),
            "/col/bomb.html": Handler.bomb,
            "/col/bomb.pdf": Handler.bomb,
            "/traps/index.html": lambda h: h.send(200, _list_page(
                ["/traps/calendar/?page=1", "/traps/2024/01/01/", "/traps/many/index.html"])),
            "/traps/many/index.html": lambda h: h.send(200, _list_page(
                [f"/traps/many/{n}.html" for n in range(MANY_LINKS)])),
        }
        if path in fixed:
            return fixed[path]
        if path.startswith("/col/chain/"):  # 0.pdf -> 1.pdf -> ... past any redirect limit
            step = int(path.rsplit("/", 1)[1].split(".")[0])
            return lambda h: h.send(302, Location=f"/col/chain/{step + 1}.pdf")
        if path == "/traps/calendar/":
            return Handler.calendar_page
        if path.startswith("/traps/2"):
            return Handler.date_folder
        if path.startswith("/col/") and path.endswith(".pdf"):
            return lambda h: h.send(200, b"%PDF-1.4\n% " + path.encode("latin-1", "replace")[:64] + b"\n%%EOF\n",
                                    "application/pdf")
        return None


class HostilePortal:
    """Context manager: the hostile server running in a thread (`trap`: a URL it sends clients to)."""

    def __init__(self, trap: str, robots: str = "huge") -> None:
        if robots not in ROBOTS:
            raise ValueError(f"robots must be one of {ROBOTS}")
        self.server = HostileServer(robots, trap)

    def __enter__(self) -> HostileServer:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self.server

    def __exit__(self, *exc_info: object) -> None:
        self.server.closing.set()
        self.server.shutdown()
        self.server.server_close()
