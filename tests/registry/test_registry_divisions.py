"""Every registry entry carries its division code; `harvester registry validate` names an entry
whose division is unknown, abolished, or not the one its region names."""

from __future__ import annotations

import yaml
from click.testing import CliRunner

from harvester.cli import main
from harvester.registry import load_registry

ENTRY = {"id": "x", "agency": "沭阳县人民政府", "level": "county", "portal": "http://www.shuyang.gov.cn/",
         "columns": [{"url": "http://www.shuyang.gov.cn/zfxxgknb/", "evidence": "inferred"}]}


def test_every_bundled_entry_has_the_division_its_region_names() -> None:
    sites = load_registry()
    assert sites and all(site.division for site in sites)
    for site in sites:
        assert site.division_unit().code == site.division
        assert site.division_unit().name in (site.region.county, site.region.city, site.region.province)


def test_validate_names_entries_placed_wrongly(tmp_path) -> None:
    entries = [
        {**ENTRY, "id": "right", "region": {"province": "江苏省", "city": "宿迁市", "county": "沭阳县"}, "division": "321322"},
        {**ENTRY, "id": "wrong", "region": {"province": "江苏省", "city": "宿迁市", "county": "沭阳县"}, "division": "321323"},
        {**ENTRY, "id": "gone", "region": {"province": "重庆市", "city": None, "county": None}, "division": "500112"},
        {**ENTRY, "id": "nowhere", "region": {"province": "示例省", "city": None, "county": None}},
    ]
    path = tmp_path / "registry.yaml"
    path.write_text(yaml.safe_dump({"sites": entries}, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(main, ["registry", "validate", "--registry", str(path), "--archive", str(tmp_path / "a")])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "site wrong: region names 321322 沭阳县, division is 321323 泗阳县",
        "site gone: division 500112 渝北区 was abolished in 2025 (successor 500157)",
        "site nowhere: no division (set `division:` or a region the divisions name)",
    ]


def test_an_unknown_division_code_is_a_registry_error(tmp_path) -> None:
    path = tmp_path / "registry.yaml"
    path.write_text(yaml.safe_dump({"sites": [{**ENTRY, "region": {"province": "江苏省"}, "division": "999999"}]},
                                   allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(main, ["registry", "validate", "--registry", str(path), "--archive", str(tmp_path / "a")])
    assert result.exit_code == 1 and "division '999999' is not the code of a division" in result.output
