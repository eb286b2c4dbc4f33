"""Tests that stop a crawl mid-way wait for a state, never for a time: a column of the replica portal
whose first articles are held unanswered (the crawl cannot end while one is asked for), and a poll."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from harvester.portal import Portal


@dataclass
class HeldColumn:
    """A generated column of the replica portal whose first articles are held unanswered."""

    portal: Portal
    start: str  # the column's start URL
    articles: list[str]  # every article's URL, in list order
    held: list[str]  # the held ones
    gates: list[threading.Event]  # set them to answer the held requests

    def asked(self) -> bool:
        """Whether the portal was asked for a held article: the crawl is mid-way, it cannot have ended."""
        return any(self.portal.times_requested(url) for url in self.held)

    def release(self) -> None:
        """Answer the held requests (and every later one)."""
        for gate in self.gates:
            gate.set()


def held_column(portal: Portal, n_pages: int, held: int | None = None) -> HeldColumn:
    """Add a column of about `n_pages` pages to the portal, holding its first `held` articles (default: all)."""
    start = portal.generate_large(n_pages)
    articles = [portal.absolute(entry.url) for entry in portal.catalogue.large.column.entries]
    gates = [portal.hold(urlsplit(url).path) for url in articles[:held]]
    assert gates
    return HeldColumn(portal, start, articles, articles[:held], gates)


def wait_for(condition: Callable[[], bool], seconds: float = 120) -> bool:
    """Poll until `condition` holds (True), or give up after `seconds` (False: the state never came)."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()
