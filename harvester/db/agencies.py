"""Agencies: every registry entry and every agency `harvester registry discover` found, plus
agencies only seen as the author of a parsed report.

Every agency carries its division (harvester.divisions) and the region and level that follow
from it. A portal often publishes the reports of many agencies (a city portal lists its
bureaus): a report whose agency name is not a registry agency (nor one of its aliases) becomes
an agency of its own, id `<site>:<name>`, in the division its name begins with (沭阳县财政局 ->
321322), else in the portal's; its level comes from its name (harvester.divisions.levels).
A government named without 人民政府 (沭阳县) is the same agency as the one named with it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from harvester.divisions import Division, gazetteer
from harvester.divisions.levels import department_level
from harvester.registry import Site
from harvester.websites.store import PortalStore


def _normal(name: str) -> str:
    """Agency names compared without spaces (PDFs put spaces between characters)."""
    return re.sub(r"\s+", "", name)


def placed(division: Division | None, fallback: dict[str, Any]) -> dict[str, Any]:
    """division code and {province, city, county} names: the division's, else `fallback`'s."""
    if division is None:
        return {"division": None, **{k: fallback.get(k) for k in ("province", "city", "county")}}
    return {"division": division.code, **gazetteer().path(division)}


def registry_agencies(sites: list[Site]) -> list[dict[str, Any]]:
    """One agencies row per registry entry."""
    return [{
        "id": site.id, "name": site.agency, "level": site.level,
        **placed(site.division_unit(), vars(site.region)),
        "site": site.id, "portal_url": site.portal, "source": "registry",
    } for site in sites]


def discovered_agencies(registry: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Agencies and aliases `harvester registry discover` recorded in registry.db (none without one)."""
    if not registry.exists():
        return [], []
    store = PortalStore(registry)
    try:
        portals = {row["code"]: row["url"] for row in store.portals(listed_only=False)}
        agencies = [{"id": row["id"], "name": row["name"], "level": row["level"],
                     **placed(gazetteer().get(row["division"]), {}), "site": row["portal"],
                     "portal_url": portals.get(row["portal"]), "source": "discovered"} for row in store.agencies()]
        return agencies, [dict(row) for row in store.aliases()]
    finally:
        store.close()


def registry_aliases(sites: list[Site]) -> list[dict[str, Any]]:
    """One agency_aliases row per former name a registry entry lists."""
    return [{"alias": _normal(alias), "agency_id": site.id, "reason": "registry"}
            for site in sites for alias in site.aliases]


class AgencyResolver:
    """Maps (site, parsed agency name) to an agencies row, adding parsed-only agencies."""

    def __init__(self, known: list[dict[str, Any]], aliases: list[dict[str, Any]] = ()) -> None:
        self.by_id = {row["id"]: row for row in known}
        self.by_name = {_normal(row["name"]): row for row in known if row["name"]}
        self.aliases = {row["alias"]: row for row in aliases if row["agency_id"] in self.by_id}
        for row in self.aliases.values():
            self.by_name.setdefault(row["alias"], self.by_id[row["agency_id"]])

    def resolve(self, site: str, name: str) -> dict[str, Any]:
        """The agency named `name` of a report found on `site` (a new parsed agency if unknown)."""
        name = _normal(name)
        if name in self.by_name:
            return self.by_name[name]
        portal = self.by_id.get(site) or {}
        division, level, canonical = gazetteer().place(name, gazetteer().get(portal.get("division")))
        level = level or department_level(portal.get("level"))
        if canonical != name and canonical in self.by_name:
            return self._alias(name, self.by_name[canonical], "government named without 人民政府")
        row = {"id": f"{site}:{canonical}", "name": canonical, "level": level, **placed(division, portal),
               "site": site, "source": "parsed", "portal_url": portal.get("portal_url")}
        self.by_id[row["id"]] = row
        self.by_name[canonical] = row
        return row if canonical == name else self._alias(name, row, "government named without 人民政府")

    def _alias(self, alias: str, row: dict[str, Any], reason: str) -> dict[str, Any]:
        self.by_name[alias] = row
        self.aliases[alias] = {"alias": alias, "agency_id": row["id"], "reason": reason}
        return row

    def rows(self) -> list[dict[str, Any]]:
        """Every agency known so far, by id."""
        return [self.by_id[k] for k in sorted(self.by_id)]

    def alias_rows(self) -> list[dict[str, Any]]:
        """Every alias (a name that resolves to an agency named otherwise), by alias."""
        return [self.aliases[k] for k in sorted(self.aliases)]
