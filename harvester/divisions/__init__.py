"""Administrative divisions, the registry's spine: every government at county level and above.

`gazetteer()` holds every division that exists or existed since the first covered year (sources:
harvester/divisions/sources.py); it finds a division by code, by the names a text begins with
(重庆市江北区财政局 -> 500105) and by a registry region {province, city, county}.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache

from harvester.divisions.levels import GOVERNMENT_SUFFIXES, government_name, is_government, level_from_name
from harvester.divisions.model import LEVELS, NOT_ADMINISTERED, TYPES, Division
from harvester.divisions.sources import FIRST_YEAR, all_divisions

__all__ = ["FIRST_YEAR", "LEVELS", "NOT_ADMINISTERED", "TYPES", "Division", "Gazetteer", "gazetteer"]
_LONGEST_NAME = 12
_REGION_KEYS = {"province": "province", "prefecture": "city", "county": "county"}  # registry region keys


class Gazetteer:
    """Divisions by code and by name."""

    def __init__(self, divisions: list[Division]) -> None:
        self.divisions = divisions
        self.by_code = {division.code: division for division in divisions}
        self.by_name: dict[str, list[Division]] = defaultdict(list)
        self._paths: dict[str, dict[str, str | None]] = {}
        for division in divisions:
            self.by_name[division.name].append(division)

    def get(self, code: str | None) -> Division | None:
        """The division of a 6-digit code (None for None or an unknown code)."""
        return self.by_code.get(code) if code else None

    def ancestors(self, division: Division) -> list[Division]:
        """The division's parents, nearest first."""
        found = []
        while division.parent and (division := self.by_code[division.parent]):
            found.append(division)
        return found

    def within(self, division: Division, area: Division) -> bool:
        """True when `division` is `area` or lies inside it."""
        return division == area or area in self.ancestors(division)

    def path(self, division: Division | None) -> dict[str, str | None]:
        """{province, city, county} names of a division (a registry region)."""
        if division is None:
            return {"province": None, "city": None, "county": None}
        if division.code not in self._paths:
            names: dict[str, str | None] = {"province": None, "city": None, "county": None}
            for unit in (division, *self.ancestors(division)):
                names[_REGION_KEYS[unit.level]] = unit.name
            self._paths[division.code] = names
        return dict(self._paths[division.code])

    def named(self, text: str, within: Division | None = None) -> Division | None:
        """The deepest division whose names begin `text` (沭阳县财政局 -> 沭阳县); an ambiguous name
        (江北区) counts only inside `within` or the division named before it."""
        found, context, position = None, within, 0
        while (match := self._name_at(text, position, context)) is not None:
            found = context = match
            position += len(match.name)
        return found

    def _name_at(self, text: str, position: int, context: Division | None) -> Division | None:
        for end in range(min(len(text), position + _LONGEST_NAME), position + 1, -1):
            candidates = self.by_name.get(text[position:end], [])
            inside = [c for c in candidates if context is not None and self.within(c, context)]
            if len(inside) == 1:
                return inside[0]
            if len(candidates) == 1:
                return candidates[0]
        return None

    def place(self, name: str, home: Division | None) -> tuple[Division | None, str | None, str]:
        """(division, level, canonical name) of an agency named `name` found on a portal of `home`:
        the division its name begins with, else `home`; a government named without 人民政府 (沭阳县)
        gets its government's name."""
        division = self.named(name, within=home) or home
        level = level_from_name(name, division)
        named_alone = division is not None and is_government(level) and not name.endswith(GOVERNMENT_SUFFIXES)
        canonical = government_name(division) if named_alone else name
        return division, level, canonical

    def of_region(self, province: str | None, city: str | None = None, county: str | None = None) -> Division | None:
        """The division a registry region names, the deepest named; None when a name is unknown."""
        found = None
        for name in (province, city, county):
            if name:
                found = self._name_at(name, 0, found)
                if found is None or found.name != name:
                    return None
        return found


@cache
def gazetteer() -> Gazetteer:
    """Every division (read once per process)."""
    return Gazetteer(all_divisions())
