"""Spider contracts for `scrapy check`: each callback checked on a page of the replica portal.

`@replica KIND PATH` makes a callback's sample request: PATH on the portal named by the spider's
`-a portal=URL` (default REPLICA_URL, where `python -m harvester.portal` serves), carrying the meta
the spider gives a request of KIND (list, report_page, attachment). Scrapy's own contracts
(`@returns`, `@scrapes`) then check what the callback gives back:

    python -m harvester.portal &            # or: scrapy check -a portal=http://127.0.0.1:PORT
    scrapy check                            # every spider; `scrapy check discovery` for one

The sample requests go through the whole downloader stack: robots.txt is obeyed and what comes back
is archived like any crawl's fetch (into HARVESTER_ARCHIVE).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scrapy.contracts import Contract

REPLICA_URL = "http://127.0.0.1:8000"  # python -m harvester.portal's default address


class ReplicaContract(Contract):
    """@replica KIND PATH: the sample request is PATH on the replica portal, as a request of KIND."""

    name = "replica"

    def __init__(self, method: Callable[..., Any], *args: Any) -> None:
        super().__init__(method, *args)
        self.spider = method.__self__  # type: ignore[attr-defined]

    def adjust_request_args(self, args: dict[str, Any]) -> dict[str, Any]:
        kind, path = self.args
        url = (getattr(self.spider, "portal", None) or REPLICA_URL).rstrip("/") + path
        return {**args, "url": url, "meta": self.spider.sample_meta(kind, url)}
