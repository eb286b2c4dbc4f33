"""Every report gets its division, region and level; coverage is measured against every
government of the country, each year since 2019, with the largest holes in `harvester health`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx
import pytest
import sqlite_utils
from click.testing import CliRunner

from country import archive_reports, registry
from harvester.cli import main
from harvester.db.load import load
from publish.helpers import serve

REPORTS = [
    ("沭阳县人民政府", 2023),          # a county government
    ("沭阳县", 2022),                  # the same government, named without 人民政府
    ("沭阳县财政局", 2023),            # one of its departments
    ("沭阳县沭城街道办事处", 2023),    # a town
    ("宿迁经济技术开发区管理委员会", 2023),  # a development zone of the portal's city
    ("重庆市渝北区人民政府", 2023),    # a unit abolished in 2025 keeps the code it had
    ("重庆市渝北区财政局", 2023),      # and so do its departments
    ("江苏省人民政府", 2022),          # a province
]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> sqlite_utils.Database:
    root = tmp_path_factory.mktemp("country")
    archive_reports(root, REPORTS)
    load(root, registry(root), workers=1)
    return sqlite_utils.Database(root / "harvester.db")


def test_the_database_holds_every_division_with_its_code(loaded) -> None:
    counties = loaded.execute("SELECT count(*) FROM divisions WHERE level = 'county' AND valid_to IS NULL").fetchone()[0]
    assert counties >= 2840
    assert loaded["divisions"].get("321322")["name"] == "沭阳县"
    assert loaded.execute("SELECT code FROM divisions WHERE name = '和安县'").fetchall() == [("653229",)]


def test_every_report_has_its_division_region_and_level(loaded) -> None:
    rows = {(r["agency"], r["year"]): r for r in loaded.query(
        "SELECT agency, year, division, province, city, county, level FROM reports")}
    assert len(rows) == len(REPORTS)
    assert all(r["level"] and r["division"] and r["province"] for r in rows.values()), rows
    assert {key: (r["division"], r["level"]) for key, r in rows.items()} == {
        ("沭阳县人民政府", 2023): ("321322", "county"),
        ("沭阳县人民政府", 2022): ("321322", "county"),
        ("沭阳县财政局", 2023): ("321322", "department-of-county"),
        ("沭阳县沭城街道办事处", 2023): ("321322", "town"),
        ("宿迁经济技术开发区管理委员会", 2023): ("321300", "development-zone"),
        ("重庆市渝北区人民政府", 2023): ("500112", "county"),
        ("重庆市渝北区财政局", 2023): ("500112", "department-of-county"),
        ("江苏省人民政府", 2022): ("320000", "province"),
    }
    finance = rows[("沭阳县财政局", 2023)]
    assert (finance["province"], finance["city"], finance["county"]) == ("江苏省", "宿迁市", "沭阳县")


def test_a_government_named_without_its_title_is_the_same_agency(loaded) -> None:
    [agency_id] = {r["agency_id"] for r in loaded.query("SELECT agency_id FROM reports WHERE division = '321322'"
                                                        " AND level = 'county'")}
    alias = loaded["agency_aliases"].get("沭阳县")
    assert alias["agency_id"] == agency_id == "sq-gov:沭阳县人民政府"


def _coverage(db, **where) -> list[dict]:
    clauses = " AND ".join(f"{k} = ?" for k in where)
    return list(db.query(f"SELECT * FROM coverage WHERE {clauses} ORDER BY agency", list(where.values())))


def test_coverage_names_the_governments_of_a_province_with_no_report_for_a_year(loaded) -> None:
    zhejiang = _coverage(loaded, province="浙江省", year=2023)
    expected = loaded.execute("SELECT count(*) FROM divisions WHERE province = '浙江省' AND valid_to IS NULL").fetchone()[0]
    assert len(zhejiang) == expected > 90
    assert {r["status"] for r in zhejiang} == {"missing_after_deadline"}
    assert "杭州市人民政府" in {r["agency"] for r in zhejiang}


def test_a_government_is_covered_by_its_report_in_the_years_its_division_existed(loaded) -> None:
    shuyang = {r["year"]: r["status"] for r in _coverage(loaded, division="321322") if r["level"] == "county"}
    assert shuyang[2023] == shuyang[2022] == "published" and shuyang[2021] == "missing_after_deadline"
    assert set(shuyang) == set(range(2019, date.today().year))
    yubei = {(r["level"], r["year"]): r["status"] for r in _coverage(loaded, division="500112")}
    assert yubei[("county", 2023)] == yubei[("department-of-county", 2023)] == "published"
    assert max(year for _, year in yubei) == 2024  # abolished in 2025: neither is expected after
    hean = {r["year"] for r in _coverage(loaded, division="653229")}
    assert min(hean) == 2024
    assert not _coverage(loaded, division="710000") and not _coverage(loaded, division="350527")


def test_coverage_by_province_and_level(loaded) -> None:
    jiangsu = loaded["coverage_by_region"].get(("江苏省", "county", 2023))
    counties = loaded.execute("SELECT count(*) FROM divisions WHERE province = '江苏省' AND level = 'county'"
                              " AND valid_to IS NULL").fetchone()[0]
    assert (jiangsu["expected"], jiangsu["published"], jiangsu["missing"]) == (counties, 1, counties - 1)
    departments = loaded["coverage_by_region"].get(("江苏省", "department-of-county", 2023))
    assert departments["published"] == 1


def test_health_lists_the_ten_largest_holes(loaded) -> None:
    root = Path(loaded.conn.execute("PRAGMA database_list").fetchone()[2]).parent
    result = CliRunner().invoke(main, ["health", "--archive", str(root)])
    assert result.exit_code == 0, result.output
    holes = [line for line in result.output.splitlines() if line.startswith("hole: ")]
    assert len(holes) == 10
    biggest = max(loaded.query("SELECT * FROM coverage_by_region"), key=lambda r: r["missing"])
    assert holes[0] == (f"hole: {biggest['province']} {biggest['level']} {biggest['year']}: {biggest['missing']} of "
                        f"{biggest['expected']} reports missing after their deadline")


def test_the_coverage_table_answers_over_datasette(loaded) -> None:
    root = Path(loaded.conn.execute("PRAGMA database_list").fetchone()[2]).parent
    with serve(root) as base:
        rows = httpx.get(f"{base}/harvester/coverage.json", params={
            "province": "浙江省", "year": 2023, "level": "county", "_shape": "array", "_size": "max"}).json()
    names = {row["agency"] for row in rows}
    assert len(rows) == 90 and "杭州市上城区人民政府" not in names and "上城区人民政府" in names
    assert {row["status"] for row in rows} == {"missing_after_deadline"}
