"""A tiny spider and crawl runner for the archive's integration tests.

Run as a script (a fresh process per crawl, as Scrapy's reactor cannot restart):
    python archive_spider.py START_URL ARCHIVE_ROOT RUN_ID [JOBDIR]
It follows the column page's links, declaring each link's kind from its class attribute,
exactly as the real spiders declare kinds in ``meta["harvester"]``.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator

from scrapy import Request, Spider
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response

MAX_BYTES = 100_000


class ColumnSpider(Spider):
    name = "archive_test"
    site = "test_portal"

    def __init__(self, start_url: str, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.start_url = start_url

    async def start(self) -> AsyncIterator[Request]:
        yield Request(self.start_url, meta={"harvester": {"kind": "list", "site": self.site}})

    def parse(self, response: Response) -> Iterator[Request]:
        for link in response.css("a[href]"):
            yield response.follow(
                link,
                callback=self.ignore,
                meta={"harvester": {"kind": link.attrib.get("class"), "site": self.site, "referer": response.url,
                                    "link_text": link.css("::text").get()}},
            )

    def ignore(self, response: Response) -> None:
        """Report pages are archived by the middleware; this spider does not parse them."""


def settings(archive_root: str, jobdir: str | None = None) -> dict[str, object]:
    """Scrapy settings enabling the archive middleware and run recorder."""
    return {
        "DOWNLOADER_MIDDLEWARES": {"harvester.crawl.scope.ScopeMiddleware": 50,
                                   "harvester.crawl.archiving.ArchiveMiddleware": 540},
        "EXTENSIONS": {
            "harvester.crawl.archiving.RunRecorder": 500,
            "scrapy.extensions.telnet.TelnetConsole": None,
            "scrapy.extensions.remote_control.RemoteControl": None,
        },
        "HARVESTER_ARCHIVE": archive_root,
        "HARVESTER_MAX_BYTES": MAX_BYTES,
        "ROBOTSTXT_OBEY": True,
        "RETRY_ENABLED": False,
        "DOWNLOAD_TIMEOUT": 10,
        "CONCURRENT_REQUESTS": 2,  # the kill -9 test's held page keeps one busy, the other goes on
        "LOG_LEVEL": "INFO",
        "JOBDIR": jobdir,
    }


def main(start_url: str, archive_root: str, run_id: str, jobdir: str | None = None) -> None:
    process = CrawlerProcess(settings(archive_root, jobdir))
    process.crawl(ColumnSpider, start_url=start_url, run_id=run_id)
    process.start()


if __name__ == "__main__":
    main(*sys.argv[1:])
