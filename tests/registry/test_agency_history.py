"""An agency renamed in the 2018-2019 institutional reform stays one line of history through the
registry's aliases; an agency whose name and portal name no division still gets a level."""

from __future__ import annotations

import sqlite_utils

from country import archive_reports, registry
from harvester.db.load import load

ECOLOGY = {"id": "sq-sthjj", "agency": "宿迁市生态环境局", "level": "department-of-city",
           "aliases": ["宿迁市环境保护局"]}


def test_reports_under_a_former_name_are_the_renamed_agencys(tmp_path) -> None:
    archive_reports(tmp_path, [("宿迁市环境保护局", 2018), ("宿迁市生态环境局", 2019)])
    load(tmp_path, registry(tmp_path, ECOLOGY), workers=1)
    db = sqlite_utils.Database(tmp_path / "harvester.db")
    rows = list(db.query("SELECT agency_id, agency, year, division FROM reports ORDER BY year"))
    assert [(r["agency_id"], r["year"], r["division"]) for r in rows] == [("sq-sthjj", 2018, "321300"),
                                                                         ("sq-sthjj", 2019, "321300")]
    printed = {r["agency"] for r in db.query("SELECT agency FROM documents WHERE problem IS NULL")}
    assert printed == {"宿迁市环境保护局", "宿迁市生态环境局"}  # the names as printed stay in documents
    assert db["agency_aliases"].get("宿迁市环境保护局")["agency_id"] == "sq-sthjj"
    years = {r["year"]: r["status"] for r in db.query("SELECT year, status FROM coverage WHERE agency_id = 'sq-sthjj'")}
    assert years[2018] == years[2019] == "published" and years[2020] == "missing_after_deadline"


def test_an_agency_without_a_known_division_takes_its_level_from_the_portal(tmp_path) -> None:
    archive_reports(tmp_path, [("示例市统计局", 2023)])
    load(tmp_path, registry(tmp_path, region={"province": "示例省", "city": "示例市", "county": None}), workers=1)
    [row] = sqlite_utils.Database(tmp_path / "harvester.db").query("SELECT level, division, province FROM reports")
    assert row == {"level": "department-of-city", "division": None, "province": "示例省"}
