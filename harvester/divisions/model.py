"""One administrative division (行政区划) and the vocabulary of its types and levels."""

from __future__ import annotations

from dataclasses import dataclass

LEVELS = ("province", "prefecture", "county")
TYPES = {
    "province": ("省", "自治区", "直辖市", "特别行政区"),
    "prefecture": ("地级市", "自治州", "地区", "盟"),
    "county": ("县", "自治县", "县级市", "市辖区", "旗", "自治旗", "特区", "林区"),
}
LEVEL_OF_TYPE = {kind: level for level, kinds in TYPES.items() for kind in kinds}
# Name endings that give a county-level unit's type when a source names no type, longest first.
_COUNTY_ENDINGS = (("自治县", "自治县"), ("自治旗", "自治旗"), ("林区", "林区"), ("特区", "特区"),
                   ("旗", "旗"), ("区", "市辖区"), ("县", "县"), ("市", "县级市"))
# The regulation binds the governments the State Council administers: these units publish no report.
NOT_ADMINISTERED = frozenset({"710000", "810000", "820000", "350527"})  # 台湾省, 香港, 澳门, 金门县


@dataclass(frozen=True)
class Division:
    """A division: 6-digit code, name, type (县, 地级市 ...), level, parent code, years it existed.

    valid_from is the year a unit created since the first covered year appeared (None: older);
    valid_to the year it was abolished (None: it exists), successor the code that took it over.
    """

    code: str
    name: str
    type: str
    level: str
    parent: str | None = None
    valid_from: int | None = None
    valid_to: int | None = None
    successor: str | None = None

    @property
    def administered(self) -> bool:
        """True for a unit whose government the regulation binds (mainland, administered)."""
        return self.code not in NOT_ADMINISTERED

    def exists_in(self, year: int) -> bool:
        """True when the unit existed during `year` (abolished units until their last year)."""
        return (self.valid_from or 0) <= year and (self.valid_to is None or year < self.valid_to)


def county_type(name: str) -> str:
    """The type of a county-level unit from its name (for units a source lists without a type)."""
    return next((kind for ending, kind in _COUNTY_ENDINGS if name.endswith(ending)), "县")
