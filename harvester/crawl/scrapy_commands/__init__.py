"""The project's Scrapy commands (settings COMMANDS_MODULE): `crawl` and `check` as Scrapy's, with the
spider's `-a` arguments checked before the engine starts (harvester/crawl/arguments.py)."""

from __future__ import annotations

from scrapy.spiderloader import SpiderLoaderProtocol

from harvester.crawl.arguments import ArgumentError, check_arguments


def check_spiders(loader: SpiderLoaderProtocol, names: list[str], given: dict[str, str]) -> None:
    """Check `given` against each spider named (all when none): ArgumentError for an unknown spider
    or a bad argument."""
    for name in names or loader.list():
        try:
            spidercls = loader.load(name)
        except KeyError:
            raise ArgumentError(f"no spider {name!r} (spiders: {', '.join(sorted(loader.list()))})") from None
        check_arguments(spidercls, given)
