"""`harvester demo --no-serve`: replica portal -> crawl -> archive -> parse -> harvester.db."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlite_utils

from harvester.portal import start_portal
from publish.helpers import expected


@pytest.fixture(scope="module")
def demo_archive(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    root = tmp_path_factory.mktemp("demo")
    run = subprocess.run([sys.executable, "-m", "harvester", "demo", "--no-serve",
                          "--archive", str(root), "--portal-port", "0"], capture_output=True, text=True, timeout=600)
    return root, run


@pytest.fixture(scope="module")
def ground_truth() -> list:
    """What the replica portal publishes (the same catalogue the demo crawls)."""
    with start_portal() as portal:
        return [(urlsplit(r.url).path, r.seed) for r in portal.reports]


def test_demo_finishes_with_a_summary(demo_archive) -> None:
    root, run = demo_archive
    assert run.returncode == 0, run.stderr[-2000:]
    assert "reports:" in run.stdout and f"{root}/harvester.db" in run.stdout
    assert "serve it with: harvester serve" in run.stdout


def test_every_published_report_is_archived(demo_archive, ground_truth) -> None:
    root, _ = demo_archive
    db = sqlite_utils.Database(root / "harvester.db")
    archived = {urlsplit(r["url"]).path for r in db["documents"].rows}
    assert {path for path, _ in ground_truth} <= archived


def test_every_published_report_is_loaded_with_its_golden_facts(demo_archive, ground_truth) -> None:
    root, _ = demo_archive
    db = sqlite_utils.Database(root / "harvester.db")
    for _, seed in ground_truth:
        golden = expected(seed)
        rows = list(db.query("SELECT id FROM reports WHERE agency = ? AND year = ?",
                             [golden["agency"], golden["year"]]))
        assert len(rows) == 1, f"{golden['agency']} {golden['year']} not loaded"
        facts = dict(db.execute("SELECT key, value FROM facts WHERE report_id = ?",
                                [rows[0]["id"]]).fetchall())
        assert facts == golden["facts"], seed
    assert db["reports"].count == len({seed for _, seed in ground_truth})


def test_the_demo_database_holds_the_country_and_every_report_its_level(demo_archive) -> None:
    """Issue 16: every division with its code, every report placed and levelled, coverage naming the
    governments of a province that published nothing for a year."""
    root, _ = demo_archive
    db = sqlite_utils.Database(root / "harvester.db")
    assert db.execute("SELECT count(*) FROM divisions WHERE level = 'county' AND valid_to IS NULL").fetchone()[0] >= 2840
    assert db["divisions"].get("321322")["name"] == "沭阳县"
    assert db.execute("SELECT count(*) FROM divisions WHERE name = '和安县'").fetchone()[0] == 1
    reports = list(db.query("SELECT agency, level, division FROM reports"))
    assert reports and all(r["level"] and r["division"] for r in reports), reports
    missing = {r["agency"] for r in db.query("SELECT agency FROM coverage WHERE province = '江苏省' AND year = 2023"
                                             " AND status = 'missing_after_deadline'")}
    assert {"江苏省人民政府", "宿迁市人民政府", "沭阳县人民政府"} <= missing
