"""An agency's level, from its division and its name: the government of a division, one of its
departments (局/委/办 ...), a town (乡/镇/街道) or a development zone (开发区 ...)."""

from __future__ import annotations

import re

from harvester.divisions.model import Division

# The government of each division level, in the registry's words (a prefecture's is "city").
GOVERNMENT_LEVELS = {"province": "province", "prefecture": "city", "county": "county"}
DEPARTMENT_LEVELS = {level: f"department-of-{word}" for level, word in GOVERNMENT_LEVELS.items()}
AGENCY_LEVELS = (*GOVERNMENT_LEVELS.values(), *DEPARTMENT_LEVELS.values(), "town", "development-zone")
_TOWN = re.compile(r"(?:乡|镇|苏木|街道)(?:人民政府|办事处)?$|街道办事处")
_ZONE = re.compile(r"开发区|高新区|园区|示范区|试验区|合作区|管委会|管理委员会")
# 地区 and 盟 are governed by a 行政公署, every other division by a 人民政府.
_OFFICE = {"地区": "行政公署", "盟": "行政公署"}
GOVERNMENT_SUFFIXES = ("人民政府", "行政公署")


def government_name(division: Division) -> str:
    """The name of a division's government: 沭阳县人民政府, 和田地区行政公署."""
    return division.name + _OFFICE.get(division.type, "人民政府")


def is_government(level: str | None) -> bool:
    """True for the level of a division's government."""
    return level in GOVERNMENT_LEVELS.values()


def level_from_name(name: str, division: Division | None) -> str | None:
    """The level of an agency named `name` in `division` (None when neither says)."""
    if division is not None and name.endswith((division.name, government_name(division))):
        return GOVERNMENT_LEVELS[division.level]
    if _TOWN.search(name):
        return "town"
    if _ZONE.search(name):
        return "development-zone"
    return DEPARTMENT_LEVELS[division.level] if division is not None else None



def department_level(portal_level: str | None) -> str | None:
    """The level of a department found on the portal of an agency of `portal_level` whose division
    is unknown: the departments of a government's level, or the portal's own department level."""
    if portal_level in DEPARTMENT_LEVELS.values():
        return portal_level
    by_government = {government: DEPARTMENT_LEVELS[level] for level, government in GOVERNMENT_LEVELS.items()}
    return by_government.get(portal_level)
