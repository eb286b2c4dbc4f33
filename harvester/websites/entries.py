"""Registry entries (harvester/registry.py schema) for the imported portals whose report columns
discovery found, so `harvester crawl --registry FILE` can crawl them."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from harvester.divisions import gazetteer
from harvester.divisions.levels import GOVERNMENT_LEVELS
from harvester.registry import found_evidence

GOVERNMENT_PORTAL = "政府门户网站"  # 网站类别 of a government's portal (the other: 部门网站)


def site_entry(portal: Any) -> dict[str, Any]:
    """The registry entry of one discovered portal (a registry.db portals row with its discovery)."""
    division = gazetteer().get(portal["division"])
    agency = portal["host"] or portal["name"]
    government = portal["kind"] == GOVERNMENT_PORTAL
    _, level, _ = gazetteer().place(agency, division)
    columns = json.loads(portal["columns"])
    return {
        "id": portal["code"], "agency": agency, "region": gazetteer().path(division),
        "level": GOVERNMENT_LEVELS[division.level] if government else level,
        "division": division.code, "aggregates": government or any(c["parent"] for c in columns),
        "portal": portal["url"],
        "columns": [{"url": c["url"], "evidence": found_evidence(date.fromisoformat(portal["tried_at"][:10])),
                     "source": f"found by harvester registry discover: {c['name']!r} on {c['found_on']}"}
                    for c in columns],
        "render": "http", "cms": "unknown", "notes": f"{portal['name']} (网站标识码 {portal['code']})",
    }


def site_entries(portals: list) -> list[dict[str, Any]]:
    """Entries of every portal whose latest discovery found columns."""
    return [site_entry(portal) for portal in portals if portal["outcome"] == "found"]
