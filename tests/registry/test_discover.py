"""`harvester registry discover` runs the column finder over imported portals (the real-CMS replica,
over HTTP), records per portal the columns found or why none was, and creates the agencies the
columns list; `harvester load` then knows them."""

from __future__ import annotations

import json
import socket
import sqlite3
from datetime import date
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from crawl.real_cms import running_homes
from harvester.cli import main
from harvester.db.load import load
from harvester.registry import load_registry
from official_sample import write_csv


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def replica():
    with running_homes() as running:
        yield running


@pytest.fixture(scope="module")
def discovered(replica, tmp_path_factory):
    cms, found = replica
    tmp = tmp_path_factory.mktemp("discover")
    sites = [("2101000001", "沈阳市人民政府", found["trs"][0], "", "政府门户网站"),
             ("3213000001", "某市科学技术局", found["hanweb"][0], "", "部门网站"),
             ("3213220001", "某县人民政府", found["platform"][0], "", "政府门户网站"),
             ("3213220002", "无年报栏目", cms.absolute("/xxgk/fdzdgknr/index.shtml"), "", "部门网站"),
             ("3213220003", "打不开的网站", f"http://127.0.0.1:{_closed_port()}/", "", "部门网站")]
    archive = tmp / "archive"
    runner = CliRunner()
    imported = runner.invoke(main, ["registry", "import-sites", str(write_csv(tmp / "sites.csv", sites)),
                                    "--archive", str(archive)])
    assert imported.exit_code == 0, imported.output
    result = runner.invoke(main, ["registry", "discover", "--delay", "0", "--archive", str(archive)])
    return archive, found, result


def _latest(archive: Path) -> dict[str, sqlite3.Row]:
    conn = sqlite3.connect(archive / "registry.db")
    conn.row_factory = sqlite3.Row
    return {row["code"]: row for row in conn.execute("SELECT * FROM discoveries")}


def test_discover_finds_the_columns_of_the_replicas_portals(discovered) -> None:
    archive, found, result = discovered
    assert result.exit_code == 0, result.output
    assert "5 portals: 3 found, 1 none, 1 failed" in result.stdout
    recorded = _latest(archive)
    for code, family in (("2101000001", "trs"), ("3213000001", "hanweb"), ("3213220001", "platform")):
        assert recorded[code]["outcome"] == "found"
        assert {column["url"] for column in json.loads(recorded[code]["columns"])} == found[family][1]


def test_discover_records_why_a_portal_gave_no_column(discovered) -> None:
    archive, _, _ = discovered
    recorded = _latest(archive)
    assert recorded["3213220002"]["outcome"] == "none"
    assert recorded["3213220002"]["reason"].startswith("no report column within")
    assert recorded["3213220003"]["outcome"] == "failed"
    assert "home page gave no HTML page" in recorded["3213220003"]["reason"]


def test_discover_obeys_robots_txt(discovered, replica) -> None:
    cms, _ = replica
    assert not cms.requested("/bs/")


def test_agencies_listed_in_a_column_are_created_with_their_division_and_level(discovered) -> None:
    archive, _, _ = discovered
    conn = sqlite3.connect(archive / "registry.db")
    agencies = conn.execute("SELECT id, name, division, level FROM agencies").fetchall()
    assert ("2101000001:沈阳市科学技术局", "沈阳市科学技术局", "210100", "department-of-city") in agencies
    listed = CliRunner().invoke(main, ["registry", "list", "--archive", str(archive)]).stdout
    assert "2101000001  210100  found" in listed


def test_load_expects_a_report_a_year_from_every_discovered_agency(discovered) -> None:
    archive, _, _ = discovered
    load(archive, [], workers=1)
    db = sqlite_utils.Database(archive / "harvester.db")
    agency = db["agencies"].get("2101000001:沈阳市科学技术局")
    assert (agency["source"], agency["province"], agency["city"]) == ("discovered", "辽宁省", "沈阳市")
    years = {r["year"]: r["status"] for r in db.query(
        "SELECT year, status FROM coverage WHERE agency_id = '2101000001:沈阳市科学技术局'")}
    assert set(years) == set(range(2019, date.today().year)) and set(years.values()) == {"missing_after_deadline"}


def test_export_writes_the_discovered_portals_as_a_registry_to_crawl(discovered, tmp_path) -> None:
    archive, found, _ = discovered
    out = tmp_path / "sites.yaml"
    result = CliRunner().invoke(main, ["registry", "export", "--out", str(out), "--archive", str(archive)])
    assert result.exit_code == 0, result.output
    sites = {site.id: site for site in load_registry(out)}
    assert set(sites) == {"2101000001", "3213000001", "3213220001"}
    trs = sites["2101000001"]
    assert set(trs.start_urls) == found["trs"][1] and trs.division == "210100"
    assert (trs.level, trs.aggregates, trs.region.city) == ("city", True, "沈阳市")
    assert sites["3213000001"].level == "department-of-city"
    assert {column.evidence for column in trs.columns} == {f"found {date.today().isoformat()}"}
