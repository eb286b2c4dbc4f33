"""A smoke test over the whole registry (kingfisher-collect's tests/test_spiders.py is the model):
every site's spider yields its start requests, each carrying the behaviour its `cms` picks."""

from __future__ import annotations

import asyncio

import pytest
from scrapy.utils.test import get_crawler

from harvester.crawl.families import FAMILIES, UNKNOWN, families_for
from harvester.registry import DEMO_REGISTRY, REGISTRY, load_registry
from spiders.discovery import DiscoverySpider

PORTAL = "http://127.0.0.1:8000"
SITES = [(registry, site) for registry in (REGISTRY, DEMO_REGISTRY)
         for site in load_registry(registry, portal=PORTAL)]


async def _requests(spider: DiscoverySpider) -> list:
    return [request async for request in spider.start()]


def test_the_registries_list_sites() -> None:
    assert len(SITES) >= 10


@pytest.mark.parametrize(("registry", "site"), SITES, ids=[site.id for _, site in SITES])
def test_every_site_yields_its_start_requests(registry, site) -> None:
    spider = DiscoverySpider.from_crawler(get_crawler(DiscoverySpider), site=site.id, registry=str(registry),
                                          portal=PORTAL)
    requests = asyncio.run(_requests(spider))
    assert [request.url for request in requests] == site.start_urls
    for request in requests:
        start = request.meta["discovery"]
        assert (start.site, start.cms, start.browser) == (site.id, site.cms, site.render == "browser")
        assert request.meta["harvester"]["kind"] == "list" and request.callback == spider.parse_list
    assert spider.registry_entries[0]["id"] == site.id


def test_a_known_cms_runs_its_family_and_an_unknown_one_every_family() -> None:
    assert [family.name for family in families_for("trs")] == ["generic", "trs"]
    assert [family.name for family in families_for("json-list")] == ["generic", "json-list"]
    assert families_for(UNKNOWN) == FAMILIES
