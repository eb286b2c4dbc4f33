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
