"""Crawl scope and Crawl-delay for the requests Chromium makes itself, while it renders a list page.

A rendered page loads pictures, scripts and fetch() calls, runs `location.href = ...`, and follows
302s inside the browser: none of these passes Scrapy's middlewares, and Playwright's page routes do
not see redirect hops. So Chromium is launched with a proxy of ours on 127.0.0.1 (Playwright proxies
loopback too), the one way out for every request the browser sends, redirect hops included. Pages
are rendered one at a time; while one renders, the gate lets through only requests to its scope's
site (`scope.scope_of`, host and port), each on its host's Crawl-delay turn
(`politeness.HostTurns`). Anything else is never sent: the connection is closed, and the archive
logs the target as an ``error`` (``off-scope browser request not sent: <target>``). A page that
ends off its site (a script navigated away) is refused like an off-scope redirect. Chromium's own
calls home (update.googleapis.com, accounts.google.com), made despite its switches, are refused and
logged the same way, under the page that was rendering.

Enable in harvester/crawl/settings.py::

    DOWNLOAD_HANDLERS = {"http": "harvester.crawl.browser_scope.ScopedBrowserHandler", "https": ...}
"""

from __future__ import annotations

import asyncio
import selectors
import socket
import socketserver
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from harvester.archive.fetchlog import Fetch
from harvester.crawl import diskerrors
from harvester.crawl.archiving import run_id_for, shared_archive
from harvester.crawl.links import DEFAULT_PORTS, same_site
from harvester.crawl.politeness import PoliteDownloadHandler
from harvester.crawl.provenance import short_text, site_of
from harvester.crawl.scope import OffScope, scope_of

if TYPE_CHECKING:
    from harvester.crawl.rendering import PageRenderer

MAX_HEAD_BYTES = 64 * 1024  # a request line and headers; more is no browser request
IDLE_TIMEOUT_S = 60.0  # a tunnel or an answer silent this long is closed (DOWNLOAD_TIMEOUT's order)


def refusal_message(target: str) -> str:
    """What the fetch log says of a browser request the gate did not send."""
    return f"off-scope browser request not sent: {target}"


class BrowserGate:
    """A loopback HTTP proxy letting through only requests to the site of the page being rendered."""

    def __init__(self, wait_turn: Callable[[str], None]) -> None:
        self.wait_turn = wait_turn
        self.scope: str | None = None
        self.refused: dict[str, bool] = {}  # target -> whether it was a navigation (the page's own)
        self._lock = threading.Lock()
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _ProxyHandler)
        self.server.daemon_threads = True
        self.server.gate = self  # type: ignore[attr-defined]
        threading.Thread(target=self.server.serve_forever, name="browser-gate", daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def open(self, scope: str) -> None:
        """A page bounded by `scope` starts rendering."""
        with self._lock:
            self.scope, self.refused = scope, {}

    def close(self) -> dict[str, bool]:
        """The page is done: refuse everything from now on; return what was refused meanwhile."""
        with self._lock:
            self.scope, refused = None, self.refused
        return refused

    def admit(self, target: str, navigation: bool) -> bool:
        """True when `target` lies on the rendering page's site; else remember it as refused."""
        with self._lock:
            if self.scope is not None and same_site(target, self.scope):
                return True
            if self.scope is not None:
                self.refused[target] = self.refused.get(target, False) or navigation
            return False

    def shutdown(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def target_url(method: str, target: str) -> str:
    """The URL a proxy request line names: absolute-form as is, CONNECT host:port as https://host[:port]/."""
    if method != "CONNECT":
        return target
    host, _, port = target.rpartition(":")
    return f"https://{host}/" if port == str(DEFAULT_PORTS["https"]) else f"https://{target}/"


class _ProxyHandler(socketserver.StreamRequestHandler):
    """One browser connection: one plain HTTP request (Connection: close) or one CONNECT tunnel."""

    server: socketserver.ThreadingTCPServer
    rbufsize = 0  # unbuffered: nothing the browser sent after the head is held back from the pipe
    timeout = IDLE_TIMEOUT_S

    def handle(self) -> None:
        head = self.rfile.readline(MAX_HEAD_BYTES)
        lines = [head]
        while lines[-1] not in (b"\r\n", b"\n", b"") and sum(map(len, lines)) < MAX_HEAD_BYTES:
            lines.append(self.rfile.readline(MAX_HEAD_BYTES))
        parts = head.decode("latin-1").split()
        if len(parts) != 3:
            return
        method, target, version = parts
        url = target_url(method, target)
        gate: BrowserGate = self.server.gate  # type: ignore[attr-defined]
        split = urlsplit(url)
        # Chromium marks a frame's navigation (over plain HTTP the proxy sees it; a CONNECT hides it)
        navigation = any(line.lower().startswith(b"sec-fetch-mode: navigate") for line in lines)
        if split.scheme not in DEFAULT_PORTS or not split.hostname or not gate.admit(url, navigation):
            return  # never sent: closing the connection is all the browser hears
        with socket.create_connection((split.hostname, split.port or DEFAULT_PORTS[split.scheme]),
                                      timeout=IDLE_TIMEOUT_S) as upstream:
            gate.wait_turn(url)  # connected first: the request leaves when its turn comes
            if method == "CONNECT":
                self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            else:
                upstream.sendall(_origin_request(method, split, version, lines[1:]))
            _pipe(self.connection, upstream)


def _origin_request(method: str, split, version: str, headers: list[bytes]) -> bytes:
    """The proxied request as its origin server expects it: origin-form target, one request per connection."""
    path = (split.path or "/") + (f"?{split.query}" if split.query else "")
    kept = [line for line in headers if line.strip() and not line.lower().startswith(
        (b"connection:", b"proxy-connection:", b"keep-alive:", b"proxy-authorization:"))]
    return f"{method} {path} {version}\r\n".encode("latin-1") + b"".join(kept) + b"Connection: close\r\n\r\n"


def _pipe(client: socket.socket, upstream: socket.socket) -> None:
    """Copy bytes both ways until either side closes or both stay silent IDLE_TIMEOUT_S."""
    with selectors.DefaultSelector() as selector:
        selector.register(client, selectors.EVENT_READ, upstream)
        selector.register(upstream, selectors.EVENT_READ, client)
        while events := selector.select(IDLE_TIMEOUT_S):
            for key, _ in events:
                data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                if not data:
                    return
                key.data.sendall(data)


class ScopedBrowserHandler(PoliteDownloadHandler):
    """The download handler: plain HTTP as PoliteDownloadHandler; rendered pages through a BrowserGate, by a
    `rendering.PageRenderer` (gate, renderer and Playwright are made with the first rendered page)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.crawler = crawler
        self.disk = diskerrors.DiskGuard(crawler)
        self.gate: BrowserGate | None = None
        self.renderer: PageRenderer | None = None
        self._rendering: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def _send(self, request: Request) -> Response:
        if not request.meta.get("playwright"):
            return await super()._send(request)
        self._loop = asyncio.get_running_loop()
        self._rendering = self._rendering or asyncio.Lock()
        async with self._rendering:  # one page at a time: the gate knows whose requests it sees
            gate, renderer = self._renderer()
            scope = scope_of(request)
            gate.open(scope)
            try:
                response = await renderer.render(request)
            except Exception as error:
                left_for = self._log_refused(request, gate.close())
                if left_for:  # the page itself was sent off its site (a 302 the browser followed)
                    raise OffScope(f"off-scope redirect not followed: {left_for}") from error
                raise
            left_for = self._log_refused(request, gate.close())
        if not same_site(response.url, scope):  # a script navigated the page off its site
            raise OffScope(f"off-scope redirect not followed: {left_for or response.url}")
        return response

    def _renderer(self) -> tuple[BrowserGate, PageRenderer]:
        """The gate and the renderer behind it, made the first time a page is rendered."""
        if self.gate is None or self.renderer is None:
            from harvester.crawl.rendering import PageRenderer  # Playwright's client: only crawls that render

            self.gate = BrowserGate(self._wait_turn)
            self.renderer = PageRenderer(self.crawler, self.gate.url)
        return self.gate, self.renderer

    def _wait_turn(self, url: str) -> None:
        """In a gate thread: block until the host's Crawl-delay turn (politeness.HostTurns) comes."""
        host = urlsplit(url).netloc.lower()
        delay = self.turns.delay_of(host)
        if delay and self._loop is not None:
            asyncio.run_coroutine_threadsafe(self.turns.wait(host, delay), self._loop).result()

    def _log_refused(self, request: Request, refused: dict[str, bool]) -> str | None:
        """One fetch-log row per browser request the gate refused while `request` rendered; the last
        refused navigation (where the page was sent), if any."""
        spider = self.crawler.spider
        for target in refused:
            self.crawler.stats.inc_value("scope/off_scope")
            with self.disk.writing():
                shared_archive(self.crawler).log.record(Fetch(
                    run_id=run_id_for(spider), url=target, final_url=target, kind="other", outcome="error",
                    site=site_of(request, spider), spider=spider.name, referer=short_text(request.url),
                    error=short_text(refusal_message(target))))
        return next((target for target, navigation in reversed(refused.items()) if navigation), None)

    async def close(self) -> None:
        if self.renderer is not None:
            await self.renderer.close()
        if self.gate is not None:
            self.gate.shutdown()
        await super().close()
