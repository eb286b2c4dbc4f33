"""`scrapy crawl SPIDER -a ...`: Scrapy's command, a bad spider argument a usage message (exit 2)."""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawl

from harvester.crawl.scrapy_commands import check_spiders


class Command(ScrapyCrawl):
    """Scrapy's crawl; the spider and its arguments are checked before the crawl starts."""

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) == 1:  # Scrapy's own run explains any other count
            assert self.crawler_process
            check_spiders(self.crawler_process.spider_loader, args, opts.spargs)
        super().run(args, opts)
