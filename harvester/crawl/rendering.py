"""PageRenderer: scrapy-playwright's download handler, made by a crawl with its first rendered page.

Most columns are plain HTML. A crawl of them never imports Playwright (its client library costs a
crawl process ~0.1 CPU s) nor starts its driver (a Node.js process, ~0.7 CPU s): the crawl's handler
(`browser_scope.ScopedBrowserHandler`) imports this module and makes its renderer when the first
request with ``meta["playwright"]`` comes, and Playwright starts then.
"""

from __future__ import annotations

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler


class PageRenderer(ScrapyPlaywrightDownloadHandler):
    """Renders pages in Chromium, whose every request leaves through the proxy at `proxy_url`."""

    def __init__(self, crawler: Crawler, proxy_url: str) -> None:
        super().__init__(crawler)
        self.config.launch_options = {**self.config.launch_options, "proxy": {"server": proxy_url}}
        # scrapy-playwright starts Playwright when the engine starts; made later, the renderer starts it itself.
        crawler.signals.disconnect(self._maybe_launch_in_thread, signal=signals.engine_started)

    async def render(self, request: Request) -> Response:
        """The page of `request` as Chromium renders it (Playwright started the first time)."""
        if getattr(self, "browser_provider", None) is None:
            await self._maybe_future_from_coro(self._launch())  # scrapy-playwright's own start
        return await self.download_request(request)
