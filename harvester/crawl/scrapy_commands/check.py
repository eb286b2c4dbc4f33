"""`scrapy check [SPIDER] [-a portal=URL]`: Scrapy's contract check, bad arguments a usage message."""

from __future__ import annotations

import argparse

from scrapy.commands.check import Command as ScrapyCheck
from scrapy.utils.misc import set_environ

from harvester.crawl.scrapy_commands import check_spiders


class Command(ScrapyCheck):
    """Scrapy's check of spider contracts (harvester/crawl/contracts.py); arguments checked first."""

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not opts.list:
            assert self.crawler_process
            with set_environ(SCRAPY_CHECK="true"):  # as Scrapy's check builds them: spiders may take no start
                check_spiders(self.crawler_process.spider_loader, args, opts.spargs)
        super().run(args, opts)
