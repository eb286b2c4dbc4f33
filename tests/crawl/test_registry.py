"""The site registry: the bundled entries, the demo registry and clear errors for broken files."""

from __future__ import annotations

from pathlib import Path

import pytest

from harvester.registry import DEMO_REGISTRY, RegistryError, load_registry, select

SEED_AGENCIES = {"沈阳市科学技术局", "沈阳市工业和信息化局", "本溪市科学技术局", "昌乐县科学技术局", "朝阳市科学技术局"}


def test_bundled_registry_has_the_five_seed_agencies_and_aggregation_columns() -> None:
    sites = load_registry()
    assert SEED_AGENCIES <= {site.agency for site in sites}
    assert {s.agency for s in sites if s.aggregates} >= {"沈阳市人民政府", "本溪市人民政府", "朝阳市人民政府"}
    by_id = {site.id: site for site in sites}
    assert by_id["sy-kjj"].start_urls == ["https://kjj.shenyang.gov.cn/zwgk/zfxxgknb/"]
    assert by_id["bx-kjj"].columns[0].evidence == "seen"
    assert by_id["cl-kjj"].region.county == "昌乐县"


def test_demo_registry_fills_the_portal_url() -> None:
    sites = load_registry(DEMO_REGISTRY, portal="http://127.0.0.1:8123/")
    assert [s.start_urls[0] for s in sites] == [
        "http://127.0.0.1:8123/zwgk/zfxxgknb/index.html",
        "http://127.0.0.1:8123/cysz/xxgk/zfxxgknb/index.html",
    ]
    with pytest.raises(RegistryError, match="portal"):
        load_registry(DEMO_REGISTRY)


def test_select_keeps_order_and_rejects_unknown_ids() -> None:
    sites = load_registry()
    assert [s.id for s in select(sites, ["sy-city", "sy-kjj"])] == ["sy-city", "sy-kjj"]
    assert len(select(sites, [])) == len(sites)
    with pytest.raises(RegistryError, match="unknown site id.*nope"):
        select(sites, ["nope"])


GOOD = """
  - id: x-kjj
    agency: 某局
    region: {province: 辽宁省}
    level: department-of-city
    portal: https://x.gov.cn/
    columns: [{url: "https://x.gov.cn/zfxxgknb/", evidence: seen}]
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sites: [", "not valid YAML"),
        ("- just a list", "'sites' list"),
        ("sites:" + GOOD.replace("id: x-kjj", "id: X KJJ"), "id must be"),
        ("sites:" + GOOD.replace("department-of-city", "ministry"), "level 'ministry'"),
        ("sites:" + GOOD.replace("evidence: seen", "evidence: rumour"), "evidence 'rumour'"),
        ("sites:" + GOOD.replace("evidence: seen", "evidence: found yesterday"), "evidence 'found yesterday'"),
        ("sites:" + GOOD.replace("evidence: seen", "evidence: found 2026-13-01"), "evidence 'found 2026-13-01'"),
        ("sites:" + GOOD.replace("https://x.gov.cn/zfxxgknb/", "ftp://x.gov.cn/"), "not an absolute http"),
        ("sites:" + GOOD.replace("    agency: 某局\n", ""), "missing 'agency'"),
        ("sites:" + GOOD + "    colour: red\n", "unknown key"),
        ("sites:" + GOOD + "    cms: drupal\n", "cms 'drupal'"),
        ("sites:" + GOOD + GOOD, "duplicate id 'x-kjj'"),
    ],
)
def test_broken_registry_files_give_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "registry.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RegistryError, match=message):
        load_registry(path)


@pytest.mark.parametrize("evidence", ["seen", "inferred", "found 2026-12-01"])
def test_column_evidence_is_seen_inferred_or_found_on_a_date(tmp_path: Path, evidence: str) -> None:
    path = tmp_path / "registry.yaml"
    path.write_text("sites:" + GOOD.replace("evidence: seen", f"evidence: {evidence}"), encoding="utf-8")
    [site] = load_registry(path)
    assert site.columns[0].evidence == evidence


def test_a_missing_registry_file_is_a_registry_error(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="cannot read"):
        load_registry(tmp_path / "absent.yaml")
