"""Agencies: every registry entry, plus agencies only seen as the author of a parsed report.

A portal often publishes the reports of many agencies (a city portal lists its bureaus).
A report whose parsed agency name is not a registry agency becomes an agency of its own,
id `<site>:<name>`, placed in the region of the portal it was found on; its level is
unknown.
"""

from __future__ import annotations

import re
from typing import Any

from harvester.registry import Site


def _normal(name: str) -> str:
    """Agency names compared without spaces (PDFs put spaces between characters)."""
    return re.sub(r"\s+", "", name)


def registry_agencies(sites: list[Site]) -> list[dict[str, Any]]:
    """One agencies row per registry entry."""
    return [{
        "id": site.id, "name": site.agency, "province": site.region.province,
        "city": site.region.city, "county": site.region.county, "level": site.level,
        "site": site.id, "portal_url": site.portal, "source": "registry",
    } for site in sites]


class AgencyResolver:
    """Maps (site, parsed agency name) to an agencies row, adding parsed-only agencies."""

    def __init__(self, known: list[dict[str, Any]]) -> None:
        self.by_id = {row["id"]: row for row in known}
        self.by_name = {_normal(row["name"]): row for row in known if row["name"]}

    def resolve(self, site: str, name: str) -> dict[str, Any]:
        """The agency named `name` of a report found on `site` (a new parsed agency if unknown)."""
        if _normal(name) in self.by_name:
            return self.by_name[_normal(name)]
        portal = self.by_id.get(site)
        inherited = ("province", "city", "county", "portal_url")
        row = {"id": f"{site}:{_normal(name)}", "name": _normal(name), "level": None,
               "site": site, "source": "parsed",
               **{k: portal[k] if portal else None for k in inherited}}
        self.by_id[row["id"]] = row
        self.by_name[_normal(name)] = row
        return row

    def rows(self) -> list[dict[str, Any]]:
        """Every agency known so far, by id."""
        return [self.by_id[k] for k in sorted(self.by_id)]
