"""`harvester registry discover`: the column finder (harvester.crawl.columns) over imported portals.

One portal at a time, each through the finder's polite fetcher (robots.txt obeyed, a delay between
requests to a host). Per portal it records what it found (the columns), or why not: `none` (the
home page answered, no report column within the pages read) or `failed` (the home page gave no
HTML: unreachable, refused by robots.txt, or not a page). The report links listed in the columns
found name their agencies: each becomes an agency of the portal's division (or of the division its
name begins with), its level read from its name; a government named without 人民政府 is an alias.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import urljoin

from parsel import Selector

from harvester.crawl.columns import Column, PoliteFetcher, find_columns
from harvester.crawl.links import anchors, is_report_title, normalise
from harvester.divisions import gazetteer
from harvester.websites.store import PortalStore

# The agency of a report title is what precedes its year: 沭阳县财政局2023年度政府信息公开工作年度报告.
_TITLE_AGENCY = re.compile(r"^(?:关于)?(.{2,40}?)(?:关于)?(?:19|20)\d\d\s*年")


@dataclass
class RecordingFetcher:
    """The finder's fetcher, counting the pages it asked for and those that gave no page."""

    fetcher: PoliteFetcher
    asked: int = 0
    failed: list[str] = field(default_factory=list)

    def page(self, url: str) -> tuple[str, str] | None:
        self.asked += 1
        answer = self.fetcher.page(url)
        if answer is None:
            self.failed.append(url)
        return answer


@dataclass
class Discovery:
    """What discovery did on one portal."""

    code: str
    outcome: str
    columns: list[Column]
    reason: str | None = None
    agencies: list[dict] = field(default_factory=list)
    title: str = ""


def agency_of_title(title: str) -> str | None:
    """The agency a report title names before its year (None when the title names none)."""
    match = _TITLE_AGENCY.match(normalise(title))
    return match.group(1) if match else None


def discover_portal(portal: dict, fetcher: PoliteFetcher, max_pages: int) -> Discovery:
    """Run the column finder on one imported portal and read the agencies its columns list."""
    recording = RecordingFetcher(fetcher)
    finding = find_columns(portal["url"], recording, max_pages=max_pages)
    if portal["url"] in recording.failed:
        return Discovery(portal["code"], "failed", [], "the home page gave no HTML page (unreachable, "
                         "refused by robots.txt, or not HTML)")
    if not finding.columns:
        return Discovery(portal["code"], "none", [], f"no report column within {recording.asked} pages read")
    agencies = [agency for column in finding.columns for agency in _listed_agencies(portal, column, fetcher)]
    return Discovery(portal["code"], "found", finding.columns, None, list({a["id"]: a for a in agencies}.values()),
                     finding.title)


def _listed_agencies(portal: dict, column: Column, fetcher: PoliteFetcher) -> list[dict]:
    """An agency row per agency named by the report links of one column page."""
    page = fetcher.page(column.url)
    if page is None:
        return []
    final_url, html = page
    names = {name for link in anchors(Selector(text=html), partial(urljoin, final_url))
             if is_report_title(link.text) and (name := agency_of_title(link.text))}
    return [_agency(portal, column.url, name) for name in sorted(names)]


def _agency(portal: dict, column_url: str, name: str) -> dict:
    division, level, canonical = gazetteer().place(name, gazetteer().get(portal["division"]))
    return {"id": f"{portal['code']}:{canonical}", "name": canonical, "alias": name if name != canonical else None,
            "division": division.code if division else None, "level": level, "portal": portal["code"],
            "column_url": column_url}


def discover(store: PortalStore, portals: list, fetcher: PoliteFetcher, max_pages: int,
             report: Callable[[Discovery], None] = lambda d: None) -> list[Discovery]:
    """Discover every portal in turn, recording each outcome and the agencies found."""
    done = []
    for portal in portals:
        found = discover_portal(dict(portal), fetcher, max_pages)
        columns = [{"url": c.url, "name": c.name, "found_on": c.found_on, "parent": c.parent} for c in found.columns]
        store.record_discovery(found.code, found.outcome, found.title, columns, found.reason)
        store.add_agencies([{k: v for k, v in a.items() if k != "alias"} for a in found.agencies],
                           [{"alias": a["alias"], "agency_id": a["id"], "reason": "government named without 人民政府"}
                            for a in found.agencies if a["alias"]])
        report(found)
        done.append(found)
    return done
